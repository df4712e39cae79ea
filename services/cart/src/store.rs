//! Cart SQL, portable across SQLite and PostgreSQL.

use bazaar_platform::db::Db;
use bazaar_types::{FieldErrors, ProductId, Quantity};
use sqlx::AnyConnection;

use crate::{
    domain::{Line, MAX_LINES, Owner, capped_sum},
    error::Error,
};

async fn lines_in(connection: &mut AnyConnection, owner: &str) -> anyhow::Result<Vec<Line>> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT product_id, quantity FROM cart_lines WHERE owner = $1 ORDER BY added_at, product_id")
            .bind(owner)
            .fetch_all(connection)
            .await?;
    rows.into_iter()
        .map(|(product_id, quantity)| {
            Ok(Line { product_id: ProductId::parse(&product_id)?, quantity })
        })
        .collect()
}

/// Returns a cart's lines, oldest first.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all)]
pub async fn lines(db: &Db, owner: &Owner) -> anyhow::Result<Vec<Line>> {
    let mut connection = db.reader().await?;
    lines_in(&mut connection, &owner.key()).await
}

/// Returns how many items and lines a cart holds.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all)]
pub async fn count(db: &Db, owner: &Owner) -> anyhow::Result<(i64, i64)> {
    let (items, lines): (i64, i64) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT), CAST(COUNT(*) AS BIGINT) FROM cart_lines WHERE owner = $1",
    )
    .bind(owner.key())
    .fetch_one(&mut *db.reader().await?)
    .await?;
    Ok((items, lines))
}

/// Adds units of a product.
///
/// # Errors
/// [`Error::Invalid`] when the line would exceed 99 units, [`Error::TooManyLines`] when a new line
/// would exceed the limit.
#[tracing::instrument(skip_all)]
pub async fn add(
    db: &Db,
    owner: &Owner,
    product_id: &ProductId,
    quantity: i64,
) -> Result<(), Error> {
    let owner = owner.key();
    let now = bazaar_types::now_ms();
    // One statement that commits by itself: a new line if the cart has room for one, else more
    // units on the existing line if it stays within the cap. Nothing written means one of the
    // limits held, and a read says which.
    let written = sqlx::query(
        "INSERT INTO cart_lines (owner, product_id, quantity, added_at, updated_at) \
         SELECT $1, $2, $3, $4, $4 \
         WHERE (SELECT COUNT(*) FROM cart_lines WHERE owner = $1) < $5 \
            OR EXISTS (SELECT 1 FROM cart_lines WHERE owner = $1 AND product_id = $2) \
         ON CONFLICT (owner, product_id) DO UPDATE \
         SET quantity = cart_lines.quantity + excluded.quantity, updated_at = excluded.updated_at \
         WHERE cart_lines.quantity + excluded.quantity <= $6",
    )
    .bind(&owner)
    .bind(product_id.as_str())
    .bind(quantity)
    .bind(now)
    .bind(i64::try_from(MAX_LINES).unwrap_or(i64::MAX))
    .bind(Quantity::MAX)
    .execute(&mut *db.writer().await?)
    .await?
    .rows_affected();
    if written > 0 {
        db.durable().await?;
        return Ok(());
    }
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT quantity FROM cart_lines WHERE owner = $1 AND product_id = $2")
            .bind(&owner)
            .bind(product_id.as_str())
            .fetch_optional(&mut *db.reader().await?)
            .await?;
    match existing {
        Some(current) => Err(Error::Invalid(FieldErrors::single(
            "quantity",
            format!(
                "a cart holds at most {} of one product; it already has {current}",
                Quantity::MAX
            ),
        ))),
        None => Err(Error::TooManyLines(MAX_LINES)),
    }
}

