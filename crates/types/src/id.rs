//! Id newtypes. Every id is a UUID string (v7 for new ids, so ids sort by creation time).

use std::fmt;

/// Why an id did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a UUID")]
pub struct InvalidId;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Generates a new time-ordered (UUIDv7) id.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7().to_string())
            }

            /// Parses an id, normalising it to lower-case hyphenated form.
            ///
            /// # Errors
            /// [`InvalidId`] unless the input is a UUID.
            pub fn parse(input: &str) -> Result<Self, InvalidId> {
                uuid::Uuid::try_parse(input.trim()).map(|id| Self(id.to_string())).map_err(|_| InvalidId)
            }

            /// Returns the id as a string.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Returns the owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// Identifies a product.
    ProductId
);
id_type!(
    /// Identifies a user account.
    UserId
);
id_type!(
    /// Identifies an order (and its reservation and payment idempotency key).
    OrderId
);
id_type!(
    /// Identifies a payment.
    PaymentId
);
id_type!(
    /// Identifies a shipment.
    ShipmentId
);
id_type!(
    /// Identifies a saved address.
    AddressId
);
id_type!(
    /// Identifies a sign-in session.
    SessionId
);
id_type!(
    /// Identifies an e-mail message.
    MessageId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back_and_sort_by_time() {
        let first = ProductId::generate();
        let second = ProductId::generate();
        assert_eq!(ProductId::parse(first.as_str()).unwrap(), first);
        assert!(first < second);
    }

    #[test]
    fn parsing_normalises_case_and_rejects_garbage() {
        let id = OrderId::parse(" 0190A5C4-0E2B-7C3D-8E4F-5A6B7C8D9E0F ").unwrap();
        assert_eq!(id.as_str(), "0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f");
        assert_eq!(OrderId::parse("42"), Err(InvalidId));
        assert_eq!(OrderId::parse(""), Err(InvalidId));
    }
}
