//! gRPC servers and clients with the platform's layers: tracing with W3C context propagation,
//! metrics, deadlines on every call, TCP_NODELAY everywhere, client-side balancing over every
//! address an upstream name resolves to, and the one mapping between errors and statuses.

use std::{
    collections::BTreeSet,
    net::SocketAddr,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use anyhow::Context as _;
use bazaar_types::FieldErrors;
use futures::future::BoxFuture;
use tokio::{net::TcpListener, sync::Notify};
use tonic::{
    Code, Status,
    body::Body,
    service::Routes,
    transport::{Endpoint, Server, server::TcpIncoming},
};
use tonic_types::{ErrorDetails, StatusExt as _};
use tracing::Instrument as _;

use crate::shutdown::CancellationToken;

/// Binds a listener. Port 0 picks a free port; read it back with `local_addr`.
///
/// # Errors
/// When the address is taken or not local.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))
}

/// How a server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Longest a call may take (a shorter `grpc-timeout` from the caller wins).
    pub request_timeout: Duration,
    /// Time given to in-flight calls after the stop signal.
    pub shutdown_grace: Duration,
    /// Faults to inject into calls, controlled at `/faults`; none turns injection off.
    pub faults: Option<crate::faults::Faults>,
}

/// Serves gRPC `routes` and the plain-HTTP `http` router (health, metrics) on one listener until
/// `shutdown` is cancelled, then drains in-flight calls for up to the grace period.
///
/// # Errors
/// When the server fails (not when it is stopped).
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    http: axum::Router,
    options: ServeOptions,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let http = match &options.faults {
        Some(faults) => http.merge(faults.router()),
        None => http,
    };
    let router = routes.into_axum_router().merge(http);
    // Nagle's algorithm on loopback adds tens of milliseconds per hop; `TcpIncoming` ignores the
    // builder's `tcp_nodelay`, so it is set on the incoming stream itself.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let server = Server::builder()
        .accept_http1(true)
        .timeout(options.request_timeout)
        .layer(ServerLayer { faults: options.faults })
        .add_routes(Routes::from(router))
        .serve_with_incoming_shutdown(incoming, shutdown.clone().cancelled_owned());
    let mut result = Ok(());
    let drained = crate::shutdown::drain(&shutdown, options.shutdown_grace, async {
        result = server.await;
    })
    .await;
    if !drained {
        tracing::warn!(grace = ?options.shutdown_grace, "grace period over; dropping in-flight calls");
    }
    result.context("gRPC server failed")
}

/// Server-side layer: one span per call (child of the caller's trace), metrics per method, and
/// the faults injected into the call, if any (counted in the metrics like real failures).
#[derive(Debug, Clone, Default)]
pub struct ServerLayer {
    /// The fault table, when fault injection is on.
    pub faults: Option<crate::faults::Faults>,
}

impl<S> tower::Layer<S> for ServerLayer {
    type Service = ServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        let faulty = crate::faults::FaultService::new(inner, self.faults.clone());
        ServerService { inner: crate::metrics::GrpcMetricsLayer.layer_inner(faulty) }
    }
}

/// The service built by [`ServerLayer`].
#[derive(Debug, Clone)]
pub struct ServerService<S> {
    inner: crate::metrics::GrpcMetrics<crate::faults::FaultService<S>>,
}

impl<S, B, R> tower::Service<http::Request<B>> for ServerService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>> + Send,
    S::Future: Send + 'static,
    S::Error: 'static,
    R: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path();
        if path.starts_with("/grpc.health") || !path.starts_with("/bazaar.") {
            return self.inner.call(request);
        }
        let span = tracing::info_span!("rpc", rpc = %path, trace_id = tracing::field::Empty);
        crate::telemetry::set_parent_from_headers(&span, request.headers());
        if let Some(trace_id) = span.in_scope(crate::telemetry::current_trace_id) {
            span.record("trace_id", trace_id);
        }
        let future = span.in_scope(|| self.inner.call(request));
        Box::pin(future.instrument(span))
    }
}

impl crate::metrics::GrpcMetricsLayer {
    fn layer_inner<S>(self, inner: S) -> crate::metrics::GrpcMetrics<S> {
        tower::Layer::layer(&self, inner)
    }
}

/// A client channel: connects lazily, sets a deadline on every call and carries the trace context.
/// Build one with [`connect`] and hand it to a generated client, e.g. `CatalogServiceClient::new(channel)`.
#[derive(Debug, Clone)]
pub struct Channel {
    inner: tonic::transport::Channel,
    timeout_header: http::HeaderValue,
    /// Set for balanced channels: asks the refresher to re-probe endpoints after a transport error.
    reprobe: Option<Arc<Notify>>,
}

