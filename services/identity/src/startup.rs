//! Builds the identity service and runs it until stopped.

use std::{net::SocketAddr, time::Duration};

use bazaar_contracts::identity::identity_service_server::IdentityServiceServer;
use bazaar_platform::{db::Migrations, events::Events, service::Host, shutdown::CancellationToken};
use sqlx::migrate::Migrator;

use crate::{Config, SERVICE, admin, grpc::IdentityGrpc, hasher::Hasher, keys::Keys};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
/// Identity's schema, per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// A built identity service, ready to serve.
#[derive(Debug)]
pub struct Application {
    host: Host,
}

impl Application {
    /// Binds the port, migrates the database, loads (or creates) the signing keys and the first
    /// admin account, and mounts the gRPC services.
    ///
    /// # Errors
    /// When the port is taken or a dependency cannot be reached.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let host =
            Host::start(SERVICE, &config.common, &config.database, &MIGRATIONS, shutdown.clone())
                .await?;
        let db = host.db().clone();
        let hasher = Hasher::new(usize::try_from(config.max_concurrent_hashes).unwrap_or(2));
        let keys = Keys::load_or_create(&db).await?;
        keys.refresh(&db, config.signing_key_max_age).await?;
        admin::ensure_admin(
            &db,
            &hasher,
            &config.admin_email,
            config.admin_password.as_deref(),
            &config.common.data_dir,
        )
        .await?;
        let events = Events::start(
            SERVICE,
            db.clone(),
            &config.events,
            host.request_timeout(),
            shutdown.clone(),
        )
        .await?;
        tokio::spawn(refresh_keys(keys.clone(), db.clone(), config.signing_key_max_age, shutdown));
        let identity = IdentityGrpc::new(
            db,
            keys,
            hasher,
            events.publisher(),
            config.token_ttl,
            config.session_ttl,
        );
        Ok(Self { host: host.add_service(IdentityServiceServer::new(identity)) })
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

/// Picks up keys rotated by other replicas and rotates when due, once a minute.
async fn refresh_keys(
    keys: Keys,
    db: bazaar_platform::db::Db,
    max_age: Duration,
    shutdown: CancellationToken,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(60)) => {}
            () = shutdown.cancelled() => return,
        }
        if let Err(error) = keys.refresh(&db, max_age).await {
            tracing::warn!(error = format!("{error:#}"), "refreshing signing keys failed");
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
