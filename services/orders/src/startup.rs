//! Builds the orders service and runs it until stopped.

use std::net::SocketAddr;

use bazaar_contracts::orders::orders_service_server::OrdersServiceServer;
use bazaar_platform::{
    auth::TokenVerifier, db::Migrations, events::Events, service::Host, shutdown::CancellationToken,
};
use sqlx::migrate::Migrator;

use crate::{
    Config, SERVICE, checkout::Checkout, events::ShippingEvents, grpc::OrdersGrpc, saga::Saga,
    upstream::Upstream,
};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
/// Orders' schema, per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// A built orders service, ready to serve.
#[derive(Debug)]
pub struct Application {
    host: Host,
}

impl Application {
    /// Binds the port, migrates the database, starts the recovery worker (which resumes orders a
    /// crash left behind) and the event consumer, and mounts the gRPC services.
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
        let consumer = events.consume(ShippingEvents, &shutdown);
        let upstream = Upstream::connect(&config)?;
        let saga = Saga::new(db.clone(), events.publisher(), upstream.clone());
        tokio::spawn(saga.clone().recover(shutdown));
        let checkout = Checkout::new(db.clone(), upstream, config.saga_timeout);
        let verifier = TokenVerifier::from_identity(&config.identity_url, host.request_timeout())?;
        let orders = OrdersGrpc::new(db, verifier, checkout, saga);
        Ok(Self {
            host: host
                .add_service(OrdersServiceServer::new(orders))
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

/// Builds and runs the service.
///
/// # Errors
/// When start-up or serving fails.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    Application::build(config, shutdown).await?.run_until_stopped().await
}