impl tower::Service<http::Request<Body>> for Channel {
    type Response = http::Response<Body>;
    type Error = tower::BoxError;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(transport_status)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let headers = request.headers_mut();
        crate::telemetry::inject_current_context(headers);
        // The deadline travels with the call so the server stops working when the caller gave up.
        if !headers.contains_key("grpc-timeout") {
            headers.insert("grpc-timeout", self.timeout_header.clone());
        }
        let future = self.inner.call(request);
        let reprobe = self.reprobe.clone();
        Box::pin(async move {
            let result = future.await;
            if result.is_err()
                && let Some(reprobe) = reprobe
            {
                reprobe.notify_one();
            }
            result.map_err(transport_status)
        })
    }
}

/// Turns a transport failure into the status a caller can act on: a connection that could not be
/// made or was lost mid-call is `UNAVAILABLE` (the call may or may not have run, so only
/// idempotent calls are retried), a request that ran out of time is `DEADLINE_EXCEEDED`.
fn transport_status(error: tonic::transport::Error) -> tower::BoxError {
    let status = tonic::Status::from_error(Box::new(error));
    let status = match status.code() {
        Code::Cancelled => {
            Status::deadline_exceeded(format!("upstream timed out: {}", status.message()))
        }
        Code::Unavailable => status,
        _ => Status::unavailable(format!("upstream connection failed: {}", status.message())),
    };
    Box::new(status)
}

/// Builds a client channel to an upstream given as one URL or a comma-separated list of URLs.
///
/// A single URL with an IP address gets a plain channel (fails fast when the server is down). Host
/// names and lists get a balanced channel spreading calls per request over every address they
/// resolve to, re-resolved and probed every two seconds and right after a transport error, so
/// replicas behind a headless Kubernetes Service all serve and a dead one leaves the rotation.
///
/// # Errors
/// When a URL does not parse.
pub fn connect(upstream: &str, request_timeout: Duration) -> anyhow::Result<Channel> {
    let urls: Vec<http::Uri> = upstream
        .split(',')
        .map(|url| {
            url.trim().parse::<http::Uri>().with_context(|| format!("invalid upstream URL '{url}'"))
        })
        .collect::<anyhow::Result<_>>()?;
    anyhow::ensure!(!urls.is_empty(), "no upstream URL given");
    let timeout_header =
        http::HeaderValue::from_str(&format!("{}m", request_timeout.as_millis().max(1)))
            .context("formatting grpc-timeout")?;
    let single_ip = urls.len() == 1
        && urls[0]
            .host()
            .is_some_and(|host| host.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok());
    if single_ip {
        let inner = endpoint(urls[0].clone(), request_timeout).connect_lazy();
        return Ok(Channel { inner, timeout_header, reprobe: None });
    }
    let (inner, changes) = tonic::transport::Channel::balance_channel::<SocketAddr>(64);
    let reprobe = Arc::new(Notify::new());
    tokio::spawn(refresh_endpoints(urls, request_timeout, changes, Arc::clone(&reprobe)));
    Ok(Channel { inner, timeout_header, reprobe: Some(reprobe) })
}

fn endpoint(uri: http::Uri, request_timeout: Duration) -> Endpoint {
    Endpoint::from(uri)
        .connect_timeout(Duration::from_secs(1))
        .timeout(request_timeout)
        .tcp_nodelay(true)
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10))
        .keep_alive_while_idle(true)
}

