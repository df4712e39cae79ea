//! Starts a catalog, an inventory and a cart, each with its own fresh database.

use bazaar_contracts::cart::{self as pb, cart_service_client::CartServiceClient};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::{FakeIdentity, TestDb};
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::transport::Channel;

pub(crate) struct TestApp {
    pub(crate) client: CartServiceClient<Channel>,
    pub(crate) url: String,
    pub(crate) catalog_url: String,
    pub(crate) identity: FakeIdentity,
    _dbs: Vec<TestDb>,
    stops: Vec<DropGuard>,
}

async fn other_db(db: &TestDb) -> TestDb {
    if db.backend() == "postgres" {
        TestDb::postgres("cart dependency").await.unwrap()
    } else {
        TestDb::sqlite()
    }
}

pub(crate) async fn spawn_app(db: TestDb) -> TestApp {
    let identity = FakeIdentity::spawn().await;
    let (catalog_db, inventory_db) = (other_db(&db).await, other_db(&db).await);
    let mut stops = Vec::new();

    let catalog = bazaar_catalog::Config::try_parse_from([
        "bazaar-catalog".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", catalog_db.url()),
        format!("--identity-url={}", identity.url()),
    ])
    .unwrap();
    let stop = CancellationToken::new();
    let catalog = bazaar_catalog::Application::build(catalog, stop.clone()).await.unwrap();
    let catalog_url = format!("http://{}", catalog.local_addr());
    tokio::spawn(catalog.run_until_stopped());
    stops.push(stop.drop_guard());

    let inventory = bazaar_inventory::Config::try_parse_from([
        "bazaar-inventory".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", inventory_db.url()),
        format!("--identity-url={}", identity.url()),
    ])
    .unwrap();
    let stop = CancellationToken::new();
    let inventory = bazaar_inventory::Application::build(inventory, stop.clone()).await.unwrap();
    let inventory_url = format!("http://{}", inventory.local_addr());
    tokio::spawn(inventory.run_until_stopped());
    stops.push(stop.drop_guard());

    let config = bazaar_cart::Config::try_parse_from([
        "bazaar-cart".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", db.url()),
        format!("--identity-url={}", identity.url()),
        format!("--catalog-url={catalog_url}"),
        format!("--inventory-url={inventory_url}"),
    ])
    .unwrap();
    let stop = CancellationToken::new();
    let app = bazaar_cart::Application::build(config, stop.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    stops.push(stop.drop_guard());
    let client = CartServiceClient::connect(url.clone()).await.unwrap();
    TestApp { client, url, catalog_url, identity, _dbs: vec![db, catalog_db, inventory_db], stops }
}

/// The id of a seeded product by slug.
pub(crate) fn product(slug: &str) -> String {
    bazaar_seed::products().into_iter().find(|p| p.slug == slug).unwrap().id
}

pub(crate) fn anonymous_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    bazaar_platform::grpc::with_bearer(message, Some(token))
}

pub(crate) fn field_of(status: &tonic::Status, field: &str) -> Option<String> {
    bazaar_platform::grpc::field_errors(status).message_for(field).map(ToOwned::to_owned)
}

impl TestApp {
    pub(crate) async fn add(
        &mut self,
        anonymous_id: &str,
        product_id: &str,
        quantity: i64,
    ) -> Result<pb::Cart, tonic::Status> {
        self.client
            .add_item(pb::AddItemRequest {
                anonymous_id: anonymous_id.into(),
                product_id: product_id.into(),
                quantity,
            })
            .await
            .map(|response| response.into_inner().cart.unwrap())
    }

    pub(crate) async fn cart(&mut self, anonymous_id: &str) -> pb::Cart {
        self.client
            .get_cart(pb::GetCartRequest { anonymous_id: anonymous_id.into(), unpriced: false })
            .await
            .unwrap()
            .into_inner()
            .cart
            .unwrap()
    }

    /// Stops the inventory service (the second one started).
    pub(crate) fn stop_inventory(&mut self) {
        drop(self.stops.remove(1));
    }

    /// Stops the catalog service (the first one started).
    pub(crate) fn stop_catalog(&mut self) {
        drop(self.stops.remove(0));
    }
}
