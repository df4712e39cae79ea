//! The stock badge shown on product cards, product pages and cart lines.

use std::fmt;

/// What a shopper is told about availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockStatus {
    /// Comfortably available.
    InStock,
    /// Few units left: the number is shown.
    OnlyLeft(i64),
    /// Nothing available.
    SoldOut,
}

impl StockStatus {
    /// At or below this many available units, the exact number is shown.
    pub const LOW_STOCK_THRESHOLD: i64 = 5;

    /// Classifies an available quantity.
    pub fn from_available(available: i64) -> Self {
        match available {
            ..=0 => Self::SoldOut,
            1..=Self::LOW_STOCK_THRESHOLD => Self::OnlyLeft(available),
            _ => Self::InStock,
        }
    }

    /// Returns a stable machine-readable code: `in_stock`, `low_stock` or `sold_out`.
    pub fn code(self) -> &'static str {
        match self {
            Self::InStock => "in_stock",
            Self::OnlyLeft(_) => "low_stock",
            Self::SoldOut => "sold_out",
        }
    }

    /// Tells whether a shopper can buy it now.
    pub fn is_available(self) -> bool {
        !matches!(self, Self::SoldOut)
    }
}

impl fmt::Display for StockStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InStock => f.write_str("In stock"),
            Self::OnlyLeft(n) => write!(f, "Only {n} left"),
            Self::SoldOut => f.write_str("Sold out"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_available_quantities() {
        assert_eq!(StockStatus::from_available(0), StockStatus::SoldOut);
        assert_eq!(StockStatus::from_available(-3), StockStatus::SoldOut);
        assert_eq!(StockStatus::from_available(2).to_string(), "Only 2 left");
        assert_eq!(StockStatus::from_available(5), StockStatus::OnlyLeft(5));
        assert_eq!(StockStatus::from_available(6), StockStatus::InStock);
        assert_eq!(StockStatus::from_available(6).code(), "in_stock");
    }
}
