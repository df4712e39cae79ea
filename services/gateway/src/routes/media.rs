//! Product images, fetched from the catalog and served with caching headers.

use axum::{
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    error::{AppError, PageError},
    state::AppState,
};

/// `GET /media/products/{id}.svg`: a product's image.
///
/// # Errors
/// 404 for an unknown product, 503 while the catalog is down.
pub async fn product_image(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let not_found = || PageError(AppError::NotFound("no such image".to_owned()));
    let id = file.strip_suffix(".svg").ok_or_else(not_found)?;
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(not_found());
    }
    let image = state.clients.product_image(id).await?;
    if headers.get(header::IF_NONE_MATCH).and_then(|value| value.to_str().ok())
        == Some(image.etag.as_str())
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let mut response = image.data.into_response();
    let response_headers = response.headers_mut();
    if let Ok(content_type) = HeaderValue::from_str(&image.content_type) {
        response_headers.insert(header::CONTENT_TYPE, content_type);
    }
    if let Ok(etag) = HeaderValue::from_str(&image.etag) {
        response_headers.insert(header::ETAG, etag);
    }
    // URLs carry the product's version, so an image never changes under the same URL.
    response_headers
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"));
    // An SVG opened directly must not run scripts.
    response_headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    Ok(response)
}
