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
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .unwrap()
}

/// Every service the gateway needs (on SQLite), and the gateway.
pub(crate) async fn spawn_shop() -> TestShop {
    bazaar_testkit::init_logging();
    let dbs: Vec<TestDb> = (0..4).map(|_| TestDb::sqlite()).collect();
    let data_dir = tempfile::tempdir().unwrap();
    let mut stops = Vec::new();
    let (identity, stop) = start!(
        bazaar_identity,
        "identity",
        [
            "--listen=127.0.0.1:0".to_owned(),
            format!("--database-url={}", dbs[0].url()),
            format!("--data-dir={}", data_dir.path().display()),
            format!("--admin-email={ADMIN_EMAIL}"),
            format!("--admin-password={ADMIN_PASSWORD}"),
        ]
    );
    stops.push(("identity", stop));
    let (catalog, stop) = start_catalog(&dbs[1], 0, &identity).await;
    stops.push(("catalog", stop));
    let (inventory, stop) = start!(
        bazaar_inventory,
        "inventory",
        [
            "--listen=127.0.0.1:0".to_owned(),
            format!("--database-url={}", dbs[2].url()),
            format!("--identity-url={identity}"),
        ]
    );
    stops.push(("inventory", stop));
    let (cart, stop) = start!(
        bazaar_cart,
        "cart",
        [
            "--listen=127.0.0.1:0".to_owned(),
            format!("--database-url={}", dbs[3].url()),
            format!("--identity-url={identity}"),
            format!("--catalog-url={catalog}"),
            format!("--inventory-url={inventory}"),
        ]
    );
    stops.push(("cart", stop));
    let upstreams = Upstreams { catalog, identity, cart, inventory };
    let (url, gateway_dir, stop) = start_gateway(&upstreams).await;
    stops.push(("gateway", stop));
    drop(gateway_dir);
    TestShop { url, client: http_client(), _dbs: dbs, _data_dir: data_dir, stops }
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

pub(crate) fn unique_email() -> String {
    format!("shopper-{}@example.com", uuid::Uuid::new_v4().simple())
}

/// The id of a seeded product.
pub(crate) fn product_id(slug: &str) -> String {
    bazaar_seed::products().into_iter().find(|p| p.slug == slug).unwrap().id
}
