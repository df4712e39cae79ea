//! Crash tests with real processes: `kill -9` the payment process, and separately the orders
//! process, while 50 checkouts are in flight. After the restart every order settles within the
//! saga timeout, nothing is charged twice, every capture belongs to a paid order, and stock is
//! conserved, as `bazaar verify` checks.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::shop::{Shop, signal};

const CHECKOUTS: usize = 50;
/// Fewer kites than checkouts, so that some orders are rejected for want of stock.
const KITES: i64 = 40;

struct Api {
    client: reqwest::Client,
    url: String,
}

impl Api {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.url)).json(&body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.json().await.unwrap_or(Value::Null))
            }
            // The gateway's upstream died mid-request: the client sees an error, like a browser.
            Err(_) => (0, Value::Null),
        }
    }

    async fn admin_token(&self, shop: &Shop) -> String {
        let text =
            std::fs::read_to_string(shop.data_dir.path().join("admin-password.txt")).unwrap();
        let mut lines = text.lines();
        let (email, password) = (lines.next().unwrap(), lines.next().unwrap());
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/sessions",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }
}

/// Signs up `CHECKOUTS` shoppers, each with a kite in the cart; returns their tokens.
async fn shoppers(api: &Api, kite: &str) -> Vec<String> {
    let sign_ups = (0..CHECKOUTS).map(|i| async move {
        let email = format!("crash-{i}-{}@example.com", std::process::id());
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "/api/v1/users",
                None,
                json!({"email": email, "password": "correct horse battery", "name": "Crash Tester"}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let token = body["token"].as_str().unwrap().to_owned();
        let (status, body) = api
            .call(
                reqwest::Method::POST,
                "/api/v1/cart/items",
                Some(&token),
                json!({"product_id": kite, "quantity": 1}),
            )
            .await;
        assert!(status == 200 || status == 201, "{status} {body}");
        token
    });
    futures::future::join_all(sign_ups).await
}

/// Places every shopper's order at once, some with a card that fails once before it succeeds,
/// and kills `victim` as soon as the first checkouts are under way. Like a careful client, each
/// shopper retries with the same `Idempotency-Key` while the shop answers 503 or the connection
/// fails. Returns each shopper's order id.
async fn checkouts_while_killing(
    shop: &Shop,
    api: &Api,
    tokens: &[String],
    victim: &str,
) -> Vec<String> {
    let place = tokens.iter().enumerate().map(|(i, token)| async move {
        let card = if i % 3 == 0 { "4000000000000119" } else { "4242424242424242" };
        let body = json!({
            "address": {"name": "Crash Tester", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
            "shipping_option": "standard",
            "card": {"number": card, "exp_month": 12, "exp_year": 2040, "cvc": "123"}
        });
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            let response = api
                .client
                .post(format!("{}/api/v1/orders", api.url))
                .bearer_auth(token)
                .header("Idempotency-Key", format!("crash-{i}"))
                .json(&body)
                .send()
                .await;
            let status = response.as_ref().map_or(0, |response| response.status().as_u16());
            if status == 200 || status == 201 {
                let order: Value = response.unwrap().json().await.unwrap();
                return order["id"].as_str().unwrap().to_owned();
            }
            assert!([0, 502, 503, 504].contains(&status), "checkout {i} answered {status}");
            assert!(Instant::now() < deadline, "checkout {i} never went through");
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    });
    let pid = shop.service_pid(victim).unwrap();
    let kill = async {
        tokio::time::sleep(Duration::from_millis(150)).await;
        signal(pid, "KILL");
    };
    let (ids, ()) = tokio::join!(futures::future::join_all(place), kill);
    assert!(shop.service_pid(victim).is_some_and(|new| new != pid), "{victim} was restarted");
    ids
}

async fn crash_during_checkouts(victim: &str) {
    let shop = Shop::start(&["--service-arg=orders:--saga-timeout=15s"]);
    let api = Api {
        client: reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap(),
        url: shop.url.clone(),
    };
    let admin = api.admin_token(&shop).await;
    let (_, kite) =
        api.call(reqwest::Method::GET, "/api/v1/products/kite", None, Value::Null).await;
    let kite = kite["id"].as_str().unwrap().to_owned();
    let (status, body) = api
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/admin/stock/{kite}"),
            Some(&admin),
            json!({"on_hand": KITES}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let tokens = shoppers(&api, &kite).await;

    let ids = checkouts_while_killing(&shop, &api, &tokens, victim).await;

    let (ok, report) = shop.verify();
    assert!(ok, "invariants after killing {victim}:\n{report}");
    // One order per checkout, however many times it was sent.
    let (_, all) = api
        .call(reqwest::Method::GET, "/api/v1/admin/orders?page_size=100", Some(&admin), Value::Null)
        .await;
    let orders = all["items"].as_array().unwrap();
    assert_eq!(orders.len(), CHECKOUTS, "{report}");
    let mut placed: Vec<&str> = orders.iter().map(|order| order["id"].as_str().unwrap()).collect();
    let mut answered: Vec<&str> = ids.iter().map(String::as_str).collect();
    placed.sort_unstable();
    answered.sort_unstable();
    assert_eq!(placed, answered, "each shopper was answered with their one order");
    let paid = ["confirmed", "shipped", "delivered"];
    let confirmed =
        orders.iter().filter(|order| paid.iter().any(|status| order["status"] == *status)).count();
    assert!(confirmed as i64 <= KITES, "never more sold than stocked");
    assert!(report.contains("OK: every invariant holds"), "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_payment_during_checkouts_loses_nothing_and_charges_nothing_twice() {
    crash_during_checkouts("payment").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_orders_during_checkouts_loses_nothing_and_charges_nothing_twice() {
    crash_during_checkouts("orders").await;
}
