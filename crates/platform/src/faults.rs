//! Fault injection, for proving the shop under failure (`bazaar chaos`): latency and errors added
//! to named RPCs of a running service.
//!
//! Off unless the service runs with `--fault-injection` (`bazaar up` turns it on for its loopback
//! services; the container images and manifests leave it off). When on, the service's HTTP side
//! answers `GET /faults` (the rules in force), `POST /faults` (add a rule) and `DELETE /faults`
//! (remove them all), and its gRPC server applies the matching rules to each call before the
//! handler sees it: it waits the rule's delay, then answers the rule's error instead of running
//! the call. Injected errors are counted in the service's metrics like real ones.

use std::{
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
    time::{Duration, Instant},
};

use axum::{
    Json, Router,
    extract::{State, rejection::JsonRejection},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tonic::Code;

/// Most rules in force at once.
pub const MAX_RULES: usize = 32;
/// Longest delay a rule may add.
pub const MAX_DELAY: Duration = Duration::from_secs(60);
/// Longest time a rule may last.
pub const MAX_DURATION: Duration = Duration::from_secs(24 * 60 * 60);

/// The status an injected failure answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum FaultCode {
    /// The server is unreachable for now (callers retry idempotent calls).
    Unavailable,
    /// The call ran out of time.
    DeadlineExceeded,
    /// A server bug.
    Internal,
    /// The server is out of some resource.
    ResourceExhausted,
    /// The call was aborted by a conflict.
    Aborted,
    /// An error with no better description.
    Unknown,
}

impl From<FaultCode> for Code {
    fn from(code: FaultCode) -> Self {
        match code {
            FaultCode::Unavailable => Self::Unavailable,
            FaultCode::DeadlineExceeded => Self::DeadlineExceeded,
            FaultCode::Internal => Self::Internal,
            FaultCode::ResourceExhausted => Self::ResourceExhausted,
            FaultCode::Aborted => Self::Aborted,
            FaultCode::Unknown => Self::Unknown,
        }
    }
}

/// One fault to inject, as `POST /faults` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// The RPCs it applies to: `*` (all), a method (`Charge`), `Service/Method`
    /// (`PaymentService/Charge`) or the full name (`bazaar.payment.v1.PaymentService/Charge`).
    pub rpc: String,
    /// Latency added before the call runs (or fails), in milliseconds.
    #[serde(default)]
    pub delay_ms: u64,
    /// The status answered instead of running the call; none lets the call run (after the delay).
    #[serde(default)]
    pub error: Option<FaultCode>,
    /// Share of matching calls affected, above 0 and at most 1.
    #[serde(default = "always")]
    pub rate: f64,
    /// How long the rule lasts, in milliseconds; none keeps it until `DELETE /faults`.
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

fn always() -> f64 {
    1.0
}

impl FaultRule {
    /// Checks the rule, returning what is wrong with it.
    ///
    /// # Errors
    /// A message naming the offending field.
    pub fn validate(&self) -> Result<(), String> {
        let rpc_ok = !self.rpc.is_empty()
            && self.rpc.len() <= 200
            && (self.rpc == "*"
                || self.rpc.chars().all(|c| c.is_ascii_alphanumeric() || "._/".contains(c)));
        if !rpc_ok {
            return Err("rpc: must be `*`, a method, `Service/Method` or a full gRPC method name"
                .to_owned());
        }
        if u128::from(self.delay_ms) > MAX_DELAY.as_millis() {
            return Err(format!("delay_ms: must be at most {}", MAX_DELAY.as_millis()));
        }
        if !(self.rate > 0.0 && self.rate <= 1.0) {
            return Err("rate: must be above 0 and at most 1".to_owned());
        }
        if self.delay_ms == 0 && self.error.is_none() {
            return Err("a rule needs a delay_ms, an error or both".to_owned());
        }
        match self.duration_ms {
            Some(0) => Err("duration_ms: must be above 0".to_owned()),
            Some(ms) if u128::from(ms) > MAX_DURATION.as_millis() => {
                Err(format!("duration_ms: must be at most {}", MAX_DURATION.as_millis()))
            }
            _ => Ok(()),
        }
    }

