//! Postal addresses.

use crate::{Country, FieldErrors};

/// A shipping address whose every field was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Recipient's name.
    pub name: String,
    /// Street and number.
    pub line1: String,
    /// Optional second line (apartment, floor, ...).
    pub line2: Option<String>,
    /// City or town.
    pub city: String,
    /// Postal or ZIP code.
    pub postal_code: String,
    /// Destination country.
    pub country: Country,
}

/// An address as typed, before checking.
#[derive(Debug, Clone, Default)]
pub struct AddressInput<'a> {
    /// Recipient's name.
    pub name: &'a str,
    /// Street and number.
    pub line1: &'a str,
    /// Optional second line; empty when absent.
    pub line2: &'a str,
    /// City or town.
    pub city: &'a str,
    /// Postal or ZIP code.
    pub postal_code: &'a str,
    /// ISO 3166-1 alpha-2 code.
    pub country: &'a str,
}

impl Address {
    /// Checks every field, collecting one error per bad field.
    ///
    /// # Errors
    /// [`FieldErrors`] naming each missing, too long or invalid field.
    pub fn parse(input: &AddressInput<'_>) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = required(&mut errors, "name", input.name, 100);
        let line1 = required(&mut errors, "line1", input.line1, 200);
        let line2 = input.line2.trim();
        if line2.chars().count() > 200 {
            errors.push("line2", "must be at most 200 characters");
        }
        let city = required(&mut errors, "city", input.city, 100);
        let postal_code = required(&mut errors, "postal_code", input.postal_code, 20);
        let country = errors.check("country", Country::parse(input.country));
        match (errors.is_empty(), country) {
            (true, Some(country)) => Ok(Self {
                name,
                line1,
                line2: (!line2.is_empty()).then(|| line2.to_owned()),
                city,
                postal_code,
                country,
            }),
            _ => Err(errors),
        }
    }

    /// Formats the address on one line, e.g. for an order summary.
    pub fn one_line(&self) -> String {
        let mut parts = vec![self.name.as_str(), self.line1.as_str()];
        if let Some(line2) = &self.line2 {
            parts.push(line2);
        }
        parts.push(&self.postal_code);
        parts.push(&self.city);
        parts.push(self.country.code());
        parts.join(", ")
    }
}

fn required(errors: &mut FieldErrors, field: &str, value: &str, max_chars: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        errors.push(field, "must not be empty");
    } else if value.chars().count() > max_chars {
        errors.push(field, format!("must be at most {max_chars} characters"));
    }
    value.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AddressInput<'static> {
        AddressInput {
            name: "Ada Lovelace",
            line1: "12 Analytical Row",
            line2: "",
            city: "London",
            postal_code: "N1 9GU",
            country: "gb",
        }
    }

    #[test]
    fn parses_a_complete_address() {
        let address = Address::parse(&input()).unwrap();
        assert_eq!(address.country.code(), "GB");
        assert_eq!(address.line2, None);
        assert_eq!(address.one_line(), "Ada Lovelace, 12 Analytical Row, N1 9GU, London, GB");
    }

    #[test]
    fn names_every_bad_field() {
        let errors =
            Address::parse(&AddressInput { city: " ", country: "XX", ..input() }).unwrap_err();
        assert_eq!(errors.message_for("city"), Some("must not be empty"));
        assert!(errors.message_for("country").is_some());
        assert_eq!(errors.errors().len(), 2);
    }
}
