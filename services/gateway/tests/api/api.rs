use crate::helpers::spawn_shop;

#[tokio::test]
async fn lists_products_with_filters_and_pagination() {
    let shop = spawn_shop().await;
    let (status, body) =
        shop.get_json("/api/v1/products?category=toys&page=2&page_size=4&sort=price_asc").await;
    assert_eq!(status, 200);
    assert_eq!(body["page"], 2);
    assert_eq!(body["page_size"], 4);
    assert_eq!(body["total_items"], 9);
    assert_eq!(body["total_pages"], 3);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|item| item["category"] == "toys"));
    let prices: Vec<i64> =
        items.iter().map(|item| item["price"]["amount_minor"].as_i64().unwrap()).collect();
    assert!(prices.windows(2).all(|pair| pair[0] <= pair[1]));
    assert_eq!(items[0]["price"]["currency"], "USD");
    assert!(items[0]["price"]["formatted"].as_str().unwrap().starts_with('$'));
}

#[tokio::test]
async fn searches_with_q() {
    let shop = spawn_shop().await;
    let (status, body) = shop.get_json("/api/v1/products?q=merino").await;
    assert_eq!(status, 200);
    assert!(body["items"].as_array().unwrap().iter().any(|item| item["slug"] == "merino-sweater"));
    let (status, body) = shop.get_json("/api/v1/products?q=%3F%3F").await;
    assert_eq!(status, 400);
    assert_eq!(body["fields"][0]["field"], "q");
}

#[tokio::test]
async fn gets_products_by_id_or_slug() {
    let shop = spawn_shop().await;
    let (status, by_slug) = shop.get_json("/api/v1/products/fountain-pen").await;
    assert_eq!(status, 200);
    let id = by_slug["id"].as_str().unwrap();
    let (status, by_id) = shop.get_json(&format!("/api/v1/products/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(by_id, by_slug);
    let (status, missing) = shop.get_json("/api/v1/products/no-such-product").await;
    assert_eq!(status, 404);
    assert_eq!(missing["code"], "not_found");
}

#[tokio::test]
async fn lists_categories() {
    let shop = spawn_shop().await;
    let (status, body) = shop.get_json("/api/v1/categories").await;
    assert_eq!(status, 200);
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 8);
    assert_eq!(items[0]["slug"], "kitchen");
    assert_eq!(items[0]["product_count"], 9);
}

#[tokio::test]
async fn serves_the_openapi_document_and_docs_page() {
    let shop = spawn_shop().await;
    let (status, document) = shop.get_json("/api/openapi.json").await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/products", "/api/v1/products/{id_or_slug}", "/api/v1/categories"] {
        assert!(document["paths"][path].is_object(), "{path} is documented");
    }
    let response = shop.get("/api/docs/").await;
    assert_eq!(response.status(), 200);
    assert!(response.text().await.unwrap().contains("swagger"));

    // Every status the layers around the handlers can answer is documented, so generated clients
    // and contract testers know them.
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let mut expected = vec!["401", "503"];
            if operation.get("requestBody").is_some() {
                expected.extend(["400", "413", "415"]);
            }
            for status in expected {
                assert!(responses.contains_key(status), "{method} {path} documents {status}");
            }
        }
    }
}
