//! Notification SQL, portable across SQLite and PostgreSQL.

use bazaar_platform::db::Db;
use bazaar_types::Page;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::compose::Draft;

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Message {
    /// Id.
    pub id: String,
    /// Recipient.
    pub recipient: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body_text: String,
    /// What caused it.
    pub kind: String,
    /// `mailbox` or `smtp`.
    pub transport: String,
    /// `stored`, `pending`, `sent` or `failed`.
    pub status: String,
    /// Delivery attempts so far.
    pub attempts: i64,
    /// Creation time.
    pub created_at: i64,
}

const COLUMNS: &str =
    "id, recipient, subject, body_text, kind, transport, status, attempts, created_at";

/// Stores a message for an event (inside the inbox transaction); a second one for the same event is ignored.
///
/// # Errors
/// When the database fails.
pub async fn insert(
    connection: &mut AnyConnection,
    event_id: &str,
    draft: &Draft,
    smtp: bool,
) -> Result<(), sqlx::Error> {
    let now = bazaar_types::now_ms();
    sqlx::query(
        "INSERT INTO messages (id, event_id, recipient, subject, body_text, kind, transport, status, created_at, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind(bazaar_types::MessageId::generate().as_str())
    .bind(event_id)
    .bind(&draft.recipient)
    .bind(&draft.subject)
    .bind(&draft.body)
    .bind(draft.kind)
    .bind(if smtp { "smtp" } else { "mailbox" })
    .bind(if smtp { "pending" } else { "stored" })
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}

/// Lists messages, newest first, optionally to one recipient.
///
/// # Errors
/// When the database fails.
pub async fn list(
    db: &Db,
    recipient: Option<&str>,
    page: Page,
) -> anyhow::Result<(Vec<Message>, u64)> {
    let mut reader = db.reader().await?;
    let recipient = recipient.unwrap_or("");
    let total: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM messages WHERE ($1 = '' OR recipient = $1)",
    )
    .bind(recipient)
    .fetch_one(&mut *reader)
    .await?;
    let messages = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages WHERE ($1 = '' OR recipient = $1) ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(recipient)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *reader)
    .await?;
    Ok((messages, u64::try_from(total).unwrap_or(0)))
}

/// Returns a message.
///
/// # Errors
/// When the database fails.
pub async fn get(db: &Db, id: &str) -> anyhow::Result<Option<Message>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM messages WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *db.reader().await?)
        .await?)
}

/// Returns messages waiting for SMTP delivery.
///
/// # Errors
/// When the database fails.
pub async fn pending(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<Message>> {
    Ok(sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY created_at LIMIT $2"
    )))
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *db.reader().await?)
    .await?)
}

/// Records the outcome of a delivery attempt.
///
/// # Errors
/// When the database fails.
pub async fn record_attempt(
    db: &Db,
    id: &str,
    status: &str,
    attempts: i64,
    next_attempt_at: i64,
    error: &str,
) -> anyhow::Result<()> {
    let now = bazaar_types::now_ms();
    let mut tx = db.begin().await?;
    sqlx::query(
        "UPDATE messages SET status = $2, attempts = $3, next_attempt_at = $4, last_error = $5, \
         sent_at = CASE WHEN $2 = 'sent' THEN $6 ELSE sent_at END WHERE id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(error)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