/// Keeps a balanced channel's endpoint set equal to the reachable addresses of `urls`.
async fn refresh_endpoints(
    urls: Vec<http::Uri>,
    request_timeout: Duration,
    changes: tokio::sync::mpsc::Sender<tonic::transport::channel::Change<SocketAddr, Endpoint>>,
    reprobe: Arc<Notify>,
) {
    use tonic::transport::channel::Change;
    let mut current: BTreeSet<SocketAddr> = BTreeSet::new();
    loop {
        let mut resolved = BTreeSet::new();
        for url in &urls {
            let (Some(host), port) = (url.host(), url.port_u16().unwrap_or(80)) else { continue };
            match tokio::net::lookup_host((host.trim_matches(['[', ']']), port)).await {
                Ok(addresses) => resolved.extend(addresses),
                Err(error) => tracing::debug!(%error, %url, "cannot resolve upstream"),
            }
        }
        let probes = resolved.iter().map(|address| async move {
            let probe = tokio::net::TcpStream::connect(address);
            (
                *address,
                matches!(tokio::time::timeout(Duration::from_millis(300), probe).await, Ok(Ok(_))),
            )
        });
        let reachable: BTreeSet<SocketAddr> = futures::future::join_all(probes)
            .await
            .into_iter()
            .filter(|(_, up)| *up)
            .map(|(address, _)| address)
            .collect();
        // With nothing reachable keep every address, so calls fail fast instead of waiting for one.
        let wanted = if reachable.is_empty() { resolved } else { reachable };
        for gone in current.difference(&wanted) {
            if changes.send(Change::Remove(*gone)).await.is_err() {
                return;
            }
        }
        for new in wanted.difference(&current) {
            let Ok(uri) = format!("http://{new}").parse::<http::Uri>() else { continue };
            if changes.send(Change::Insert(*new, endpoint(uri, request_timeout))).await.is_err() {
                return;
            }
        }
        current = wanted;
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
            () = reprobe.notified() => {}
        }
        if changes.is_closed() {
            return;
        }
    }
}

/// Retries an idempotent call while the upstream answers `UNAVAILABLE`, with exponential backoff
/// and a budget of three attempts spread over about half a second.
///
/// # Errors
/// The last status when every attempt failed, or the first non-retryable one.
pub async fn retry_idempotent<T, F, Fut>(call: F) -> Result<T, Status>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Status>>,
{
    use backon::Retryable as _;
    let backoff = backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(25))
        .with_max_delay(Duration::from_millis(250))
        .with_max_times(3)
        .with_jitter();
    call.retry(backoff).when(|status: &Status| status.code() == Code::Unavailable).await
}

/// Wraps a message in a request carrying `authorization: Bearer <token>` when a token is given.
pub fn with_bearer<T>(message: T, token: Option<&str>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Some(token) = token
        && let Ok(value) = format!("Bearer {token}").parse()
    {
        request.metadata_mut().insert("authorization", value);
    }
    request
}

/// Builds an `INVALID_ARGUMENT` status listing every field error (as `google.rpc.BadRequest` details).
pub fn invalid_argument(errors: &FieldErrors) -> Status {
    let mut details = ErrorDetails::new();
    for error in errors.errors() {
        details.add_bad_request_violation(error.field.clone(), error.message.clone());
    }
    Status::with_error_details(Code::InvalidArgument, errors.to_string(), details)
}

/// Builds an `ALREADY_EXISTS` status naming the field whose value is taken.
pub fn already_exists(field: &str, message: &str) -> Status {
    let mut details = ErrorDetails::new();
    details.add_bad_request_violation(field, message);
    Status::with_error_details(Code::AlreadyExists, format!("{field}: {message}"), details)
}

/// Reads the field errors of an `INVALID_ARGUMENT` status (empty when it carries none).
pub fn field_errors(status: &Status) -> FieldErrors {
    status
        .get_details_bad_request()
        .map(|bad_request| {
            bad_request
                .field_violations
                .into_iter()
                .map(|violation| {
                    bazaar_types::FieldError::new(violation.field, violation.description)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Converts an unexpected error into a status, logging it once with its cause chain. A database or
/// broker that is unreachable becomes `UNAVAILABLE` (retryable, 503 at the edge); anything else
/// `INTERNAL`, without details.
pub fn internal(error: &anyhow::Error) -> Status {
    let unavailable = error.chain().any(|cause| {
        cause.downcast_ref::<sqlx::Error>().is_some_and(crate::db::is_unavailable)
            || cause
                .downcast_ref::<Status>()
                .is_some_and(|status| status.code() == Code::Unavailable)
    });
    if unavailable {
        tracing::warn!(error = format!("{error:#}"), "dependency unavailable");
        Status::unavailable("a dependency is temporarily unavailable")
    } else {
        tracing::error!(error = format!("{error:#}"), "internal error");
        Status::internal("internal error")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_survive_a_round_trip_through_a_status() {
        let mut errors = FieldErrors::new();
        errors.push("name", "must not be empty");
        errors.push("price", "must not be negative");
        let status = invalid_argument(&errors);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(field_errors(&status), errors);
        assert!(field_errors(&Status::internal("x")).is_empty());
    }

    #[test]
    fn unreachable_databases_are_unavailable_not_internal() {
        let error = anyhow::Error::new(sqlx::Error::PoolTimedOut).context("loading product");
        assert_eq!(internal(&error).code(), Code::Unavailable);
        assert_eq!(internal(&anyhow::anyhow!("bug")).code(), Code::Internal);
    }
}
