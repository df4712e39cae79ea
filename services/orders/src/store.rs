//! Orders SQL, portable across SQLite and PostgreSQL. Every saga transition is a conditional
//! update on the current step, so two runners of the same order can never both apply one.

use std::collections::HashMap;

use anyhow::Context as _;
use bazaar_platform::db::Db;
use bazaar_types::{Address, OrderId, Page, ProductId, UserId, address::AddressInput};
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::domain::{Line, Order, Status, Step};

const COLUMNS: &str = "id, user_id, email, customer_name, idempotency_key, status, step, status_reason, items_total, \
     shipping_total, total, currency, shipping_option, name, line1, line2, city, postal_code, country, payment_method_id, \
     card_brand, card_last4, payment_id, tracking_number, attempts, next_attempt_at, lease_until, deadline_at, created_at, \
     updated_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    user_id: String,
    email: String,
    customer_name: String,
    idempotency_key: String,
    status: String,
    step: String,
    status_reason: String,
    items_total: i64,
    shipping_total: i64,
    total: i64,
    #[allow(dead_code, reason = "stored for readers of the table; the shop sells in one currency")]
    currency: String,
    shipping_option: String,
    name: String,
    line1: String,
    line2: String,
    city: String,
    postal_code: String,
    country: String,
    payment_method_id: String,
    card_brand: String,
    card_last4: String,
    payment_id: String,
    tracking_number: String,
    attempts: i64,
    #[allow(dead_code, reason = "read by the recovery worker's query, not by the order itself")]
    next_attempt_at: i64,
    #[allow(dead_code, reason = "read by the claim query, not by the order itself")]
    lease_until: i64,
    deadline_at: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    order_id: String,
    product_id: String,
    name: String,
    slug: String,
    quantity: i64,
    unit_price: i64,
    line_total: i64,
}

fn into_order(row: Row, lines: Vec<Line>) -> anyhow::Result<Order> {
    let address = Address::parse(&AddressInput {
        name: &row.name,
        line1: &row.line1,
        line2: &row.line2,
        city: &row.city,
        postal_code: &row.postal_code,
        country: &row.country,
    })
    .map_err(|errors| anyhow::anyhow!("stored address of order {} is invalid: {errors}", row.id))?;
    Ok(Order {
        id: OrderId::parse(&row.id).context("stored order id")?,
        user_id: UserId::parse(&row.user_id).context("stored user id")?,
        email: row.email,
        customer_name: row.customer_name,
        idempotency_key: row.idempotency_key,
        status: Status::parse(&row.status)?,
        step: Step::parse(&row.step)?,
        status_reason: row.status_reason,
        items_total: row.items_total,
        shipping_total: row.shipping_total,
        total: row.total,
        shipping_option: row.shipping_option,
        address,
        payment_method_id: row.payment_method_id,
        card_brand: row.card_brand,
        card_last4: row.card_last4,
        payment_id: row.payment_id,
        tracking_number: row.tracking_number,
        lines,
        attempts: row.attempts,
        deadline_at_ms: row.deadline_at,
        created_at_ms: row.created_at,
        updated_at_ms: row.updated_at,
    })
}

fn into_line(row: LineRow) -> anyhow::Result<(String, Line)> {
    Ok((
        row.order_id,
        Line {
            product_id: ProductId::parse(&row.product_id)?,
            name: row.name,
            slug: row.slug,
            quantity: row.quantity,
            unit_price: row.unit_price,
            line_total: row.line_total,
        },
    ))
}

/// Loads the lines of several orders at once, on the connection that read the orders.
async fn attach_lines(
    connection: &mut AnyConnection,
    rows: Vec<Row>,
) -> anyhow::Result<Vec<Order>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=rows.len()).map(|index| format!("${index}")).collect();
    let sql = format!(
        "SELECT order_id, product_id, name, slug, quantity, unit_price, line_total FROM order_lines \
         WHERE order_id IN ({}) ORDER BY order_id, name",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, LineRow>(AssertSqlSafe(sql));
    for row in &rows {
        query = query.bind(&row.id);
    }
    let mut lines: HashMap<String, Vec<Line>> = HashMap::new();
    for line in query.fetch_all(&mut *connection).await? {
        let (order_id, line) = into_line(line)?;
        lines.entry(order_id).or_default().push(line);
    }
    rows.into_iter()
        .map(|row| {
            let order_lines = lines.remove(&row.id).unwrap_or_default();
            into_order(row, order_lines)
        })
        .collect()
}

