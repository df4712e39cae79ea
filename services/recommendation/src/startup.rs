//! Builds the recommendation service and runs it until stopped.

use std::net::SocketAddr;

use bazaar_contracts::{
    catalog::catalog_service_client::CatalogServiceClient,
    recommendation::recommendation_service_server::RecommendationServiceServer,
};
use bazaar_platform::{
    db::Migrations, events::Events, grpc::connect, service::Host, shutdown::CancellationToken,
};
use sqlx::migrate::Migrator;

use crate::{Config, SERVICE, events::OrderEvents, grpc::RecommendationGrpc};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
/// Recommendation's schema, per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// A built recommendation service, ready to serve.
#[derive(Debug)]
pub struct Application {
    host: Host,
}

impl Application {
    /// Binds the port, migrates the database, starts the event consumer and mounts the services.
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
        let consumer = events.consume(OrderEvents, &shutdown);
        let catalog =
            CatalogServiceClient::new(connect(&config.catalog_url, host.request_timeout())?);
        Ok(Self {
            host: host
                .add_service(RecommendationServiceServer::new(RecommendationGrpc::new(db, catalog)))
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
