//! The words of each message. Plain text, friendly, and never more than the customer needs.

use std::fmt::Write as _;

use bazaar_contracts::{
    common,
    events::{OrderCancelled, OrderConfirmed, PaymentRefunded, ShipmentDispatched, UserRegistered},
};
use bazaar_types::{Currency, Money};

/// A message ready to store or send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Recipient's e-mail address.
    pub recipient: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// What caused it, e.g. `order_confirmed`.
    pub kind: &'static str,
}

fn money(money: Option<&common::Money>) -> String {
    money
        .and_then(|money| Money::try_from(money).ok())
        .unwrap_or_else(|| Money::zero(Currency::USD))
        .to_string()
}

/// The short form of an order id shown to customers.
pub fn order_number(order_id: &str) -> String {
    order_id
        .chars()
        .filter(char::is_ascii_hexdigit)
        .rev()
        .take(8)
        .collect::<String>()
        .chars()
        .rev()
        .collect::<String>()
        .to_uppercase()
}

fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("there")
}

/// Welcomes a new customer.
pub fn welcome(event: &UserRegistered) -> Draft {
    Draft {
        recipient: event.email.clone(),
        subject: "Welcome to Bazaar".to_owned(),
        body: format!(
            "Hi {},\n\nThanks for creating your Bazaar account. You can now save addresses, keep your cart on every \
             device and follow your orders.\n\nHappy shopping,\nBazaar\n",
            first_name(&event.name)
        ),
        kind: "user_registered",
    }
}

/// Confirms an order, with its lines, totals, address and tracking number.
pub fn order_confirmed(event: &OrderConfirmed) -> Draft {
    let mut body = format!(
        "Hi {},\n\nThank you for your order {}. It is confirmed and we are packing it now.\n\n",
        first_name(&event.customer_name),
        order_number(&event.order_id)
    );
    for line in &event.lines {
        let _ = writeln!(
            body,
            "  {} × {:<40} {}",
            line.quantity,
            line.name,
            money(line.line_total.as_ref())
        );
    }
    let _ = write!(
        body,
        "\n  Items:    {}\n  Shipping: {} ({})\n  Total:    {}\n",
        money(event.items_total.as_ref()),
        money(event.shipping_total.as_ref()),
        event.shipping_option,
        money(event.total.as_ref())
    );
    if let Some(address) = &event.address {
        let _ = write!(body, "\nShipping to:\n  {}\n  {}\n", address.name, address.line1);
        if !address.line2.is_empty() {
            let _ = writeln!(body, "  {}", address.line2);
        }
        let _ = writeln!(body, "  {} {}\n  {}", address.postal_code, address.city, address.country);
    }
    if !event.tracking_number.is_empty() {
        let _ = write!(body, "\nTracking number: {}\n", event.tracking_number);
    }
    body.push_str("\nWe will write again when it ships.\n\nBazaar\n");
    Draft {
        recipient: event.email.clone(),
        subject: format!("Your Bazaar order {} is confirmed", order_number(&event.order_id)),
        body,
        kind: "order_confirmed",
    }
}

/// Tells a customer their order was cancelled.
pub fn order_cancelled(event: &OrderCancelled) -> Draft {
    let refund = if event.refunded {
        format!(
            "The full amount of {} is on its way back to your card.",
            money(event.total.as_ref())
        )
    } else {
        "You were not charged.".to_owned()
    };
    Draft {
        recipient: event.email.clone(),
        subject: format!("Your Bazaar order {} was cancelled", order_number(&event.order_id)),
        body: format!(
            "Hi {},\n\nYour order {} was cancelled. {}\n\n{}\n\nBazaar\n",
            first_name(&event.customer_name),
            order_number(&event.order_id),
            event.reason,
            refund
        ),
        kind: "order_cancelled",
    }
}

/// Tells a customer their parcel left the warehouse.
pub fn shipment_dispatched(event: &ShipmentDispatched) -> Draft {
    Draft {
        recipient: event.recipient_email.clone(),
        subject: format!("Your Bazaar order {} is on its way", order_number(&event.order_id)),
        body: format!(
            "Hi {},\n\nGood news: your order {} left our warehouse by {} shipping.\n\nTracking number: {}\n\nBazaar\n",
            first_name(&event.recipient_name),
            order_number(&event.order_id),
            event.option,
            event.tracking_number
        ),
        kind: "shipment_dispatched",
    }
}

/// Confirms a refund.
pub fn payment_refunded(event: &PaymentRefunded) -> Draft {
    Draft {
        recipient: event.receipt_email.clone(),
        subject: format!(
            "Refund of {} for order {}",
            money(event.amount.as_ref()),
            order_number(&event.order_id)
        ),
        body: format!(
            "Hello,\n\nWe refunded {} to your {} card ending in {}. Depending on your bank it appears within 5 to 10 \
             days.\n\nBazaar\n",
            money(event.amount.as_ref()),
            event.brand,
            event.last4
        ),
        kind: "payment_refunded",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(cents: i64) -> Option<common::Money> {
        Some(common::Money { amount_minor: cents, currency: "USD".into() })
    }

    #[test]
    fn order_numbers_are_short_and_stable() {
        assert_eq!(order_number("0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f"), "7C8D9E0F");
    }

    #[test]
    fn confirmations_list_lines_totals_and_tracking() {
        let event = OrderConfirmed {
            order_id: "0190a5c4-0e2b-7c3d-8e4f-5a6b7c8d9e0f".into(),
            email: "ada@example.com".into(),
            customer_name: "Ada Lovelace".into(),
            lines: vec![bazaar_contracts::events::OrderLine {
                name: "Kite".into(),
                quantity: 2,
                line_total: usd(6_800),
                ..Default::default()
            }],
            items_total: usd(6_800),
            shipping_total: usd(500),
            total: usd(7_300),
            shipping_option: "standard".into(),
            tracking_number: "BZ123".into(),
            ..Default::default()
        };
        let draft = order_confirmed(&event);
        assert_eq!(draft.recipient, "ada@example.com");
        assert!(draft.subject.contains("7C8D9E0F"));
        for expected in ["Hi Ada", "2 × Kite", "$68.00", "Total:    $73.00", "BZ123"] {
            assert!(draft.body.contains(expected), "{expected} in\n{}", draft.body);
        }
    }

    #[test]
    fn cancellations_say_whether_money_went_back() {
        let event = OrderCancelled {
            order_id: "x".into(),
            reason: "Cancelled at your request.".into(),
            total: usd(1_000),
            refunded: true,
            ..Default::default()
        };
        assert!(order_cancelled(&event).body.contains("$10.00 is on its way back"));
        assert!(
            order_cancelled(&OrderCancelled { refunded: false, ..event })
                .body
                .contains("not charged")
        );
    }
}
