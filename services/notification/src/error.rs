//! Errors of the notification service and their gRPC statuses.

use bazaar_types::FieldErrors;
use tonic::Status;

/// Everything that can go wrong while serving a notification call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// No message has that id.
    #[error("message not found")]
    NotFound,
    /// Anything unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        Self::Internal(error.into())
    }
}

impl From<Error> for Status {
    fn from(error: Error) -> Self {
        match error {
            Error::Invalid(errors) => bazaar_platform::grpc::invalid_argument(&errors),
            Error::NotFound => Self::not_found(error.to_string()),
            Error::Internal(error) => bazaar_platform::grpc::internal(&error),
        }
    }
}
