//! Errors of the identity service and their gRPC statuses.

use bazaar_types::FieldErrors;
use tonic::Status;

/// Everything that can go wrong while serving an identity call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid; every bad field is listed.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// The e-mail address already has an account.
    #[error("e-mail address already registered")]
    EmailTaken,
    /// Wrong e-mail address or password (deliberately not saying which).
    #[error("invalid e-mail address or password")]
    BadCredentials,
    /// Too many failed sign-ins; retry after some seconds.
    #[error("too many failed sign-in attempts; try again in {0} seconds")]
    Throttled(i64),
    /// The session was signed out or expired.
    #[error("session ended; please sign in again")]
    SessionEnded,
    /// The address does not exist or is not the caller's.
    #[error("address not found")]
    AddressNotFound,
    /// The user has as many addresses as allowed.
    #[error("at most {0} addresses can be saved")]
    TooManyAddresses(usize),
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
            Error::EmailTaken => {
                bazaar_platform::grpc::already_exists("email", "is already registered")
            }
            Error::BadCredentials | Error::SessionEnded => Self::unauthenticated(error.to_string()),
            Error::Throttled(_) => Self::resource_exhausted(error.to_string()),
            Error::AddressNotFound => Self::not_found(error.to_string()),
            Error::TooManyAddresses(_) => Self::failed_precondition(error.to_string()),
            Error::Internal(error) => bazaar_platform::grpc::internal(&error),
        }
    }
}
