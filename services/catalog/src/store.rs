//! Catalog SQL. Every function is one query (or one small group), portable across SQLite and
//! PostgreSQL, and tested on both.

use anyhow::Context as _;
use bazaar_platform::db::Db;
use bazaar_types::{Currency, Money, Page, ProductId, Slug};
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::domain::{
    Attribute, Category, Product, ProductDraft, ProductImage, ProductKey, SearchQuery, Sort,
};

const PRODUCT_COLUMNS: &str = "id, slug, name, description, category, price_minor, currency, attributes, featured, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct ProductRow {
    id: String,
    slug: String,
    name: String,
    description: String,
    category: String,
    price_minor: i64,
    currency: String,
    attributes: String,
    featured: i64,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<ProductRow> for Product {
    type Error = anyhow::Error;

    fn try_from(row: ProductRow) -> anyhow::Result<Self> {
        let attributes: Vec<(String, String)> = serde_json::from_str(&row.attributes)
            .with_context(|| format!("attributes of product {}", row.id))?;
        Ok(Self {
            id: ProductId::parse(&row.id)
                .with_context(|| format!("stored product id {}", row.id))?,
            slug: Slug::parse(&row.slug).with_context(|| format!("stored slug {}", row.slug))?,
            name: row.name,
            description: row.description,
            category: Slug::parse(&row.category)
                .with_context(|| format!("stored category {}", row.category))?,
            price: Money::new(row.price_minor, Currency::parse(&row.currency)?),
            attributes: attributes
                .into_iter()
                .map(|(name, value)| Attribute { name, value })
                .collect(),
            featured: row.featured != 0,
            created_at_ms: row.created_at,
            updated_at_ms: row.updated_at,
        })
    }
}

fn into_products(rows: Vec<ProductRow>) -> anyhow::Result<Vec<Product>> {
    rows.into_iter().map(Product::try_from).collect()
}

fn order_by(sort: Sort) -> &'static str {
    match sort {
        Sort::Name => "ORDER BY name_lower, id",
        Sort::PriceAsc => "ORDER BY price_minor, name_lower, id",
        Sort::PriceDesc => "ORDER BY price_minor DESC, name_lower, id",
        Sort::Newest => "ORDER BY created_at DESC, id DESC",
    }
}

/// Lists every category with its product count, in display order.
#[tracing::instrument(skip_all)]
pub async fn list_categories(db: &Db) -> anyhow::Result<Vec<Category>> {
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT c.slug, c.name, c.description, CAST(COUNT(p.id) AS BIGINT) \
         FROM categories c LEFT JOIN products p ON p.category = c.slug \
         GROUP BY c.slug, c.name, c.description, c.position ORDER BY c.position, c.slug",
    )
    .fetch_all(&mut *db.reader().await?)
    .await?;
    rows.into_iter()
        .map(|(slug, name, description, count)| {
            Ok(Category {
                slug: Slug::parse(&slug)?,
                name,
                description,
                product_count: u64::try_from(count).unwrap_or(0),
            })
        })
        .collect()
}

/// Tells whether a category exists.
#[tracing::instrument(skip_all)]
pub async fn category_exists(connection: &mut AnyConnection, slug: &Slug) -> anyhow::Result<bool> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM categories WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(connection)
        .await?;
    Ok(found.is_some())
}

/// Lists a page of products, optionally of one category or only featured ones, and counts them all.
#[tracing::instrument(skip_all)]
pub async fn list_products(
    db: &Db,
    category: Option<&Slug>,
    featured_only: bool,
    sort: Sort,
    page: Page,
) -> anyhow::Result<(Vec<Product>, u64)> {
    let mut reader = db.reader().await?;
    const FILTER: &str = "WHERE ($1 = '' OR category = $1) AND ($2 = 0 OR featured = 1)";
    let category = category.map_or("", Slug::as_str);
    let featured = i64::from(featured_only);
    let total: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM products {FILTER}"
    )))
    .bind(category)
    .bind(featured)
    .fetch_one(&mut *reader)
    .await?;
    let rows: Vec<ProductRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {PRODUCT_COLUMNS} FROM products {FILTER} {} LIMIT $3 OFFSET $4",
        order_by(sort)
    )))
    .bind(category)
    .bind(featured)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(&mut *reader)
    .await?;
    Ok((into_products(rows)?, u64::try_from(total).unwrap_or(0)))
}

