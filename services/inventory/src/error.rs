//! Errors of the inventory service and their gRPC statuses.

use bazaar_types::FieldErrors;
use tonic::Status;

/// Everything that can go wrong while serving an inventory call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// No reservation has that id.
    #[error("reservation not found")]
    ReservationNotFound,
    /// The reservation is not in a state that allows the change (e.g. committing an expired one).
    #[error("reservation is {0}")]
    WrongState(&'static str),
    /// Stock on hand cannot go below what is reserved.
    #[error("cannot set stock on hand below the {0} units reserved")]
    BelowReserved(i64),
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
            Error::ReservationNotFound => Self::not_found(error.to_string()),
            Error::WrongState(_) | Error::BelowReserved(_) => {
                Self::failed_precondition(error.to_string())
            }
            Error::Internal(error) => bazaar_platform::grpc::internal(&error),
        }
    }
}
