//! Browsing: the home page, category pages, search results and product pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use bazaar_contracts::catalog::{self as catalog_pb, ProductSort};
use tonic::Code;

use crate::{
    error::{AppError, PageError},
    params::{ListParams, PageQuery, sort_name},
    state::AppState,
    view::{
        CategoryLink, Layout, Pager, ProductCard, StockBadge, encode_query_value, image_url, money,
    },
};

/// Adds stock badges to product cards. Stock is a nicety on listings: without inventory the
/// cards show without badges.
pub(crate) async fn with_stock(state: &AppState, mut cards: Vec<ProductCard>) -> Vec<ProductCard> {
    match state.clients.stock_for_display(cards.iter().map(|card| card.id.clone()).collect()).await
    {
        Ok(levels) => {
            for card in &mut cards {
                card.stock =
                    levels.get(&card.id).map(|level| StockBadge::from_available(level.available));
            }
        }
        Err(status) => tracing::debug!(%status, "inventory unavailable; listing without stock"),
    }
    cards
}

/// The home page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/home.html")]
pub struct HomePage {
    layout: Layout,
    featured: Vec<ProductCard>,
    hero: Vec<ProductCard>,
}

/// `GET /`: hero band, categories and featured products.
///
/// # Errors
/// 503 when the catalog is down.
pub async fn home(State(state): State<AppState>, layout: Layout) -> Result<HomePage, PageError> {
    let featured = state
        .clients
        .list_products(catalog_pb::ListProductsRequest {
            featured_only: true,
            page: Some(bazaar_contracts::common::PageRequest { page: 1, page_size: 10 }),
            ..Default::default()
        })
        .await?;
    // The hero collage shows three featured products of different categories.
    let mut hero_categories = Vec::new();
    let hero = featured
        .products
        .iter()
        .filter(|product| {
            let new = !hero_categories.contains(&product.category);
            hero_categories.push(product.category.clone());
            new
        })
        .take(3)
        .map(ProductCard::from)
        .collect();
    let featured =
        with_stock(&state, featured.products.iter().map(ProductCard::from).collect()).await;
    Ok(HomePage { layout, featured, hero })
}

/// A category's product list.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/category.html")]
pub struct CategoryPage {
    layout: Layout,
    category: CategoryLink,
    products: Vec<ProductCard>,
    total: u64,
    sort: &'static str,
    sorts: [(&'static str, &'static str); 4],
    pager: Pager,
}

