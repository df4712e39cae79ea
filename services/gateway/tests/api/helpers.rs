//! Starts a catalog and a gateway in this process, each on a free port.

use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::{FakeIdentity, TestDb};
use clap::Parser as _;
use tokio_util::sync::DropGuard;

pub(crate) struct TestShop {
    pub(crate) url: String,
    pub(crate) client: reqwest::Client,
    _db: Option<TestDb>,
    _data_dir: tempfile::TempDir,
    _stops: Vec<DropGuard>,
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Starts a seeded catalog on `port` (0 for any); returns its URL and stop guard.
pub(crate) async fn start_catalog(db: &TestDb, port: u16) -> (String, DropGuard) {
    let identity = FakeIdentity::spawn().await;
    let config = bazaar_catalog::Config::try_parse_from([
        "bazaar-catalog",
        &format!("--listen=127.0.0.1:{port}"),
        &format!("--database-url={}", db.url()),
        &format!("--identity-url={}", identity.url()),
    ])
    .unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_catalog::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    (url, stop.drop_guard())
}

/// Starts a gateway whose catalog is at `catalog_url`.
pub(crate) async fn start_gateway(
    catalog_url: &str,
    extra: &[&str],
) -> (String, tempfile::TempDir, DropGuard) {
    let data_dir = tempfile::tempdir().unwrap();
    let mut args = vec![
        "bazaar-gateway".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--data-dir={}", data_dir.path().display()),
        format!("--catalog-url={catalog_url}"),
    ];
    args.extend(extra.iter().map(|arg| (*arg).to_owned()));
    let config = bazaar_gateway::Config::try_parse_from(args).unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_gateway::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr().unwrap());
    tokio::spawn(app.run_until_stopped());
    (url, data_dir, stop.drop_guard())
}

pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A catalog (seeded, on SQLite) behind a gateway.
pub(crate) async fn spawn_shop() -> TestShop {
    bazaar_testkit::init_logging();
    let db = TestDb::sqlite();
    let (catalog_url, catalog_stop) = start_catalog(&db, 0).await;
    let (url, data_dir, gateway_stop) = start_gateway(&catalog_url, &[]).await;
    TestShop {
        url,
        client: http_client(),
        _db: Some(db),
        _data_dir: data_dir,
        _stops: vec![catalog_stop, gateway_stop],
    }
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
}
