//! Inventory SQL. Stock moves only through single conditional updates inside transactions, so
//! concurrent reservations can never oversell on either backend: PostgreSQL re-checks the
//! condition after waiting for a row lock, and SQLite runs one writer at a time.

use std::collections::BTreeMap;

use anyhow::Context as _;
use bazaar_platform::db::Db;
use bazaar_types::{Page, ProductId};
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::{
    domain::{Level, Line, Reservation, ReservationState},
    error::Error,
};

/// Gives every seed product its initial stock when the stock table is empty. Returns how many
/// products got stock.
///
/// # Errors
/// When the database fails.
pub async fn seed_if_empty(db: &Db) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM stock")
        .fetch_one(&mut *tx)
        .await?;
    if count > 0 {
        return Ok(0);
    }
    let now = bazaar_types::now_ms();
    let products = bazaar_seed::products();
    for product in &products {
        sqlx::query(
            "INSERT INTO stock (product_id, on_hand, reserved, updated_at) VALUES ($1, $2, 0, $3)",
        )
        .bind(&product.id)
        .bind(product.stock)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        insert_adjustment(&mut tx, &product.id, product.stock, "seed", now).await?;
    }
    tx.commit().await?;
    tracing::info!(products = products.len(), "loaded the initial stock");
    Ok(products.len())
}

async fn insert_adjustment(
    connection: &mut AnyConnection,
    product_id: &str,
    delta: i64,
    reason: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO stock_adjustments (id, product_id, delta, reason, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(uuid_v7())
        .bind(product_id)
        .bind(delta)
        .bind(reason)
        .bind(now)
        .execute(connection)
        .await?;
    Ok(())
}

fn uuid_v7() -> String {
    ProductId::generate().into_string()
}

/// Gives a product a stock row with nothing on hand, if it has none.
///
/// # Errors
/// When the database fails.
pub async fn ensure_product(
    connection: &mut AnyConnection,
    product_id: &ProductId,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO stock (product_id, on_hand, reserved, updated_at) VALUES ($1, 0, 0, $2) ON CONFLICT (product_id) DO NOTHING",
    )
    .bind(product_id.as_str())
    .bind(bazaar_types::now_ms())
    .execute(connection)
    .await?;
    Ok(())
}

/// Returns the stock of each product asked for; products without a row have none.
#[tracing::instrument(skip_all, fields(count = ids.len()))]
pub async fn levels(db: &Db, ids: &[ProductId]) -> anyhow::Result<Vec<(ProductId, Level)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
    let sql = format!(
        "SELECT product_id, on_hand, reserved FROM stock WHERE product_id IN ({})",
        placeholders.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, i64, i64)>(AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id.as_str());
    }
    let found: BTreeMap<String, Level> = query
        .fetch_all(&mut *db.reader().await?)
        .await?
        .into_iter()
        .map(|(id, on_hand, reserved)| (id, Level { on_hand, reserved }))
        .collect();
    Ok(ids
        .iter()
        .map(|id| (id.clone(), found.get(id.as_str()).copied().unwrap_or_default()))
        .collect())
}

/// Lists a page of every product's stock, by product id.
#[tracing::instrument(skip_all)]
pub async fn list_levels(db: &Db, page: Page) -> anyhow::Result<(Vec<(ProductId, Level)>, u64)> {
    let mut reader = db.reader().await?;
    let total: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM stock")
        .fetch_one(&mut *reader)
        .await?;
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT product_id, on_hand, reserved FROM stock ORDER BY product_id LIMIT $1 OFFSET $2",
    )
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *reader)
    .await?;
    let levels = rows
        .into_iter()
        .map(|(id, on_hand, reserved)| Ok((ProductId::parse(&id)?, Level { on_hand, reserved })))
        .collect::<anyhow::Result<_>>()?;
    Ok((levels, u64::try_from(total).unwrap_or(0)))
}

