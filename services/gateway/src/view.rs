//! View models and formatting shared by pages (and, for money, by the API).

use axum::{extract::FromRequestParts, http::request::Parts};
use bazaar_contracts::{catalog as catalog_pb, common};
use bazaar_types::{Currency, Money, StockStatus};

use crate::{routes::assets, session::Visitor, state::AppState};

/// What every page's frame shows: categories, the search box, the account link, the cart count
/// and a one-time notice.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Category links for the header.
    pub categories: Vec<CategoryLink>,
    /// The search box's text.
    pub query: String,
    /// Slug of the category being browsed, to highlight it.
    pub active_category: String,
    /// Cache-busting token of the stylesheet and scripts.
    pub asset_version: &'static str,
    /// Name of the signed-in user.
    pub user_name: Option<String>,
    /// Whether the signed-in user is an admin.
    pub is_admin: bool,
    /// Items in the visitor's cart.
    pub cart_count: i64,
    /// A message about what just happened (from the `notice` query parameter of a redirect).
    pub notice: Option<&'static str>,
}

impl Layout {
    /// A frame that needs no upstream call (error pages).
    pub fn minimal() -> Self {
        Self { asset_version: assets::version(), ..Self::default() }
    }

    /// Sets the search box's text.
    #[must_use]
    pub fn with_query(mut self, query: &str) -> Self {
        query.clone_into(&mut self.query);
        self
    }

    /// Highlights a category.
    #[must_use]
    pub fn with_category(mut self, slug: &str) -> Self {
        slug.clone_into(&mut self.active_category);
        self
    }
}

/// Messages shown after a redirect, chosen by a fixed code so nothing a visitor types is echoed.
pub fn notice(code: &str) -> Option<&'static str> {
    Some(match code {
        "signed-in" => "Welcome back! You are signed in.",
        "signed-up" => "Welcome to Bazaar! Your account is ready.",
        "signed-out" => "You are signed out. See you soon.",
        "added" => "Added to your cart.",
        "updated" => "Your cart was updated.",
        "removed" => "The item was removed from your cart.",
        "profile-saved" => "Your name was saved.",
        "address-saved" => "The address was saved.",
        "address-deleted" => "The address was deleted.",
        "stock-saved" => "The stock was updated.",
        _ => return None,
    })
}

impl FromRequestParts<AppState> for Layout {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let visitor = parts.extensions.get::<Visitor>().cloned().unwrap_or_default();
        let notice = parts
            .uri
            .query()
            .and_then(|query| query.split('&').find_map(|pair| pair.strip_prefix("notice=")))
            .and_then(notice);
        // The header's categories and cart count are niceties: when a service is down the page
        // decides what to show.
        let cart_count = async {
            if visitor.has_cart() {
                state.clients.cart_count(&visitor).await.unwrap_or(0)
            } else {
                0
            }
        };
        let (categories, cart_count) = tokio::join!(state.clients.categories(), cart_count);
        let categories = categories
            .map(|categories| categories.iter().map(CategoryLink::from).collect::<Vec<_>>());
        Ok(Self {
            categories: categories.unwrap_or_default(),
            user_name: visitor.user.as_ref().map(|user| user.name.clone()),
            is_admin: visitor.is_admin(),
            cart_count,
            notice,
            ..Self::minimal()
        })
    }
}

/// A link to a category.
#[derive(Debug, Clone)]
pub struct CategoryLink {
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Number of products.
    pub product_count: u64,
}

impl From<&catalog_pb::Category> for CategoryLink {
    fn from(category: &catalog_pb::Category) -> Self {
        Self {
            slug: category.slug.clone(),
            name: category.name.clone(),
            description: category.description.clone(),
            product_count: category.product_count,
        }
    }
}

/// Formats wire money for display, e.g. `$1,299.00`.
pub fn money(money: Option<&common::Money>) -> String {
    money
        .and_then(|money| Money::try_from(money).ok())
        .map_or_else(String::new, |money| money.to_string())
}

/// Formats minor units of the shop currency.
pub fn usd(amount_minor: i64) -> String {
    Money::new(amount_minor, Currency::USD).to_string()
}

