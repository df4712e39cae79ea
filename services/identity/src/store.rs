//! Identity SQL, portable across SQLite and PostgreSQL.

use anyhow::Context as _;
use bazaar_platform::{auth::Role, db::Db};
use bazaar_types::{Address, AddressId, Email, SessionId, UserId, address::AddressInput};
use sqlx::AnyConnection;

use crate::domain::{Throttle, ThrottleKind, User};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    name: String,
    role: String,
    created_at: i64,
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Admin => "admin",
    }
}

impl TryFrom<UserRow> for User {
    type Error = anyhow::Error;

    fn try_from(row: UserRow) -> anyhow::Result<Self> {
        Ok(Self {
            id: UserId::parse(&row.id).context("stored user id")?,
            email: Email::parse(&row.email).context("stored e-mail address")?,
            name: row.name,
            role: match row.role.as_str() {
                "admin" => Role::Admin,
                _ => Role::Customer,
            },
            created_at_ms: row.created_at,
        })
    }
}

/// Inserts a user. Returns `false` when the e-mail address is taken.
#[tracing::instrument(skip_all)]
pub async fn insert_user(
    connection: &mut AnyConnection,
    user: &User,
    password_hash: &str,
) -> anyhow::Result<bool> {
    let result = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
    )
    .bind(user.id.as_str())
    .bind(user.email.as_str())
    .bind(&user.name)
    .bind(password_hash)
    .bind(role_name(user.role))
    .bind(user.created_at_ms)
    .execute(connection)
    .await;
    match result {
        Ok(_) => Ok(true),
        Err(error) if bazaar_platform::db::is_unique_violation(&error) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Returns a user and their password hash by e-mail address.
#[tracing::instrument(skip_all)]
pub async fn user_by_email(db: &Db, email: &Email) -> anyhow::Result<Option<(User, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        user: UserRow,
        password_hash: String,
    }
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, email, name, role, created_at, password_hash FROM users WHERE email = $1",
    )
    .bind(email.as_str())
    .fetch_optional(&mut *db.reader().await?)
    .await?;
    row.map(|row| Ok((User::try_from(row.user)?, row.password_hash))).transpose()
}

/// Returns a user by id.
#[tracing::instrument(skip_all)]
pub async fn user_by_id(db: &Db, id: &UserId) -> anyhow::Result<Option<User>> {
    let row: Option<UserRow> =
        sqlx::query_as("SELECT id, email, name, role, created_at FROM users WHERE id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *db.reader().await?)
            .await?;
    row.map(User::try_from).transpose()
}

/// Tells whether any admin exists.
#[tracing::instrument(skip_all)]
pub async fn admin_exists(db: &Db) -> anyhow::Result<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
            .fetch_optional(&mut *db.reader().await?)
            .await?;
    Ok(found.is_some())
}

/// Changes a user's name and returns the user.
#[tracing::instrument(skip_all)]
pub async fn rename_user(
    db: &Db,
    id: &UserId,
    name: &str,
    now_ms: i64,
) -> anyhow::Result<Option<User>> {
    let mut tx = db.begin().await?;
    let row: Option<UserRow> = sqlx::query_as(
        "UPDATE users SET name = $2, updated_at = $3 WHERE id = $1 RETURNING id, email, name, role, created_at",
    )
    .bind(id.as_str())
    .bind(name)
    .bind(now_ms)
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    row.map(User::try_from).transpose()
}

/// Opens a session.
#[tracing::instrument(skip_all)]
pub async fn insert_session(
    connection: &mut AnyConnection,
    id: &SessionId,
    user_id: &UserId,
    now_ms: i64,
    expires_at_ms: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id.as_str())
    .bind(user_id.as_str())
    .bind(now_ms)
    .bind(expires_at_ms)
    .execute(connection)
    .await?;
    Ok(())
}

