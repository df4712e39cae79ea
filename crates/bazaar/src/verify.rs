//! `bazaar verify`: the invariant checker. It reads every order, payment and stock ledger through
//! the services' audit RPCs (as the admin) and checks that the shop is consistent:
//!
//! - every order is settled: none is still pending;
//! - no order was charged twice;
//! - every captured payment belongs to a confirmed, shipped or delivered order, for its total;
//!   every such order has exactly one captured payment; a cancelled or failed order has none
//!   left captured (it was refunded, or never charged);
//! - stock is conserved per product: the sum of every adjustment equals on hand plus committed,
//!   and reserved equals the held reservations;
//! - stock committed per product equals the units of the confirmed, shipped and delivered orders.
//!
//! With `--wait` it checks again until the invariants hold or the time is up (orders in flight
//! settle meanwhile). It exits 0 when every invariant holds and 1 otherwise, listing each
//! violation.

use std::{
    collections::{BTreeMap, HashMap},
    io::Write as _,
    path::PathBuf,
    process::ExitCode,
    time::{Duration, Instant},
};

use anyhow::Context as _;
use bazaar_contracts::{
    common::PageRequest,
    identity::{SignInRequest, identity_service_client::IdentityServiceClient},
    inventory::{AuditStockRequest, StockAudit, inventory_service_client::InventoryServiceClient},
    orders::{AuditOrdersRequest, Order, OrderStatus, orders_service_client::OrdersServiceClient},
    payment::{
        ListPaymentsRequest, Payment, PaymentStatus, payment_service_client::PaymentServiceClient,
    },
};
use bazaar_platform::{
    config::{parse_duration, parse_http_url},
    grpc::{Channel, with_bearer},
};
use clap::Args;

/// Flags of `bazaar verify`.
#[derive(Debug, Clone, Args)]
pub struct VerifyArgs {
    /// Data directory of a running `bazaar up`: service addresses come from
    /// `run/services.json`, the admin's generated password from `admin-password.txt`.
    #[arg(long, env = "BAZAAR_DATA_DIR", default_value = "./var", value_name = "DIR")]
    pub data_dir: PathBuf,

    /// Admin e-mail address. Default: the one in `<data-dir>/admin-password.txt`.
    #[arg(long, env = "BAZAAR_ADMIN_EMAIL", value_name = "EMAIL")]
    pub admin_email: Option<String>,

    /// Admin password. Default: the one in `<data-dir>/admin-password.txt`.
    #[arg(long, env = "BAZAAR_ADMIN_PASSWORD", value_name = "PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Identity service URL (default: from `run/services.json`).
    #[arg(long, env = "BAZAAR_IDENTITY_URL", value_name = "URL", value_parser = parse_http_url)]
    pub identity_url: Option<String>,

    /// Orders service URL (default: from `run/services.json`).
    #[arg(long, env = "BAZAAR_ORDERS_URL", value_name = "URL", value_parser = parse_http_url)]
    pub orders_url: Option<String>,

    /// Payment service URL (default: from `run/services.json`).
    #[arg(long, env = "BAZAAR_PAYMENT_URL", value_name = "URL", value_parser = parse_http_url)]
    pub payment_url: Option<String>,

    /// Inventory service URL (default: from `run/services.json`).
    #[arg(long, env = "BAZAAR_INVENTORY_URL", value_name = "URL", value_parser = parse_http_url)]
    pub inventory_url: Option<String>,

    /// Keep checking until the invariants hold or this much time passed, e.g. `30s`.
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = parse_duration)]
    pub wait: Duration,
}

