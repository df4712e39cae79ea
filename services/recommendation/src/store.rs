//! Recommendation SQL, portable across SQLite and PostgreSQL.

use bazaar_platform::db::Db;
use bazaar_types::ProductId;
use sqlx::{AnyConnection, AssertSqlSafe};

/// Counts one more order holding both products of every pair in `products`.
///
/// # Errors
/// When the database fails.
pub async fn record_order(
    connection: &mut AnyConnection,
    products: &[ProductId],
) -> Result<(), sqlx::Error> {
    for product in products {
        for other in products.iter().filter(|other| *other != product) {
            sqlx::query(
                "INSERT INTO co_purchases (product_id, other_id, orders) VALUES ($1, $2, 1) \
                 ON CONFLICT (product_id, other_id) DO UPDATE SET orders = co_purchases.orders + 1",
            )
            .bind(product.as_str())
            .bind(other.as_str())
            .execute(&mut *connection)
            .await?;
        }
    }
    Ok(())
}

/// Returns the products most often bought with `products` (not themselves), with their counts.
///
/// # Errors
/// When the database fails.
pub async fn bought_with(
    db: &Db,
    products: &[ProductId],
    limit: i64,
) -> anyhow::Result<Vec<(String, i64)>> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    let n = products.len();
    let given: Vec<String> = (1..=n).map(|index| format!("${index}")).collect();
    let sql = format!(
        "SELECT other_id, CAST(SUM(orders) AS BIGINT) AS score FROM co_purchases \
         WHERE product_id IN ({given}) AND other_id NOT IN ({given}) \
         GROUP BY other_id ORDER BY score DESC, other_id LIMIT ${}",
        n + 1,
        given = given.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, i64)>(AssertSqlSafe(sql));
    for product in products {
        query = query.bind(product.as_str());
    }
    Ok(query.bind(limit).fetch_all(&mut *db.reader().await?).await?)
}
