//! Shipping SQL, portable across SQLite and PostgreSQL.

use bazaar_platform::db::Db;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::error::Error;

/// A stored shipment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Shipment {
    /// Id.
    pub id: String,
    /// Order.
    pub order_id: String,
    /// `standard` or `express`.
    pub option: String,
    /// Tracking number.
    pub tracking_number: String,
    /// `label_created`, `dispatched`, `in_transit`, `delivered` or `cancelled`.
    pub status: String,
    /// Recipient.
    pub name: String,
    /// Street.
    pub line1: String,
    /// Second line, may be empty.
    pub line2: String,
    /// City.
    pub city: String,
    /// Postal code.
    pub postal_code: String,
    /// Country code.
    pub country: String,
    /// Items in the parcel.
    pub item_count: i64,
    /// Where notices go.
    pub recipient_email: String,
    /// Creation time.
    pub created_at: i64,
    /// Time of the last status change.
    pub updated_at: i64,
}

const COLUMNS: &str = "id, order_id, option, tracking_number, status, name, line1, line2, city, postal_code, country, \
     item_count, recipient_email, created_at, updated_at";

/// Returns the shipment of an order.
///
/// # Errors
/// When the database fails.
pub async fn by_order(
    connection: &mut AnyConnection,
    order_id: &str,
) -> Result<Option<Shipment>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM shipments WHERE order_id = $1")))
        .bind(order_id)
        .fetch_optional(connection)
        .await
}

/// Creates the shipment of an order unless it exists, and returns the order's shipment.
///
/// # Errors
/// When the database fails.
pub async fn create(db: &Db, shipment: &Shipment) -> Result<Shipment, Error> {
    // One statement that commits by itself; an order that has its shipment already keeps it.
    let inserted = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO shipments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (order_id) DO NOTHING"
    )))
    .bind(&shipment.id)
    .bind(&shipment.order_id)
    .bind(&shipment.option)
    .bind(&shipment.tracking_number)
    .bind(&shipment.status)
    .bind(&shipment.name)
    .bind(&shipment.line1)
    .bind(&shipment.line2)
    .bind(&shipment.city)
    .bind(&shipment.postal_code)
    .bind(&shipment.country)
    .bind(shipment.item_count)
    .bind(&shipment.recipient_email)
    .bind(shipment.created_at)
    .bind(shipment.updated_at)
    .execute(&mut *db.writer().await?)
    .await?
    .rows_affected();
    // Durable either way: a shipment found here may have been committed a moment ago by a
    // concurrent call whose flush is still running.
    db.durable().await?;
    if inserted == 1 {
        return Ok(shipment.clone());
    }
    let mut connection = db.reader().await?;
    by_order(&mut connection, &shipment.order_id).await?.ok_or(Error::NotFound)
}

/// Cancels an order's shipment unless it has left. Idempotent.
///
/// # Errors
/// [`Error::NotFound`] or [`Error::AlreadyDispatched`].
pub async fn cancel(db: &Db, order_id: &str) -> Result<Shipment, Error> {
    let now = bazaar_types::now_ms();
    let mut tx = db.begin().await?;
    let mut shipment = by_order(&mut tx, order_id).await?.ok_or(Error::NotFound)?;
    match shipment.status.as_str() {
        "cancelled" => return Ok(shipment),
        "label_created" => {}
        _ => return Err(Error::AlreadyDispatched),
    }
    sqlx::query("UPDATE shipments SET status = 'cancelled', updated_at = $2 WHERE id = $1 AND status = 'label_created'")
        .bind(&shipment.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    shipment.status = "cancelled".to_owned();
    shipment.updated_at = now;
    Ok(shipment)
}

/// Returns shipments in `status` whose last change is older than `before_ms`.
///
/// # Errors
/// When the database fails.
pub async fn due(
    db: &Db,
    status: &str,
    before_ms: i64,
    limit: i64,
) -> Result<Vec<Shipment>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM shipments WHERE status = $1 AND updated_at <= $2 ORDER BY updated_at LIMIT $3"
    )))
    .bind(status)
    .bind(before_ms)
    .bind(limit)
    .fetch_all(&mut *db.reader().await?)
    .await
}

/// Moves a shipment from one status to the next. Returns `false` when it had already moved.
///
/// # Errors
/// When the database fails.
pub async fn advance(
    connection: &mut AnyConnection,
    id: &str,
    from: &str,
    to: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE shipments SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(now)
    .execute(connection)
    .await?
    .rows_affected();
    Ok(updated == 1)
}
