//! Field errors collected while parsing user input, so a form can show each one beside its field.

use std::fmt;

/// One invalid field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Name of the field as the caller spelt it, e.g. `email` or `address.country`.
    pub field: String,
    /// What is wrong, in lowercase words a person understands.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every invalid field of one input. Empty means valid.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// Starts an empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a collection holding one error.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// Records an error.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Runs a parser and records its error under `field`, returning the value when it parsed.
    pub fn check<T, E: fmt::Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(field, error.to_string());
                None
            }
        }
    }

    /// Adds every error of `other`, with `prefix.` before each field name.
    pub fn extend_prefixed(&mut self, prefix: &str, other: Self) {
        for error in other.0 {
            self.0.push(FieldError::new(format!("{prefix}.{}", error.field), error.message));
        }
    }

    /// Tells whether no error was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns the errors in the order they were recorded.
    pub fn errors(&self) -> &[FieldError] {
        &self.0
    }

    /// Returns the first message recorded for `field`.
    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|error| error.field == field).map(|error| error.message.as_str())
    }

    /// Returns `Ok(value)` when nothing was recorded, else the errors.
    ///
    /// # Errors
    /// Returns `self` when at least one error was recorded.
    pub fn into_result<T>(self, value: impl FnOnce() -> T) -> Result<T, Self> {
        if self.is_empty() { Ok(value()) } else { Err(self) }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl FromIterator<FieldError> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = FieldError>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_every_error_with_its_field() {
        let mut errors = FieldErrors::new();
        errors.push("email", "is not an e-mail address");
        errors.push("name", "must not be empty");
        assert_eq!(errors.to_string(), "email: is not an e-mail address; name: must not be empty");
        assert_eq!(errors.message_for("name"), Some("must not be empty"));
    }

    #[test]
    fn prefixes_nested_fields() {
        let mut errors = FieldErrors::new();
        errors.extend_prefixed("address", FieldErrors::single("city", "must not be empty"));
        assert_eq!(errors.errors()[0].field, "address.city");
    }
}