    /// Tells whether the rule applies to the gRPC method at `path` (`/package.Service/Method`).
    pub fn matches(&self, path: &str) -> bool {
        let full = path.trim_start_matches('/');
        self.rpc == "*"
            || full == self.rpc
            || full.strip_suffix(self.rpc.as_str()).is_some_and(|rest| rest.ends_with(['/', '.']))
    }
}

/// A rule in force, as `GET /faults` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveFault {
    /// The rule.
    #[serde(flatten)]
    pub rule: FaultRule,
    /// Milliseconds left before it lapses; none when it lasts until cleared.
    pub remaining_ms: Option<u64>,
    /// Calls it has affected so far.
    pub injected: u64,
}

#[derive(Debug)]
struct Entry {
    rule: FaultRule,
    expires: Option<Instant>,
    injected: AtomicU64,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|expires| expires > now)
    }
}

/// What happens to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Injection {
    /// Wait this long first.
    pub delay: Duration,
    /// Then answer this instead of running the call.
    pub error: Option<Code>,
}

/// The rules in force in one service, shared by its gRPC layer and its `/faults` routes.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    entries: Arc<RwLock<Vec<Arc<Entry>>>>,
}

impl Faults {
    /// Adds a rule after checking it.
    ///
    /// # Errors
    /// What is wrong with the rule, or that too many are in force.
    pub fn add(&self, rule: FaultRule) -> Result<(), String> {
        rule.validate()?;
        let now = Instant::now();
        let mut entries = self.entries.write().map_err(|_| "fault table unavailable".to_owned())?;
        entries.retain(|entry| entry.live(now));
        if entries.len() >= MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules may be in force; clear some first"));
        }
        let expires = rule.duration_ms.map(|ms| now + Duration::from_millis(ms));
        tracing::warn!(rpc = %rule.rpc, delay_ms = rule.delay_ms, error = ?rule.error, rate = rule.rate, duration_ms = ?rule.duration_ms, "fault injection on");
        entries.push(Arc::new(Entry { rule, expires, injected: AtomicU64::new(0) }));
        Ok(())
    }

    /// Removes every rule and returns how many were in force.
    pub fn clear(&self) -> usize {
        let Ok(mut entries) = self.entries.write() else { return 0 };
        let now = Instant::now();
        let removed = entries.iter().filter(|entry| entry.live(now)).count();
        entries.clear();
        if removed > 0 {
            tracing::warn!(removed, "fault injection off");
        }
        removed
    }

    /// Lists the rules in force.
    pub fn list(&self) -> Vec<ActiveFault> {
        let Ok(entries) = self.entries.read() else { return Vec::new() };
        let now = Instant::now();
        entries
            .iter()
            .filter(|entry| entry.live(now))
            .map(|entry| ActiveFault {
                rule: entry.rule.clone(),
                remaining_ms: entry.expires.map(|expires| {
                    u64::try_from(expires.saturating_duration_since(now).as_millis())
                        .unwrap_or(u64::MAX)
                }),
                injected: entry.injected.load(Ordering::Relaxed),
            })
            .collect()
    }

    /// Decides what happens to a call of `path`: the longest delay and the first error among the
    /// live rules that match it and fire (each fires at its rate). Only the shop's own RPCs
    /// (`/bazaar.…`) are touched: health checks, metrics and `/faults` itself always answer.
    pub fn decide(&self, path: &str) -> Option<Injection> {
        if !path.starts_with("/bazaar.") {
            return None;
        }
        let entries = self.entries.read().ok()?;
        if entries.is_empty() {
            return None;
        }
        let now = Instant::now();
        let mut injection: Option<Injection> = None;
        for entry in entries.iter() {
            if !entry.live(now) || !entry.rule.matches(path) {
                continue;
            }
            if entry.rule.rate < 1.0 && rand::random::<f64>() >= entry.rule.rate {
                continue;
            }
            entry.injected.fetch_add(1, Ordering::Relaxed);
            let current = injection.get_or_insert(Injection { delay: Duration::ZERO, error: None });
            current.delay = current.delay.max(Duration::from_millis(entry.rule.delay_ms));
            current.error = current.error.or(entry.rule.error.map(Code::from));
        }
        injection
    }

    /// Returns the `/faults` routes that control this table.
    pub fn router(&self) -> Router {
        Router::new().route("/faults", get(list).post(add).delete(clear)).with_state(self.clone())
    }
}

