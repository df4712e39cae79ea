//! URL slugs: lower-case ASCII words joined by hyphens.

use std::fmt;

/// A slug such as `walnut-desk-lamp`: 1 to 80 characters of `a-z`, `0-9` and single inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

/// Why a slug did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// Nothing was given.
    #[error("must not be empty")]
    Empty,
    /// More than 80 characters.
    #[error("must be at most 80 characters")]
    TooLong,
    /// Other characters, or hyphens at the ends or doubled.
    #[error("must contain only lower-case letters, digits and single hyphens between words")]
    Malformed,
}

impl Slug {
    /// Maximum length in characters.
    pub const MAX_LEN: usize = 80;

    /// Parses a slug exactly as given (no trimming or case folding: slugs appear in URLs).
    ///
    /// # Errors
    /// [`SlugError`] says what is wrong.
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        if input.is_empty() {
            return Err(SlugError::Empty);
        }
        if input.len() > Self::MAX_LEN {
            return Err(SlugError::TooLong);
        }
        let well_formed =
            input.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !input.starts_with('-')
                && !input.ends_with('-')
                && !input.contains("--");
        if well_formed { Ok(Self(input.to_owned())) } else { Err(SlugError::Malformed) }
    }

    /// Derives a slug from a name: `"Oak Chair (2-pack)"` becomes `oak-chair-2-pack`.
    ///
    /// # Errors
    /// [`SlugError::Empty`] when the name has no letter or digit.
    pub fn from_name(name: &str) -> Result<Self, SlugError> {
        let mut slug = String::with_capacity(name.len());
        for c in name.chars() {
            if c.is_ascii_alphanumeric() {
                slug.push(c.to_ascii_lowercase());
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
            if slug.len() >= Self::MAX_LEN {
                break;
            }
        }
        let trimmed = slug.trim_end_matches('-');
        Self::parse(trimmed)
    }

    /// Returns the slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_well_formed_slugs() {
        assert_eq!(Slug::parse("walnut-desk-lamp").unwrap().as_str(), "walnut-desk-lamp");
        assert!(Slug::parse("a1").is_ok());
    }

    #[test]
    fn rejects_malformed_slugs() {
        for bad in ["Walnut", "-a", "a-", "a--b", "a b", "ä", "a_b"] {
            assert_eq!(Slug::parse(bad), Err(SlugError::Malformed), "{bad}");
        }
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse(&"a".repeat(81)), Err(SlugError::TooLong));
    }

    #[test]
    fn derives_slugs_from_names() {
        assert_eq!(Slug::from_name("Oak Chair (2-pack)").unwrap().as_str(), "oak-chair-2-pack");
        assert_eq!(Slug::from_name("  Café  Crème ").unwrap().as_str(), "caf-cr-me");
        assert_eq!(Slug::from_name("!!!"), Err(SlugError::Empty));
        assert!(Slug::from_name(&"word ".repeat(40)).unwrap().as_str().len() <= Slug::MAX_LEN);
    }
}
