use crate::helpers::spawn_shop;

#[tokio::test]
async fn home_page_shows_categories_and_featured_products() {
    let shop = spawn_shop().await;
    let (status, body) = shop.get_text("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("Shop by category"));
    assert!(body.contains("href=\"/c/kitchen\""));
    assert!(body.contains("Arc Floor Lamp"), "featured products are listed");
    assert!(body.contains("/static/style.css?v="));
}

#[tokio::test]
async fn category_pages_sort_and_paginate() {
    let shop = spawn_shop().await;
    let (status, body) = shop.get_text("/c/kitchen?sort=price_desc&page_size=3").await;
    assert_eq!(status, 200);
    let dutch_oven = body.find("Enamel Dutch Oven").unwrap();
    let knife = body.find("Chef&#39;s Knife").unwrap();
    assert!(dutch_oven < knife, "dearest first");
    assert!(body.contains("rel=\"next\""), "pagination links");
    assert!(body.contains("9 products"));
}

#[tokio::test]
async fn search_ranks_and_handles_empty_results() {
    let shop = spawn_shop().await;
    let (status, body) = shop.get_text("/search?q=cast+iron").await;
    assert_eq!(status, 200);
    assert!(body.contains("Cast Iron Skillet"));
    let (status, body) = shop.get_text("/search?q=zeppelin").await;
    assert_eq!(status, 200);
    assert!(body.contains("Nothing matches"));
    let (status, body) = shop.get_text("/search?q=%21%21%21").await;
    assert_eq!(status, 200);
    assert!(body.contains("Try searching with letters or numbers"));
}

#[tokio::test]
async fn product_pages_show_details_and_related_products() {
    let shop = spawn_shop().await;
    let (status, body) = shop.get_text("/products/trail-backpack").await;
    assert_eq!(status, 200);
    assert!(body.contains("Trail Backpack 28L"));
    assert!(body.contains("$89.00"));
    assert!(body.contains("Rain cover"), "attributes");
    assert!(body.contains("More from Outdoors"));
    assert!(body.contains("Insulated Bottle"), "a related product of the same category");
}

#[tokio::test]
async fn product_images_are_served_with_cache_headers() {
    let shop = spawn_shop().await;
    let (_, products) = shop.get_json("/api/v1/products?page_size=1").await;
    let image_url = products["items"][0]["image_url"].as_str().unwrap().to_owned();
    let response = shop.get(&image_url).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert!(response.text().await.unwrap().starts_with("<svg"));
    let cached = shop
        .client
        .get(format!("{}{image_url}", shop.url))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    assert_eq!(shop.get("/media/products/not-a-uuid.svg").await.status(), 404);
}

#[tokio::test]
async fn static_assets_are_embedded() {
    let shop = spawn_shop().await;
    let response = shop.get("/static/style.css").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(shop.get("/static/htmx.min.js").await.status(), 200);
    assert_eq!(shop.get("/static/nope.js").await.status(), 404);
}

#[tokio::test]
async fn pages_render_without_inventory() {
    let mut shop = crate::helpers::spawn_shop().await;
    shop.stop("inventory");
    let (status, body) = shop.get_text("/products/kite").await;
    assert_eq!(status, 200, "stock is optional on a product page");
    assert!(body.contains("Add to cart"));
    assert!(!body.contains("In stock"));
    assert_eq!(shop.get_text("/c/toys").await.0, 200);
}

#[tokio::test]
async fn recommendations_on_the_cart_page_carry_stock_badges() {
    let shop = spawn_shop().await;
    let skillet = crate::helpers::product_id("cast-iron-skillet");
    shop.post_form("/cart/items", &[("product_id", &skillet), ("quantity", "1")]).await;
    let (status, body) = shop.get_text("/cart").await;
    assert_eq!(status, 200);
    let (_, section) =
        body.split_once("id=\"recommended-heading\"").expect("a recommendations section");
    assert!(section.contains("class=\"badge badge-"), "recommended products show their stock");
}