/// Sets the quantity of a line already in the cart.
///
/// # Errors
/// [`Error::NotInCart`] when there is no such line.
#[tracing::instrument(skip_all)]
pub async fn set(
    db: &Db,
    owner: &Owner,
    product_id: &ProductId,
    quantity: i64,
) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let updated = sqlx::query(
        "UPDATE cart_lines SET quantity = $3, updated_at = $4 WHERE owner = $1 AND product_id = $2",
    )
    .bind(owner.key())
    .bind(product_id.as_str())
    .bind(quantity)
    .bind(bazaar_types::now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    if updated == 0 { Err(Error::NotInCart) } else { Ok(()) }
}

/// Removes a line.
///
/// # Errors
/// [`Error::NotInCart`] when there is no such line.
#[tracing::instrument(skip_all)]
pub async fn remove(db: &Db, owner: &Owner, product_id: &ProductId) -> Result<(), Error> {
    let mut tx = db.begin().await?;
    let deleted = sqlx::query("DELETE FROM cart_lines WHERE owner = $1 AND product_id = $2")
        .bind(owner.key())
        .bind(product_id.as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    if deleted == 0 { Err(Error::NotInCart) } else { Ok(()) }
}

/// Empties a cart.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all)]
pub async fn clear(db: &Db, owner: &Owner) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM cart_lines WHERE owner = $1")
        .bind(owner.key())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Moves every line of `from` into `into` (quantities add up, capped per line; lines beyond the
/// limit are dropped), then empties `from`. Merging an empty or already merged cart changes nothing.
///
/// # Errors
/// When the database fails.
#[tracing::instrument(skip_all)]
pub async fn merge(db: &Db, from: &Owner, into: &Owner) -> anyhow::Result<()> {
    let now = bazaar_types::now_ms();
    let (from, into) = (from.key(), into.key());
    let mut tx = db.begin().await?;
    let incoming = lines_in(&mut tx, &from).await?;
    if incoming.is_empty() {
        return Ok(());
    }
    let mut existing = lines_in(&mut tx, &into).await?;
    for line in incoming {
        if let Some(current) =
            existing.iter_mut().find(|current| current.product_id == line.product_id)
        {
            current.quantity = capped_sum(current.quantity, line.quantity);
            sqlx::query("UPDATE cart_lines SET quantity = $3, updated_at = $4 WHERE owner = $1 AND product_id = $2")
                .bind(&into)
                .bind(current.product_id.as_str())
                .bind(current.quantity)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        } else if existing.len() < MAX_LINES {
            sqlx::query(
                "INSERT INTO cart_lines (owner, product_id, quantity, added_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(&into)
            .bind(line.product_id.as_str())
            .bind(line.quantity)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            existing.push(line);
        }
    }
    sqlx::query("DELETE FROM cart_lines WHERE owner = $1").bind(&from).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes ordered units out of a user's cart (inside an inbox transaction): each line loses what
/// was ordered, and goes when nothing is left.
///
/// # Errors
/// When the database fails.
pub async fn remove_ordered(
    connection: &mut AnyConnection,
    owner: &Owner,
    ordered: &[Line],
) -> Result<(), sqlx::Error> {
    let owner = owner.key();
    let now = bazaar_types::now_ms();
    for line in ordered {
        // Delete first: after the update a smaller remainder could match the delete by mistake.
        // Usually the whole line was ordered and the delete is all there is to do.
        let deleted = sqlx::query(
            "DELETE FROM cart_lines WHERE owner = $1 AND product_id = $2 AND quantity <= $3",
        )
        .bind(&owner)
        .bind(line.product_id.as_str())
        .bind(line.quantity)
        .execute(&mut *connection)
        .await?
        .rows_affected();
        if deleted > 0 {
            continue;
        }
        sqlx::query(
            "UPDATE cart_lines SET quantity = quantity - $3, updated_at = $4 WHERE owner = $1 AND product_id = $2 AND quantity > $3",
        )
        .bind(&owner)
        .bind(line.product_id.as_str())
        .bind(line.quantity)
        .bind(now)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}
