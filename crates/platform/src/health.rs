//! Liveness and readiness: `/healthz`, `/readyz` and `/metrics` over HTTP, and the standard
//! `grpc.health.v1` service for Kubernetes gRPC probes.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Router, http::StatusCode, routing::get};
use tonic_health::{ServingStatus, server::HealthReporter};

use crate::{db::Db, shutdown::CancellationToken};

/// Readiness of one service: set once start-up finished, and checked against the database.
#[derive(Debug, Clone)]
pub struct Health {
    ready: Arc<AtomicBool>,
    db: Option<Db>,
    reporter: HealthReporter,
}

impl Health {
    /// Creates the health state and the `grpc.health.v1` service to mount beside the service's own.
    pub fn new(
        db: Option<Db>,
    ) -> (
        Self,
        tonic_health::pb::health_server::HealthServer<impl tonic_health::pb::health_server::Health>,
    ) {
        let (reporter, service) = tonic_health::server::health_reporter();
        (Self { ready: Arc::new(AtomicBool::new(false)), db, reporter }, service)
    }

    /// Marks the service ready (start-up finished) and keeps the gRPC status in step with the
    /// database until `shutdown`, after which it reports not serving.
    pub fn set_ready(&self, shutdown: CancellationToken) {
        self.ready.store(true, Ordering::SeqCst);
        let health = self.clone();
        tokio::spawn(async move {
            let mut last = None;
            loop {
                let serving = !shutdown.is_cancelled() && health.check().await;
                if last != Some(serving) {
                    let status =
                        if serving { ServingStatus::Serving } else { ServingStatus::NotServing };
                    health.reporter.set_service_status("", status).await;
                    last = Some(serving);
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(2)) => {}
                    () = shutdown.cancelled() => {
                        health.ready.store(false, Ordering::SeqCst);
                        health.reporter.set_service_status("", ServingStatus::NotServing).await;
                        return;
                    }
                }
            }
        });
    }

    /// Tells whether the service is ready: started and its database answering.
    pub async fn check(&self) -> bool {
        if !self.ready.load(Ordering::SeqCst) {
            return false;
        }
        match &self.db {
            Some(db) => db.ping().await,
            None => true,
        }
    }

    /// Returns the HTTP routes `/healthz` (alive), `/readyz` (ready) and `/metrics` (Prometheus).
    pub fn router(&self) -> Router {
        let health = self.clone();
        Router::new()
            .route("/healthz", get(|| async { "ok" }))
            .route(
                "/readyz",
                get(move || {
                    let health = health.clone();
                    async move {
                        if health.check().await {
                            (StatusCode::OK, "ready")
                        } else {
                            (StatusCode::SERVICE_UNAVAILABLE, "not ready")
                        }
                    }
                }),
            )
            .route("/metrics", get(|| async { crate::metrics::render() }))
    }
}

/// Asks the instance listening on `listen` whether it is ready: `GET /readyz` over plain HTTP with
/// a two-second budget. Returns success only for a 200. Used by `--probe` (container health checks,
/// where there is no shell or `curl`).
pub fn probe(listen: std::net::SocketAddr) -> std::process::ExitCode {
    use std::io::{Read as _, Write as _};
    let mut address = listen;
    if address.ip().is_unspecified() {
        address.set_ip(if address.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let timeout = std::time::Duration::from_secs(2);
    let ready = (|| -> std::io::Result<bool> {
        let mut stream = std::net::TcpStream::connect_timeout(&address, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.write_all(b"GET /readyz HTTP/1.0\r\nHost: localhost\r\n\r\n")?;
        let mut head = [0_u8; 12];
        stream.read_exact(&mut head)?;
        Ok(head.starts_with(b"HTTP/1.") && &head[8..12] == b" 200")
    })();
    if matches!(ready, Ok(true)) {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
