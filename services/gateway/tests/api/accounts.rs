use reqwest::Method;
use serde_json::json;

use crate::helpers::{spawn_shop, unique_email};

#[tokio::test]
async fn sign_up_sign_in_profile_and_sign_out() {
    let shop = spawn_shop().await;
    let email = unique_email();
    let token = shop.sign_up(&email).await;
    let (status, me) = shop.call(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], email);
    assert_eq!(me["role"], "customer");

    let (status, session) = shop
        .call(
            Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"email": email, "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(session["token_type"], "Bearer");
    let second = session["token"].as_str().unwrap().to_owned();

    let (status, renamed) = shop
        .call(Method::PATCH, "/api/v1/me", Some(&second), Some(json!({"name": "Ada L."})))
        .await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("Ada L.")));

    let (status, _) =
        shop.call(Method::DELETE, "/api/v1/sessions/current", Some(&second), None).await;
    assert_eq!(status, 204);
    let (status, body) = shop.call(Method::GET, "/api/v1/me", Some(&second), None).await;
    assert_eq!(status, 401, "a revoked token is refused: {body}");
    assert_eq!(body["code"], "unauthorized");
    // The first session is still alive.
    assert_eq!(shop.call(Method::GET, "/api/v1/me", Some(&token), None).await.0, 200);
}

#[tokio::test]
async fn bad_sign_ups_name_their_fields() {
    let shop = spawn_shop().await;
    let (status, body) = shop
        .call(
            Method::POST,
            "/api/v1/users",
            None,
            Some(json!({"email": "nope", "password": "short", "name": "A"})),
        )
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> =
        body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "password"]);
    let email = unique_email();
    shop.sign_up(&email).await;
    let (status, body) = shop
        .call(
            Method::POST,
            "/api/v1/users",
            None,
            Some(json!({"email": email, "password": "long enough!", "name": "B"})),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["fields"][0]["field"], "email");
    let (status, body) =
        shop.call(Method::POST, "/api/v1/users", None, Some(json!({"email": 42}))).await;
    assert_eq!(status, 400, "{body}");
    let response =
        shop.client.post(format!("{}/api/v1/users", shop.url)).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 415, "a body without a JSON content type");
    let response = shop
        .client
        .post(format!("{}/api/v1/users", shop.url))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn wrong_passwords_get_one_generic_answer() {
    let shop = spawn_shop().await;
    let email = unique_email();
    shop.sign_up(&email).await;
    let wrong = shop
        .call(
            Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"email": email, "password": "wrong one!"})),
        )
        .await;
    let unknown = shop
        .call(
            Method::POST,
            "/api/v1/sessions",
            None,
            Some(json!({"email": unique_email(), "password": "wrong one!"})),
        )
        .await;
    assert_eq!(wrong.0, 401);
    assert_eq!(wrong, unknown, "no account enumeration");
}

#[tokio::test]
async fn tampered_and_expired_tokens_are_refused() {
    let shop = spawn_shop().await;
    let token = shop.sign_up(&unique_email()).await;
    let mut tampered = token.clone();
    tampered.replace_range(tampered.len() - 5.., "AAAAA");
    for bad in [tampered.as_str(), "not-a-token", ""] {
        let (status, body) = shop.call(Method::GET, "/api/v1/me", Some(bad), None).await;
        assert_eq!(status, 401, "{bad}: {body}");
    }
    // A token from a key nobody published.
    let foreign =
        bazaar_testkit::FakeIdentity::spawn().await.user(bazaar_platform::auth::Role::Admin).1;
    assert_eq!(shop.call(Method::GET, "/api/v1/me", Some(&foreign), None).await.0, 401);
}

#[tokio::test]
async fn addresses_are_scoped_to_their_owner() {
    let shop = spawn_shop().await;
    let alice = shop.sign_up(&unique_email()).await;
    let bob = shop.sign_up(&unique_email()).await;
    let address = json!({"name": "Alice", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "us"});
    let (status, saved) =
        shop.call(Method::POST, "/api/v1/me/addresses", Some(&alice), Some(address)).await;
    assert_eq!(status, 201);
    assert_eq!(saved["country"], "US");
    let id = saved["id"].as_str().unwrap();
    let (_, bobs) = shop.call(Method::GET, "/api/v1/me/addresses", Some(&bob), None).await;
    assert!(bobs["items"].as_array().unwrap().is_empty());
    let (status, _) =
        shop.call(Method::DELETE, &format!("/api/v1/me/addresses/{id}"), Some(&bob), None).await;
    assert_eq!(status, 404, "Bob cannot delete Alice's address");
    let (status, _) =
        shop.call(Method::DELETE, &format!("/api/v1/me/addresses/{id}"), Some(&alice), None).await;
    assert_eq!(status, 204);
    let (status, body) = shop
        .call(
            Method::POST,
            "/api/v1/me/addresses",
            Some(&alice),
            Some(json!({"name": "A", "country": "XX"})),
        )
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> =
        body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"line1") && fields.contains(&"country"), "{fields:?}");
}
