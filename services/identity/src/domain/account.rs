//! Accounts.

use bazaar_platform::auth::Role;
use bazaar_types::{Email, FieldErrors, Password, UserId};

/// A stored account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Id.
    pub id: UserId,
    /// E-mail address (lower case), unique.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Creation time, epoch milliseconds.
    pub created_at_ms: i64,
}

/// A sign-up request whose every field was checked.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// E-mail address.
    pub email: Email,
    /// Password meeting the policy.
    pub password: Password,
    /// Display name.
    pub name: String,
}

impl NewAccount {
    /// Checks a sign-up request.
    ///
    /// # Errors
    /// [`FieldErrors`] naming each invalid field.
    pub fn parse(email: &str, password: &str, name: &str) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(email));
        let password = errors.check("password", Password::parse(password));
        let name = errors.check("name", parse_name(name));
        match (email, password, name) {
            (Some(email), Some(password), Some(name)) => Ok(Self { email, password, name }),
            _ => Err(errors),
        }
    }
}

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Blank.
    #[error("must not be empty")]
    Empty,
    /// Over 100 characters.
    #[error("must be at most 100 characters")]
    TooLong,
}

/// Checks a display name: 1 to 100 characters after trimming.
///
/// # Errors
/// [`NameError`].
pub fn parse_name(name: &str) -> Result<String, NameError> {
    let name = name.trim();
    if name.is_empty() {
        Err(NameError::Empty)
    } else if name.chars().count() > 100 {
        Err(NameError::TooLong)
    } else {
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_bad_sign_up_field() {
        let errors = NewAccount::parse("not-an-email", "short", " ").unwrap_err();
        assert!(errors.message_for("email").is_some());
        assert_eq!(errors.message_for("password"), Some("must be at least 10 characters"));
        assert_eq!(errors.message_for("name"), Some("must not be empty"));
    }

    #[test]
    fn accepts_a_good_sign_up() {
        let account = NewAccount::parse("Ada@Example.com", "correct horse", " Ada ").unwrap();
        assert_eq!(account.email.as_str(), "ada@example.com");
        assert_eq!(account.name, "Ada");
    }
}
