//! How failures reach users: an HTML error page for the storefront, a JSON problem for the API.
//! Upstream gRPC statuses map to HTTP statuses here, once; internal details stay in the logs.

use askama::Template;
use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use bazaar_types::FieldErrors;
use serde::Serialize;
use tonic::{Code, Status};

use crate::view::Layout;

/// A failure, independent of how it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppError {
    /// The thing asked for does not exist (or is not the caller's).
    NotFound(String),
    /// The request is malformed; each bad field is listed.
    BadRequest {
        /// Summary.
        message: String,
        /// Field errors.
        fields: FieldErrors,
    },
    /// No valid credentials.
    Unauthorized(String),
    /// Valid credentials, not enough rights.
    Forbidden(String),
    /// The request conflicts with the current state (e.g. a taken e-mail address).
    Conflict {
        /// Summary.
        message: String,
        /// Field errors.
        fields: FieldErrors,
    },
    /// Too many attempts; try again later.
    TooManyRequests(String),
    /// A service the request needs is down or overloaded.
    Unavailable(String),
    /// The request body is larger than allowed.
    TooLarge,
    /// The method is not supported on this path.
    MethodNotAllowed,
    /// The body is not in a supported format.
    UnsupportedMediaType,
    /// A bug or an unexpected failure.
    Internal,
}

impl AppError {
    /// Builds a 400 with one field error.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let fields = FieldErrors::single(field, message);
        Self::BadRequest { message: fields.to_string(), fields }
    }

    /// Builds a 400 from field errors.
    pub fn invalid_fields(fields: FieldErrors) -> Self {
        Self::BadRequest { message: fields.to_string(), fields }
    }

    /// Returns the HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Returns the stable machine-readable code of the API's problem documents.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound(_) => "not_found",
            Self::BadRequest { .. } => "invalid_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict { .. } => "conflict",
            Self::TooManyRequests(_) => "too_many_requests",
            Self::Unavailable(_) => "service_unavailable",
            Self::TooLarge => "payload_too_large",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Internal => "internal_error",
        }
    }

    /// Returns the human message.
    pub fn message(&self) -> String {
        match self {
            Self::NotFound(message)
            | Self::Unauthorized(message)
            | Self::Forbidden(message)
            | Self::TooManyRequests(message)
            | Self::Unavailable(message)
            | Self::BadRequest { message, .. }
            | Self::Conflict { message, .. } => message.clone(),
            Self::TooLarge => "the request body is too large".to_owned(),
            Self::MethodNotAllowed => "this method is not allowed here".to_owned(),
            Self::UnsupportedMediaType => {
                "the request body must be JSON (Content-Type: application/json)".to_owned()
            }
            Self::Internal => "something went wrong on our side".to_owned(),
        }
    }

    /// Returns the field errors, if any.
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            Self::BadRequest { fields, .. } | Self::Conflict { fields, .. } => Some(fields),
            _ => None,
        }
    }
}

impl From<Status> for AppError {
    fn from(status: Status) -> Self {
        let message = status.message().to_owned();
        match status.code() {
            Code::NotFound => Self::NotFound(message),
            Code::InvalidArgument | Code::OutOfRange => {
                Self::BadRequest { message, fields: bazaar_platform::grpc::field_errors(&status) }
            }
            Code::AlreadyExists | Code::FailedPrecondition | Code::Aborted => {
                Self::Conflict { message, fields: bazaar_platform::grpc::field_errors(&status) }
            }
            Code::Unauthenticated => Self::Unauthorized(message),
            Code::PermissionDenied => Self::Forbidden(message),
            Code::ResourceExhausted => Self::TooManyRequests(message),
            Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled => {
                tracing::warn!(code = ?status.code(), message = status.message(), "upstream unavailable");
                Self::Unavailable(
                    "a part of the shop is temporarily unavailable; please try again in a moment"
                        .to_owned(),
                )
            }
            _ => {
                tracing::error!(code = ?status.code(), message = status.message(), "upstream failed");
                Self::Internal
            }
        }
    }
}

