//! Inventory's domain: reservation lines and states. No I/O.

use std::collections::BTreeMap;

use bazaar_types::{FieldErrors, ProductId};

/// Where a reservation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReservationState {
    /// Stock is set aside.
    Held,
    /// The stock was sold.
    Committed,
    /// The stock was given back (also after a commit, when an order is cancelled).
    Released,
    /// The hold ran out and the stock was given back.
    Expired,
    /// There was not enough stock; nothing was held.
    Rejected,
}

impl ReservationState {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Committed => "committed",
            Self::Released => "released",
            Self::Expired => "expired",
            Self::Rejected => "rejected",
        }
    }

    /// Reads a stored name.
    ///
    /// # Errors
    /// When the name is unknown (a corrupt row).
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "held" => Self::Held,
            "committed" => Self::Committed,
            "released" => Self::Released,
            "expired" => Self::Expired,
            "rejected" => Self::Rejected,
            other => anyhow::bail!("unknown reservation state {other}"),
        })
    }
}

/// A quantity of one product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Product.
    pub product_id: ProductId,
    /// Units, at least 1.
    pub quantity: i64,
}

/// Most lines one reservation may hold.
pub const MAX_LINES: usize = 100;
/// Most units of one product one reservation may hold.
pub const MAX_QUANTITY: i64 = 1_000_000;

/// Checks requested lines: at least one, at most [`MAX_LINES`] products, quantities from 1 to
/// [`MAX_QUANTITY`]. Lines of the same product are merged; the result is sorted by product id
/// (so concurrent reservations lock rows in the same order).
///
/// # Errors
/// [`FieldErrors`] naming each bad line.
pub fn parse_lines(lines: &[(String, i64)]) -> Result<Vec<Line>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if lines.is_empty() {
        errors.push("lines", "must hold at least one line");
    }
    let mut merged: BTreeMap<ProductId, i64> = BTreeMap::new();
    for (index, (product_id, quantity)) in lines.iter().enumerate() {
        let product_id =
            errors.check(&format!("lines[{index}].product_id"), ProductId::parse(product_id));
        if !(1..=MAX_QUANTITY).contains(quantity) {
            errors.push(
                format!("lines[{index}].quantity"),
                format!("must be from 1 to {MAX_QUANTITY}"),
            );
        }
        if let Some(product_id) = product_id {
            let total = merged.entry(product_id).or_insert(0);
            *total = total.saturating_add(*quantity);
        }
    }
    if merged.len() > MAX_LINES {
        errors.push("lines", format!("must hold at most {MAX_LINES} products"));
    }
    if merged.values().any(|quantity| *quantity > MAX_QUANTITY) {
        errors.push("lines", format!("must ask at most {MAX_QUANTITY} units of a product"));
    }
    errors.into_result(|| {
        merged.into_iter().map(|(product_id, quantity)| Line { product_id, quantity }).collect()
    })
}

/// A reservation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// Id (the order id).
    pub id: String,
    /// State.
    pub state: ReservationState,
    /// What it holds (or held, or asked for).
    pub lines: Vec<Line>,
    /// When a hold runs out, epoch milliseconds.
    pub expires_at_ms: i64,
    /// For a rejected reservation, the products that lacked stock.
    pub short: Vec<ProductId>,
}

/// The stock of one product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Level {
    /// Units in the warehouse.
    pub on_hand: i64,
    /// Units held by reservations.
    pub reserved: i64,
}

impl Level {
    /// Units a shopper can buy now.
    pub fn available(self) -> i64 {
        (self.on_hand - self.reserved).max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_sorts_lines() {
        let a = ProductId::generate();
        let b = ProductId::generate();
        let lines =
            parse_lines(&[(b.to_string(), 1), (a.to_string(), 2), (b.to_string(), 3)]).unwrap();
        assert_eq!(
            lines,
            vec![Line { product_id: a, quantity: 2 }, Line { product_id: b, quantity: 4 }]
        );
    }

    #[test]
    fn rejects_empty_bad_and_huge_lines() {
        assert!(parse_lines(&[]).is_err());
        let errors = parse_lines(&[("nope".into(), 0)]).unwrap_err();
        assert!(errors.message_for("lines[0].product_id").is_some());
        assert!(errors.message_for("lines[0].quantity").is_some());
        let id = ProductId::generate().to_string();
        assert!(parse_lines(&[(id.clone(), MAX_QUANTITY), (id, 1)]).is_err());
    }

    #[test]
    fn availability_never_goes_negative() {
        assert_eq!(Level { on_hand: 5, reserved: 2 }.available(), 3);
        assert_eq!(Level { on_hand: 0, reserved: 0 }.available(), 0);
    }

    #[test]
    fn states_round_trip() {
        for state in [
            ReservationState::Held,
            ReservationState::Committed,
            ReservationState::Released,
            ReservationState::Expired,
            ReservationState::Rejected,
        ] {
            assert_eq!(ReservationState::parse(state.as_str()).unwrap(), state);
        }
    }
}