/// Ranks products by the words of a query: each word found in the name scores 3, in the
/// description 1; ties go by name. Products matching no word are left out.
#[tracing::instrument(skip_all, fields(words = query.words().len()))]
pub async fn search_products(
    db: &Db,
    query: &SearchQuery,
    category: Option<&Slug>,
    page: Page,
) -> anyhow::Result<(Vec<Product>, u64)> {
    let mut reader = db.reader().await?;
    // The SQL's shape depends only on the number of words; the words themselves are bound.
    let mut score = Vec::new();
    let mut any = Vec::new();
    for index in 0..query.words().len() {
        let parameter = index + 2;
        score.push(format!(
            "CASE WHEN name_lower LIKE ${parameter} ESCAPE '\\' THEN 3 ELSE 0 END + \
             CASE WHEN description_lower LIKE ${parameter} ESCAPE '\\' THEN 1 ELSE 0 END"
        ));
        any.push(format!(
            "name_lower LIKE ${parameter} ESCAPE '\\' OR description_lower LIKE ${parameter} ESCAPE '\\'"
        ));
    }
    let filter = format!("WHERE ($1 = '' OR category = $1) AND ({})", any.join(" OR "));
    let next = query.words().len() + 2;
    let patterns: Vec<String> =
        query.words().iter().map(|word| SearchQuery::like_pattern(word)).collect();
    let category = category.map_or("", Slug::as_str);

    let count_sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM products {filter}");
    let mut count = sqlx::query_scalar::<_, i64>(AssertSqlSafe(count_sql)).bind(category);
    for pattern in &patterns {
        count = count.bind(pattern);
    }
    let total = count.fetch_one(&mut *reader).await?;

    let select_sql = format!(
        "SELECT {PRODUCT_COLUMNS} FROM (SELECT {PRODUCT_COLUMNS}, name_lower, ({}) AS score FROM products {filter}) ranked \
         ORDER BY score DESC, name_lower, id LIMIT ${next} OFFSET ${}",
        score.join(" + "),
        next + 1
    );
    let mut select = sqlx::query_as::<_, ProductRow>(AssertSqlSafe(select_sql)).bind(category);
    for pattern in &patterns {
        select = select.bind(pattern);
    }
    let rows = select.bind(page.limit()).bind(page.offset()).fetch_all(&mut *reader).await?;
    Ok((into_products(rows)?, u64::try_from(total).unwrap_or(0)))
}

/// Returns one product by id or slug.
#[tracing::instrument(skip_all)]
pub async fn get_product(db: &Db, key: &ProductKey) -> anyhow::Result<Option<Product>> {
    let row: Option<ProductRow> = match key {
        ProductKey::Id(id) => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1"
            )))
            .bind(id.as_str())
            .fetch_optional(&mut *db.reader().await?)
            .await?
        }
        ProductKey::Slug(slug) => {
            sqlx::query_as(AssertSqlSafe(format!(
                "SELECT {PRODUCT_COLUMNS} FROM products WHERE slug = $1"
            )))
            .bind(slug.as_str())
            .fetch_optional(&mut *db.reader().await?)
            .await?
        }
    };
    row.map(Product::try_from).transpose()
}

/// Returns the products with the given ids that exist, in the order of `ids`.
#[tracing::instrument(skip_all, fields(count = ids.len()))]
pub async fn get_products(db: &Db, ids: &[ProductId]) -> anyhow::Result<Vec<Product>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|index| format!("${index}")).collect();
    let sql =
        format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE id IN ({})", placeholders.join(", "));
    let mut query = sqlx::query_as::<_, ProductRow>(AssertSqlSafe(sql));
    for id in ids {
        query = query.bind(id.as_str());
    }
    let mut products = into_products(query.fetch_all(&mut *db.reader().await?).await?)?;
    products.sort_by_key(|product| ids.iter().position(|id| *id == product.id));
    Ok(products)
}

/// Returns a product's image.
#[tracing::instrument(skip_all)]
pub async fn get_image(db: &Db, id: &ProductId) -> anyhow::Result<Option<ProductImage>> {
    let row: Option<(String, Vec<u8>, String)> =
        sqlx::query_as("SELECT content_type, data, etag FROM product_images WHERE product_id = $1")
            .bind(id.as_str())
            .fetch_optional(&mut *db.reader().await?)
            .await?;
    Ok(row.map(|(content_type, data, etag)| ProductImage { content_type, data, etag }))
}

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The slug is used by another product.
    #[error("slug taken")]
    SlugTaken,
    /// Anything else.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for WriteError {
    fn from(error: sqlx::Error) -> Self {
        if bazaar_platform::db::is_unique_violation(&error) {
            Self::SlugTaken
        } else {
            Self::Other(error.into())
        }
    }
}

fn attributes_json(attributes: &[Attribute]) -> anyhow::Result<String> {
    let pairs: Vec<(&str, &str)> =
        attributes.iter().map(|a| (a.name.as_str(), a.value.as_str())).collect();
    Ok(serde_json::to_string(&pairs)?)
}