/// Sets a product's stock on hand, recording the change as an adjustment.
///
/// # Errors
/// [`Error::BelowReserved`] when `on_hand` is below what is reserved.
#[tracing::instrument(skip_all, fields(product_id = %product_id))]
pub async fn set_on_hand(
    db: &Db,
    product_id: &ProductId,
    on_hand: i64,
    reason: &str,
) -> Result<Level, Error> {
    let now = bazaar_types::now_ms();
    let mut tx = db.begin().await?;
    ensure_product(&mut tx, product_id).await?;
    let (current, reserved): (i64, i64) =
        sqlx::query_as("SELECT on_hand, reserved FROM stock WHERE product_id = $1")
            .bind(product_id.as_str())
            .fetch_one(&mut *tx)
            .await?;
    if on_hand < reserved {
        return Err(Error::BelowReserved(reserved));
    }
    // The condition guards against a reservation that slipped in since the read (PostgreSQL).
    let updated = sqlx::query(
        "UPDATE stock SET on_hand = $2, updated_at = $3 WHERE product_id = $1 AND reserved <= $2",
    )
    .bind(product_id.as_str())
    .bind(on_hand)
    .bind(now)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(Error::BelowReserved(reserved));
    }
    if on_hand != current {
        insert_adjustment(&mut tx, product_id.as_str(), on_hand - current, reason, now).await?;
    }
    tx.commit().await?;
    Ok(Level { on_hand, reserved })
}

/// A reservation joined with one of its lines (none for a tombstone).
#[derive(Debug, Clone, sqlx::FromRow)]
struct ReservationRow {
    state: String,
    expires_at: i64,
    product_id: Option<String>,
    quantity: Option<i64>,
    short: Option<i64>,
}

