//! Starts the services a gateway needs, then the gateway, in this process on free ports.

use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::TestDb;
use clap::Parser as _;
use tokio_util::sync::DropGuard;

pub(crate) const ADMIN_EMAIL: &str = "admin@example.com";
pub(crate) const ADMIN_PASSWORD: &str = "admin password 123";

pub(crate) struct TestShop {
    pub(crate) url: String,
    pub(crate) client: reqwest::Client,
    /// Each service's gRPC URL by name.
    pub(crate) urls: std::collections::HashMap<&'static str, String>,
    _dbs: Vec<TestDb>,
    _data_dir: tempfile::TempDir,
    stops: Vec<(&'static str, DropGuard)>,
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

macro_rules! start {
    ($krate:ident, $name:literal, $args:expr) => {{
        let config = $krate::Config::try_parse_from(
            std::iter::once(concat!("bazaar-", $name).to_owned()).chain($args),
        )
        .unwrap();
        let stop = CancellationToken::new();
        let app = $krate::Application::build(config, stop.clone()).await.unwrap();
        let url = format!("http://{}", app.local_addr());
        tokio::spawn(app.run_until_stopped());
        (url, stop.drop_guard())
    }};
}

/// Starts a seeded catalog on `port` (0 for any), verifying tokens with `identity_url`.
pub(crate) async fn start_catalog(
    db: &TestDb,
    port: u16,
    identity_url: &str,
) -> (String, DropGuard) {
    start!(
        bazaar_catalog,
        "catalog",
        [
            format!("--listen=127.0.0.1:{port}"),
            format!("--database-url={}", db.url()),
            format!("--identity-url={identity_url}"),
        ]
    )
}

/// The URLs of the services behind a gateway.
pub(crate) struct Upstreams {
    pub(crate) catalog: String,
    pub(crate) identity: String,
    pub(crate) cart: String,
    pub(crate) inventory: String,
    pub(crate) orders: String,
    pub(crate) shipping: String,
    pub(crate) recommendation: String,
    pub(crate) notification: String,
}

impl Upstreams {
    /// Every service at one address (e.g. nowhere).
    pub(crate) fn all_at(url: &str) -> Self {
        Self {
            catalog: url.to_owned(),
            identity: url.to_owned(),
            cart: url.to_owned(),
            inventory: url.to_owned(),
            orders: url.to_owned(),
            shipping: url.to_owned(),
            recommendation: url.to_owned(),
            notification: url.to_owned(),
        }
    }
}

/// Starts a gateway in front of `upstreams`.
pub(crate) async fn start_gateway(upstreams: &Upstreams) -> (String, tempfile::TempDir, DropGuard) {
    let data_dir = tempfile::tempdir().unwrap();
    let args = vec![
        "--listen=127.0.0.1:0".to_owned(),
        format!("--data-dir={}", data_dir.path().display()),
        format!("--catalog-url={}", upstreams.catalog),
        format!("--identity-url={}", upstreams.identity),
        format!("--cart-url={}", upstreams.cart),
        format!("--inventory-url={}", upstreams.inventory),
        format!("--orders-url={}", upstreams.orders),
        format!("--shipping-url={}", upstreams.shipping),
        format!("--recommendation-url={}", upstreams.recommendation),
        format!("--notification-url={}", upstreams.notification),
    ];
    let config = bazaar_gateway::Config::try_parse_from(
        std::iter::once("bazaar-gateway".to_owned()).chain(args),
    )
    .unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_gateway::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.run_until_stopped());
    (url, data_dir, stop.drop_guard())
}

/// A client that keeps cookies, like a browser, and does not follow redirects.
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// How the services of a test shop pass events.
#[derive(Debug, Clone)]
pub(crate) enum Events {
    /// gRPC delivery to each subscriber.
    Direct,
    /// NATS JetStream at this URL, in a namespace of the shop's own.
    Nats(String),
}

impl Events {
    /// Flags for a service emitting to `sinks` (`name=url`) on the direct transport.
    fn args(&self, namespace: &str, sinks: &[(&str, &str)]) -> Vec<String> {
        match self {
            Self::Direct => {
                sinks.iter().map(|(name, url)| format!("--event-sink={name}={url}")).collect()
            }
            Self::Nats(url) => vec![
                "--events=nats".to_owned(),
                format!("--nats-url={url}"),
                format!("--nats-namespace={namespace}"),
            ],
        }
    }
}

/// Every service of the shop (on SQLite, events delivered directly), and the gateway.
pub(crate) async fn spawn_shop() -> TestShop {
    spawn_shop_with(Events::Direct).await
}

/// Every service of the shop on SQLite, with `events`, and the gateway. The shipping clock is
/// fast: a parcel is dispatched after 4 s (time enough to cancel), in transit after 1 s more,
/// delivered after 1 s more.
pub(crate) async fn spawn_shop_with(events: Events) -> TestShop {
    bazaar_testkit::init_logging();
    let dbs: Vec<TestDb> = (0..9).map(|_| TestDb::sqlite()).collect();
    let data_dir = tempfile::tempdir().unwrap();
    let namespace = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
    let listen = |port: u16| format!("--listen=127.0.0.1:{port}");
    let db = |i: usize| format!("--database-url={}", dbs[i].url());
    let mut stops = Vec::new();
    let mut urls = std::collections::HashMap::new();

    let (notification, stop) = start!(
        bazaar_notification,
        "notification",
        [listen(0), db(8)].into_iter().chain(events.args(&namespace, &[]))
    );
    stops.push(("notification", stop));
    let (identity, stop) = start!(
        bazaar_identity,
        "identity",
        [
            listen(0),
            db(0),
            format!("--data-dir={}", data_dir.path().display()),
            format!("--admin-email={ADMIN_EMAIL}"),
            format!("--admin-password={ADMIN_PASSWORD}"),
        ]
        .into_iter()
        .chain(events.args(&namespace, &[("notification", &notification)]))
    );
    stops.push(("identity", stop));
    let (inventory, stop) = start!(
        bazaar_inventory,
        "inventory",
        [listen(0), db(2), format!("--identity-url={identity}")]
            .into_iter()
            .chain(events.args(&namespace, &[]))
    );
    stops.push(("inventory", stop));
    let (catalog, stop) = start!(
        bazaar_catalog,
        "catalog",
        [listen(0), db(1), format!("--identity-url={identity}")]
            .into_iter()
            .chain(events.args(&namespace, &[("inventory", &inventory)]))
    );
    stops.push(("catalog", stop));
    let (recommendation, stop) = start!(
        bazaar_recommendation,
        "recommendation",
        [listen(0), db(7), format!("--catalog-url={catalog}")]
            .into_iter()
            .chain(events.args(&namespace, &[]))
    );
    stops.push(("recommendation", stop));
    let (cart, stop) = start!(
        bazaar_cart,
        "cart",
        [
            listen(0),
            db(3),
            format!("--identity-url={identity}"),
            format!("--catalog-url={catalog}"),
            format!("--inventory-url={inventory}"),
        ]
        .into_iter()
        .chain(events.args(&namespace, &[]))
    );
    stops.push(("cart", stop));
    let (payment, stop) = start!(
        bazaar_payment,
        "payment",
        [listen(0), db(4), format!("--identity-url={identity}")]
            .into_iter()
            .chain(events.args(&namespace, &[("notification", &notification)]))
    );
    stops.push(("payment", stop));
    // Orders and shipping each deliver events to the other: orders' port is chosen first.
    let orders_port = free_port();
    let orders_url = format!("http://127.0.0.1:{orders_port}");
    let (shipping, stop) = start!(
        bazaar_shipping,
        "shipping",
        [
            listen(0),
            db(5),
            "--dispatch-after=4s".to_owned(),
            "--transit-after=1s".to_owned(),
            "--deliver-after=1s".to_owned(),
        ]
        .into_iter()
        .chain(
            events.args(&namespace, &[("orders", &orders_url), ("notification", &notification)])
        )
    );
    stops.push(("shipping", stop));
    let (orders, stop) = start!(
        bazaar_orders,
        "orders",
        [
            listen(orders_port),
            db(6),
            format!("--identity-url={identity}"),
            format!("--cart-url={cart}"),
            format!("--catalog-url={catalog}"),
            format!("--inventory-url={inventory}"),
            format!("--payment-url={payment}"),
            format!("--shipping-url={shipping}"),
            "--saga-timeout=10s".to_owned(),
        ]
        .into_iter()
        .chain(events.args(
            &namespace,
            &[
                ("cart", &cart),
                ("notification", &notification),
                ("recommendation", &recommendation)
            ]
        ))
    );
    stops.push(("orders", stop));
    for (name, url) in [
        ("identity", &identity),
        ("catalog", &catalog),
        ("inventory", &inventory),
        ("cart", &cart),
        ("payment", &payment),
        ("shipping", &shipping),
        ("orders", &orders),
        ("notification", &notification),
        ("recommendation", &recommendation),
    ] {
        urls.insert(name, url.clone());
    }
    let upstreams = Upstreams {
        catalog,
        identity,
        cart,
        inventory,
        orders,
        shipping,
        recommendation,
        notification,
    };
    let (url, gateway_dir, stop) = start_gateway(&upstreams).await;
    stops.push(("gateway", stop));
    drop(gateway_dir);
    TestShop { url, client: http_client(), urls, _dbs: dbs, _data_dir: data_dir, stops }
}

impl TestShop {
    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.url)).send().await.unwrap()
    }

    pub(crate) async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        (response.status().as_u16(), response.text().await.unwrap())
    }

    pub(crate) async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Sends a JSON request with an optional bearer token; returns the status and the JSON body
    /// (null when there is none).
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::Null))
    }

    /// Places an order from the cart of `token` through the API.
    pub(crate) async fn place_order(
        &self,
        token: &str,
        key: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(format!("{}/api/v1/orders", self.url))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Adds `quantity` of a seeded product to the cart of `token`.
    pub(crate) async fn add_to_cart(&self, token: &str, slug: &str, quantity: i64) {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/cart/items",
                Some(token),
                Some(serde_json::json!({"product_id": product_id(slug), "quantity": quantity})),
            )
            .await;
        assert!(status == 200 || status == 201, "adding {slug}: {status} {body}");
    }

    /// Sets a product's stock on hand as the admin.
    pub(crate) async fn set_stock(&self, slug: &str, on_hand: i64) {
        let admin = self.admin_token().await;
        let (status, body) = self
            .call(
                reqwest::Method::PUT,
                &format!("/api/v1/admin/stock/{}", product_id(slug)),
                Some(&admin),
                Some(serde_json::json!({"on_hand": on_hand})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    /// Returns a product's stock as the admin sees it: (on_hand, reserved, available).
    pub(crate) async fn stock(&self, slug: &str) -> (i64, i64, i64) {
        let admin = self.admin_token().await;
        let (status, stock) = self
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/products/{slug}/stock"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, 200, "{stock}");
        (
            stock["on_hand"].as_i64().unwrap(),
            stock["reserved"].as_i64().unwrap(),
            stock["available"].as_i64().unwrap(),
        )
    }

    /// Returns a gRPC channel to one service.
    pub(crate) async fn channel(&self, service: &str) -> tonic::transport::Channel {
        tonic::transport::Endpoint::from_shared(self.urls[service].clone())
            .unwrap()
            .connect()
            .await
            .unwrap()
    }

    /// Every payment the payment service recorded.
    pub(crate) async fn payments(&self) -> Vec<bazaar_contracts::payment::Payment> {
        use bazaar_contracts::payment::{
            ListPaymentsRequest, payment_service_client::PaymentServiceClient,
        };
        let token = self.admin_token().await;
        let mut client = PaymentServiceClient::new(self.channel("payment").await);
        let mut request = tonic::Request::new(ListPaymentsRequest {
            page: Some(bazaar_contracts::common::PageRequest { page: 1, page_size: 100 }),
        });
        request.metadata_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
        client.list_payments(request).await.unwrap().into_inner().payments
    }

    /// The subjects of every e-mail sent to `recipient`.
    pub(crate) async fn mail_subjects(&self, recipient: &str) -> Vec<String> {
        use bazaar_contracts::notification::{
            ListMessagesRequest, notification_service_client::NotificationServiceClient,
        };
        let mut client = NotificationServiceClient::new(self.channel("notification").await);
        let request = ListMessagesRequest {
            page: Some(bazaar_contracts::common::PageRequest { page: 1, page_size: 100 }),
            recipient: recipient.to_owned(),
        };
        client
            .list_messages(request)
            .await
            .unwrap()
            .into_inner()
            .messages
            .into_iter()
            .map(|message| message.subject)
            .collect()
    }

    /// Posts a form as a browser would.
    pub(crate) async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.url)).form(form).send().await.unwrap()
    }

    /// Signs up through the API and returns the bearer token.
    pub(crate) async fn sign_up(&self, email: &str) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/users",
                None,
                Some(serde_json::json!({"email": email, "password": "correct horse battery", "name": "Test Shopper"})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Signs the admin in through the API and returns the bearer token.
    pub(crate) async fn admin_token(&self) -> String {
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                "/api/v1/sessions",
                None,
                Some(serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Stops one service by name.
    pub(crate) fn stop(&mut self, service: &str) {
        self.stops.retain(|(name, _)| *name != service);
    }
}

/// Polls `check` every 100 ms until it returns `Some`, for at most `seconds`.
pub(crate) async fn eventually<T, F, Fut>(seconds: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub(crate) fn unique_email() -> String {
    format!("shopper-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// The id of a seeded product.
pub(crate) fn product_id(slug: &str) -> String {
    bazaar_seed::products().into_iter().find(|p| p.slug == slug).unwrap().id
}
