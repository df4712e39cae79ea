//! Domain types shared by Bazaar services: money, ids, e-mail addresses, slugs, countries,
//! addresses, quantities, stock status and pagination bounds.
//!
//! Every type is parsed, not validated: a value of one of these types is known to be well formed.
//! Nothing here does I/O, and nothing here knows about protobuf or JSON.
//!
//! # Layout
//! - [`validation`]: field errors collected while parsing input;
//! - [`money`]: [`Money`] in integer minor units and [`Currency`];
//! - [`id`]: UUIDv7 id newtypes ([`ProductId`], [`UserId`], [`OrderId`], ...);
//! - [`email`], [`slug`], [`country`], [`address`], [`password`]: parsed user input;
//! - [`quantity`], [`stock`]: cart quantities and the stock badge;
//! - [`page`]: pagination bounds.

pub mod address;
pub mod country;
pub mod email;
pub mod id;
pub mod money;
pub mod page;
pub mod password;
pub mod quantity;
pub mod slug;
pub mod stock;
pub mod validation;

pub use address::Address;
pub use country::Country;
pub use email::Email;
pub use id::{AddressId, MessageId, OrderId, PaymentId, ProductId, SessionId, ShipmentId, UserId};
pub use money::{Currency, Money};
pub use page::{Page, PageInfo};
pub use password::Password;
pub use quantity::Quantity;
pub use slug::Slug;
pub use stock::StockStatus;
pub use validation::{FieldError, FieldErrors};

/// Returns the current time as milliseconds since the Unix epoch, the timestamp format of every store.
pub fn now_ms() -> i64 {
    let elapsed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}
