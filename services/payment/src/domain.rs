//! Cards: number checks (Luhn), brands, expiry, CVC, and what the simulated network answers for
//! each test card. Nothing here does I/O, and nothing here keeps a card number.

use bazaar_types::FieldErrors;

/// What the simulated card network answers for a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The charge is captured.
    Approve,
    /// The charge is declined (`card_declined`).
    Decline,
    /// The charge is declined (`insufficient_funds`).
    InsufficientFunds,
    /// The first attempt of each charge fails with a retryable processing error; later ones succeed.
    ProcessingErrorOnce,
}

impl Outcome {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Decline => "decline",
            Self::InsufficientFunds => "insufficient_funds",
            Self::ProcessingErrorOnce => "processing_error_once",
        }
    }

    /// Reads a stored name.
    ///
    /// # Errors
    /// When the name is unknown (a corrupt row).
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "approve" => Self::Approve,
            "decline" => Self::Decline,
            "insufficient_funds" => Self::InsufficientFunds,
            "processing_error_once" => Self::ProcessingErrorOnce,
            other => anyhow::bail!("unknown card outcome {other}"),
        })
    }
}

/// A card that passed every check, reduced to what may be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCard {
    /// `visa`, `mastercard`, `amex`, `discover` or `card`.
    pub brand: &'static str,
    /// Last four digits.
    pub last4: String,
    /// Expiry month, 1 to 12.
    pub exp_month: u32,
    /// Expiry year, four digits.
    pub exp_year: u32,
    /// What the network will answer.
    pub outcome: Outcome,
}

/// A card as typed.
#[derive(Debug, Clone, Copy)]
pub struct CardInput<'a> {
    /// Number, spaces and dashes allowed.
    pub number: &'a str,
    /// Expiry month.
    pub exp_month: u32,
    /// Expiry year, two or four digits.
    pub exp_year: u32,
    /// Security code.
    pub cvc: &'a str,
}

/// Checks a card against today's date (`year`, `month`).
///
/// # Errors
/// [`FieldErrors`] on `card.number`, `card.exp_month`, `card.exp_year` or `card.cvc`.
pub fn check_card(card: &CardInput<'_>, today: (u32, u32)) -> Result<CheckedCard, FieldErrors> {
    let mut errors = FieldErrors::new();
    let digits: String = card.number.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let brand = brand(&digits);
    if digits.is_empty() {
        errors.push("card.number", "is required");
    } else if !digits.bytes().all(|b| b.is_ascii_digit()) || !(12..=19).contains(&digits.len()) {
        errors.push("card.number", "must be 12 to 19 digits");
    } else if !luhn(&digits) {
        errors.push("card.number", "is not a valid card number (check the digits)");
    }
    if !(1..=12).contains(&card.exp_month) {
        errors.push("card.exp_month", "must be a month from 1 to 12");
    }
    let exp_year = if card.exp_year < 100 { card.exp_year + 2000 } else { card.exp_year };
    if !(2000..=2100).contains(&exp_year) {
        errors.push("card.exp_year", "must be a year like 2030");
    } else if (1..=12).contains(&card.exp_month) && (exp_year, card.exp_month) < today {
        errors.push("card.exp_year", "the card has expired");
    }
    let cvc_len = if brand == "amex" { 4 } else { 3 };
    if card.cvc.len() != cvc_len || !card.cvc.bytes().all(|b| b.is_ascii_digit()) {
        errors.push("card.cvc", format!("must be {cvc_len} digits"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let outcome = match digits.as_str() {
        "4000000000000002" => Outcome::Decline,
        "4000000000009995" => Outcome::InsufficientFunds,
        "4000000000000119" => Outcome::ProcessingErrorOnce,
        _ => Outcome::Approve,
    };
    Ok(CheckedCard {
        brand,
        last4: digits[digits.len() - 4..].to_owned(),
        exp_month: card.exp_month,
        exp_year,
        outcome,
    })
}

/// Tells whether a digit string passes the Luhn check.
pub fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(index, byte)| {
            let digit = u32::from(byte - b'0');
            if index % 2 == 1 {
                let doubled = digit * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                digit
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Names the brand of a card number by its prefix.
pub fn brand(digits: &str) -> &'static str {
    let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
    if digits.starts_with('4') {
        "visa"
    } else if (51..=55).contains(&prefix(2)) || (2221..=2720).contains(&prefix(4)) {
        "mastercard"
    } else if matches!(prefix(2), 34 | 37) {
        "amex"
    } else if digits.starts_with("6011") || digits.starts_with("65") {
        "discover"
    } else {
        "card"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: (u32, u32) = (2026, 11);

    fn card(number: &str) -> CardInput<'_> {
        CardInput { number, exp_month: 12, exp_year: 2030, cvc: "123" }
    }

    #[test]
    fn test_cards_have_their_outcomes() {
        let check = |number| check_card(&card(number), TODAY).unwrap().outcome;
        assert_eq!(check("4242 4242 4242 4242"), Outcome::Approve);
        assert_eq!(check("4000 0000 0000 0002"), Outcome::Decline);
        assert_eq!(check("4000-0000-0000-9995"), Outcome::InsufficientFunds);
        assert_eq!(check("4000000000000119"), Outcome::ProcessingErrorOnce);
    }

    #[test]
    fn keeps_brand_and_last_four_only() {
        let checked = check_card(&card("4242424242424242"), TODAY).unwrap();
        assert_eq!((checked.brand, checked.last4.as_str()), ("visa", "4242"));
        assert_eq!(brand("5555555555554444"), "mastercard");
        assert_eq!(brand("378282246310005"), "amex");
        assert_eq!(brand("6011111111111117"), "discover");
    }

    #[test]
    fn rejects_bad_numbers_expiry_and_cvc() {
        let errors = check_card(&card("4242424242424241"), TODAY).unwrap_err();
        assert!(errors.message_for("card.number").unwrap().contains("not a valid"));
        let errors = check_card(
            &CardInput { number: "4242x", exp_month: 13, exp_year: 2030, cvc: "12" },
            TODAY,
        )
        .unwrap_err();
        for field in ["card.number", "card.exp_month", "card.cvc"] {
            assert!(errors.message_for(field).is_some(), "{field}");
        }
        let expired = check_card(
            &CardInput { exp_month: 10, exp_year: 26, ..card("4242424242424242") },
            TODAY,
        )
        .unwrap_err();
        assert_eq!(expired.message_for("card.exp_year"), Some("the card has expired"));
        assert!(
            check_card(
                &CardInput { exp_month: 11, exp_year: 26, ..card("4242424242424242") },
                TODAY
            )
            .is_ok()
        );
        let amex = CardInput { cvc: "123", ..card("378282246310005") };
        assert_eq!(
            check_card(&amex, TODAY).unwrap_err().message_for("card.cvc"),
            Some("must be 4 digits")
        );
    }

    #[test]
    fn luhn_checks_digits() {
        assert!(luhn("79927398713"));
        assert!(!luhn("79927398710"));
    }
}
