//! Request-wide middleware of the gateway: the request span (joined to the caller's trace) and
//! turning bare transport-level errors (413, 408, 405, 503 from load shedding) into the same
//! HTML pages and JSON problems every other error gets.

use std::time::Instant;

use axum::{
    body::Body,
    extract::Request,
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::Instrument as _;

use crate::error::{ApiError, AppError, PageError};

/// Opens a span per request, child of the caller's `traceparent`, and logs failures.
pub async fn trace(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let span =
        tracing::info_span!("http", %method, %path, %request_id, trace_id = tracing::field::Empty);
    bazaar_platform::telemetry::set_parent_from_headers(&span, request.headers());
    if let Some(trace_id) = span.in_scope(bazaar_platform::telemetry::current_trace_id) {
        span.record("trace_id", trace_id);
    }
    let response = next.run(request).instrument(span.clone()).await;
    let status = response.status();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), elapsed_ms, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), elapsed_ms, "request served");
        }
    });
    response
}

/// Replaces the plain-text bodies of errors produced by layers (body limit, timeout, load
/// shedding, unsupported method) with an HTML page or a JSON problem, by path.
pub async fn humanize_errors(request: Request, next: Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    let status = response.status();
    let is_plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_none_or(|value| value.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !is_plain {
        return response;
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        StatusCode::REQUEST_TIMEOUT => {
            AppError::Unavailable("the request took too long; please try again".to_owned())
        }
        StatusCode::SERVICE_UNAVAILABLE => AppError::Unavailable(
            "the shop is very busy right now; please try again in a moment".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType,
        StatusCode::NOT_FOUND => AppError::NotFound("no such page".to_owned()),
        StatusCode::FORBIDDEN => {
            AppError::Forbidden("cross-site form submissions are not accepted".to_owned())
        }
        _ => return response,
    };
    let mut rebuilt =
        if is_api { ApiError(error).into_response() } else { PageError(error).into_response() };
    // Keep headers such as `Allow` that the original response carried.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rebuilt.headers_mut().entry(name.clone()).or_insert_with(|| value.clone());
        }
    }
    rebuilt
}

/// Turns the error of a tower layer (load shedding, timeouts) into a response.
pub async fn handle_layer_error(error: tower::BoxError) -> Response {
    if error.is::<tower::load_shed::error::Overloaded>() {
        let mut response = StatusCode::SERVICE_UNAVAILABLE.into_response();
        response.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return response;
    }
    tracing::error!(%error, "middleware failed");
    (StatusCode::INTERNAL_SERVER_ERROR, Body::empty()).into_response()
}
