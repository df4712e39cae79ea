//! Loads the demo catalogue into an empty database, in one transaction.

use bazaar_platform::db::Db;
use bazaar_types::{Currency, Money, ProductId, Slug};

use crate::{
    domain::{Attribute, ProductDraft, render_image},
    store,
};

/// Inserts the seed categories, products and images when the catalogue is empty. Returns how many
/// products were loaded (0 when the catalogue already had data).
///
/// # Errors
/// When the database fails; nothing is written then.
pub async fn load_if_empty(db: &Db) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    if !store::is_empty(&mut tx).await? {
        return Ok(0);
    }
    for (position, category) in bazaar_seed::categories().iter().enumerate() {
        let position = i64::try_from(position)?;
        store::insert_category(
            &mut tx,
            category.slug,
            category.name,
            category.description,
            position,
        )
        .await?;
    }
    let products = bazaar_seed::products();
    for product in &products {
        let draft = ProductDraft {
            slug: Slug::parse(product.slug)?,
            name: product.name.to_owned(),
            description: product.description.to_owned(),
            category: Slug::parse(product.category)?,
            price: Money::new(product.price_cents, Currency::USD),
            attributes: product
                .attributes
                .iter()
                .map(|(name, value)| Attribute {
                    name: (*name).to_owned(),
                    value: (*value).to_owned(),
                })
                .collect(),
            featured: product.featured,
        };
        let image = render_image(product.slug, product.name, product.category);
        store::insert_product(
            &mut tx,
            &ProductId::parse(&product.id)?,
            &draft,
            product.created_at_ms,
            &image,
        )
        .await
        .map_err(|error| anyhow::anyhow!("seeding {}: {error}", product.slug))?;
    }
    tx.commit().await?;
    tracing::info!(products = products.len(), "loaded the demo catalogue");
    Ok(products.len())
}