/// Returns the URL of a product's image; the version changes when the product does.
pub fn image_url(product: &catalog_pb::Product) -> String {
    format!("/media/products/{}.svg?v={}", product.id, product.updated_at_ms)
}

/// The stock badge of a product card or page.
#[derive(Debug, Clone)]
pub struct StockBadge {
    /// e.g. "Only 3 left".
    pub label: String,
    /// CSS modifier: `in`, `low` or `out`.
    pub class: &'static str,
    /// Whether it can be added to a cart.
    pub available: bool,
}

impl StockBadge {
    /// Builds the badge for an available quantity.
    pub fn from_available(available: i64) -> Self {
        let status = StockStatus::from_available(available);
        let class = match status {
            StockStatus::InStock => "in",
            StockStatus::OnlyLeft(_) => "low",
            StockStatus::SoldOut => "out",
        };
        Self { label: status.to_string(), class, available: status.is_available() }
    }
}

/// A product in a grid.
#[derive(Debug, Clone)]
pub struct ProductCard {
    /// Id.
    pub id: String,
    /// Slug, for the link.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Formatted price.
    pub price: String,
    /// Image URL.
    pub image_url: String,
    /// Stock badge, when known.
    pub stock: Option<StockBadge>,
}

impl From<&catalog_pb::Product> for ProductCard {
    fn from(product: &catalog_pb::Product) -> Self {
        Self {
            id: product.id.clone(),
            slug: product.slug.clone(),
            name: product.name.clone(),
            price: money(product.price.as_ref()),
            image_url: image_url(product),
            stock: None,
        }
    }
}

/// Links to the pages of a list.
#[derive(Debug, Clone, Default)]
pub struct Pager {
    /// Previous page's URL.
    pub previous: Option<String>,
    /// Next page's URL.
    pub next: Option<String>,
    /// Every page: number, URL and whether it is the current one. Long lists are elided.
    pub pages: Vec<PageLink>,
}

/// One page link; `number` 0 is an ellipsis.
#[derive(Debug, Clone)]
pub struct PageLink {
    /// Page number, or 0 for "…".
    pub number: u32,
    /// URL.
    pub url: String,
    /// The page being shown.
    pub current: bool,
}

impl Pager {
    /// Builds links for page `current` of `total` pages; `url_for` makes a page's URL.
    pub fn new(current: u32, total: u32, url_for: impl Fn(u32) -> String) -> Self {
        if total <= 1 {
            return Self::default();
        }
        let mut pages = Vec::new();
        let mut last_shown = 0;
        for number in 1..=total {
            let near = number.abs_diff(current) <= 2;
            if number == 1 || number == total || near {
                if last_shown + 1 < number {
                    pages.push(PageLink { number: 0, url: String::new(), current: false });
                }
                pages.push(PageLink { number, url: url_for(number), current: number == current });
                last_shown = number;
            }
        }
        Self {
            previous: (current > 1).then(|| url_for(current - 1)),
            next: (current < total).then(|| url_for(current + 1)),
            pages,
        }
    }

    /// Tells whether there is more than one page.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

/// Escapes text for HTML built outside templates.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Percent-encodes a query-string value.
pub fn encode_query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                encoded.push(char::from(byte));
            }
            b' ' => encoded.push('+'),
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pager_elides_far_pages() {
        let pager = Pager::new(5, 10, |n| format!("?page={n}"));
        let numbers: Vec<u32> = pager.pages.iter().map(|p| p.number).collect();
        assert_eq!(numbers, vec![1, 0, 3, 4, 5, 6, 7, 0, 10]);
        assert_eq!(pager.previous.as_deref(), Some("?page=4"));
        assert!(Pager::new(1, 1, |n| n.to_string()).is_empty());
    }

    #[test]
    fn badges_follow_stock() {
        assert_eq!(StockBadge::from_available(0).class, "out");
        assert!(!StockBadge::from_available(0).available);
        assert_eq!(StockBadge::from_available(3).label, "Only 3 left");
        assert_eq!(StockBadge::from_available(30).class, "in");
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode_query_value("wool & oak/1"), "wool+%26+oak%2F1");
    }
}