/// Stores a new order with its lines. Fails with a unique violation when the user already used
/// the idempotency key.
///
/// # Errors
/// When the database fails.
pub async fn insert(db: &Db, order: &Order, lease_ms: i64) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO orders ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
         $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)"
    )))
    .bind(order.id.as_str())
    .bind(order.user_id.as_str())
    .bind(&order.email)
    .bind(&order.customer_name)
    .bind(&order.idempotency_key)
    .bind(order.status.as_str())
    .bind(order.step.as_str())
    .bind(&order.status_reason)
    .bind(order.items_total)
    .bind(order.shipping_total)
    .bind(order.total)
    .bind("USD")
    .bind(&order.shipping_option)
    .bind(&order.address.name)
    .bind(&order.address.line1)
    .bind(order.address.line2.as_deref().unwrap_or(""))
    .bind(&order.address.city)
    .bind(&order.address.postal_code)
    .bind(order.address.country.code())
    .bind(&order.payment_method_id)
    .bind(&order.card_brand)
    .bind(&order.card_last4)
    .bind(&order.payment_id)
    .bind(&order.tracking_number)
    .bind(0_i64)
    .bind(order.created_at_ms)
    .bind(order.created_at_ms + lease_ms)
    .bind(order.deadline_at_ms)
    .bind(order.created_at_ms)
    .bind(order.updated_at_ms)
    .execute(&mut *tx)
    .await?;
    for line in &order.lines {
        sqlx::query(
            "INSERT INTO order_lines (order_id, product_id, name, slug, quantity, unit_price, line_total) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(order.id.as_str())
        .bind(line.product_id.as_str())
        .bind(&line.name)
        .bind(&line.slug)
        .bind(line.quantity)
        .bind(line.unit_price)
        .bind(line.line_total)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Returns an order.
///
/// # Errors
/// When the database fails.
pub async fn by_id(db: &Db, id: &OrderId) -> anyhow::Result<Option<Order>> {
    let mut reader = db.reader().await?;
    let row: Option<Row> =
        sqlx::query_as(AssertSqlSafe(format!("SELECT {COLUMNS} FROM orders WHERE id = $1")))
            .bind(id.as_str())
            .fetch_optional(&mut *reader)
            .await?;
    Ok(attach_lines(&mut reader, row.into_iter().collect()).await?.pop())
}

/// Returns the order a user placed with an idempotency key.
///
/// # Errors
/// When the database fails.
pub async fn by_key(db: &Db, user_id: &UserId, key: &str) -> anyhow::Result<Option<Order>> {
    let mut reader = db.reader().await?;
    let row: Option<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders WHERE user_id = $1 AND idempotency_key = $2"
    )))
    .bind(user_id.as_str())
    .bind(key)
    .fetch_optional(&mut *reader)
    .await?;
    Ok(attach_lines(&mut reader, row.into_iter().collect()).await?.pop())
}

/// Lists a user's orders, newest first.
///
/// # Errors
/// When the database fails.
pub async fn list_for_user(
    db: &Db,
    user_id: &UserId,
    page: Page,
) -> anyhow::Result<(Vec<Order>, u64)> {
    let mut reader = db.reader().await?;
    let total: i64 =
        sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE user_id = $1")
            .bind(user_id.as_str())
            .fetch_one(&mut *reader)
            .await?;
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    )))
    .bind(user_id.as_str())
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *reader)
    .await?;
    Ok((attach_lines(&mut reader, rows).await?, u64::try_from(total).unwrap_or(0)))
}

/// Lists every order (optionally of one status), newest first, or oldest first for audits.
///
/// # Errors
/// When the database fails.
pub async fn list_all(
    db: &Db,
    status: Option<Status>,
    page: Page,
    oldest_first: bool,
) -> anyhow::Result<(Vec<Order>, u64)> {
    let mut reader = db.reader().await?;
    let status = status.map_or("", Status::as_str);
    let total: i64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM orders WHERE ($1 = '' OR status = $1)",
    )
    .bind(status)
    .fetch_one(&mut *reader)
    .await?;
    let order = if oldest_first { "created_at, id" } else { "created_at DESC, id DESC" };
    let rows: Vec<Row> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM orders WHERE ($1 = '' OR status = $1) ORDER BY {order} LIMIT $2 OFFSET $3"
    )))
    .bind(status)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *reader)
    .await?;
    Ok((attach_lines(&mut reader, rows).await?, u64::try_from(total).unwrap_or(0)))
}

/// Returns orders the recovery worker should drive: pending or cancelling, not leased, due.
///
/// # Errors
/// When the database fails.
pub async fn due(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<OrderId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM orders WHERE (status = 'pending' OR step = 'cancelling') AND lease_until <= $1 \
         AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *db.reader().await?)
    .await?;
    ids.iter().map(|id| OrderId::parse(id).context("stored order id")).collect()
}

/// Takes the lease of an order for `lease_ms`. Returns `false` when another runner holds it.
///
/// # Errors
/// When the database fails.
pub async fn claim(db: &Db, id: &OrderId, now: i64, lease_ms: i64) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let claimed =
        sqlx::query("UPDATE orders SET lease_until = $3 WHERE id = $1 AND lease_until <= $2")
            .bind(id.as_str())
            .bind(now)
            .bind(now + lease_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    tx.commit().await?;
    Ok(claimed == 1)
}

