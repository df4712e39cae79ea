//! Quantities of one product in a cart or order line.

/// A line quantity between 1 and 99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(i64);

/// Why a quantity was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a whole number from 1 to 99")]
pub struct QuantityError;

impl Quantity {
    /// Largest quantity of one product per line.
    pub const MAX: i64 = 99;

    /// Checks a quantity.
    ///
    /// # Errors
    /// [`QuantityError`] outside 1..=99.
    pub fn parse(value: i64) -> Result<Self, QuantityError> {
        if (1..=Self::MAX).contains(&value) { Ok(Self(value)) } else { Err(QuantityError) }
    }

    /// Parses a quantity typed as text.
    ///
    /// # Errors
    /// [`QuantityError`] for anything but a whole number in 1..=99.
    pub fn parse_str(value: &str) -> Result<Self, QuantityError> {
        value.trim().parse::<i64>().map_err(|_| QuantityError).and_then(Self::parse)
    }

    /// Returns the quantity.
    pub const fn get(self) -> i64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_one_to_ninety_nine() {
        assert_eq!(Quantity::parse(1).unwrap().get(), 1);
        assert_eq!(Quantity::parse(99).unwrap().get(), 99);
        assert_eq!(Quantity::parse_str(" 3 ").unwrap().get(), 3);
    }

    #[test]
    fn rejects_zero_negative_huge_and_text() {
        for bad in [0, -1, 100, i64::MAX, i64::MIN] {
            assert_eq!(Quantity::parse(bad), Err(QuantityError), "{bad}");
        }
        for bad in ["", "two", "1.5", "99999999999999999999"] {
            assert_eq!(Quantity::parse_str(bad), Err(QuantityError), "{bad}");
        }
    }
}