/// Tells whether a session is live at `now_ms` (exists, not revoked, not expired).
#[tracing::instrument(skip_all)]
pub async fn session_is_live(db: &Db, id: &str, now_ms: i64) -> anyhow::Result<bool> {
    let found: Option<String> = sqlx::query_scalar(
        "SELECT id FROM sessions WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(id)
    .bind(now_ms)
    .fetch_optional(&mut *db.reader().await?)
    .await?;
    Ok(found.is_some())
}

/// Extends a live session of `user_id` to `expires_at_ms`. Returns `false` when it is not live.
#[tracing::instrument(skip_all)]
pub async fn extend_session(
    db: &Db,
    id: &str,
    user_id: &UserId,
    now_ms: i64,
    expires_at_ms: i64,
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE sessions SET expires_at = $4 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(id)
    .bind(user_id.as_str())
    .bind(now_ms)
    .bind(expires_at_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(updated == 1)
}

/// Revokes a session (idempotent).
#[tracing::instrument(skip_all)]
pub async fn revoke_session(
    db: &Db,
    id: &str,
    user_id: &UserId,
    now_ms: i64,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE sessions SET revoked_at = $3 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind(id)
    .bind(user_id.as_str())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A saved address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAddress {
    /// Id.
    pub id: AddressId,
    /// The address.
    pub address: Address,
    /// When it was saved.
    pub created_at_ms: i64,
}

#[derive(sqlx::FromRow)]
struct AddressRow {
    id: String,
    name: String,
    line1: String,
    line2: String,
    city: String,
    postal_code: String,
    country: String,
    created_at: i64,
}

impl TryFrom<AddressRow> for StoredAddress {
    type Error = anyhow::Error;

    fn try_from(row: AddressRow) -> anyhow::Result<Self> {
        let address = Address::parse(&AddressInput {
            name: &row.name,
            line1: &row.line1,
            line2: &row.line2,
            city: &row.city,
            postal_code: &row.postal_code,
            country: &row.country,
        })
        .map_err(|errors| anyhow::anyhow!("stored address {} is invalid: {errors}", row.id))?;
        Ok(Self { id: AddressId::parse(&row.id)?, address, created_at_ms: row.created_at })
    }
}

const ADDRESS_COLUMNS: &str = "id, name, line1, line2, city, postal_code, country, created_at";

/// Lists a user's addresses, oldest first.
#[tracing::instrument(skip_all)]
pub async fn list_addresses(db: &Db, user_id: &UserId) -> anyhow::Result<Vec<StoredAddress>> {
    let rows: Vec<AddressRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ADDRESS_COLUMNS} FROM addresses WHERE user_id = $1 ORDER BY created_at, id"
    )))
    .bind(user_id.as_str())
    .fetch_all(&mut *db.reader().await?)
    .await?;
    rows.into_iter().map(StoredAddress::try_from).collect()
}

/// Returns one of a user's addresses (`None` for another user's).
#[tracing::instrument(skip_all)]
pub async fn address(
    db: &Db,
    user_id: &UserId,
    id: &AddressId,
) -> anyhow::Result<Option<StoredAddress>> {
    let row: Option<AddressRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {ADDRESS_COLUMNS} FROM addresses WHERE id = $1 AND user_id = $2"
    )))
    .bind(id.as_str())
    .bind(user_id.as_str())
    .fetch_optional(&mut *db.reader().await?)
    .await?;
    row.map(StoredAddress::try_from).transpose()
}

/// Saves an address unless the user already has `limit`. Returns `None` at the limit.
#[tracing::instrument(skip_all)]
pub async fn insert_address(
    db: &Db,
    user_id: &UserId,
    address: &Address,
    limit: usize,
    now_ms: i64,
) -> anyhow::Result<Option<StoredAddress>> {
    let mut tx = db.begin().await?;
    let count: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM addresses WHERE user_id = $1")
            .bind(user_id.as_str())
            .fetch_one(&mut *tx)
            .await?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= limit {
        return Ok(None);
    }
    let id = AddressId::generate();
    sqlx::query(
        "INSERT INTO addresses (id, user_id, name, line1, line2, city, postal_code, country, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.as_str())
    .bind(user_id.as_str())
    .bind(&address.name)
    .bind(&address.line1)
    .bind(address.line2.as_deref().unwrap_or(""))
    .bind(&address.city)
    .bind(&address.postal_code)
    .bind(address.country.code())
    .bind(now_ms)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(StoredAddress { id, address: address.clone(), created_at_ms: now_ms }))
}

