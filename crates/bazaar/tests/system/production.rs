//! Production mode on one machine: `bazaar up` with a PostgreSQL database per service and the NATS
//! transport, and a shopper's whole journey through the storefront: sign up, browse, search, cart,
//! checkout, order history, mailbox, and an admin's stock change.

use std::time::Duration;

use crate::shop::{Shop, eventually};

/// A browser: keeps cookies, does not follow redirects.
pub(crate) fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub(crate) async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let response = client.get(url).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn post(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
    client.post(url).form(form).send().await.unwrap()
}

fn value_of(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start =
        page.find(&marker).unwrap_or_else(|| panic!("no {name} in the page")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// Plays a shopper's journey, then an admin's stock change, through the storefront of `shop`.
pub(crate) async fn journey(shop: &Shop) {
    let url = &shop.url;
    let shopper = browser();
    let email = format!("journey-{}@example.com", uuid_like());

    let (status, home) = page(&shopper, url).await;
    assert_eq!(status, 200);
    assert!(home.contains("Featured"));
    let (status, kitchen) = page(&shopper, &format!("{url}/c/kitchen")).await;
    assert_eq!(status, 200);
    assert!(kitchen.contains("Cast Iron Skillet"));
    let (status, found) = page(&shopper, &format!("{url}/search?q=wool+blanket")).await;
    assert_eq!(status, 200);
    assert!(found.contains("Wool Throw Blanket"));

    let response = post(
        &shopper,
        &format!("{url}/sign-up"),
        &[("name", "Grace Hopper"), ("email", &email), ("password", "correct horse battery")],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, product) = page(&shopper, &format!("{url}/products/cast-iron-skillet")).await;
    let product_id = value_of(&product, "product_id");
    let response = post(
        &shopper,
        &format!("{url}/cart/items"),
        &[("product_id", &product_id), ("quantity", "2")],
    )
    .await;
    assert_eq!(response.status(), 303);
    let (_, cart) = page(&shopper, &format!("{url}/cart")).await;
    assert!(cart.contains("Cast Iron Skillet") && cart.contains("$90.00"));

    let (status, checkout) = page(&shopper, &format!("{url}/checkout")).await;
    assert_eq!(status, 200);
    let key = value_of(&checkout, "idempotency_key");
    let response = post(
        &shopper,
        &format!("{url}/checkout"),
        &[
            ("idempotency_key", &key),
            ("quoted_country", "US"),
            ("address_id", "new"),
            ("name", "Grace Hopper"),
            ("line1", "1 Navy Yard"),
            ("city", "Arlington"),
            ("postal_code", "22202"),
            ("country", "US"),
            ("shipping_option", "standard"),
            ("card_number", "4242 4242 4242 4242"),
            ("exp_month", "12"),
            ("exp_year", "2039"),
            ("cvc", "123"),
        ],
    )
    .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, order) = page(&shopper, &format!("{url}{location}")).await;
    assert!(order.contains("Confirmed") && order.contains("Cast Iron Skillet"));
    let (_, history) = page(&shopper, &format!("{url}/orders")).await;
    assert!(history.contains(location.split('?').next().unwrap()));

    // The events travel through NATS: the cart empties and the e-mails arrive.
    eventually("the cart to be emptied by OrderConfirmed", || async {
        page(&shopper, &format!("{url}/cart")).await.1.contains("Your cart is empty")
    })
    .await;
    eventually("the welcome and confirmation e-mails", || async {
        let (_, mailbox) = page(&shopper, &format!("{url}/dev/mailbox?to={email}")).await;
        mailbox.contains("Welcome to Bazaar") && mailbox.contains("is confirmed")
    })
    .await;

    // An admin changes the stock; shoppers see it.
    let admin = browser();
    let text = std::fs::read_to_string(shop.data_dir.path().join("admin-password.txt")).unwrap();
    let mut lines = text.lines();
    let (admin_email, password) = (lines.next().unwrap(), lines.next().unwrap());
    let response =
        post(&admin, &format!("{url}/sign-in"), &[("email", admin_email), ("password", password)])
            .await;
    assert_eq!(response.status(), 303);
    let (status, _) = page(&admin, &format!("{url}/admin/stock")).await;
    assert_eq!(status, 200);
    let response =
        post(&admin, &format!("{url}/admin/stock/{product_id}"), &[("on_hand", "3")]).await;
    assert_eq!(response.status(), 303);
    let (_, product) = page(&shopper, &format!("{url}/products/cast-iron-skillet")).await;
    assert!(product.contains("Only 3 left"), "the new stock shows");
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_journey_on_postgres_and_nats() {
    let (Some(postgres), Some(nats)) = (
        bazaar_testkit::postgres_url("the_whole_journey"),
        bazaar_testkit::nats_url("the_whole_journey"),
    ) else {
        return;
    };
    let prefix = bazaar_testkit::unique_prefix();
    let _databases = bazaar_testkit::ServerDatabases::new(&postgres, &prefix);
    let mut shop = Shop::start(&[
        &format!("--database-url={postgres}"),
        &format!("--database-prefix={prefix}"),
        "--events=nats",
        &format!("--nats-url={nats}"),
        &format!("--nats-namespace={prefix}"),
    ]);
    journey(&shop).await;
    // Pools report their connections (every five seconds).
    let orders = bazaar::up::running_ports(shop.data_dir.path()).unwrap()["orders"];
    crate::shop::eventually("orders reports its pool", || async {
        let metrics = reqwest::get(format!("http://127.0.0.1:{orders}/metrics")).await;
        let text = match metrics {
            Ok(response) => response.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        text.contains("db_pool_connections{state=\"idle\"}")
    })
    .await;
    assert!(shop.stop().await.success());
}
