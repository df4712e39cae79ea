//! Builds the gateway's router with its layers, and serves it.

use std::{net::SocketAddr, path::Path, time::Duration};

use anyhow::Context as _;
use axum::{Router, error_handling::HandleErrorLayer, http::StatusCode, middleware};
use axum_extra::extract::cookie::Key;
use bazaar_platform::{health::Health, shutdown::CancellationToken};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::CompressionLayer,
    csrf::CsrfLayer,
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveRequestHeadersLayer,
    timeout::TimeoutLayer,
};

use crate::{Config, api, clients::Clients, routes, state::AppState};

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body accepted.
    pub max_body_bytes: usize,
    /// Longest a request may take.
    pub request_timeout: Duration,
    /// Requests in flight before shedding load.
    pub max_concurrent_requests: usize,
}

impl Limits {
    /// Reads the limits from the configuration. The whole-request timeout leaves room for one
    /// upstream call that uses its full deadline.
    pub fn from_config(config: &Config) -> Self {
        Self {
            max_body_bytes: config.max_body_bytes,
            request_timeout: config.common.request_timeout * 2,
            max_concurrent_requests: config.max_concurrent_requests,
        }
    }
}

/// Returns the whole application: pages, API, health, with every layer.
pub fn app(state: AppState, limits: Limits) -> Router {
    let (health, _) = Health::new(None);
    health.set_ready(CancellationToken::new());
    let x_request_id = http::HeaderName::from_static("x-request-id");
    // Read top-down: the first layer sees the request first.
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(x_request_id.clone(), MakeRequestUuid))
        .layer(PropagateRequestIdLayer::new(x_request_id))
        .layer(SetSensitiveRequestHeadersLayer::new([
            http::header::AUTHORIZATION,
            http::header::COOKIE,
        ]))
        .layer(middleware::from_fn(crate::middleware::trace))
        .layer(CatchPanicLayer::new())
        .layer(middleware::from_fn(crate::middleware::humanize_errors))
        .layer(HandleErrorLayer::new(crate::middleware::handle_layer_error))
        .load_shed()
        .concurrency_limit(limits.max_concurrent_requests)
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout))
        .layer(CompressionLayer::new())
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        // Cross-origin form posts are refused (Sec-Fetch-Site / Origin against Host); with
        // SameSite=Lax cookies this protects every storefront form without tokens.
        .layer(CsrfLayer::new());
    Router::new()
        .merge(routes::router())
        .merge(api::router())
        .fallback(routes::not_found)
        .layer(middleware::from_fn(bazaar_platform::metrics::track_http))
        .layer(middleware::from_fn_with_state(state.clone(), crate::session::resolve))
        .with_state(state)
        .merge(health.router())
        .layer(layers)
}

/// A built gateway, bound and ready to serve.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    grace: Duration,
}

impl Application {
    /// Binds the HTTP port and builds the router. Services are contacted lazily, so the gateway
    /// starts even when they are not up yet.
    ///
    /// # Errors
    /// When the port is taken or the cookie key cannot be loaded.
    pub async fn build(config: Config, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let listener = bazaar_platform::grpc::bind(config.common.listen).await?;
        let cookie_key = cookie_key(config.cookie_secret.as_deref(), &config.common.data_dir)?;
        let verifier = bazaar_platform::auth::TokenVerifier::from_identity(
            &config.identity_url,
            config.common.request_timeout,
        )?;
        let state = AppState {
            clients: std::sync::Arc::new(Clients::connect(&config)?),
            verifier,
            sessions: std::sync::Arc::default(),
            cookie_key,
            secure_cookies: config.secure_cookies,
            dev_mailbox: config.dev_mailbox,
        };
        let router = app(state, Limits::from_config(&config));
        Ok(Self { listener, router, shutdown, grace: config.common.shutdown_grace })
    }

    /// Returns the bound address.
    ///
    /// # Errors
    /// Never in practice: the listener is bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the stop signal, then drains in-flight requests for up to the grace period.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let address = self.listener.local_addr()?;
        tracing::info!(url = %format!("http://{address}"), "gateway serving");
        // Nagle's algorithm would add tens of milliseconds to small responses.
        let listener = axum::serve::ListenerExt::tap_io(self.listener, |stream| {
            let _ = stream.set_nodelay(true);
        });
        let shutdown = self.shutdown.clone();
        let server =
            axum::serve(listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(shutdown.clone().cancelled_owned());
        let mut result = Ok(());
        let drained = bazaar_platform::shutdown::drain(&shutdown, self.grace, async {
            result = server.await;
        })
        .await;
        if !drained {
            tracing::warn!("grace period over; dropping in-flight requests");
        }
        tracing::info!("gateway stopped");
        result.context("HTTP server failed")
    }
}

/// Builds and runs the gateway (what `main` and `bazaar serve gateway` call).
///
/// # Errors
/// When start-up or serving fails.
pub async fn run(config: Config, shutdown: CancellationToken) -> anyhow::Result<()> {
    Application::build(config, shutdown).await?.run_until_stopped().await
}

/// Returns the cookie key: derived from the configured secret, or generated once and kept in the
/// data directory so sessions survive restarts.
///
/// # Errors
/// When the key file cannot be read or written.
pub fn cookie_key(secret: Option<&str>, data_dir: &Path) -> anyhow::Result<Key> {
    if let Some(secret) = secret {
        return Ok(Key::derive_from(secret.as_bytes()));
    }
    let path = data_dir.join("gateway-cookie.key");
    if let Ok(hex) = std::fs::read_to_string(&path) {
        let bytes = decode_hex(hex.trim())
            .with_context(|| format!("{} is not a hex key", path.display()))?;
        return Key::try_from(bytes.as_slice())
            .map_err(|_| anyhow::anyhow!("{} holds a key that is too short", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let key = Key::generate();
    let hex: String = key.master().iter().map(|byte| format!("{byte:02x}")).collect();
    write_private(&path, &hex).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a cookie key");
    Ok(key)
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|index| u8::from_str_radix(hex.get(index..index + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_cookie_keys_are_kept() {
        let dir = tempfile_dir();
        let first = cookie_key(None, &dir).unwrap();
        let second = cookie_key(None, &dir).unwrap();
        assert_eq!(first.master(), second.master());
        let _ = std::fs::remove_dir_all(dir);
    }

    fn tempfile_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("bazaar-gateway-test-{}", uuid::Uuid::new_v4()))
    }
}