fn retry_after(response: &mut Response, error: &AppError) {
    if matches!(error, AppError::Unavailable(_) | AppError::TooManyRequests(_)) {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
}

/// An error shown as an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "pages/error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    title: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let title = match &self.0 {
            AppError::NotFound(_) => "We couldn't find that page",
            AppError::BadRequest { .. } => "That request didn't look right",
            AppError::Unauthorized(_) => "Please sign in",
            AppError::Forbidden(_) => "You don't have access to this page",
            AppError::Conflict { .. } => "That didn't work",
            AppError::TooManyRequests(_) => "Slow down a little",
            AppError::Unavailable(_) => "We'll be right back",
            AppError::TooLarge => "That was too much",
            AppError::MethodNotAllowed | AppError::UnsupportedMediaType => {
                "That request didn't look right"
            }
            AppError::Internal => "Something went wrong",
        };
        let message = match &self.0 {
            AppError::NotFound(_) => {
                "The page or product you asked for does not exist, or it was removed.".to_owned()
            }
            AppError::Internal => {
                "An unexpected error occurred. It has been logged; please try again.".to_owned()
            }
            // Field messages read "field: what is wrong"; keep them as they are.
            AppError::BadRequest { message, .. } | AppError::Conflict { message, .. } => {
                message.clone()
            }
            other => capitalise(&other.message()),
        };
        let page = ErrorPage { layout: Layout::minimal(), status: status.as_u16(), title, message };
        let body = page.render().unwrap_or_else(|_| format!("{status}"));
        let mut response = (status, axum::response::Html(body)).into_response();
        retry_after(&mut response, &self.0);
        response
    }
}

/// An error shown as a JSON problem document: `{code, message, fields}`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        Self(error.into())
    }
}

/// The body of every API error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Stable machine-readable code, e.g. `not_found`, `invalid_request`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
    /// For `invalid_request` and `conflict`: each offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<ProblemField>,
}

/// One invalid field.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// Field name, e.g. `email` or `address.country`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            code: self.0.code(),
            message: self.0.message(),
            fields: self
                .0
                .fields()
                .map(|fields| {
                    fields
                        .errors()
                        .iter()
                        .map(|error| ProblemField {
                            field: error.field.clone(),
                            message: error.message.clone(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        };
        let mut response = (self.0.status(), Json(problem)).into_response();
        retry_after(&mut response, &self.0);
        response
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_http() {
        let cases = [
            (Status::not_found("x"), StatusCode::NOT_FOUND),
            (Status::invalid_argument("x"), StatusCode::BAD_REQUEST),
            (Status::already_exists("x"), StatusCode::CONFLICT),
            (Status::failed_precondition("x"), StatusCode::CONFLICT),
            (Status::unauthenticated("x"), StatusCode::UNAUTHORIZED),
            (Status::permission_denied("x"), StatusCode::FORBIDDEN),
            (Status::resource_exhausted("x"), StatusCode::TOO_MANY_REQUESTS),
            (Status::unavailable("x"), StatusCode::SERVICE_UNAVAILABLE),
            (Status::deadline_exceeded("x"), StatusCode::SERVICE_UNAVAILABLE),
            (Status::internal("secret detail"), StatusCode::INTERNAL_SERVER_ERROR),
        ];
        for (status, expected) in cases {
            assert_eq!(AppError::from(status).status(), expected);
        }
        assert!(!AppError::from(Status::internal("secret detail")).message().contains("secret"));
    }

    #[test]
    fn field_errors_survive_the_mapping() {
        let status =
            bazaar_platform::grpc::invalid_argument(&FieldErrors::single("email", "is taken"));
        let error = AppError::from(status);
        assert_eq!(error.fields().unwrap().message_for("email"), Some("is taken"));
    }
}
