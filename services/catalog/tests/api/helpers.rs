//! Spawns the catalog service for a test.

use bazaar_catalog::{Application, Config};
use bazaar_contracts::catalog::{self as pb, catalog_service_client::CatalogServiceClient};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::{FakeIdentity, TestDb};
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::transport::Channel;

pub(crate) struct TestApp {
    pub(crate) client: CatalogServiceClient<Channel>,
    pub(crate) identity: FakeIdentity,
    pub(crate) db: TestDb,
    _stop: DropGuard,
}

/// Starts the catalog on a free port with a fresh database, seeded unless `seed` is false.
pub(crate) async fn spawn_app_with(db: TestDb, seed: bool) -> TestApp {
    let identity = FakeIdentity::spawn().await;
    let seed = seed.to_string();
    let config = Config::try_parse_from([
        "bazaar-catalog",
        "--listen",
        "127.0.0.1:0",
        "--database-url",
        db.url(),
        "--identity-url",
        identity.url(),
        "--seed",
        &seed,
    ])
    .unwrap();
    let shutdown = CancellationToken::new();
    let app = Application::build(config, shutdown.clone()).await.unwrap();
    let address = app.local_addr();
    tokio::spawn(app.run_until_stopped());
    let client = CatalogServiceClient::connect(format!("http://{address}")).await.unwrap();
    TestApp { client, identity, db, _stop: shutdown.drop_guard() }
}

/// Starts the catalog with the demo catalogue.
pub(crate) async fn spawn_app(db: TestDb) -> TestApp {
    spawn_app_with(db, true).await
}

pub(crate) fn page(page: u32, page_size: u32) -> Option<bazaar_contracts::common::PageRequest> {
    Some(bazaar_contracts::common::PageRequest { page, page_size })
}

pub(crate) fn product_input(slug: &str, name: &str, price: i64) -> pb::ProductInput {
    pb::ProductInput {
        slug: slug.to_owned(),
        name: name.to_owned(),
        description: "Made for tests.".to_owned(),
        category: "home".to_owned(),
        price: Some(bazaar_contracts::common::Money {
            amount_minor: price,
            currency: "USD".to_owned(),
        }),
        attributes: vec![pb::Attribute { name: "Material".into(), value: "Oak".into() }],
        featured: false,
    }
}

pub(crate) fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    bazaar_platform::grpc::with_bearer(message, Some(token))
}

pub(crate) fn field_of(status: &tonic::Status, field: &str) -> Option<String> {
    bazaar_platform::grpc::field_errors(status).message_for(field).map(ToOwned::to_owned)
}
