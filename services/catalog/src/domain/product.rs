//! Products, categories, and the validation of admin input.

use bazaar_types::{Currency, FieldErrors, Money, ProductId, Slug};

/// A group of products.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    /// URL slug.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// One-sentence description.
    pub description: String,
    /// Number of products in it.
    pub product_count: u64,
}

/// A name/value pair describing a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// e.g. `Material`.
    pub name: String,
    /// e.g. `Oak`.
    pub value: String,
}

/// A product for sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Its id.
    pub id: ProductId,
    /// Its URL slug, unique.
    pub slug: Slug,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category slug.
    pub category: Slug,
    /// Unit price.
    pub price: Money,
    /// Descriptive attributes, in display order.
    pub attributes: Vec<Attribute>,
    /// Shown on the home page.
    pub featured: bool,
    /// Creation time, epoch milliseconds.
    pub created_at_ms: i64,
    /// Last change, epoch milliseconds.
    pub updated_at_ms: i64,
}

/// How to find one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductKey {
    /// By id.
    Id(ProductId),
    /// By slug.
    Slug(Slug),
}

impl ProductKey {
    /// Reads a key that may be an id or a slug (as in `/products/{id or slug}`).
    ///
    /// # Errors
    /// [`FieldErrors`] when it is neither a UUID nor a well-formed slug.
    pub fn parse(text: &str) -> Result<Self, FieldErrors> {
        if let Ok(id) = ProductId::parse(text) {
            return Ok(Self::Id(id));
        }
        Slug::parse(text)
            .map(Self::Slug)
            .map_err(|error| FieldErrors::single("slug", error.to_string()))
    }
}

/// How a product list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// A to Z.
    #[default]
    Name,
    /// Cheapest first.
    PriceAsc,
    /// Dearest first.
    PriceDesc,
    /// Most recently added first.
    Newest,
}

/// Admin input for a product, before validation.
#[derive(Debug, Clone, Default)]
pub struct ProductInput {
    /// Slug; empty to derive it from the name.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Category slug.
    pub category: String,
    /// Price in minor units; `None` when missing.
    pub price_minor: Option<i64>,
    /// Currency code.
    pub currency: String,
    /// Attributes as typed.
    pub attributes: Vec<(String, String)>,
    /// Shown on the home page.
    pub featured: bool,
}

/// Validated admin input for a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductDraft {
    /// Slug.
    pub slug: Slug,
    /// Display name, trimmed.
    pub name: String,
    /// Description, trimmed.
    pub description: String,
    /// Category slug (its existence is checked against the store).
    pub category: Slug,
    /// Price in the shop's currency.
    pub price: Money,
    /// Attributes.
    pub attributes: Vec<Attribute>,
    /// Shown on the home page.
    pub featured: bool,
}

/// The shop sells in one currency, so totals never mix currencies.
const SHOP_CURRENCY: Currency = Currency::USD;
const MAX_NAME_CHARS: usize = 120;
const MAX_DESCRIPTION_CHARS: usize = 5_000;
const MAX_ATTRIBUTES: usize = 20;
/// Ten million dollars: a sanity bound, far above anything the shop sells.
const MAX_PRICE_MINOR: i64 = 1_000_000_000;

impl ProductDraft {
    /// Validates admin input, collecting every bad field.
    ///
    /// # Errors
    /// [`FieldErrors`] naming each invalid field.
    pub fn parse(input: &ProductInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = input.name.trim().to_owned();
        if name.is_empty() {
            errors.push("name", "must not be empty");
        } else if name.chars().count() > MAX_NAME_CHARS {
            errors.push("name", format!("must be at most {MAX_NAME_CHARS} characters"));
        }
        let slug = if input.slug.trim().is_empty() {
            if name.is_empty() { None } else { errors.check("slug", Slug::from_name(&name)) }
        } else {
            errors.check("slug", Slug::parse(input.slug.trim()))
        };
        let description = input.description.trim().to_owned();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors
                .push("description", format!("must be at most {MAX_DESCRIPTION_CHARS} characters"));
        }
        let category = errors.check("category", Slug::parse(input.category.trim()));
        let price = match input.price_minor {
            None => {
                errors.push("price", "is required");
                None
            }
            Some(amount) if amount < 0 => {
                errors.push("price", "must not be negative");
                None
            }
            Some(amount) if amount > MAX_PRICE_MINOR => {
                errors.push("price", "is too large");
                None
            }
            Some(amount) => match bazaar_types::Currency::parse(&input.currency) {
                Ok(currency) if currency == SHOP_CURRENCY => Some(Money::new(amount, currency)),
                Ok(_) | Err(_) => {
                    errors.push("price.currency", format!("must be {SHOP_CURRENCY}"));
                    None
                }
            },
        };
        if input.attributes.len() > MAX_ATTRIBUTES {
            errors.push("attributes", format!("must be at most {MAX_ATTRIBUTES}"));
        }
        let mut attributes = Vec::with_capacity(input.attributes.len());
        for (index, (attribute_name, value)) in input.attributes.iter().enumerate() {
            let (attribute_name, value) = (attribute_name.trim(), value.trim());
            if attribute_name.is_empty() || attribute_name.chars().count() > 40 {
                errors.push(format!("attributes[{index}].name"), "must be 1 to 40 characters");
            }
            if value.is_empty() || value.chars().count() > 200 {
                errors.push(format!("attributes[{index}].value"), "must be 1 to 200 characters");
            }
            attributes.push(Attribute { name: attribute_name.to_owned(), value: value.to_owned() });
        }
        match (slug, category, price) {
            (Some(slug), Some(category), Some(price)) if errors.is_empty() => Ok(Self {
                slug,
                name,
                description,
                category,
                price,
                attributes,
                featured: input.featured,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ProductInput {
        ProductInput {
            slug: String::new(),
            name: "Oak Chair".into(),
            description: "A chair.".into(),
            category: "home".into(),
            price_minor: Some(12_900),
            currency: "USD".into(),
            attributes: vec![("Material".into(), "Oak".into())],
            featured: false,
        }
    }

    #[test]
    fn derives_the_slug_from_the_name() {
        let draft = ProductDraft::parse(&input()).unwrap();
        assert_eq!(draft.slug.as_str(), "oak-chair");
        assert_eq!(draft.price.amount_minor(), 12_900);
    }

    #[test]
    fn names_every_invalid_field() {
        let bad = ProductInput {
            name: "  ".into(),
            slug: "Bad Slug".into(),
            category: String::new(),
            price_minor: Some(-1),
            attributes: vec![(String::new(), "x".into())],
            ..input()
        };
        let errors = ProductDraft::parse(&bad).unwrap_err();
        for field in ["name", "slug", "category", "price", "attributes[0].name"] {
            assert!(errors.message_for(field).is_some(), "{field} in {errors}");
        }
    }

    #[test]
    fn requires_a_price_in_the_shop_currency() {
        let errors =
            ProductDraft::parse(&ProductInput { price_minor: None, ..input() }).unwrap_err();
        assert_eq!(errors.message_for("price"), Some("is required"));
        let errors =
            ProductDraft::parse(&ProductInput { currency: "EUR".into(), ..input() }).unwrap_err();
        assert_eq!(errors.message_for("price.currency"), Some("must be USD"));
    }

    #[test]
    fn keys_are_ids_or_slugs() {
        assert!(matches!(ProductKey::parse("oak-chair").unwrap(), ProductKey::Slug(_)));
        assert!(matches!(
            ProductKey::parse(ProductId::generate().as_str()).unwrap(),
            ProductKey::Id(_)
        ));
        assert!(ProductKey::parse("Not A Slug!").is_err());
    }
}
