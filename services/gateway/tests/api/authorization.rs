//! The authorization matrix, generated from the API's own OpenAPI document, so a new route is
//! checked as soon as it exists: routes that require a token answer 401 without one; admin routes
//! answer 403 to customers; a user's resources answer 404 to another user.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{product_id, spawn_shop, unique_email};

struct Operation {
    method: Method,
    path: String,
    required: bool,
}

fn operations(document: &Value) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Ok(method) = method.to_uppercase().parse::<Method>() else { continue };
            // No `security`: public. A requirement list containing `{}`: a token is optional.
            let required = operation["security"].as_array().is_some_and(|alternatives| {
                alternatives.iter().all(|alternative| alternative != &json!({}))
            });
            operations.push(Operation { method, path: path.clone(), required });
        }
    }
    operations
}

fn fill(path: &str, value: &str) -> String {
    let mut filled = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..].find('}').unwrap() + start;
        filled.push_str(&rest[..start]);
        filled.push_str(value);
        rest = &rest[end + 1..];
    }
    filled + rest
}

fn body_for(method: &Method) -> Option<Value> {
    matches!(*method, Method::POST | Method::PUT | Method::PATCH).then(|| json!({}))
}

#[tokio::test]
async fn every_route_enforces_its_authorization() {
    let shop = spawn_shop().await;
    let (_, document) = shop.get_json("/api/openapi.json").await;
    let operations = operations(&document);
    assert!(operations.len() >= 15, "the document lists the API");
    let customer = shop.sign_up(&unique_email()).await;
    let placeholder = uuid::Uuid::now_v7().to_string();

    for operation in &operations {
        let path = fill(&operation.path, &placeholder);
        let is_admin_route = operation.path.starts_with("/api/v1/admin/");
        assert!(
            !is_admin_route || operation.required,
            "{} {} must require a token",
            operation.method,
            operation.path
        );
        if operation.required {
            let (status, body) =
                shop.call(operation.method.clone(), &path, None, body_for(&operation.method)).await;
            assert_eq!(
                status, 401,
                "{} {} without a token: {body}",
                operation.method, operation.path
            );
            assert_eq!(body["code"], "unauthorized");
        }
        if is_admin_route {
            let (status, _) = shop
                .call(operation.method.clone(), &path, Some(&customer), body_for(&operation.method))
                .await;
            assert_eq!(status, 403, "{} {} as a customer", operation.method, operation.path);
        }
    }
}

#[tokio::test]
async fn another_users_resources_are_not_found() {
    let shop = spawn_shop().await;
    let (_, document) = shop.get_json("/api/openapi.json").await;
    let alice = shop.sign_up(&unique_email()).await;
    let bob = shop.sign_up(&unique_email()).await;

    // Alice's resources, one per kind of path parameter that names something a user owns.
    let (_, address) = shop
        .call(
            Method::POST,
            "/api/v1/me/addresses",
            Some(&alice),
            Some(json!({"name": "Alice", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"})),
        )
        .await;
    let kite = product_id("kite");
    shop.call(
        Method::POST,
        "/api/v1/cart/items",
        Some(&alice),
        Some(json!({"product_id": kite, "quantity": 1})),
    )
    .await;
    let (status, order) = shop
        .place_order(
            &alice,
            "alice-1",
            json!({
                "address_id": address["id"],
                "shipping_option": "standard",
                "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
            }),
        )
        .await;
    assert_eq!(status, 201, "{order}");
    // The order empties her cart (by an event); then she puts the kite back.
    crate::helpers::eventually(10, "the cart to be emptied", || async {
        let (_, cart) = shop.call(Method::GET, "/api/v1/cart", Some(&alice), None).await;
        (cart["item_count"] == 0).then_some(())
    })
    .await;
    shop.call(
        Method::POST,
        "/api/v1/cart/items",
        Some(&alice),
        Some(json!({"product_id": kite, "quantity": 1})),
    )
    .await;
    let order_id = order["id"].as_str().unwrap().to_owned();
    let owned = [
        ("/api/v1/me/addresses/{id}", address["id"].as_str().unwrap().to_owned()),
        ("/api/v1/cart/items/{product_id}", kite),
        ("/api/v1/orders/{id}", order_id.clone()),
        ("/api/v1/orders/{id}/cancel", order_id),
    ];

    for operation in operations(&document) {
        let owner_scoped = operation.path.contains('{')
            && !operation.path.starts_with("/api/v1/admin/")
            && (operation.required || operation.path.starts_with("/api/v1/cart/"));
        if !owner_scoped {
            continue;
        }
        let value = owned
            .iter()
            .find(|(path, _)| *path == operation.path)
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| {
                panic!("{} has no ownership fixture: add one to this test", operation.path)
            });
        let path = fill(&operation.path, &value);
        let body = match operation.method {
            Method::PATCH => Some(json!({"quantity": 2})),
            _ => body_for(&operation.method),
        };
        let (status, body) = shop.call(operation.method.clone(), &path, Some(&bob), body).await;
        assert_eq!(
            status, 404,
            "{} {} with another user's id: {body}",
            operation.method, operation.path
        );
    }
    // Alice still has her things.
    let (_, cart) = shop.call(Method::GET, "/api/v1/cart", Some(&alice), None).await;
    assert_eq!(cart["item_count"], 1);
    let (_, order) = shop
        .call(
            Method::GET,
            &format!("/api/v1/orders/{}", order["id"].as_str().unwrap()),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(order["status"], "confirmed");
}
