//! Builds the inventory service and runs it until stopped.

use std::{net::SocketAddr, time::Duration};

use bazaar_contracts::inventory::inventory_service_server::InventoryServiceServer;
use bazaar_platform::{
    auth::TokenVerifier,
    db::{Db, Migrations},
    events::Events,
    service::Host,
    shutdown::CancellationToken,
};
use sqlx::migrate::Migrator;

use crate::{Config, SERVICE, events::ProductEvents, grpc::InventoryGrpc, store};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
/// Inventory's schema, per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// A built inventory service, ready to serve.
#[derive(Debug)]
pub struct Application {
    host: Host,
}

impl Application {
    /// Binds the port, migrates (and on first start seeds) the database, starts the expiry
    /// sweeper and the event consumer, and mounts the gRPC services.
    ///
    /// # Errors
    /// When the port is taken or a dependency cannot be reached.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let host =
            Host::start(SERVICE, &config.common, &config.database, &MIGRATIONS, shutdown.clone())
                .await?;
        let db = host.db().clone();
        if config.seed {
            store::seed_if_empty(&db).await?;
        }
        let events = Events::start(
            SERVICE,
            db.clone(),
            &config.events,
            host.request_timeout(),
            shutdown.clone(),
        )
        .await?;
        let consumer = events.consume(ProductEvents, &shutdown);
        tokio::spawn(sweep_expired(db.clone(), shutdown));
        let verifier = TokenVerifier::from_identity(&config.identity_url, host.request_timeout())?;
        let inventory = InventoryGrpc::new(db, verifier);
        Ok(Self {
            host: host
                .add_service(InventoryServiceServer::new(inventory))
                .add_service(consumer.sink_service()),
        })
    }

    /// Returns the bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.host.local_addr()
    }

    /// Serves until the stop signal, then drains.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        self.host.serve().await
    }
}

/// Releases held reservations whose time ran out, every half second.
async fn sweep_expired(db: Db, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            () = shutdown.cancelled() => return,
        }
        match store::expire_due(&db, 100).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "expired reservations"),
            Err(error) => tracing::warn!(error = %error, "expiring reservations failed"),
        }
    }
}

/// Builds and runs the service.
///
/// # Errors
/// When start-up or serving fails.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    Application::build(config, shutdown).await?.run_until_stopped().await
}
