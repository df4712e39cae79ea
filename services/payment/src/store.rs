//! Payment SQL, portable across SQLite and PostgreSQL.

use bazaar_platform::db::Db;
use bazaar_types::Page;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::domain::{CheckedCard, Outcome};

/// A stored payment method.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Method {
    /// Id.
    pub id: String,
    /// Brand.
    pub brand: String,
    /// Last four digits.
    pub last4: String,
    /// Expiry month.
    pub exp_month: i64,
    /// Expiry year.
    pub exp_year: i64,
    /// What the network answers, stored name.
    pub outcome: String,
}

/// A payment with a final outcome.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Payment {
    /// Id.
    pub id: String,
    /// Idempotency key (the order id for checkouts).
    pub idempotency_key: String,
    /// Order.
    pub order_id: String,
    /// Payment method.
    pub payment_method_id: String,
    /// `captured`, `declined` or `refunded`.
    pub status: String,
    /// Amount in minor units.
    pub amount_minor: i64,
    /// Currency.
    pub currency: String,
    /// Card brand.
    pub brand: String,
    /// Card last four digits.
    pub last4: String,
    /// For a declined payment, why.
    pub decline_code: String,
    /// Where refund notices go.
    pub receipt_email: String,
    /// Creation time.
    pub created_at: i64,
    /// Refund time.
    pub refunded_at: Option<i64>,
}

const PAYMENT_COLUMNS: &str = "id, idempotency_key, order_id, payment_method_id, status, amount_minor, currency, \
     brand, last4, decline_code, receipt_email, created_at, refunded_at";

/// Stores a checked card and returns it with its new id.
///
/// # Errors
/// When the database fails.
pub async fn insert_method(db: &Db, card: &CheckedCard, id: &str) -> anyhow::Result<Method> {
    sqlx::query(
        "INSERT INTO payment_methods (id, brand, last4, exp_month, exp_year, outcome, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(card.brand)
    .bind(&card.last4)
    .bind(i64::from(card.exp_month))
    .bind(i64::from(card.exp_year))
    .bind(card.outcome.as_str())
    .bind(bazaar_types::now_ms())
    .execute(&mut *db.writer().await?)
    .await?;
    db.durable().await?;
    Ok(Method {
        id: id.to_owned(),
        brand: card.brand.to_owned(),
        last4: card.last4.clone(),
        exp_month: i64::from(card.exp_month),
        exp_year: i64::from(card.exp_year),
        outcome: card.outcome.as_str().to_owned(),
    })
}

/// Returns a payment method.
///
/// # Errors
/// When the database fails.
pub async fn method(db: &Db, id: &str) -> anyhow::Result<Option<(Method, Outcome)>> {
    let method: Option<Method> = sqlx::query_as(
        "SELECT id, brand, last4, exp_month, exp_year, outcome FROM payment_methods WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *db.reader().await?)
    .await?;
    method
        .map(|method| {
            let outcome = Outcome::parse(&method.outcome)?;
            Ok((method, outcome))
        })
        .transpose()
}

/// Returns the payment of an idempotency key.
///
/// # Errors
/// When the database fails.
pub async fn payment_by_key(
    connection: &mut AnyConnection,
    key: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments WHERE idempotency_key = $1"
    )))
    .bind(key)
    .fetch_optional(connection)
    .await
}

/// Returns a payment by id.
///
/// # Errors
/// When the database fails.
pub async fn payment_by_id(
    connection: &mut AnyConnection,
    id: &str,
) -> Result<Option<Payment>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!("SELECT {PAYMENT_COLUMNS} FROM payments WHERE id = $1")))
        .bind(id)
        .fetch_optional(connection)
        .await
}

/// Counts a retryable failure of a key and returns how many it has had.
///
/// # Errors
/// When the database fails.
pub async fn record_failed_attempt(db: &Db, key: &str) -> anyhow::Result<i64> {
    let now = bazaar_types::now_ms();
    let mut tx = db.begin().await?;
    let attempts: i64 = sqlx::query_scalar(
        "INSERT INTO failed_attempts (idempotency_key, attempts, last_attempt_at) VALUES ($1, 1, $2) \
         ON CONFLICT (idempotency_key) DO UPDATE SET attempts = failed_attempts.attempts + 1, last_attempt_at = $2 \
         RETURNING attempts",
    )
    .bind(key)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(attempts)
}

/// Returns how many retryable failures a key has had.
///
/// # Errors
/// When the database fails.
pub async fn failed_attempts(db: &Db, key: &str) -> anyhow::Result<i64> {
    let attempts: Option<i64> =
        sqlx::query_scalar("SELECT attempts FROM failed_attempts WHERE idempotency_key = $1")
            .bind(key)
            .fetch_optional(&mut *db.reader().await?)
            .await?;
    Ok(attempts.unwrap_or(0))
}

/// Inserts a payment. Fails with a unique violation when its key already has one.
///
/// # Errors
/// When the database fails.
pub async fn insert_payment(
    connection: &mut AnyConnection,
    payment: &Payment,
) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO payments ({PAYMENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
    )))
    .bind(&payment.id)
    .bind(&payment.idempotency_key)
    .bind(&payment.order_id)
    .bind(&payment.payment_method_id)
    .bind(&payment.status)
    .bind(payment.amount_minor)
    .bind(&payment.currency)
    .bind(&payment.brand)
    .bind(&payment.last4)
    .bind(&payment.decline_code)
    .bind(&payment.receipt_email)
    .bind(payment.created_at)
    .bind(payment.refunded_at)
    .execute(connection)
    .await?;
    Ok(())
}

/// Marks a captured payment refunded. Returns `false` when it was not captured.
///
/// # Errors
/// When the database fails.
pub async fn mark_refunded(
    connection: &mut AnyConnection,
    id: &str,
    reason: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE payments SET status = 'refunded', refunded_at = $2, refund_reason = $3 WHERE id = $1 AND status = 'captured'",
    )
    .bind(id)
    .bind(now)
    .bind(reason)
    .execute(connection)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Lists payments, oldest first.
///
/// # Errors
/// When the database fails.
pub async fn list(db: &Db, page: Page) -> anyhow::Result<(Vec<Payment>, u64)> {
    let mut reader = db.reader().await?;
    let total: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM payments")
        .fetch_one(&mut *reader)
        .await?;
    let payments: Vec<Payment> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PAYMENT_COLUMNS} FROM payments ORDER BY created_at, id LIMIT $1 OFFSET $2"
    )))
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *reader)
    .await?;
    Ok((payments, u64::try_from(total).unwrap_or(0)))
}
