//! Builds the shipping service and runs it until stopped.

use std::net::SocketAddr;

use bazaar_contracts::shipping::shipping_service_server::ShippingServiceServer;
use bazaar_platform::{db::Migrations, events::Events, service::Host, shutdown::CancellationToken};
use sqlx::migrate::Migrator;

use crate::{
    Config, SERVICE,
    carrier::{self, Clock},
    grpc::ShippingGrpc,
};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
/// Shipping's schema, per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// A built shipping service, ready to serve.
#[derive(Debug)]
pub struct Application {
    host: Host,
}

impl Application {
    /// Binds the port, migrates the database, starts the carrier clock and mounts the service.
    ///
    /// # Errors
    /// When the port is taken or a dependency cannot be reached.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let host =
            Host::start(SERVICE, &config.common, &config.database, &MIGRATIONS, shutdown.clone())
                .await?;
        let db = host.db().clone();
        let events = Events::start(
            SERVICE,
            db.clone(),
            &config.events,
            host.request_timeout(),
            shutdown.clone(),
        )
        .await?;
        let clock = Clock {
            dispatch_after: config.dispatch_after,
            transit_after: config.transit_after,
            deliver_after: config.deliver_after,
        };
        tokio::spawn(carrier::run(db.clone(), events.publisher(), clock, shutdown));
        Ok(Self { host: host.add_service(ShippingServiceServer::new(ShippingGrpc::new(db))) })
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

/// Builds and runs the service.
///
/// # Errors
/// When start-up or serving fails.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    Application::build(config, shutdown).await?.run_until_stopped().await
}