/// Gives up the lease of an order (its runner is done with it for now).
///
/// # Errors
/// When the database fails.
pub async fn release_lease(db: &Db, id: &OrderId) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE orders SET lease_until = 0 WHERE id = $1")
        .bind(id.as_str())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What a saga transition writes besides the step.
#[derive(Debug, Default)]
pub struct Changes<'a> {
    /// New status.
    pub status: Option<Status>,
    /// New reason.
    pub reason: Option<&'a str>,
    /// The captured payment.
    pub payment_id: Option<&'a str>,
    /// The shipment's tracking number.
    pub tracking_number: Option<&'a str>,
}

impl Changes<'_> {
    /// Applies a transition to `to` with these changes to an order in memory, as
    /// [`transition`] did in the database.
    pub fn apply_to(&self, order: &mut Order, to: Step) {
        order.step = to;
        if let Some(status) = self.status {
            order.status = status;
        }
        if let Some(reason) = self.reason {
            reason.clone_into(&mut order.status_reason);
        }
        if let Some(payment_id) = self.payment_id {
            payment_id.clone_into(&mut order.payment_id);
        }
        if let Some(tracking_number) = self.tracking_number {
            tracking_number.clone_into(&mut order.tracking_number);
        }
        order.attempts = 0;
        order.updated_at_ms = bazaar_types::now_ms();
    }
}

/// Moves an order from step `from` to step `to` (and applies `changes`), renewing its lease; the
/// database logs the step (migration 0002). Returns `false` when the order was no longer at
/// `from`. One statement: run it on [`Db::writer`] to commit it by itself, or inside a
/// transaction.
///
/// # Errors
/// When the database fails.
pub async fn transition<'c, E>(
    executor: E,
    id: &OrderId,
    from: Step,
    to: Step,
    changes: &Changes<'_>,
    lease_ms: i64,
) -> Result<bool, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let now = bazaar_types::now_ms();
    let updated = sqlx::query(
        "UPDATE orders SET step = $3, status = COALESCE($4, status), status_reason = COALESCE($5, status_reason), \
         payment_id = COALESCE($6, payment_id), tracking_number = COALESCE($7, tracking_number), updated_at = $8, \
         lease_until = $9, attempts = 0 WHERE id = $1 AND step = $2",
    )
    .bind(id.as_str())
    .bind(from.as_str())
    .bind(to.as_str())
    .bind(changes.status.map(Status::as_str))
    .bind(changes.reason)
    .bind(changes.payment_id)
    .bind(changes.tracking_number)
    .bind(now)
    .bind(now + lease_ms)
    .execute(executor)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Records a failed attempt and when to try again.
///
/// # Errors
/// When the database fails.
pub async fn retry_later(
    db: &Db,
    id: &OrderId,
    step: Step,
    attempts: i64,
    next_attempt_at: i64,
    detail: &str,
) -> anyhow::Result<()> {
    let now = bazaar_types::now_ms();
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE orders SET attempts = $2, next_attempt_at = $3, lease_until = 0, updated_at = $4 WHERE id = $1")
        .bind(id.as_str())
        .bind(attempts)
        .bind(next_attempt_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    log_step(&mut tx, id.as_str(), step, "retry", detail, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a shipped or delivered order's status forward (from a shipping event). Returns `false`
/// when the order was not in one of `from` (already further, cancelled, or unknown).
///
/// # Errors
/// When the database fails.
pub async fn advance_delivery(
    connection: &mut AnyConnection,
    id: &OrderId,
    from: &[Status],
    to: Status,
) -> Result<bool, sqlx::Error> {
    let now = bazaar_types::now_ms();
    let mut advanced = false;
    for status in from {
        let updated = sqlx::query(
            "UPDATE orders SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2",
        )
        .bind(id.as_str())
        .bind(status.as_str())
        .bind(to.as_str())
        .bind(now)
        .execute(&mut *connection)
        .await?
        .rows_affected();
        advanced |= updated == 1;
    }
    Ok(advanced)
}

/// Returns an order's status, read inside the caller's transaction.
///
/// # Errors
/// When the query fails.
pub async fn status_in(
    connection: &mut AnyConnection,
    id: &OrderId,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(connection)
        .await
}

async fn log_step(
    connection: &mut AnyConnection,
    order_id: &str,
    step: Step,
    outcome: &str,
    detail: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO saga_log (id, order_id, step, outcome, detail, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(OrderId::generate().as_str())
        .bind(order_id)
        .bind(step.as_str())
        .bind(outcome)
        .bind(detail)
        .bind(at)
        .execute(connection)
        .await?;
    Ok(())
}
