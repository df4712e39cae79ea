//! Errors of the payment service and their gRPC statuses.

use bazaar_types::FieldErrors;
use tonic::Status;

/// Everything that can go wrong while serving a payment call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid (including a card that fails its checks).
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// No payment method has that id.
    #[error("payment method not found")]
    MethodNotFound,
    /// No payment has that id or key.
    #[error("payment not found")]
    PaymentNotFound,
    /// Only a captured payment can be refunded.
    #[error("payment is {0}; only a captured payment can be refunded")]
    NotRefundable(String),
    /// The card network failed for now; the same call may succeed later.
    #[error("card processor error; retry the charge")]
    ProcessingError,
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
            Error::MethodNotFound | Error::PaymentNotFound => Self::not_found(error.to_string()),
            Error::NotRefundable(_) => Self::failed_precondition(error.to_string()),
            Error::ProcessingError => Self::unavailable(error.to_string()),
            Error::Internal(error) => bazaar_platform::grpc::internal(&error),
        }
    }
}