/// Runs `bazaar verify`: prints the figures and each violation on standard output; exits 0 when
/// every invariant holds, 1 when one does not, 2 when the shop cannot be read.
pub fn main(args: &VerifyArgs) -> ExitCode {
    let outcome = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
        .and_then(|runtime| runtime.block_on(run(args)));
    let mut stdout = std::io::stdout().lock();
    match outcome {
        Ok(report) => {
            let _ = writeln!(stdout, "{}", report.summary());
            for violation in &report.violations {
                let _ = writeln!(stdout, "VIOLATION: {violation}");
            }
            if report.violations.is_empty() {
                let _ = writeln!(stdout, "OK: every invariant holds");
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "bazaar verify: {error:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(args: &VerifyArgs) -> anyhow::Result<Report> {
    let urls = Urls::resolve(args)?;
    let (email, password) = admin_credentials(args)?;
    let timeout = Duration::from_secs(10);
    let mut identity =
        IdentityServiceClient::new(bazaar_platform::grpc::connect(&urls.identity, timeout)?);
    let session = identity
        .sign_in(SignInRequest { email, password, client_address: "127.0.0.1".to_owned() })
        .await
        .context("signing in as the admin")?
        .into_inner()
        .session
        .context("sign-in returned no session")?;
    let clients = Clients {
        token: session.token,
        orders: OrdersServiceClient::new(bazaar_platform::grpc::connect(&urls.orders, timeout)?),
        payment: PaymentServiceClient::new(bazaar_platform::grpc::connect(&urls.payment, timeout)?),
        inventory: InventoryServiceClient::new(bazaar_platform::grpc::connect(
            &urls.inventory,
            timeout,
        )?),
    };
    let deadline = Instant::now() + args.wait;
    loop {
        let report = clients.snapshot().await?.check();
        if report.violations.is_empty() || Instant::now() >= deadline {
            return Ok(report);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

struct Urls {
    identity: String,
    orders: String,
    payment: String,
    inventory: String,
}

impl Urls {
    fn resolve(args: &VerifyArgs) -> anyhow::Result<Self> {
        let ports = crate::up::running_ports(&args.data_dir);
        let url = |given: &Option<String>, service: &str| -> anyhow::Result<String> {
            if let Some(url) = given {
                return Ok(url.clone());
            }
            let ports = ports.as_ref().map_err(|error| anyhow::anyhow!("{error:#}"))?;
            let port = ports
                .get(service)
                .with_context(|| format!("run/services.json lists no {service} service"))?;
            Ok(format!("http://127.0.0.1:{port}"))
        };
        Ok(Self {
            identity: url(&args.identity_url, "identity")?,
            orders: url(&args.orders_url, "orders")?,
            payment: url(&args.payment_url, "payment")?,
            inventory: url(&args.inventory_url, "inventory")?,
        })
    }
}

fn admin_credentials(args: &VerifyArgs) -> anyhow::Result<(String, String)> {
    if let (Some(email), Some(password)) = (&args.admin_email, &args.admin_password) {
        return Ok((email.clone(), password.clone()));
    }
    let path = args.data_dir.join("admin-password.txt");
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!("reading {} (or give --admin-email and --admin-password)", path.display())
    })?;
    let mut lines = text.lines();
    let email = args.admin_email.clone().or_else(|| lines.next().map(str::to_owned));
    let password = args.admin_password.clone().or_else(|| lines.next().map(str::to_owned));
    match (email, password) {
        (Some(email), Some(password)) => Ok((email, password)),
        _ => anyhow::bail!("{} does not hold an e-mail and a password", path.display()),
    }
}

struct Clients {
    token: String,
    orders: OrdersServiceClient<Channel>,
    payment: PaymentServiceClient<Channel>,
    inventory: InventoryServiceClient<Channel>,
}

impl Clients {
    async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        let token = Some(self.token.as_str());
        let mut orders = Vec::new();
        for page in 1.. {
            let request = AuditOrdersRequest { page: Some(PageRequest { page, page_size: 100 }) };
            let response = self
                .orders
                .clone()
                .audit_orders(with_bearer(request, token))
                .await
                .context("listing orders")?
                .into_inner();
            orders.extend(response.orders);
            if page >= response.page.map_or(0, |info| info.total_pages) {
                break;
            }
        }
        let mut payments = Vec::new();
        for page in 1.. {
            let request = ListPaymentsRequest { page: Some(PageRequest { page, page_size: 100 }) };
            let response = self
                .payment
                .clone()
                .list_payments(with_bearer(request, token))
                .await
                .context("listing payments")?
                .into_inner();
            payments.extend(response.payments);
            if page >= response.page.map_or(0, |info| info.total_pages) {
                break;
            }
        }
        let stock = self
            .inventory
            .clone()
            .audit_stock(with_bearer(AuditStockRequest {}, token))
            .await
            .context("auditing stock")?
            .into_inner()
            .products;
        Ok(Snapshot { orders, payments, stock })
    }
}

/// Everything the checks look at, read at one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Every order.
    pub orders: Vec<Order>,
    /// Every payment.
    pub payments: Vec<Payment>,
    /// Every product's stock ledger.
    pub stock: Vec<StockAudit>,
}

/// The outcome of the checks.
#[derive(Debug, Default)]
pub struct Report {
    /// Orders per status name.
    pub orders_by_status: BTreeMap<&'static str, usize>,
    /// Payments per status name.
    pub payments_by_status: BTreeMap<&'static str, usize>,
    /// Products audited.
    pub products: usize,
    /// What is wrong, one sentence each.
    pub violations: Vec<String>,
}

impl Report {
    /// One paragraph of figures.
    pub fn summary(&self) -> String {
        let list = |counts: &BTreeMap<&str, usize>| {
            counts
                .iter()
                .map(|(name, count)| format!("{count} {name}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "orders: {} ({})\npayments: {} ({})\nstock ledgers: {}",
            self.orders_by_status.values().sum::<usize>(),
            list(&self.orders_by_status),
            self.payments_by_status.values().sum::<usize>(),
            list(&self.payments_by_status),
            self.products
        )
    }
}

fn order_status_name(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Unspecified => "unknown",
        OrderStatus::Pending => "pending",
        OrderStatus::Rejected => "rejected",
        OrderStatus::PaymentFailed => "payment_failed",
        OrderStatus::Confirmed => "confirmed",
        OrderStatus::Shipped => "shipped",
        OrderStatus::Delivered => "delivered",
        OrderStatus::Cancelled => "cancelled",
    }
}

fn payment_status_name(status: PaymentStatus) -> &'static str {
    match status {
        PaymentStatus::Unspecified => "unknown",
        PaymentStatus::Captured => "captured",
        PaymentStatus::Declined => "declined",
        PaymentStatus::Refunded => "refunded",
    }
}

fn is_paid(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Confirmed | OrderStatus::Shipped | OrderStatus::Delivered)
}

impl Snapshot {
    /// Checks every invariant.
    pub fn check(&self) -> Report {
        let mut report = Report { products: self.stock.len(), ..Report::default() };
        let mut violations = Vec::new();
        let orders: HashMap<&str, &Order> =
            self.orders.iter().map(|order| (order.id.as_str(), order)).collect();
        for order in &self.orders {
            *report.orders_by_status.entry(order_status_name(order.status())).or_default() += 1;
            if order.status() == OrderStatus::Pending {
                violations.push(format!("order {} is still pending", order.id));
            }
        }
        let mut charges: HashMap<&str, Vec<&Payment>> = HashMap::new();
        for payment in &self.payments {
            *report.payments_by_status.entry(payment_status_name(payment.status())).or_default() +=
                1;
            if matches!(payment.status(), PaymentStatus::Captured | PaymentStatus::Refunded) {
                charges.entry(payment.order_id.as_str()).or_default().push(payment);
            }
        }
        for (order_id, charged) in &charges {
            if charged.len() > 1 {
                violations.push(format!("order {order_id} was charged {} times", charged.len()));
            }
            for payment in charged.iter().filter(|p| p.status() == PaymentStatus::Captured) {
                match orders.get(order_id) {
                    None => violations.push(format!(
                        "payment {} captured money for an unknown order {order_id}",
                        payment.id
                    )),
                    Some(order) if !is_paid(order.status()) => violations.push(format!(
                        "payment {} is captured but order {order_id} is {}",
                        payment.id,
                        order_status_name(order.status())
                    )),
                    Some(order) => {
                        let total = order.total.as_ref().map_or(0, |money| money.amount_minor);
                        let amount = payment.amount.as_ref().map_or(0, |money| money.amount_minor);
                        if total != amount {
                            violations.push(format!(
                                "payment {} captured {amount} for order {order_id} of {total}",
                                payment.id
                            ));
                        }
                    }
                }
            }
        }
        for order in self.orders.iter().filter(|order| is_paid(order.status())) {
            let captured = charges.get(order.id.as_str()).map_or(0, |charged| {
                charged.iter().filter(|p| p.status() == PaymentStatus::Captured).count()
            });
            if captured != 1 {
                violations.push(format!(
                    "order {} is {} with {captured} captured payments",
                    order.id,
                    order_status_name(order.status())
                ));
            }
        }
        let mut sold: HashMap<&str, i64> = HashMap::new();
        for order in self.orders.iter().filter(|order| is_paid(order.status())) {
            for line in &order.lines {
                *sold.entry(line.product_id.as_str()).or_default() += line.quantity;
            }
        }
        for product in &self.stock {
            if product.initial != product.on_hand + product.committed {
                violations.push(format!(
                    "product {}: adjustments sum to {} but on hand {} + committed {} = {}",
                    product.product_id,
                    product.initial,
                    product.on_hand,
                    product.committed,
                    product.on_hand + product.committed
                ));
            }
            if product.reserved != product.held {
                violations.push(format!(
                    "product {}: {} reserved but {} held by reservations",
                    product.product_id, product.reserved, product.held
                ));
            }
            if product.on_hand < 0 || product.reserved < 0 || product.reserved > product.on_hand {
                violations.push(format!(
                    "product {}: on hand {} and reserved {} are impossible",
                    product.product_id, product.on_hand, product.reserved
                ));
            }
            let ordered = sold.get(product.product_id.as_str()).copied().unwrap_or(0);
            if product.committed != ordered {
                violations.push(format!(
                    "product {}: {} units committed but paid orders hold {ordered}",
                    product.product_id, product.committed
                ));
            }
        }
        report.violations = violations;
        report
    }
}

#[cfg(test)]
mod tests {
    use bazaar_contracts::{common::Money, orders::OrderLine};

    use super::*;

    fn usd(amount_minor: i64) -> Option<Money> {
        Some(Money { amount_minor, currency: "USD".to_owned() })
    }

    fn order(id: &str, status: OrderStatus, quantity: i64, total: i64) -> Order {
        Order {
            id: id.to_owned(),
            status: status.into(),
            lines: vec![OrderLine {
                product_id: "p1".to_owned(),
                quantity,
                ..OrderLine::default()
            }],
            total: usd(total),
            ..Order::default()
        }
    }

    fn payment(id: &str, order_id: &str, status: PaymentStatus, amount: i64) -> Payment {
        Payment {
            id: id.to_owned(),
            order_id: order_id.to_owned(),
            status: status.into(),
            amount: usd(amount),
            ..Payment::default()
        }
    }

    fn stock(on_hand: i64, committed: i64) -> StockAudit {
        StockAudit {
            product_id: "p1".to_owned(),
            initial: on_hand + committed,
            on_hand,
            committed,
            ..StockAudit::default()
        }
    }

    fn consistent() -> Snapshot {
        Snapshot {
            orders: vec![
                order("o1", OrderStatus::Confirmed, 2, 500),
                order("o2", OrderStatus::Cancelled, 1, 300),
                order("o3", OrderStatus::PaymentFailed, 1, 300),
            ],
            payments: vec![
                payment("pay1", "o1", PaymentStatus::Captured, 500),
                payment("pay2", "o2", PaymentStatus::Refunded, 300),
                payment("pay3", "o3", PaymentStatus::Declined, 300),
            ],
            stock: vec![stock(8, 2)],
        }
    }

    #[test]
    fn a_consistent_shop_passes() {
        let report = consistent().check();
        assert!(report.violations.is_empty(), "{:?}", report.violations);
        assert_eq!(report.orders_by_status["confirmed"], 1);
        assert!(report.summary().contains("orders: 3"));
    }

    #[test]
    fn each_broken_invariant_is_reported() {
        let mut double_charge = consistent();
        double_charge.payments.push(payment("pay4", "o1", PaymentStatus::Captured, 500));
        let mut kept_money = consistent();
        kept_money.payments[1].status = PaymentStatus::Captured.into();
        let mut unpaid = consistent();
        unpaid.payments.remove(0);
        let mut pending = consistent();
        pending.orders[2].status = OrderStatus::Pending.into();
        let mut leaked = consistent();
        leaked.stock[0].on_hand = 9;
        let mut oversold = consistent();
        oversold.stock = vec![stock(7, 3)];
        let mut wrong_amount = consistent();
        wrong_amount.payments[0].amount = usd(400);
        for (name, snapshot, expected) in [
            ("double charge", double_charge, "charged 2 times"),
            ("kept money", kept_money, "is captured but order o2 is cancelled"),
            ("unpaid", unpaid, "with 0 captured payments"),
            ("pending", pending, "still pending"),
            ("leaked", leaked, "adjustments sum to 10"),
            ("oversold", oversold, "3 units committed but paid orders hold 2"),
            ("wrong amount", wrong_amount, "captured 400"),
        ] {
            let report = snapshot.check();
            assert!(
                report.violations.iter().any(|violation| violation.contains(expected)),
                "{name}: {:?}",
                report.violations
            );
        }
    }
}
