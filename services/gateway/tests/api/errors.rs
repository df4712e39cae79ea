use std::time::{Duration, Instant};

use bazaar_testkit::TestDb;

use crate::helpers::{Upstreams, free_port, http_client, spawn_shop, start_catalog, start_gateway};

#[tokio::test]
async fn malformed_parameters_are_400_with_the_field_named() {
    let shop = spawn_shop().await;
    for (query, field) in [
        ("page=-1", "page"),
        ("page=abc", "page"),
        ("page_size=1000000000", "page_size"),
        ("page_size=0", "page_size"),
        ("sort=random", "sort"),
        ("category=Not%20A%20Slug", "category"),
        ("sort=name&sort=price_asc", "sort"),
    ] {
        let (status, body) = shop.get_json(&format!("/api/v1/products?{query}")).await;
        assert_eq!(status, 400, "{query}");
        assert_eq!(body["code"], "invalid_request");
        assert_eq!(body["fields"][0]["field"], field, "{query}: {body}");
        assert!(!body["message"].as_str().unwrap().is_empty());
    }
    let (status, body) = shop.get_text("/c/kitchen?page=-1").await;
    assert_eq!(status, 400);
    assert!(body.contains("<html"), "pages get an HTML error");
    assert!(body.contains("page: must be a whole number of at least 1"));
    let (status, body) = shop.get_text("/search?q=pan&q=pot").await;
    assert_eq!(status, 400);
    assert!(body.contains("<html") && body.contains("q: must be given once"), "{body}");
    let (status, body) = shop.get_json("/api/v1/shipping/quotes?country=US&country=DE").await;
    assert_eq!((status, &body["fields"][0]["field"]), (400, &"country".into()), "{body}");
}

#[tokio::test]
async fn unknown_things_are_404_pages_or_json() {
    let shop = spawn_shop().await;
    let (status, body) = shop.get_text("/products/no-such-product").await;
    assert_eq!(status, 404);
    assert!(body.contains("We couldn&#39;t find that page"));
    assert_eq!(shop.get_text("/c/no-such-category").await.0, 404);
    assert_eq!(shop.get_text("/nowhere").await.0, 404);
    let (status, body) = shop.get_json("/api/v1/nowhere").await;
    assert_eq!(status, 404);
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let shop = spawn_shop().await;
    let response = shop
        .client
        .post(format!("{}/api/v1/products", shop.url))
        .header("content-type", "application/json")
        .body(vec![b' '; 1024 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "payload_too_large");
}

#[tokio::test]
async fn a_down_catalog_gives_a_quick_503_and_the_gateway_recovers() {
    let port = free_port();
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let upstreams =
        Upstreams { catalog: format!("http://127.0.0.1:{port}"), ..Upstreams::all_at(&nowhere) };
    let (url, _data, _gateway) = start_gateway(&upstreams).await;
    let client = http_client();

    let started = Instant::now();
    let response = client.get(format!("{url}/")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert!(response.text().await.unwrap().contains("temporarily unavailable"));
    assert!(started.elapsed() < Duration::from_secs(5), "fails fast rather than hanging");
    let response = client.get(format!("{url}/api/v1/products")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "service_unavailable");

    // The catalog comes up on the address the gateway knows; the gateway recovers by itself.
    let db = TestDb::sqlite();
    let identity = bazaar_testkit::FakeIdentity::spawn().await;
    let (_catalog_url, _catalog) = start_catalog(&db, port, identity.url()).await;
    let mut recovered = false;
    for _ in 0..50 {
        if client.get(format!("{url}/")).send().await.unwrap().status() == 200 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the gateway serves again once the catalog is back");
}
