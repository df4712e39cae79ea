//! Money as integer minor units of an ISO 4217 currency. Never a float.

use std::fmt;

/// An ISO 4217 currency code: three upper-case ASCII letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency([u8; 3]);

/// Why a currency code or an amount did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The currency is not three letters.
    #[error("currency must be a three-letter ISO 4217 code")]
    InvalidCurrency,
    /// The amount is not a decimal number with at most two decimals.
    #[error("amount must be a number with at most two decimals, like 19.99")]
    InvalidAmount,
    /// The amount is below zero.
    #[error("amount must not be negative")]
    Negative,
    /// The amount does not fit.
    #[error("amount is too large")]
    TooLarge,
    /// Two amounts of different currencies were combined.
    #[error("cannot combine {0} and {1}")]
    CurrencyMismatch(Currency, Currency),
}

impl Currency {
    /// The shop's currency.
    pub const USD: Self = Self(*b"USD");

    /// Parses a code such as `usd` or `EUR`.
    ///
    /// # Errors
    /// [`MoneyError::InvalidCurrency`] unless the input is three ASCII letters.
    pub fn parse(code: &str) -> Result<Self, MoneyError> {
        let bytes = code.trim().as_bytes();
        match bytes {
            [a, b, c] if bytes.iter().all(u8::is_ascii_alphabetic) => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase(), c.to_ascii_uppercase()]))
            }
            _ => Err(MoneyError::InvalidCurrency),
        }
    }

    /// Returns the code, e.g. `"USD"`.
    pub fn as_str(&self) -> &str {
        // The constructor only ever stores ASCII letters.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Returns the symbol used when formatting, or `None` to show the code.
    fn symbol(self) -> Option<&'static str> {
        match &self.0 {
            b"USD" => Some("$"),
            b"EUR" => Some("€"),
            b"GBP" => Some("£"),
            _ => None,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money: integer minor units (cents) and a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

impl Money {
    /// Builds an amount from minor units.
    pub const fn new(amount_minor: i64, currency: Currency) -> Self {
        Self { amount_minor, currency }
    }

    /// Builds an amount from minor units, refusing negative ones (prices, totals).
    ///
    /// # Errors
    /// [`MoneyError::Negative`] when `amount_minor < 0`.
    pub fn non_negative(amount_minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if amount_minor < 0 {
            Err(MoneyError::Negative)
        } else {
            Ok(Self::new(amount_minor, currency))
        }
    }

    /// Zero in a currency.
    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// Parses a decimal amount such as `19.99` or `20` into minor units.
    ///
    /// # Errors
    /// [`MoneyError::InvalidAmount`] for anything but digits with at most two decimals,
    /// [`MoneyError::Negative`] for a leading minus, [`MoneyError::TooLarge`] on overflow.
    pub fn parse_decimal(input: &str, currency: Currency) -> Result<Self, MoneyError> {
        let input = input.trim();
        if input.starts_with('-') {
            return Err(MoneyError::Negative);
        }
        let (whole, fraction) = match input.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (input, None),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || fraction.is_some_and(|f| !digits(f) || f.len() > 2) {
            return Err(MoneyError::InvalidAmount);
        }
        let whole: i64 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
        let cents: i64 = format!("{:0<2}", fraction.unwrap_or(""))
            .parse()
            .map_err(|_| MoneyError::InvalidAmount)?;
        let amount = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .ok_or(MoneyError::TooLarge)?;
        Ok(Self::new(amount, currency))
    }

    /// Returns the amount in minor units.
    pub const fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    /// Returns the currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Adds two amounts of the same currency.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::TooLarge`].
    pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch(self.currency, other.currency));
        }
        let amount =
            self.amount_minor.checked_add(other.amount_minor).ok_or(MoneyError::TooLarge)?;
        Ok(Self::new(amount, self.currency))
    }

    /// Multiplies by a quantity.
    ///
    /// # Errors
    /// [`MoneyError::TooLarge`] on overflow.
    pub fn checked_mul(self, quantity: i64) -> Result<Self, MoneyError> {
        let amount = self.amount_minor.checked_mul(quantity).ok_or(MoneyError::TooLarge)?;
        Ok(Self::new(amount, self.currency))
    }

    /// Formats the amount as a plain decimal without symbol, e.g. `19.99`.
    pub fn to_decimal_string(&self) -> String {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    /// Formats with the currency symbol and thousands separators, e.g. `$1,299.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.amount_minor.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (index, digit) in whole.chars().enumerate() {
            if index > 0 && (whole.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(digit);
        }
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        match self.currency.symbol() {
            Some(symbol) => write!(f, "{sign}{symbol}{grouped}.{:02}", abs % 100),
            None => write!(f, "{sign}{grouped}.{:02} {}", abs % 100, self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_amounts_into_minor_units() {
        assert_eq!(Money::parse_decimal("19.99", Currency::USD).unwrap().amount_minor(), 1999);
        assert_eq!(Money::parse_decimal("20", Currency::USD).unwrap().amount_minor(), 2000);
        assert_eq!(Money::parse_decimal("0.5", Currency::USD).unwrap().amount_minor(), 50);
    }

    #[test]
    fn rejects_malformed_and_negative_amounts() {
        for bad in ["", "abc", "1.234", "1.", ".5", "1,00", "1e3"] {
            assert_eq!(
                Money::parse_decimal(bad, Currency::USD),
                Err(MoneyError::InvalidAmount),
                "{bad}"
            );
        }
        assert_eq!(Money::parse_decimal("-1", Currency::USD), Err(MoneyError::Negative));
        assert_eq!(
            Money::parse_decimal("99999999999999999999", Currency::USD),
            Err(MoneyError::TooLarge)
        );
        assert_eq!(Money::non_negative(-1, Currency::USD), Err(MoneyError::Negative));
    }

    #[test]
    fn formats_with_symbol_and_grouping() {
        assert_eq!(Money::new(129_900, Currency::USD).to_string(), "$1,299.00");
        assert_eq!(Money::new(5, Currency::USD).to_string(), "$0.05");
        assert_eq!(Money::new(-250, Currency::USD).to_string(), "-$2.50");
        assert_eq!(Money::new(100, Currency::parse("chf").unwrap()).to_string(), "1.00 CHF");
        assert_eq!(Money::new(123_456_789, Currency::USD).to_decimal_string(), "1234567.89");
    }

    #[test]
    fn arithmetic_checks_currency_and_overflow() {
        let usd = Money::new(100, Currency::USD);
        let eur = Money::new(100, Currency::parse("EUR").unwrap());
        assert_eq!(usd.checked_add(usd).unwrap().amount_minor(), 200);
        assert!(matches!(usd.checked_add(eur), Err(MoneyError::CurrencyMismatch(..))));
        assert_eq!(Money::new(i64::MAX, Currency::USD).checked_mul(2), Err(MoneyError::TooLarge));
        assert_eq!(usd.checked_mul(3).unwrap().amount_minor(), 300);
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!(Currency::parse("usd").unwrap(), Currency::USD);
        assert!(Currency::parse("US").is_err());
        assert!(Currency::parse("U5D").is_err());
    }
}
