//! Errors of the orders service and their gRPC statuses.

use bazaar_types::FieldErrors;
use tonic::Status;

/// Everything that can go wrong while serving an orders call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The order does not exist or is not the caller's.
    #[error("order not found")]
    OrderNotFound,
    /// The order cannot be cancelled in its state.
    #[error("{0}")]
    NotCancellable(String),
    /// A service the checkout needs refused or failed.
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
            Error::OrderNotFound => Self::not_found(error.to_string()),
            Error::NotCancellable(message) => Self::failed_precondition(message),
            Error::Upstream(status) => match status.code() {
                tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => Self::unavailable(
                    "a service the checkout needs is unavailable; please try again",
                ),
                tonic::Code::Unauthenticated => Self::unauthenticated(status.message()),
                _ => {
                    tracing::error!(%status, "upstream call failed");
                    Self::internal("internal error")
                }
            },
            Error::Internal(error) => bazaar_platform::grpc::internal(&error),
        }
    }
}
