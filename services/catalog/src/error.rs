//! Errors of the catalog service and their gRPC statuses (the one conversion at this boundary).

use bazaar_types::FieldErrors;
use tonic::Status;

/// Everything that can go wrong while serving a catalog call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No product has that id or slug.
    #[error("product not found")]
    ProductNotFound,
    /// The input is invalid; every bad field is listed.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Another product already uses the slug.
    #[error("slug {0} is already taken")]
    SlugTaken(String),
    /// Anything unexpected (database errors, bugs).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Self::Invalid(errors)
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::ProductNotFound => Self::not_found("product not found"),
            Error::Invalid(errors) => bazaar_platform::grpc::invalid_argument(&errors),
            Error::SlugTaken(slug) => bazaar_platform::grpc::already_exists(
                "slug",
                &format!("{slug} is already used by another product"),
            ),
            Error::Internal(error) => bazaar_platform::grpc::internal(&error),
        }
    }
}
