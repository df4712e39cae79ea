//! The cart's domain: owners, lines and limits. No I/O.

use bazaar_types::{ProductId, Quantity, UserId};

/// Most different products one cart may hold.
pub const MAX_LINES: usize = 100;

/// Whose cart it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A signed-in user (verified from their token).
    User(UserId),
    /// An anonymous visitor, by the unguessable id in their cookie.
    Anonymous(uuid_like::AnonymousId),
}

impl Owner {
    /// Returns the key stored with each line.
    pub fn key(&self) -> String {
        match self {
            Self::User(id) => format!("user:{id}"),
            Self::Anonymous(id) => format!("anon:{}", id.as_str()),
        }
    }
}

/// Anonymous cart ids.
pub mod uuid_like {
    /// An anonymous cart id: a UUID, normalised to lower case.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AnonymousId(String);

    impl AnonymousId {
        /// Parses an id.
        ///
        /// # Errors
        /// When it is not a UUID.
        pub fn parse(text: &str) -> Result<Self, bazaar_types::id::InvalidId> {
            bazaar_types::SessionId::parse(text).map(|id| Self(id.into_string()))
        }

        /// Returns the id.
        pub fn as_str(&self) -> &str {
            &self.0
        }
    }
}

/// A line of a cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Product.
    pub product_id: ProductId,
    /// Units, 1 to 99.
    pub quantity: i64,
}

/// Adds two quantities of the same product, capped at the per-line maximum (used when merging).
pub fn capped_sum(first: i64, second: i64) -> i64 {
    first.saturating_add(second).min(Quantity::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_have_distinct_keys() {
        let user = UserId::generate();
        assert_eq!(Owner::User(user.clone()).key(), format!("user:{user}"));
        let anonymous =
            uuid_like::AnonymousId::parse("0190A5C4-0E2B-7C3D-8E4F-5A6B7C8D9E0F").unwrap();
        assert_eq!(Owner::Anonymous(anonymous).key(), "anon:0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f");
        assert!(uuid_like::AnonymousId::parse("guess").is_err());
    }

    #[test]
    fn merged_quantities_stay_within_a_line() {
        assert_eq!(capped_sum(2, 3), 5);
        assert_eq!(capped_sum(60, 60), 99);
    }
}