async fn load_reservation(
    connection: &mut AnyConnection,
    id: &str,
) -> Result<Option<Reservation>, Error> {
    // The reservation and its lines in one query: a reservation without lines (a tombstone)
    // comes back as one row with no product.
    let rows: Vec<ReservationRow> = sqlx::query_as(
        "SELECT r.state, r.expires_at, l.product_id, l.quantity, l.short \
         FROM reservations r LEFT JOIN reservation_lines l ON l.reservation_id = r.id \
         WHERE r.id = $1 ORDER BY l.product_id",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await?;
    let Some(ReservationRow { state, expires_at: expires_at_ms, .. }) = rows.first().cloned()
    else {
        return Ok(None);
    };
    let mut short = Vec::new();
    let mut parsed = Vec::with_capacity(rows.len());
    for ReservationRow { product_id, quantity, short: is_short, .. } in rows {
        let (Some(product_id), Some(quantity)) = (product_id, quantity) else { continue };
        let product_id = ProductId::parse(&product_id).context("stored product id")?;
        if is_short.unwrap_or(0) != 0 {
            short.push(product_id.clone());
        }
        parsed.push(Line { product_id, quantity });
    }
    Ok(Some(Reservation {
        id: id.to_owned(),
        state: ReservationState::parse(&state)?,
        lines: parsed,
        expires_at_ms,
        short,
    }))
}

/// Inserts the reservation's row unless its id exists; tells whether it did.
async fn insert_reservation_row(
    connection: &mut AnyConnection,
    reservation: &Reservation,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO reservations (id, state, expires_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&reservation.id)
    .bind(reservation.state.as_str())
    .bind(reservation.expires_at_ms)
    .bind(now)
    .execute(&mut *connection)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

async fn insert_reservation_lines(
    connection: &mut AnyConnection,
    reservation: &Reservation,
) -> Result<(), sqlx::Error> {
    for line in &reservation.lines {
        sqlx::query("INSERT INTO reservation_lines (reservation_id, product_id, quantity, short) VALUES ($1, $2, $3, $4)")
            .bind(&reservation.id)
            .bind(line.product_id.as_str())
            .bind(line.quantity)
            .bind(i64::from(reservation.short.contains(&line.product_id)))
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}

/// Returns a reservation.
///
/// # Errors
/// When the database fails.
pub async fn reservation(db: &Db, id: &str) -> Result<Option<Reservation>, Error> {
    let mut connection = db.reader().await?;
    load_reservation(&mut connection, id).await
}

/// Holds every line or none. The same id always returns the same reservation: a repeat (or a
/// concurrent duplicate) finds the first one, whatever its state.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(reservation_id = id))]
pub async fn reserve(db: &Db, id: &str, lines: &[Line], ttl_ms: i64) -> Result<Reservation, Error> {
    let now = bazaar_types::now_ms();
    let mut reservation = Reservation {
        id: id.to_owned(),
        state: ReservationState::Held,
        lines: lines.to_vec(),
        expires_at_ms: now + ttl_ms,
        short: Vec::new(),
    };
    let mut tx = db.begin().await?;
    // The reservation row first: a repeat (or a concurrent duplicate) stops here and gets the
    // first one.
    if !insert_reservation_row(&mut tx, &reservation, now).await? {
        tx.rollback().await?;
        return reservation_or_not_found(db, id).await;
    }
    for line in lines {
        let updated = sqlx::query(
            "UPDATE stock SET reserved = reserved + $2, updated_at = $3 WHERE product_id = $1 AND on_hand - reserved >= $2",
        )
        .bind(line.product_id.as_str())
        .bind(line.quantity)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated == 0 {
            reservation.short.push(line.product_id.clone());
        }
    }
    if !reservation.short.is_empty() {
        // Undo the lines that were held, then remember the refusal in a transaction of its own.
        tx.rollback().await?;
        reservation.state = ReservationState::Rejected;
        tx = db.begin().await?;
        if !insert_reservation_row(&mut tx, &reservation, now).await? {
            tx.rollback().await?;
            return reservation_or_not_found(db, id).await;
        }
    }
    insert_reservation_lines(&mut tx, &reservation).await?;
    tx.commit().await?;
    Ok(reservation)
}

async fn reservation_or_not_found(db: &Db, id: &str) -> Result<Reservation, Error> {
    reservation(db, id).await?.ok_or(Error::ReservationNotFound)
}

async fn set_state(
    connection: &mut AnyConnection,
    id: &str,
    state: ReservationState,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE reservations SET state = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(state.as_str())
        .bind(now)
        .execute(connection)
        .await?;
    Ok(())
}

/// Turns a held reservation into a sale: its units leave on hand and reserved. Idempotent.
///
/// # Errors
/// [`Error::ReservationNotFound`], or [`Error::WrongState`] when it is not held (expired,
/// released or rejected) or its hold ran out.
#[tracing::instrument(skip_all, fields(reservation_id = id))]
pub async fn commit(db: &Db, id: &str) -> Result<Reservation, Error> {
    let now = bazaar_types::now_ms();
    let mut tx = db.begin().await?;
    let mut reservation = load_reservation(&mut tx, id).await?.ok_or(Error::ReservationNotFound)?;
    match reservation.state {
        ReservationState::Committed => return Ok(reservation),
        ReservationState::Held if reservation.expires_at_ms <= now => {
            give_back_held(&mut tx, &reservation, now).await?;
            set_state(&mut tx, id, ReservationState::Expired, now).await?;
            tx.commit().await?;
            return Err(Error::WrongState("expired"));
        }
        ReservationState::Held => {}
        other => return Err(Error::WrongState(other.as_str())),
    }
    for line in &reservation.lines {
        sqlx::query(
            "UPDATE stock SET on_hand = on_hand - $2, reserved = reserved - $2, updated_at = $3 WHERE product_id = $1",
        )
        .bind(line.product_id.as_str())
        .bind(line.quantity)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    set_state(&mut tx, id, ReservationState::Committed, now).await?;
    tx.commit().await?;
    reservation.state = ReservationState::Committed;
    Ok(reservation)
}

async fn give_back_held(
    connection: &mut AnyConnection,
    reservation: &Reservation,
    now: i64,
) -> Result<(), sqlx::Error> {
    for line in &reservation.lines {
        sqlx::query(
            "UPDATE stock SET reserved = reserved - $2, updated_at = $3 WHERE product_id = $1",
        )
        .bind(line.product_id.as_str())
        .bind(line.quantity)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// Gives a reservation's stock back: a held one stops holding, a committed one returns its units
/// to on hand (a cancelled order). Idempotent. Releasing an unknown id leaves a released
/// tombstone, so a reservation that arrives late for a compensated order holds nothing.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all, fields(reservation_id = id))]
pub async fn release(db: &Db, id: &str) -> Result<Reservation, Error> {
    let now = bazaar_types::now_ms();
    let mut tx = db.begin().await?;
    let Some(mut reservation) = load_reservation(&mut tx, id).await? else {
        let tombstone = Reservation {
            id: id.to_owned(),
            state: ReservationState::Released,
            lines: Vec::new(),
            expires_at_ms: now,
            short: Vec::new(),
        };
        // A reservation stored meanwhile by a concurrent call is released instead.
        return if insert_reservation_row(&mut tx, &tombstone, now).await? {
            tx.commit().await?;
            Ok(tombstone)
        } else {
            tx.rollback().await?;
            Box::pin(release(db, id)).await
        };
    };
    match reservation.state {
        ReservationState::Held => give_back_held(&mut tx, &reservation, now).await?,
        ReservationState::Committed => {
            for line in &reservation.lines {
                sqlx::query("UPDATE stock SET on_hand = on_hand + $2, updated_at = $3 WHERE product_id = $1")
                    .bind(line.product_id.as_str())
                    .bind(line.quantity)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        ReservationState::Released | ReservationState::Expired | ReservationState::Rejected => {
            return Ok(reservation);
        }
    }
    set_state(&mut tx, id, ReservationState::Released, now).await?;
    tx.commit().await?;
    reservation.state = ReservationState::Released;
    Ok(reservation)
}

/// Expires held reservations whose time ran out, up to `limit` per call. Returns how many.
///
/// # Errors
/// When the database fails.
pub async fn expire_due(db: &Db, limit: i64) -> Result<usize, Error> {
    let now = bazaar_types::now_ms();
    let due: Vec<String> =
        sqlx::query_scalar("SELECT id FROM reservations WHERE state = 'held' AND expires_at <= $1 ORDER BY expires_at LIMIT $2")
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *db.reader().await?)
            .await?;
    let mut expired = 0;
    for id in due {
        let mut tx = db.begin().await?;
        // Re-read inside the transaction: a commit may have won in the meantime.
        if let Some(reservation) = load_reservation(&mut tx, &id).await?
            && reservation.state == ReservationState::Held
            && reservation.expires_at_ms <= now
        {
            give_back_held(&mut tx, &reservation, now).await?;
            set_state(&mut tx, &id, ReservationState::Expired, now).await?;
            tx.commit().await?;
            expired += 1;
        }
    }
    Ok(expired)
}

/// One product's ledger, for invariant checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// Product.
    pub product_id: String,
    /// Sum of every adjustment.
    pub initial: i64,
    /// On hand now.
    pub on_hand: i64,
    /// Reserved now.
    pub reserved: i64,
    /// Units of committed reservations.
    pub committed: i64,
    /// Units of held reservations.
    pub held: i64,
}

/// Returns every product's ledger.
///
/// # Errors
/// When the database fails.
pub async fn audit(db: &Db) -> anyhow::Result<Vec<Audit>> {
    let rows: Vec<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT s.product_id, s.on_hand, s.reserved, \
            CAST(COALESCE((SELECT SUM(a.delta) FROM stock_adjustments a WHERE a.product_id = s.product_id), 0) AS BIGINT), \
            CAST(COALESCE((SELECT SUM(l.quantity) FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id \
                WHERE l.product_id = s.product_id AND r.state = 'committed'), 0) AS BIGINT), \
            CAST(COALESCE((SELECT SUM(l.quantity) FROM reservation_lines l JOIN reservations r ON r.id = l.reservation_id \
                WHERE l.product_id = s.product_id AND r.state = 'held'), 0) AS BIGINT) \
         FROM stock s ORDER BY s.product_id",
    )
    .fetch_all(&mut *db.reader().await?)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(product_id, on_hand, reserved, initial, committed, held)| Audit {
            product_id,
            initial,
            on_hand,
            reserved,
            committed,
            held,
        })
        .collect())
}
