//! Errors of the cart service and their gRPC statuses.

use bazaar_types::FieldErrors;
use tonic::Status;

/// Everything that can go wrong while serving a cart call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The product does not exist in the catalog.
    #[error("product not found")]
    ProductNotFound,
    /// The product is not in the cart.
    #[error("product is not in the cart")]
    NotInCart,
    /// The cart already holds as many lines as allowed.
    #[error("a cart holds at most {0} different products")]
    TooManyLines(usize),
    /// A service the cart needs answered with an error.
    #[error("upstream: {0}")]
    Upstream(Status),
    /// Anything unexpected.
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
            Error::Invalid(errors) => bazaar_platform::grpc::invalid_argument(&errors),
            Error::ProductNotFound | Error::NotInCart => Self::not_found(error.to_string()),
            Error::TooManyLines(_) => bazaar_platform::grpc::invalid_argument(
                &FieldErrors::single("product_id", error.to_string()),
            ),
            Error::Upstream(status) if status.code() == tonic::Code::Unavailable => status,
            Error::Upstream(status) => {
                tracing::warn!(%status, "upstream call failed");
                Self::unavailable("a service the cart needs failed")
            }
            Error::Internal(error) => bazaar_platform::grpc::internal(&error),
        }
    }
}
