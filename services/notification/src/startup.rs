//! Builds the notification service and runs it until stopped.

use std::{net::SocketAddr, sync::Arc};

use bazaar_contracts::notification::notification_service_server::NotificationServiceServer;
use bazaar_platform::{db::Migrations, events::Events, service::Host, shutdown::CancellationToken};
use sqlx::migrate::Migrator;
use tokio::sync::Notify;

use crate::{Config, SERVICE, events::MailEvents, grpc::NotificationGrpc, sender::Sender};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");
/// Notification's schema, per backend.
pub static MIGRATIONS: Migrations = Migrations { sqlite: &SQLITE, postgres: &POSTGRES };

/// A built notification service, ready to serve.
#[derive(Debug)]
pub struct Application {
    host: Host,
}

impl Application {
    /// Binds the port, migrates the database, starts the event consumer (and the SMTP sender
    /// when configured), and mounts the gRPC services.
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
        let wake = Arc::new(Notify::new());
        if let Some(url) = &config.smtp_url {
            let sender = Sender::new(url, &config.mail_from)?;
            tokio::spawn(sender.run(db.clone(), Arc::clone(&wake), shutdown.clone()));
        }
        let consumer = events.consume(MailEvents::new(config.smtp_url.is_some(), wake), &shutdown);
        Ok(Self {
            host: host
                .add_service(NotificationServiceServer::new(NotificationGrpc::new(db)))
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
