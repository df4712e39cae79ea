//! Process start-up shared by every service binary and by `bazaar serve`: parse configuration,
//! install the crypto provider, telemetry, metrics and signal handling, run, and map the outcome to
//! an exit code.

use std::process::ExitCode;

use crate::{
    config::{self, CommonArgs},
    shutdown::{self, CancellationToken},
};

/// A service's configuration, which always includes the common flags.
pub trait ServiceConfig: clap::Parser + Send + 'static {
    /// Returns the flags every service takes.
    fn common(&self) -> &CommonArgs;

    /// Checks the flags together, after parsing. Returns a message naming the offending flag.
    ///
    /// # Errors
    /// A one-line message for the operator.
    fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Runs a service binary: parses its configuration from flags and environment, then [`launch`]es.
pub fn main<C, F, Fut>(service: &'static str, run: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config: C = config::parse(&format!("bazaar-{service}"));
    launch(service, config, run)
}

/// Runs an already parsed service configuration until a stop signal, and returns the exit code:
/// 0 after a clean stop, 1 after a failure (printed on one line), 2 for bad configuration.
pub fn launch<C, F, Fut>(service: &'static str, config: C, run: F) -> ExitCode
where
    C: ServiceConfig,
    F: FnOnce(C, CancellationToken) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let program = format!("bazaar-{service}");
    if let Err(message) = config.validate() {
        config::exit_bad_config(&program, &message);
    }
    if config.common().probe {
        return crate::health::probe(config.common().listen);
    }
    // One process-wide TLS provider (aws-lc-rs); a second one compiled in would panic at first use.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return config::exit_code(&program, Err(error.into())),
    };
    let result = runtime.block_on(async move {
        let common = config.common().clone();
        let _telemetry = crate::telemetry::init(service, &common)?;
        crate::metrics::install()?;
        let token = CancellationToken::new();
        shutdown::cancel_on_signal(token.clone(), common.exit_with_parent);
        let result = run(config, token).await;
        if let Err(error) = &result {
            tracing::error!(error = format!("{error:#}"), "{service} stopped with an error");
        }
        result
    });
    // Background tasks (pool reapers, NATS) must not keep a stopped service alive.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    config::exit_code(&program, result)
}

/// The running shell of a gRPC service: its listener, database, health and gRPC routes.
/// A service builds one, adds its own gRPC services, and serves.
#[derive(Debug)]
pub struct Host {
    name: &'static str,
    listener: tokio::net::TcpListener,
    local_addr: std::net::SocketAddr,
    db: crate::db::Db,
    health: crate::health::Health,
    routes: tonic::service::Routes,
    options: crate::grpc::ServeOptions,
    shutdown: CancellationToken,
}

impl Host {
    /// Binds the listener, then connects and migrates the database (the listener is bound first so
    /// a taken port fails before any database work).
    ///
    /// # Errors
    /// When the port is taken or the database is unreachable or fails to migrate.
    pub async fn start(
        name: &'static str,
        common: &CommonArgs,
        database: &crate::config::DatabaseArgs,
        migrations: &crate::db::Migrations,
        shutdown: CancellationToken,
    ) -> anyhow::Result<Self> {
        let listener = crate::grpc::bind(common.listen).await?;
        let local_addr = listener.local_addr()?;
        let db = crate::db::Db::connect_with(
            &database.url_for(name, common),
            migrations,
            database.database_max_connections,
        )
        .await?;
        let (health, health_service) = crate::health::Health::new(Some(db.clone()));
        let options = crate::grpc::ServeOptions {
            request_timeout: common.request_timeout,
            shutdown_grace: common.shutdown_grace,
            faults: common.fault_injection.then(crate::faults::Faults::default),
        };
        Ok(Self {
            name,
            listener,
            local_addr,
            db,
            health,
            routes: tonic::service::Routes::new(health_service),
            options,
            shutdown,
        })
    }

    /// Returns the service's database.
    pub fn db(&self) -> &crate::db::Db {
        &self.db
    }

    /// Returns the address actually bound (useful with port 0).
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.local_addr
    }

    /// Returns the stop signal.
    pub fn shutdown(&self) -> &CancellationToken {
        &self.shutdown
    }

    /// Returns the configured per-call deadline, for the service's own clients.
    pub fn request_timeout(&self) -> std::time::Duration {
        self.options.request_timeout
    }

    /// Mounts a gRPC service.
    #[must_use]
    pub fn add_service<S>(mut self, service: S) -> Self
    where
        S: tower::Service<
                http::Request<tonic::body::Body>,
                Response = http::Response<tonic::body::Body>,
                Error = std::convert::Infallible,
            > + tonic::server::NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.routes = self.routes.add_service(service);
        self
    }

    /// Marks the service ready and serves until the stop signal, then drains and closes the database.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn serve(self) -> anyhow::Result<()> {
        self.health.set_ready(self.shutdown.clone());
        tracing::info!(service = self.name, address = %self.local_addr, "serving");
        let result = crate::grpc::serve(
            self.listener,
            self.routes,
            self.health.router(),
            self.options,
            self.shutdown,
        )
        .await;
        self.db.close().await;
        tracing::info!(service = self.name, "stopped");
        result
    }
}
