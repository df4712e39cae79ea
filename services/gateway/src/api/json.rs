//! `ApiJson`: a JSON body extractor whose failures are the API's own JSON problems (400, 413, 415).

use axum::{
    extract::{FromRequest, Request, rejection::JsonRejection},
    http::StatusCode,
};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError};

/// A JSON request body.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError(problem(&rejection))),
        }
    }
}

fn problem(rejection: &JsonRejection) -> AppError {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => AppError::UnsupportedMediaType,
        JsonRejection::JsonSyntaxError(_) => AppError::invalid("body", "is not valid JSON"),
        JsonRejection::JsonDataError(error) => {
            // serde reports "field: what is wrong"; name the field when it does.
            let text = error.body_text();
            let detail = text.split_once(": ").map_or(text.as_str(), |(_, detail)| detail);
            match detail.split_once(": ") {
                Some((field, message)) if !field.contains(' ') => {
                    AppError::invalid(field, message.to_owned())
                }
                _ => AppError::invalid("body", detail.to_owned()),
            }
        }
        other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        other => AppError::invalid("body", other.body_text()),
    }
}
