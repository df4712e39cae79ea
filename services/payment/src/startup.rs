//! Builds the payment service and runs it until stopped.

use std::net::SocketAddr;

use bazaar_contracts::payment::payment_service_server::PaymentServiceServer;
use bazaar_platform::{
    auth::TokenVerifier, db::Migrations, events::Events, service::Host, shutdown::CancellationToken,
};
use sqlx::migrate::Migrator;

use crate::{Config, SERVICE, grpc::PaymentGrpc};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
/// Payment's schema, per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// A built payment service, ready to serve.
#[derive(Debug)]
pub struct Application {
    host: Host,
}

impl Application {
    /// Binds the port, migrates the database, connects the event transport and mounts the service.
    ///
    /// # Errors
    /// When the port is taken or a dependency cannot be reached.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let host =
            Host::start(SERVICE, &config.common, &config.database, &MIGRATIONS, shutdown.clone())
                .await?;
        let db = host.db().clone();
        let events =
            Events::start(SERVICE, db.clone(), &config.events, host.request_timeout(), shutdown)
                .await?;
        let verifier = TokenVerifier::from_identity(&config.identity_url, host.request_timeout())?;
        let payment = PaymentGrpc::new(db, verifier, events.publisher());
        Ok(Self { host: host.add_service(PaymentServiceServer::new(payment)) })
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