/// Deletes one of a user's addresses. Returns `false` when there was none.
#[tracing::instrument(skip_all)]
pub async fn delete_address(db: &Db, user_id: &UserId, id: &AddressId) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let deleted = sqlx::query("DELETE FROM addresses WHERE id = $1 AND user_id = $2")
        .bind(id.as_str())
        .bind(user_id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(deleted == 1)
}

/// A stored signing key.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct KeyRow {
    /// Key id.
    pub kid: String,
    /// PKCS#8 document.
    pub pkcs8: Vec<u8>,
    /// Raw public key.
    pub public_key: Vec<u8>,
    /// Creation time.
    pub created_at: i64,
}

/// Lists active (not retired) signing keys, newest first.
#[tracing::instrument(skip_all)]
pub async fn active_keys(db: &Db) -> anyhow::Result<Vec<KeyRow>> {
    Ok(sqlx::query_as(
        "SELECT kid, pkcs8, public_key, created_at FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid DESC",
    )
    .fetch_all(&mut *db.reader().await?)
    .await?)
}

/// Stores a new signing key.
#[tracing::instrument(skip_all)]
pub async fn insert_key(db: &Db, key: &KeyRow) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO signing_keys (kid, pkcs8, public_key, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&key.kid)
    .bind(key.pkcs8.as_slice())
    .bind(key.public_key.as_slice())
    .bind(key.created_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Retires keys created before `before_ms`, except the newest.
#[tracing::instrument(skip_all)]
pub async fn retire_keys(
    db: &Db,
    before_ms: i64,
    keep_kid: &str,
    now_ms: i64,
) -> anyhow::Result<u64> {
    let mut tx = db.begin().await?;
    let retired = sqlx::query(
        "UPDATE signing_keys SET retired_at = $3 WHERE retired_at IS NULL AND created_at < $1 AND kid <> $2",
    )
    .bind(before_ms)
    .bind(keep_kid)
    .bind(now_ms)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(retired)
}

/// Returns until when a throttle key blocks sign-ins (0 when it does not).
#[tracing::instrument(skip_all)]
pub async fn blocked_until(db: &Db, key: &str) -> anyhow::Result<i64> {
    let until: Option<i64> =
        sqlx::query_scalar("SELECT blocked_until FROM sign_in_failures WHERE throttle_key = $1")
            .bind(key)
            .fetch_optional(&mut *db.reader().await?)
            .await?;
    Ok(until.unwrap_or(0))
}

/// Counts a failed sign-in against a throttle key and sets its block.
#[tracing::instrument(skip_all)]
pub async fn record_failure(
    db: &Db,
    kind: ThrottleKind,
    key: &str,
    now_ms: i64,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let failures: i64 = sqlx::query_scalar(
        "INSERT INTO sign_in_failures (throttle_key, failures, last_failure_at, blocked_until) VALUES ($1, 1, $2, 0) \
         ON CONFLICT (throttle_key) DO UPDATE SET last_failure_at = $2, failures = CASE \
             WHEN sign_in_failures.last_failure_at < $3 THEN 1 ELSE sign_in_failures.failures + 1 END \
         RETURNING failures",
    )
    .bind(key)
    .bind(now_ms)
    // Failures older than an hour are forgiven.
    .bind(now_ms - 3_600_000)
    .fetch_one(&mut *tx)
    .await?;
    let until = Throttle::blocked_until(kind, failures, now_ms);
    sqlx::query("UPDATE sign_in_failures SET blocked_until = $2 WHERE throttle_key = $1")
        .bind(key)
        .bind(until)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the failures of a throttle key (after a successful sign-in).
#[tracing::instrument(skip_all)]
pub async fn clear_failures(db: &Db, key: &str) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