/// Inserts a new product and its image.
#[tracing::instrument(skip_all, fields(slug = %draft.slug))]
pub async fn insert_product(
    connection: &mut AnyConnection,
    id: &ProductId,
    draft: &ProductDraft,
    created_at_ms: i64,
    image: &ProductImage,
) -> Result<Product, WriteError> {
    sqlx::query(
        "INSERT INTO products (id, slug, name, name_lower, description, description_lower, category, price_minor, \
         currency, attributes, featured, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
    )
    .bind(id.as_str())
    .bind(draft.slug.as_str())
    .bind(&draft.name)
    .bind(draft.name.to_lowercase())
    .bind(&draft.description)
    .bind(draft.description.to_lowercase())
    .bind(draft.category.as_str())
    .bind(draft.price.amount_minor())
    .bind(draft.price.currency().as_str())
    .bind(attributes_json(&draft.attributes)?)
    .bind(i64::from(draft.featured))
    .bind(created_at_ms)
    .execute(&mut *connection)
    .await?;
    put_image(connection, id, image).await?;
    Ok(product_from_draft(id.clone(), draft, created_at_ms, created_at_ms))
}

/// Replaces a product's editable fields and image. Returns `None` when it does not exist.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn update_product(
    connection: &mut AnyConnection,
    id: &ProductId,
    draft: &ProductDraft,
    updated_at_ms: i64,
    image: &ProductImage,
) -> Result<Option<Product>, WriteError> {
    let created_at: Option<i64> = sqlx::query_scalar(
        "UPDATE products SET slug = $2, name = $3, name_lower = $4, description = $5, description_lower = $6, \
         category = $7, price_minor = $8, currency = $9, attributes = $10, featured = $11, updated_at = $12 \
         WHERE id = $1 RETURNING created_at",
    )
    .bind(id.as_str())
    .bind(draft.slug.as_str())
    .bind(&draft.name)
    .bind(draft.name.to_lowercase())
    .bind(&draft.description)
    .bind(draft.description.to_lowercase())
    .bind(draft.category.as_str())
    .bind(draft.price.amount_minor())
    .bind(draft.price.currency().as_str())
    .bind(attributes_json(&draft.attributes)?)
    .bind(i64::from(draft.featured))
    .bind(updated_at_ms)
    .fetch_optional(&mut *connection)
    .await?;
    let Some(created_at) = created_at else { return Ok(None) };
    put_image(connection, id, image).await?;
    Ok(Some(product_from_draft(id.clone(), draft, created_at, updated_at_ms)))
}

/// Deletes a product (and, by cascade, its image). Returns the deleted product.
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn delete_product(
    connection: &mut AnyConnection,
    id: &ProductId,
) -> anyhow::Result<Option<Product>> {
    let row: Option<ProductRow> = sqlx::query_as(AssertSqlSafe(format!(
        "DELETE FROM products WHERE id = $1 RETURNING {PRODUCT_COLUMNS}"
    )))
    .bind(id.as_str())
    .fetch_optional(connection)
    .await?;
    row.map(Product::try_from).transpose()
}

async fn put_image(
    connection: &mut AnyConnection,
    id: &ProductId,
    image: &ProductImage,
) -> Result<(), WriteError> {
    sqlx::query(
        "INSERT INTO product_images (product_id, content_type, data, etag) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (product_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data, etag = excluded.etag",
    )
    .bind(id.as_str())
    .bind(&image.content_type)
    .bind(image.data.as_slice())
    .bind(&image.etag)
    .execute(connection)
    .await?;
    Ok(())
}

fn product_from_draft(
    id: ProductId,
    draft: &ProductDraft,
    created_at_ms: i64,
    updated_at_ms: i64,
) -> Product {
    Product {
        id,
        slug: draft.slug.clone(),
        name: draft.name.clone(),
        description: draft.description.clone(),
        category: draft.category.clone(),
        price: draft.price,
        attributes: draft.attributes.clone(),
        featured: draft.featured,
        created_at_ms,
        updated_at_ms,
    }
}

/// Tells whether the catalogue holds no category yet (a fresh database).
#[tracing::instrument(skip_all)]
pub async fn is_empty(connection: &mut AnyConnection) -> anyhow::Result<bool> {
    let count: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM categories")
        .fetch_one(connection)
        .await?;
    Ok(count == 0)
}

/// Inserts a category.
#[tracing::instrument(skip_all)]
pub async fn insert_category(
    connection: &mut AnyConnection,
    slug: &str,
    name: &str,
    description: &str,
    position: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO categories (slug, name, description, position) VALUES ($1, $2, $3, $4)",
    )
    .bind(slug)
    .bind(name)
    .bind(description)
    .bind(position)
    .execute(connection)
    .await?;
    Ok(())
}
