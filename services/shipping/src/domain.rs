//! Zones, rates, delivery times and tracking numbers. No I/O.

use bazaar_types::{Country, Currency, Money};

/// How fast a parcel travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShippingOption {
    /// The cheaper, slower option.
    Standard,
    /// The faster option.
    Express,
}

impl ShippingOption {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::Express => "express",
        }
    }

    /// Reads a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "standard" => Some(Self::Standard),
            "express" => Some(Self::Express),
            _ => None,
        }
    }
}

/// Where a parcel goes, for pricing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// Within the United States.
    Domestic,
    /// Canada and Mexico.
    NorthAmerica,
    /// Europe.
    Europe,
    /// Anywhere else.
    World,
}

const EUROPE: &[&str] = &[
    "AD", "AL", "AT", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FO",
    "FR", "GB", "GG", "GI", "GR", "HR", "HU", "IE", "IM", "IS", "IT", "JE", "LI", "LT", "LU", "LV",
    "MC", "MD", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "SM", "UA",
    "VA",
];

impl Zone {
    /// Returns the zone of a country.
    pub fn of(country: Country) -> Self {
        match country.code() {
            "US" | "PR" | "GU" | "VI" | "AS" | "MP" => Self::Domestic,
            "CA" | "MX" => Self::NorthAmerica,
            code if EUROPE.contains(&code) => Self::Europe,
            _ => Self::World,
        }
    }

    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Domestic => "domestic",
            Self::NorthAmerica => "north_america",
            Self::Europe => "europe",
            Self::World => "world",
        }
    }
}

/// A price and delivery window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// Option.
    pub option: ShippingOption,
    /// Zone.
    pub zone: Zone,
    /// Price.
    pub price: Money,
    /// Fewest business days.
    pub min_days: u32,
    /// Most business days.
    pub max_days: u32,
}

/// Standard domestic shipping is free from this order value ($75).
pub const FREE_SHIPPING_FROM_MINOR: i64 = 7_500;

/// Quotes an option for `item_count` items worth `items_total` to `country`.
pub fn quote(
    option: ShippingOption,
    country: Country,
    item_count: i64,
    items_total: Money,
) -> Quote {
    let zone = Zone::of(country);
    // (base, per extra item, cap, min days, max days), in cents.
    let (base, per_item, cap, min_days, max_days): (i64, i64, i64, u32, u32) = match (zone, option)
    {
        (Zone::Domestic, ShippingOption::Standard) => (500, 50, 1_000, 3, 5),
        (Zone::Domestic, ShippingOption::Express) => (1_500, 100, 3_000, 1, 2),
        (Zone::NorthAmerica, ShippingOption::Standard) => (1_200, 100, 2_500, 5, 8),
        (Zone::NorthAmerica, ShippingOption::Express) => (3_000, 200, 6_000, 2, 3),
        (Zone::Europe, ShippingOption::Standard) => (1_800, 150, 3_500, 7, 12),
        (Zone::Europe, ShippingOption::Express) => (4_000, 250, 8_000, 3, 5),
        (Zone::World, ShippingOption::Standard) => (2_500, 200, 5_000, 10, 20),
        (Zone::World, ShippingOption::Express) => (5_500, 300, 11_000, 4, 7),
    };
    let extra = item_count.saturating_sub(1).max(0);
    let mut price = base.saturating_add(per_item.saturating_mul(extra)).min(cap);
    if zone == Zone::Domestic
        && option == ShippingOption::Standard
        && items_total.amount_minor() >= FREE_SHIPPING_FROM_MINOR
    {
        price = 0;
    }
    Quote { option, zone, price: Money::new(price, Currency::USD), min_days, max_days }
}

/// Makes a tracking number from an order id: `BZ` and 12 characters that are stable per order.
pub fn tracking_number(order_id: &str) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut hash = order_id.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    let mut number = String::from("BZ");
    for _ in 0..12 {
        let index = usize::try_from(hash % 34).unwrap_or(0);
        number.push(char::from(ALPHABET[index]));
        hash /= 34;
        if hash == 0 {
            hash = 0x9e37_79b9_7f4a_7c15;
        }
    }
    number
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(code: &str) -> Country {
        Country::parse(code).unwrap()
    }

    fn usd(cents: i64) -> Money {
        Money::new(cents, Currency::USD)
    }

    #[test]
    fn zones_follow_the_destination() {
        assert_eq!(Zone::of(country("US")), Zone::Domestic);
        assert_eq!(Zone::of(country("CA")), Zone::NorthAmerica);
        assert_eq!(Zone::of(country("DE")), Zone::Europe);
        assert_eq!(Zone::of(country("JP")), Zone::World);
    }

    #[test]
    fn prices_grow_with_items_up_to_a_cap() {
        assert_eq!(
            quote(ShippingOption::Standard, country("US"), 1, usd(1_000)).price.amount_minor(),
            500
        );
        assert_eq!(
            quote(ShippingOption::Standard, country("US"), 3, usd(1_000)).price.amount_minor(),
            600
        );
        assert_eq!(
            quote(ShippingOption::Standard, country("US"), 50, usd(1_000)).price.amount_minor(),
            1_000
        );
        assert_eq!(
            quote(ShippingOption::Express, country("DE"), 1, usd(1_000)).price.amount_minor(),
            4_000
        );
    }

    #[test]
    fn standard_domestic_shipping_is_free_from_seventy_five_dollars() {
        assert_eq!(
            quote(ShippingOption::Standard, country("US"), 2, usd(7_500)).price.amount_minor(),
            0
        );
        assert_ne!(
            quote(ShippingOption::Express, country("US"), 2, usd(7_500)).price.amount_minor(),
            0
        );
        assert_ne!(
            quote(ShippingOption::Standard, country("CA"), 2, usd(7_500)).price.amount_minor(),
            0
        );
    }

    #[test]
    fn tracking_numbers_are_stable_per_order() {
        let number = tracking_number("0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f");
        assert_eq!(number, tracking_number("0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f"));
        assert_eq!(number.len(), 14);
        assert!(number.starts_with("BZ"));
        assert_ne!(number, tracking_number("another order"));
    }
}
