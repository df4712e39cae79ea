//! JSON shapes of the API. Wire types of the services never leak out; each is converted here.

use bazaar_contracts::{catalog as catalog_pb, common};
use serde::Serialize;
use utoipa::ToSchema;

use crate::view;

/// An amount of money.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyDto {
    /// Integer minor units (cents).
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// Formatted for display, e.g. `$19.99`.
    pub formatted: String,
}

impl From<Option<&common::Money>> for MoneyDto {
    fn from(money: Option<&common::Money>) -> Self {
        let money = money.cloned().unwrap_or_default();
        Self {
            formatted: view::money(Some(&money)),
            amount_minor: money.amount_minor,
            currency: money.currency,
        }
    }
}

/// A descriptive attribute of a product.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttributeDto {
    /// e.g. `Material`.
    pub name: String,
    /// e.g. `Oak`.
    pub value: String,
}

/// A product.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductDto {
    /// UUID.
    pub id: String,
    /// URL slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category slug.
    pub category: String,
    /// Unit price.
    pub price: MoneyDto,
    /// URL of the product's image.
    pub image_url: String,
    /// Attributes in display order.
    pub attributes: Vec<AttributeDto>,
    /// Shown on the home page.
    pub featured: bool,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// RFC 3339 time of the last change.
    pub updated_at: String,
}

impl From<&catalog_pb::Product> for ProductDto {
    fn from(product: &catalog_pb::Product) -> Self {
        Self {
            id: product.id.clone(),
            slug: product.slug.clone(),
            name: product.name.clone(),
            description: product.description.clone(),
            category: product.category.clone(),
            price: MoneyDto::from(product.price.as_ref()),
            image_url: view::image_url(product),
            attributes: product
                .attributes
                .iter()
                .map(|attribute| AttributeDto {
                    name: attribute.name.clone(),
                    value: attribute.value.clone(),
                })
                .collect(),
            featured: product.featured,
            created_at: rfc3339(product.created_at_ms),
            updated_at: rfc3339(product.updated_at_ms),
        }
    }
}

/// A page of products.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProductList {
    /// The products of this page.
    pub items: Vec<ProductDto>,
    /// 1-based page number.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
    /// Items in the whole list.
    pub total_items: u64,
    /// Pages in the whole list.
    pub total_pages: u32,
}

/// A category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryDto {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Number of products in it.
    pub product_count: u64,
}

/// Every category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryList {
    /// The categories, in display order.
    pub items: Vec<CategoryDto>,
}

/// Formats epoch milliseconds as RFC 3339 (UTC).
pub fn rfc3339(epoch_ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_timestamps_as_rfc3339() {
        assert_eq!(rfc3339(1_767_571_200_000), "2026-01-05T00:00:00Z");
    }
}
