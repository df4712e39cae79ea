//! Orders' domain: statuses, saga steps, the order itself, and checks of checkout input. No I/O.

use bazaar_types::{Address, FieldErrors, OrderId, ProductId, UserId};

/// What a customer sees of an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Being placed.
    Pending,
    /// Not enough stock.
    Rejected,
    /// The card was declined or could not be charged.
    PaymentFailed,
    /// Paid and about to ship.
    Confirmed,
    /// On its way.
    Shipped,
    /// Arrived.
    Delivered,
    /// Cancelled (and refunded if it was paid).
    Cancelled,
}

impl Status {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Rejected => "rejected",
            Self::PaymentFailed => "payment_failed",
            Self::Confirmed => "confirmed",
            Self::Shipped => "shipped",
            Self::Delivered => "delivered",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a stored name.
    ///
    /// # Errors
    /// When the name is unknown (a corrupt row).
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "pending" => Self::Pending,
            "rejected" => Self::Rejected,
            "payment_failed" => Self::PaymentFailed,
            "confirmed" => Self::Confirmed,
            "shipped" => Self::Shipped,
            "delivered" => Self::Delivered,
            "cancelled" => Self::Cancelled,
            other => anyhow::bail!("unknown order status {other}"),
        })
    }
}

/// Where the saga is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Stored; stock not yet reserved.
    Created,
    /// Stock reserved; card not yet charged.
    Reserved,
    /// Card charged; reservation not yet committed.
    Charged,
    /// Reservation committed; shipment not yet created.
    Committed,
    /// Shipment created; order not yet confirmed.
    Shipped,
    /// Nothing left to do.
    Done,
    /// A confirmed order is being cancelled: shipment, refund, release.
    Cancelling,
}

impl Step {
    /// Returns the stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Reserved => "reserved",
            Self::Charged => "charged",
            Self::Committed => "committed",
            Self::Shipped => "shipped",
            Self::Done => "done",
            Self::Cancelling => "cancelling",
        }
    }

    /// Reads a stored name.
    ///
    /// # Errors
    /// When the name is unknown (a corrupt row).
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        Ok(match name {
            "created" => Self::Created,
            "reserved" => Self::Reserved,
            "charged" => Self::Charged,
            "committed" => Self::Committed,
            "shipped" => Self::Shipped,
            "done" => Self::Done,
            "cancelling" => Self::Cancelling,
            other => anyhow::bail!("unknown saga step {other}"),
        })
    }

    /// Tells whether the customer's card may have been charged by this step.
    pub fn may_have_charged(self) -> bool {
        !matches!(self, Self::Created)
    }

    /// Tells whether a shipment may have been created by this step (step 5 of the saga runs its
    /// calls before it persists anything).
    pub fn may_have_shipped(self) -> bool {
        matches!(self, Self::Charged | Self::Committed | Self::Shipped)
    }
}

/// A line of an order, priced at checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Product.
    pub product_id: ProductId,
    /// Name at checkout.
    pub name: String,
    /// Slug at checkout.
    pub slug: String,
    /// Units.
    pub quantity: i64,
    /// Unit price in cents.
    pub unit_price: i64,
    /// unit_price × quantity.
    pub line_total: i64,
}

/// An order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// Id, also the reservation id and the payment's idempotency key.
    pub id: OrderId,
    /// Owner.
    pub user_id: UserId,
    /// Owner's e-mail address at checkout.
    pub email: String,
    /// Owner's name at checkout.
    pub customer_name: String,
    /// The client's idempotency key.
    pub idempotency_key: String,
    /// Status.
    pub status: Status,
    /// Saga step.
    pub step: Step,
    /// Why it was rejected, failed or cancelled.
    pub status_reason: String,
    /// Sum of the lines, in cents.
    pub items_total: i64,
    /// Shipping price, in cents.
    pub shipping_total: i64,
    /// items_total + shipping_total.
    pub total: i64,
    /// `standard` or `express`.
    pub shipping_option: String,
    /// Where it goes.
    pub address: Address,
    /// The checked card.
    pub payment_method_id: String,
    /// Card brand.
    pub card_brand: String,
    /// Card last four digits.
    pub card_last4: String,
    /// The captured payment, once charged.
    pub payment_id: String,
    /// The shipment's tracking number, once created.
    pub tracking_number: String,
    /// Lines.
    pub lines: Vec<Line>,
    /// Saga attempts that failed for now.
    pub attempts: i64,
    /// Past this, a pending order is compensated.
    pub deadline_at_ms: i64,
    /// Creation time.
    pub created_at_ms: i64,
    /// Last change.
    pub updated_at_ms: i64,
}

impl Order {
    /// Tells whether the customer may still cancel it.
    pub fn cancellable(&self) -> bool {
        self.status == Status::Confirmed && self.step == Step::Done
    }

    /// Returns the number of units.
    pub fn item_count(&self) -> i64 {
        self.lines.iter().map(|line| line.quantity).sum()
    }
}

/// Checks a client's idempotency key: 1 to 100 characters of letters, digits, `-` and `_`.
///
/// # Errors
/// [`FieldErrors`] on `idempotency_key`.
pub fn idempotency_key(text: &str) -> Result<String, FieldErrors> {
    let text = text.trim();
    if text.is_empty()
        || text.len() > 100
        || !text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(FieldErrors::single(
            "idempotency_key",
            "must be 1 to 100 letters, digits, dashes or underscores (a UUID works well)",
        ));
    }
    Ok(text.to_owned())
}

/// Says, in the customer's words, why a reservation was refused.
pub fn out_of_stock_reason(names: &[String]) -> String {
    match names {
        [] => "Some items are no longer in stock.".to_owned(),
        [one] => format!("Not enough stock of {one}."),
        many => format!("Not enough stock of {}.", many.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip() {
        for status in [
            Status::Pending,
            Status::Rejected,
            Status::PaymentFailed,
            Status::Confirmed,
            Status::Shipped,
            Status::Delivered,
            Status::Cancelled,
        ] {
            assert_eq!(Status::parse(status.as_str()).unwrap(), status);
        }
        for step in [
            Step::Created,
            Step::Reserved,
            Step::Charged,
            Step::Committed,
            Step::Shipped,
            Step::Done,
            Step::Cancelling,
        ] {
            assert_eq!(Step::parse(step.as_str()).unwrap(), step);
        }
    }

    #[test]
    fn idempotency_keys_are_checked() {
        assert_eq!(idempotency_key(" abc-123_X ").unwrap(), "abc-123_X");
        assert!(idempotency_key("").is_err());
        assert!(idempotency_key("has space").is_err());
        assert!(idempotency_key(&"k".repeat(101)).is_err());
    }

    #[test]
    fn out_of_stock_reasons_name_the_products() {
        assert_eq!(out_of_stock_reason(&["Kite".into()]), "Not enough stock of Kite.");
        assert_eq!(
            out_of_stock_reason(&["Kite".into(), "Mug".into()]),
            "Not enough stock of Kite, Mug."
        );
    }
}
