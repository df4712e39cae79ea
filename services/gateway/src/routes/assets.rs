//! Static assets embedded in the binary: the stylesheet, htmx (vendored 2.0.11, 0BSD) and the icon.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

const STYLE: &[u8] = include_bytes!("../../static/style.css");
const HTMX: &[u8] = include_bytes!("../../static/htmx-2.0.11.min.js");
const FAVICON: &[u8] = include_bytes!("../../static/favicon.svg");

static VERSION: LazyLock<String> = LazyLock::new(|| {
    let hash = [STYLE, HTMX, FAVICON]
        .iter()
        .flat_map(|bytes| bytes.iter())
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}")
});

/// Returns a token that changes whenever an asset does; pages add it to asset URLs.
pub fn version() -> &'static str {
    &VERSION
}

/// Serves an embedded asset. URLs carry the version, so responses are cacheable for a year.
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let (body, content_type) = match file.as_str() {
        "style.css" => (STYLE, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "favicon.svg" => (FAVICON, "image/svg+xml"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    let etag = format!("\"{}\"", version());
    if headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok())
        == Some(etag.as_str())
    {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut response = body.into_response();
    let response_headers = response.headers_mut();
    response_headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        response_headers.insert(header::ETAG, etag);
    }
    response
}
