//! Spawns the inventory service for a test.

use bazaar_contracts::inventory::{self as pb, inventory_service_client::InventoryServiceClient};
use bazaar_inventory::{Application, Config};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::{FakeIdentity, TestDb};
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::transport::Channel;

pub(crate) struct TestApp {
    pub(crate) client: InventoryServiceClient<Channel>,
    pub(crate) url: String,
    pub(crate) identity: FakeIdentity,
    _db: TestDb,
    _stop: DropGuard,
}

/// Starts inventory with a fresh database; `seed` gives the demo products their stock.
pub(crate) async fn spawn_app_with(db: TestDb, seed: bool) -> TestApp {
    let identity = FakeIdentity::spawn().await;
    let config = Config::try_parse_from([
        "bazaar-inventory".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", db.url()),
        format!("--identity-url={}", identity.url()),
        format!("--seed={seed}"),
    ])
    .unwrap();
    let shutdown = CancellationToken::new();
    let app = Application::build(config, shutdown.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let client = InventoryServiceClient::connect(url.clone()).await.unwrap();
    TestApp { client, url, identity, _db: db, _stop: shutdown.drop_guard() }
}

pub(crate) async fn spawn_app(db: TestDb) -> TestApp {
    spawn_app_with(db, false).await
}

pub(crate) fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    bazaar_platform::grpc::with_bearer(message, Some(token))
}

pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl TestApp {
    pub(crate) fn admin(&self) -> String {
        self.identity.user(bazaar_platform::auth::Role::Admin).1
    }

    /// Sets a product's stock on hand as an admin.
    pub(crate) async fn set_stock(&mut self, product_id: &str, on_hand: i64) -> pb::StockLevel {
        let admin = self.admin();
        self.client
            .set_stock(with_token(
                pb::SetStockRequest { product_id: product_id.into(), on_hand },
                &admin,
            ))
            .await
            .unwrap()
            .into_inner()
            .level
            .unwrap()
    }

    pub(crate) async fn level(&mut self, product_id: &str) -> pb::StockLevel {
        self.client
            .get_stock(pb::GetStockRequest { product_ids: vec![product_id.into()] })
            .await
            .unwrap()
            .into_inner()
            .levels
            .remove(0)
    }

    pub(crate) async fn reserve(
        &mut self,
        reservation_id: &str,
        lines: &[(&str, i64)],
        ttl_ms: i64,
    ) -> Result<pb::Reservation, tonic::Status> {
        self.client
            .reserve(pb::ReserveRequest {
                reservation_id: reservation_id.into(),
                lines: lines
                    .iter()
                    .map(|(product_id, quantity)| pb::ReservationLine {
                        product_id: (*product_id).into(),
                        quantity: *quantity,
                    })
                    .collect(),
                ttl_ms,
            })
            .await
            .map(|response| response.into_inner().reservation.unwrap())
    }
}