const SORTS: [(&str, &str); 4] = [
    ("name", "Name"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
    ("newest", "Newest"),
];

/// `GET /c/{category}?sort=&page=`: one category, sorted and paginated.
///
/// # Errors
/// 404 for an unknown category, 400 for bad parameters, 503 when the catalog is down.
pub async fn category(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    PageQuery(params): PageQuery<ListParams>,
    layout: Layout,
) -> Result<CategoryPage, PageError> {
    let page = params.page()?;
    let sort = params.sort()?;
    let categories = state.clients.categories().await?;
    let category = categories
        .iter()
        .find(|category| category.slug == slug)
        .map(CategoryLink::from)
        .ok_or_else(|| AppError::NotFound(format!("no category {slug}")))?;
    let response = state
        .clients
        .list_products(catalog_pb::ListProductsRequest {
            category: slug.clone(),
            featured_only: false,
            sort: sort.into(),
            page: Some(page.into()),
        })
        .await?;
    let info = response.page.unwrap_or_default();
    let sort_param = sort_name(sort);
    let pager = Pager::new(info.page, info.total_pages, |number| {
        format!("/c/{slug}?sort={sort_param}&page={number}")
    });
    Ok(CategoryPage {
        layout: layout.with_category(&slug),
        category,
        products: with_stock(&state, response.products.iter().map(ProductCard::from).collect())
            .await,
        total: info.total_items,
        sort: sort_param,
        sorts: SORTS,
        pager,
    })
}

/// Search results.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/search.html")]
pub struct SearchPage {
    layout: Layout,
    query: String,
    products: Vec<ProductCard>,
    total: u64,
    problem: Option<String>,
    pager: Pager,
}

/// `GET /search?q=&page=`: ranked search results.
///
/// # Errors
/// 400 for bad paging parameters, 503 when the catalog is down.
pub async fn search(
    State(state): State<AppState>,
    PageQuery(params): PageQuery<ListParams>,
    layout: Layout,
) -> Result<SearchPage, PageError> {
    let page = params.page()?;
    let query = params.query().unwrap_or_default().to_owned();
    let mut result = SearchPage {
        layout: layout.with_query(&query),
        query: query.clone(),
        products: Vec::new(),
        total: 0,
        problem: None,
        pager: Pager::default(),
    };
    if query.is_empty() {
        return Ok(result);
    }
    let response = state
        .clients
        .search_products(catalog_pb::SearchProductsRequest {
            query: query.clone(),
            category: params.category()?.unwrap_or_default(),
            page: Some(page.into()),
        })
        .await;
    match response {
        Ok(response) => {
            let info = response.page.unwrap_or_default();
            let encoded = encode_query_value(&query);
            result.pager = Pager::new(info.page, info.total_pages, |number| {
                format!("/search?q={encoded}&page={number}")
            });
            result.total = info.total_items;
            result.products =
                with_stock(&state, response.products.iter().map(ProductCard::from).collect()).await;
        }
        // A query without searchable words is the shopper's typo, not an error page.
        Err(status) if status.code() == Code::InvalidArgument => {
            result.problem = Some(
                "Try searching with letters or numbers, for example \u{201c}lamp\u{201d}."
                    .to_owned(),
            );
        }
        Err(status) => return Err(status.into()),
    }
    Ok(result)
}

/// A product's detail.
#[derive(Debug, Clone)]
pub struct ProductDetail {
    /// Id.
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Name.
    pub name: String,
    /// Description, split into paragraphs.
    pub paragraphs: Vec<String>,
    /// Formatted price.
    pub price: String,
    /// Image URL.
    pub image_url: String,
    /// Category slug.
    pub category: String,
    /// Category name.
    pub category_name: String,
    /// Attributes.
    pub attributes: Vec<(String, String)>,
    /// Stock, when inventory answered.
    pub stock: Option<StockBadge>,
    /// Whether it can be added to a cart (in stock, or stock unknown).
    pub can_buy: bool,
    /// Most units the quantity field offers.
    pub max_quantity: i64,
}

/// The product page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/product.html")]
pub struct ProductPage {
    layout: Layout,
    product: ProductDetail,
    related: Vec<ProductCard>,
    recommended: Vec<ProductCard>,
    recommended_title: &'static str,
}

/// `GET /products/{slug or id}`: the product, with related products of its category.
///
/// # Errors
/// 404 for an unknown product, 503 when the catalog is down.
pub async fn product(
    State(state): State<AppState>,
    Path(key): Path<String>,
    layout: Layout,
) -> Result<ProductPage, PageError> {
    let product = state.clients.product(&key).await.map_err(|status| match status.code() {
        Code::InvalidArgument | Code::NotFound => {
            PageError(AppError::NotFound(format!("no product {key}")))
        }
        _ => PageError::from(status),
    })?;
    let related_request = catalog_pb::ListProductsRequest {
        category: product.category.clone(),
        sort: ProductSort::Name.into(),
        page: Some(bazaar_contracts::common::PageRequest { page: 1, page_size: 5 }),
        ..Default::default()
    };
    let (categories, related, stock, recommended) = tokio::join!(
        state.clients.categories(),
        state.clients.list_products(related_request),
        state.clients.stock_for_display(vec![product.id.clone()]),
        state.clients.recommendations(vec![product.id.clone()], 4)
    );
    // Only products bought together are shown here; the same category is "More from" below.
    let recommended: Vec<ProductCard> = recommended
        .iter()
        .filter(|(_, reason)| reason == "bought_together")
        .map(|(product, _)| ProductCard::from(product))
        .collect();
    // Stock is shown when inventory answers; without it the product can still be added.
    let available =
        stock.ok().and_then(|levels| levels.get(&product.id).map(|level| level.available));
    let category_name = categories
        .ok()
        .and_then(|categories| {
            categories.iter().find(|c| c.slug == product.category).map(|c| c.name.clone())
        })
        .unwrap_or_else(|| product.category.clone());
    // Related products are a nicety: without them the page still renders.
    let related: Vec<ProductCard> = related
        .map(|response| {
            response
                .products
                .iter()
                .filter(|other| other.id != product.id)
                .take(4)
                .map(ProductCard::from)
                .collect()
        })
        .unwrap_or_default();
    let related = with_stock(&state, related).await;
    let recommended = with_stock(&state, recommended).await;
    let detail = ProductDetail {
        id: product.id.clone(),
        slug: product.slug.clone(),
        name: product.name.clone(),
        paragraphs: product
            .description
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Into::into)
            .collect(),
        price: money(product.price.as_ref()),
        image_url: image_url(&product),
        category: product.category.clone(),
        category_name,
        attributes: product.attributes.iter().map(|a| (a.name.clone(), a.value.clone())).collect(),
        stock: available.map(StockBadge::from_available),
        can_buy: available.is_none_or(|available| available > 0),
        max_quantity: available.map_or(bazaar_types::Quantity::MAX, |available| {
            available.clamp(1, bazaar_types::Quantity::MAX)
        }),
    };
    Ok(ProductPage {
        layout: layout.with_category(&product.category),
        product: detail,
        related,
        recommended,
        recommended_title: "Customers also bought",
    })
}