async fn list(State(faults): State<Faults>) -> Json<Vec<ActiveFault>> {
    Json(faults.list())
}

async fn add(
    State(faults): State<Faults>,
    rule: Result<Json<FaultRule>, JsonRejection>,
) -> Response {
    let result = rule.map_err(|rejection| rejection.body_text()).and_then(|Json(rule)| {
        faults.add(rule)?;
        Ok(faults.list())
    });
    match result {
        Ok(list) => (StatusCode::CREATED, Json(list)).into_response(),
        Err(message) => (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({ "code": "invalid_argument", "message": message })),
        )
            .into_response(),
    }
}

async fn clear(State(faults): State<Faults>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "removed": faults.clear() }))
}

/// Tower service applying a fault table to the gRPC calls that reach `inner`.
#[derive(Debug, Clone)]
pub struct FaultService<S> {
    inner: S,
    faults: Option<Faults>,
}

impl<S> FaultService<S> {
    /// Wraps `inner`; with no table every call goes straight through.
    pub fn new(inner: S, faults: Option<Faults>) -> Self {
        Self { inner, faults }
    }
}

impl<S, B, R> tower::Service<http::Request<B>> for FaultService<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>> + Send,
    S::Future: Send + 'static,
    R: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let injection = self.faults.as_ref().and_then(|faults| faults.decide(request.uri().path()));
        let Some(Injection { delay, error }) = injection else {
            return Box::pin(self.inner.call(request));
        };
        // The handler runs only when its future is polled, so a failed call never reaches it.
        let future = error.is_none().then(|| self.inner.call(request));
        Box::pin(async move {
            tokio::time::sleep(delay).await;
            match (future, error) {
                (Some(future), _) => future.await,
                (None, code) => Ok(tonic::Status::new(
                    code.unwrap_or(Code::Unknown),
                    "fault injected (bazaar chaos)",
                )
                .into_http()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(rpc: &str) -> FaultRule {
        FaultRule {
            rpc: rpc.to_owned(),
            delay_ms: 0,
            error: Some(FaultCode::Unavailable),
            rate: 1.0,
            duration_ms: None,
        }
    }

    #[test]
    fn rules_match_by_method_service_or_full_name() {
        let path = "/bazaar.payment.v1.PaymentService/Charge";
        for rpc in
            ["*", "Charge", "PaymentService/Charge", "bazaar.payment.v1.PaymentService/Charge"]
        {
            assert!(rule(rpc).matches(path), "{rpc}");
        }
        for rpc in ["Refund", "harge", "ntService/Charge", "PaymentService"] {
            assert!(!rule(rpc).matches(path), "{rpc}");
        }
    }

    #[test]
    fn bad_rules_are_refused_with_the_field_named() {
        let cases = [
            (FaultRule { rpc: String::new(), ..rule("x") }, "rpc"),
            (FaultRule { rpc: "a b".into(), ..rule("x") }, "rpc"),
            (FaultRule { delay_ms: 60_001, ..rule("x") }, "delay_ms"),
            (FaultRule { rate: 0.0, ..rule("x") }, "rate"),
            (FaultRule { rate: 1.5, ..rule("x") }, "rate"),
            (FaultRule { rate: f64::NAN, ..rule("x") }, "rate"),
            (FaultRule { error: None, ..rule("x") }, "delay_ms, an error"),
            (FaultRule { duration_ms: Some(0), ..rule("x") }, "duration_ms"),
        ];
        for (bad, field) in cases {
            let message = bad.validate().unwrap_err();
            assert!(message.contains(field), "{message}");
        }
        assert!(FaultRule { error: None, delay_ms: 5, ..rule("x") }.validate().is_ok());
    }

    #[test]
    fn health_metrics_and_the_fault_table_itself_are_never_faulted() {
        let faults = Faults::default();
        faults.add(rule("*")).unwrap();
        for path in ["/readyz", "/healthz", "/metrics", "/faults", "/grpc.health.v1.Health/Check"] {
            assert_eq!(faults.decide(path), None, "{path}");
        }
        assert!(faults.decide("/bazaar.events.v1.EventSinkService/DeliverBatch").is_some());
    }

    #[tokio::test]
    async fn matching_rules_combine_and_lapse() {
        let faults = Faults::default();
        assert_eq!(faults.decide("/bazaar.S/M"), None);
        faults.add(FaultRule { error: None, delay_ms: 20, ..rule("M") }).unwrap();
        faults.add(FaultRule { error: None, delay_ms: 50, ..rule("*") }).unwrap();
        faults.add(FaultRule { duration_ms: Some(1), ..rule("S/M") }).unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let injection = faults.decide("/bazaar.S/M").unwrap();
        assert_eq!(injection, Injection { delay: Duration::from_millis(50), error: None });
        assert_eq!(faults.list().len(), 2, "the lapsed rule is not listed");
        assert!(faults.list().iter().all(|fault| fault.injected == 1));
        assert_eq!(faults.clear(), 2);
        assert_eq!(faults.decide("/bazaar.S/M"), None);
    }

    #[test]
    fn a_rate_affects_about_that_share_of_calls() {
        let faults = Faults::default();
        faults.add(FaultRule { rate: 0.25, ..rule("*") }).unwrap();
        let hit = (0..4000).filter(|_| faults.decide("/bazaar.S/M").is_some()).count();
        assert!((700..1300).contains(&hit), "{hit} of 4000");
    }

    #[tokio::test]
    async fn a_failed_call_never_reaches_the_handler_and_a_slow_one_does() {
        use tower::{Service as _, ServiceExt as _};
        let calls = Arc::new(AtomicU64::new(0));
        let handler = {
            let calls = Arc::clone(&calls);
            tower::service_fn(move |_: http::Request<()>| {
                calls.fetch_add(1, Ordering::SeqCst);
                async { Ok::<_, std::convert::Infallible>(http::Response::new(String::from("ok"))) }
            })
        };
        let faults = Faults::default();
        let mut service = FaultService::new(handler, Some(faults.clone()));
        let request = || http::Request::builder().uri("/bazaar.S/M").body(()).unwrap();

        faults.add(rule("M")).unwrap();
        let response = service.ready().await.unwrap().call(request()).await.unwrap();
        assert_eq!(response.headers()["grpc-status"], "14", "UNAVAILABLE, trailers-only");
        assert!(response.body().is_empty());
        assert_eq!(calls.load(Ordering::SeqCst), 0);

        faults.clear();
        faults.add(FaultRule { error: None, delay_ms: 30, ..rule("M") }).unwrap();
        let started = Instant::now();
        let response = service.ready().await.unwrap().call(request()).await.unwrap();
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert_eq!(response.body(), "ok");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn the_table_is_bounded() {
        let faults = Faults::default();
        for _ in 0..MAX_RULES {
            faults.add(rule("*")).unwrap();
        }
        assert!(faults.add(rule("*")).unwrap_err().contains("at most"));
    }
}
