//! `bazaar load`: a load generator that plays shoppers against a running shop through its HTTP
//! front door, at a set concurrency for a set time, and reports each step's throughput and
//! latency (HDR histograms: p50, p90, p99, max) as a table or JSON. On a terminal, a progress
//! bar shows the requests and errors so far while it runs.
//!
//! Scenarios:
//! - `product-page`: `GET /products/<slug>` (HTML), over every seeded product;
//! - `api-products`: `GET /api/v1/products?page_size=24`;
//! - `sign-in`: `POST /api/v1/sessions` (argon2id on purpose: bounded by identity's CPU);
//! - `add-to-cart`: `POST /api/v1/cart/items` as signed-in users;
//! - `cart-view`: `GET /api/v1/cart` of a cart with three lines (prices and stock from catalog
//!   and inventory);
//! - `checkout`: add to cart, then `POST /api/v1/orders` with a test card; needs the admin's
//!   credentials to give the products enough stock;
//! - `shopper`: a journey (home, category, product, add to cart, cart, checkout);
//! - `grpc-hop`: one internal hop, straight to the catalog service over gRPC as another service
//!   calls it (the platform's client, deadline and trace context included): a health check
//!   answered from memory, and `GetProduct`, one SQLite read; needs `--data-dir`.
//!
//! With `--data-dir` of a running `bazaar up`, it also reports the event lag (from the outbox
//! write to the consumer's commit) measured by the consumers during the run.

use std::{
    collections::BTreeMap,
    io::Write as _,
    path::PathBuf,
    process::ExitCode,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context as _;
use bazaar_contracts::catalog::{
    GetProductRequest, catalog_service_client::CatalogServiceClient, get_product_request,
};
use bazaar_platform::{config::parse_duration, grpc::Channel};
use clap::{Args, ValueEnum};
use hdrhistogram::Histogram;
use serde::Serialize;
use serde_json::{Value, json};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

/// Flags of `bazaar load`.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Storefront URL of the shop under load.
    #[arg(long, default_value = "http://127.0.0.1:8080", value_name = "URL")]
    pub url: String,

    /// What to play.
    #[arg(long, value_enum, default_value = "shopper")]
    pub scenario: Scenario,

    /// Concurrent connections (each one a shopper playing the scenario in a loop).
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub connections: u32,

    /// How long to measure, after the set-up.
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub duration: Duration,

    /// Admin e-mail (for `checkout` and `shopper`: gives the products stock). Default: from
    /// `<data-dir>/admin-password.txt`.
    #[arg(long, env = "BAZAAR_ADMIN_EMAIL", value_name = "EMAIL")]
    pub admin_email: Option<String>,

    /// Admin password. Default: from `<data-dir>/admin-password.txt`.
    #[arg(long, env = "BAZAAR_ADMIN_PASSWORD", value_name = "PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,

    /// Data directory of the `bazaar up` under load: for the admin's password and the event lag
    /// (and the catalog's address, which `grpc-hop` needs).
    #[arg(long, value_name = "DIR", required_if_eq("scenario", "grpc-hop"))]
    pub data_dir: Option<PathBuf>,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// A load scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scenario {
    /// The HTML product page.
    ProductPage,
    /// The JSON product list.
    ApiProducts,
    /// Sign-in through the API.
    SignIn,
    /// Add to cart through the API.
    AddToCart,
    /// View a three-line cart through the API.
    CartView,
    /// Add to cart and check out through the API.
    Checkout,
    /// A shopper's journey through the storefront and API.
    Shopper,
    /// One gRPC hop to the catalog service, as the services call each other.
    GrpcHop,
}

/// The figures of one step.
#[derive(Debug, Serialize)]
pub struct StepReport {
    /// Requests completed.
    pub requests: u64,
    /// Requests that failed (transport error or an unexpected status).
    pub errors: u64,
    /// Completed requests per second.
    pub per_second: f64,
    /// Median latency, milliseconds.
    pub p50_ms: f64,
    /// 90th percentile, milliseconds.
    pub p90_ms: f64,
    /// 99th percentile, milliseconds.
    pub p99_ms: f64,
    /// Slowest, milliseconds.
    pub max_ms: f64,
}

/// The whole report.
#[derive(Debug, Serialize)]
pub struct Report {
    /// What was played.
    pub scenario: Scenario,
    /// Connections.
    pub connections: u32,
    /// Measured seconds.
    pub seconds: f64,
    /// Per step.
    pub steps: BTreeMap<&'static str, StepReport>,
    /// Unexpected statuses seen, with counts.
    pub error_statuses: BTreeMap<String, u64>,
    /// Event lag per event type during the run (p50, p99 in milliseconds), when measured.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub event_lag_ms: BTreeMap<String, (f64, f64)>,
}

/// Runs `bazaar load`.
pub fn main(args: &LoadArgs) -> ExitCode {
    let outcome = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")
        .and_then(|runtime| runtime.block_on(run(args)));
    let mut stdout = std::io::stdout().lock();
    match outcome {
        Ok(report) => {
            let text = if args.json {
                serde_json::to_string_pretty(&report).unwrap_or_default()
            } else {
                report.table()
            };
            let _ = writeln!(stdout, "{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "bazaar load: {error:#}");
            ExitCode::FAILURE
        }
    }
}

impl Report {
    /// A plain-text table.
    pub fn table(&self) -> String {
        let mut text = format!(
            "{:?} with {} connections for {:.1} s\n{:<14} {:>9} {:>7} {:>10} {:>9} {:>9} {:>9} {:>9}\n",
            self.scenario,
            self.connections,
            self.seconds,
            "step",
            "requests",
            "errors",
            "req/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "max ms"
        );
        for (name, step) in &self.steps {
            text.push_str(&format!(
                "{name:<14} {:>9} {:>7} {:>10.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2}\n",
                step.requests,
                step.errors,
                step.per_second,
                step.p50_ms,
                step.p90_ms,
                step.p99_ms,
                step.max_ms
            ));
        }
        for (status, count) in &self.error_statuses {
            text.push_str(&format!("errors: {count} × {status}\n"));
        }
        for (event_type, (p50, p99)) in &self.event_lag_ms {
            text.push_str(&format!("event lag {event_type}: p50 {p50:.2} ms, p99 {p99:.2} ms\n"));
        }
        text
    }
}

/// What every shopper task shares.
struct Shared {
    url: String,
    client: reqwest::Client,
    /// The catalog service over gRPC, for `grpc-hop`.
    catalog: Option<Catalog>,
    /// Seeded product slugs and ids.
    products: Vec<(String, String)>,
    /// Categories' slugs.
    categories: Vec<String>,
}

/// Clients of the catalog service, made as the services make theirs.
#[derive(Clone)]
struct Catalog {
    health: HealthClient<Channel>,
    products: CatalogServiceClient<Channel>,
}

impl Catalog {
    /// Connects to the catalog of the `bazaar up` using `data_dir`.
    fn connect(data_dir: &std::path::Path) -> anyhow::Result<Self> {
        let port = *crate::up::running_ports(data_dir)?
            .get("catalog")
            .context("run/services.json lists no catalog service")?;
        let channel = bazaar_platform::grpc::connect(
            &format!("http://127.0.0.1:{port}"),
            Duration::from_secs(5),
        )?;
        Ok(Self {
            health: HealthClient::new(channel.clone()),
            products: CatalogServiceClient::new(channel),
        })
    }
}

/// Requests and errors so far, across shoppers, for the progress bar.
#[derive(Debug, Default)]
struct Counts {
    requests: AtomicU64,
    errors: AtomicU64,
}

/// One shopper's measurements.
struct Recorder {
    histograms: BTreeMap<&'static str, Histogram<u64>>,
    errors: BTreeMap<&'static str, u64>,
    statuses: BTreeMap<String, u64>,
    counts: Arc<Counts>,
}

impl Recorder {
    fn new(counts: Arc<Counts>) -> Self {
        Self {
            histograms: BTreeMap::new(),
            errors: BTreeMap::new(),
            statuses: BTreeMap::new(),
            counts,
        }
    }

    fn record(
        &mut self,
        step: &'static str,
        started: Instant,
        outcome: Result<u16, String>,
        ok: &[u16],
    ) -> bool {
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX).max(1);
        self.counts.requests.fetch_add(1, Ordering::Relaxed);
        if !matches!(outcome, Ok(status) if ok.contains(&status)) {
            self.counts.errors.fetch_add(1, Ordering::Relaxed);
        }
        match outcome {
            Ok(status) if ok.contains(&status) => {
                if let Some(histogram) = self.histogram(step) {
                    let _ = histogram.record(micros);
                }
                true
            }
            Ok(status) => {
                *self.errors.entry(step).or_default() += 1;
                *self.statuses.entry(format!("{step}: HTTP {status}")).or_default() += 1;
                false
            }
            Err(error) => {
                *self.errors.entry(step).or_default() += 1;
                *self.statuses.entry(format!("{step}: {error}")).or_default() += 1;
                false
            }
        }
    }

    fn histogram(&mut self, step: &'static str) -> Option<&mut Histogram<u64>> {
        if !self.histograms.contains_key(step) {
            let histogram = Histogram::new_with_bounds(1, 60_000_000, 3).ok()?;
            self.histograms.insert(step, histogram);
        }
        self.histograms.get_mut(step)
    }

    fn merge(&mut self, other: Self) {
        for (step, histogram) in other.histograms {
            if let Some(mine) = self.histogram(step) {
                let _ = mine.add(&histogram);
            }
        }
        for (step, count) in other.errors {
            *self.errors.entry(step).or_default() += count;
        }
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
    }
}

async fn run(args: &LoadArgs) -> anyhow::Result<Report> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(usize::try_from(args.connections).unwrap_or(64))
        .tcp_nodelay(true)
        .build()?;
    let url = args.url.trim_end_matches('/').to_owned();
    let (products, categories) = catalogue(&client, &url).await?;
    let catalog = match (args.scenario, &args.data_dir) {
        (Scenario::GrpcHop, Some(dir)) => Some(Catalog::connect(dir)?),
        (Scenario::GrpcHop, None) => {
            anyhow::bail!("the grpc-hop scenario needs --data-dir of the running bazaar up")
        }
        _ => None,
    };
    let shared = Arc::new(Shared { url, client, catalog, products, categories });
    if matches!(args.scenario, Scenario::Checkout | Scenario::Shopper) {
        let token = admin_token(&shared, args).await?;
        stock_up(&shared, &token).await?;
    }
    let lag_before = match &args.data_dir {
        Some(dir) => Some(crate::lag::scrape(dir).await?),
        None => None,
    };

    // Set-up (sign-ups, carts) happens before the clock starts.
    let mut shoppers = Vec::new();
    for index in 0..args.connections {
        let shared = Arc::clone(&shared);
        let scenario = args.scenario;
        shoppers.push(tokio::spawn(async move { Shopper::set_up(shared, scenario, index).await }));
    }
    let mut ready = Vec::new();
    for shopper in shoppers {
        ready.push(shopper.await.context("setting up a shopper")??);
    }
    let started = Instant::now();
    let deadline = started + args.duration;
    let counts = Arc::new(Counts::default());
    let tasks: Vec<_> = ready
        .into_iter()
        .map(|mut shopper| {
            let counts = Arc::clone(&counts);
            tokio::spawn(async move {
                let mut recorder = Recorder::new(counts);
                while Instant::now() < deadline {
                    shopper.play(&mut recorder).await;
                }
                recorder
            })
        })
        .collect();
    let progress =
        (!args.json).then(|| tokio::spawn(show_progress(Arc::clone(&counts), args.duration)));
    let mut total = Recorder::new(Arc::clone(&counts));
    for task in tasks {
        total.merge(task.await.context("a shopper failed")?);
    }
    let seconds = started.elapsed().as_secs_f64();
    if let Some(progress) = progress {
        progress.abort();
        let _ = progress.await;
    }
    let event_lag_ms = match (&args.data_dir, lag_before) {
        (Some(dir), Some(before)) => {
            // Give the last events of the run time to arrive.
            tokio::time::sleep(Duration::from_millis(500)).await;
            crate::lag::quantiles(&before, &crate::lag::scrape(dir).await?)
        }
        _ => BTreeMap::new(),
    };
    let ms = |histogram: &Histogram<u64>, quantile: f64| {
        histogram.value_at_quantile(quantile) as f64 / 1000.0
    };
    let mut steps = BTreeMap::new();
    for (step, histogram) in &total.histograms {
        steps.insert(
            *step,
            StepReport {
                requests: histogram.len(),
                errors: total.errors.get(step).copied().unwrap_or(0),
                per_second: histogram.len() as f64 / seconds,
                p50_ms: ms(histogram, 0.5),
                p90_ms: ms(histogram, 0.9),
                p99_ms: ms(histogram, 0.99),
                max_ms: histogram.max() as f64 / 1000.0,
            },
        );
    }
    for (step, errors) in &total.errors {
        steps.entry(step).or_insert(StepReport {
            requests: 0,
            errors: *errors,
            per_second: 0.0,
            p50_ms: 0.0,
            p90_ms: 0.0,
            p99_ms: 0.0,
            max_ms: 0.0,
        });
    }
    Ok(Report {
        scenario: args.scenario,
        connections: args.connections,
        seconds,
        steps,
        error_statuses: total.statuses,
        event_lag_ms,
    })
}

/// Draws a progress bar on standard error (nothing when it is not a terminal) with the requests
/// and errors so far and the current rate, until the run's time is up.
async fn show_progress(counts: Arc<Counts>, duration: Duration) {
    let bar = indicatif::ProgressBar::new(duration.as_millis().try_into().unwrap_or(u64::MAX));
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:30.cyan/blue} {elapsed:>3} of {prefix} {msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(format!("{duration:.0?}"));
    let started = Instant::now();
    let mut last = (started, 0_u64);
    let mut interval = tokio::time::interval(Duration::from_millis(250));
    let _clear = ClearOnDrop(bar.clone());
    loop {
        interval.tick().await;
        let now = Instant::now();
        let requests = counts.requests.load(Ordering::Relaxed);
        let rate = (requests - last.1) as f64 / now.duration_since(last.0).as_secs_f64().max(1e-3);
        last = (now, requests);
        bar.set_position(started.elapsed().as_millis().try_into().unwrap_or(u64::MAX));
        bar.set_message(format!(
            "{requests} requests, {} errors, {rate:.0}/s",
            counts.errors.load(Ordering::Relaxed)
        ));
    }
}

/// Clears the progress bar when the task drawing it ends (it is aborted when the run is over).
struct ClearOnDrop(indicatif::ProgressBar);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Reads every product (slug, id) and category slug through the API.
async fn catalogue(
    client: &reqwest::Client,
    url: &str,
) -> anyhow::Result<(Vec<(String, String)>, Vec<String>)> {
    let mut products = Vec::new();
    for page in 1_u64.. {
        let body: Value = client
            .get(format!("{url}/api/v1/products?page={page}&page_size=100"))
            .send()
            .await
            .with_context(|| format!("reaching the shop at {url}"))?
            .error_for_status()?
            .json()
            .await?;
        for item in body["items"].as_array().into_iter().flatten() {
            if let (Some(slug), Some(id)) = (item["slug"].as_str(), item["id"].as_str()) {
                products.push((slug.to_owned(), id.to_owned()));
            }
        }
        if page >= body["total_pages"].as_u64().unwrap_or(0) {
            break;
        }
    }
    anyhow::ensure!(!products.is_empty(), "the shop lists no products");
    let body: Value = client.get(format!("{url}/api/v1/categories")).send().await?.json().await?;
    let categories = body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|category| category["slug"].as_str().map(str::to_owned))
        .collect();
    Ok((products, categories))
}

async fn admin_token(shared: &Shared, args: &LoadArgs) -> anyhow::Result<String> {
    let (email, password) = match (&args.admin_email, &args.admin_password, &args.data_dir) {
        (Some(email), Some(password), _) => (email.clone(), password.clone()),
        (_, _, Some(dir)) => {
            let path = dir.join("admin-password.txt");
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            let mut lines = text.lines().map(str::to_owned);
            match (lines.next(), lines.next()) {
                (Some(email), Some(password)) => (email, password),
                _ => anyhow::bail!("{} holds no e-mail and password", path.display()),
            }
        }
        _ => anyhow::bail!("this scenario needs --admin-email and --admin-password, or --data-dir"),
    };
    let response = shared
        .client
        .post(format!("{}/api/v1/sessions", shared.url))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?;
    anyhow::ensure!(response.status().is_success(), "admin sign-in answered {}", response.status());
    let body: Value = response.json().await?;
    body["token"].as_str().map(str::to_owned).context("sign-in returned no token")
}

/// Gives every product plenty of stock, so checkouts measure the saga rather than sold-out items.
async fn stock_up(shared: &Shared, token: &str) -> anyhow::Result<()> {
    for (_, id) in &shared.products {
        let response = shared
            .client
            .put(format!("{}/api/v1/admin/stock/{id}", shared.url))
            .bearer_auth(token)
            .json(&json!({"on_hand": 1_000_000}))
            .send()
            .await?;
        anyhow::ensure!(
            response.status().is_success(),
            "setting stock answered {}",
            response.status()
        );
    }
    Ok(())
}

/// One simulated shopper.
struct Shopper {
    shared: Arc<Shared>,
    scenario: Scenario,
    /// Bearer tokens of this shopper's accounts (several, so one account's cart events settle
    /// while another checks out).
    tokens: Vec<String>,
    email: String,
    turn: usize,
}

const PASSWORD: &str = "load test password";

fn outcome(
    result: Result<reqwest::Response, reqwest::Error>,
) -> (Result<u16, String>, Option<reqwest::Response>) {
    match result {
        Ok(response) => (Ok(response.status().as_u16()), Some(response)),
        Err(error) => (
            Err(if error.is_timeout() {
                "timeout".to_owned()
            } else {
                "connection error".to_owned()
            }),
            None,
        ),
    }
}

impl Shopper {
    async fn set_up(shared: Arc<Shared>, scenario: Scenario, index: u32) -> anyhow::Result<Self> {
        let accounts = match scenario {
            Scenario::ProductPage | Scenario::ApiProducts | Scenario::GrpcHop => 0,
            Scenario::SignIn | Scenario::AddToCart | Scenario::CartView => 1,
            Scenario::Checkout | Scenario::Shopper => 4,
        };
        let run = uuid::Uuid::now_v7().simple().to_string();
        let mut shopper = Self {
            shared,
            scenario,
            tokens: Vec::new(),
            email: String::new(),
            turn: index as usize,
        };
        for account in 0..accounts {
            let email = format!("load-{run}-{index}-{account}@example.com");
            let response = shopper
                .shared
                .client
                .post(format!("{}/api/v1/users", shopper.shared.url))
                .json(&json!({"email": email, "password": PASSWORD, "name": "Load Tester"}))
                .send()
                .await?;
            anyhow::ensure!(
                response.status().is_success(),
                "sign-up answered {}",
                response.status()
            );
            let body: Value = response.json().await?;
            shopper
                .tokens
                .push(body["token"].as_str().context("sign-up returned no token")?.to_owned());
            shopper.email = email;
        }
        if scenario == Scenario::CartView {
            for _ in 0..3 {
                let mut recorder = Recorder::new(Arc::default());
                shopper.add_to_cart(&mut recorder, 0).await;
            }
        }
        Ok(shopper)
    }

    fn next_product(&mut self) -> (String, String) {
        self.turn = self.turn.wrapping_add(7);
        self.shared.products[self.turn % self.shared.products.len()].clone()
    }

    /// GETs `path` and reads the whole body (the latency is that of the full response).
    async fn get(
        &self,
        recorder: &mut Recorder,
        step: &'static str,
        path: &str,
        token: Option<&str>,
    ) -> bool {
        let mut request = self.shared.client.get(format!("{}{path}", self.shared.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let started = Instant::now();
        let (status, response) = outcome(request.send().await);
        let status = match response {
            Some(response) => match response.bytes().await {
                Ok(_) => status,
                Err(_) => Err("body cut short".to_owned()),
            },
            None => status,
        };
        recorder.record(step, started, status, &[200])
    }

    async fn add_to_cart(&mut self, recorder: &mut Recorder, account: usize) -> bool {
        let (_, id) = self.next_product();
        let started = Instant::now();
        let result = self
            .shared
            .client
            .post(format!("{}/api/v1/cart/items", self.shared.url))
            .bearer_auth(&self.tokens[account])
            .json(&json!({"product_id": id, "quantity": 1}))
            .send()
            .await;
        let (status, response) = outcome(result);
        if let Some(response) = response {
            let _ = response.bytes().await;
        }
        recorder.record("add-to-cart", started, status, &[200, 201])
    }

    async fn checkout(&mut self, recorder: &mut Recorder, account: usize) {
        let body = json!({
            "address": {"name": "Load Tester", "line1": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"},
            "shipping_option": "standard",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2040, "cvc": "123"}
        });
        let started = Instant::now();
        let result = self
            .shared
            .client
            .post(format!("{}/api/v1/orders", self.shared.url))
            .bearer_auth(&self.tokens[account])
            .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
            .json(&body)
            .send()
            .await;
        let (status, response) = outcome(result);
        let confirmed = match response {
            Some(response) => response
                .json::<Value>()
                .await
                .ok()
                .is_some_and(|order| order["status"] == "confirmed"),
            None => false,
        };
        let status = match status {
            Ok(201) if !confirmed => Err("order not confirmed".to_owned()),
            other => other,
        };
        recorder.record("checkout", started, status, &[201]);
    }

    /// A health check and a product read, straight to the catalog service.
    async fn grpc_hop(&mut self, recorder: &mut Recorder) {
        let Some(mut catalog) = self.shared.catalog.clone() else { return };
        let started = Instant::now();
        let request = HealthCheckRequest { service: String::new() };
        let status = match catalog.health.check(request).await {
            Ok(response) if response.get_ref().status == ServingStatus::Serving as i32 => Ok(200),
            Ok(_) => Err("not serving".to_owned()),
            Err(status) => Err(format!("gRPC {:?}", status.code())),
        };
        recorder.record("grpc-health", started, status, &[200]);
        let (_, id) = self.next_product();
        let started = Instant::now();
        let request = GetProductRequest { key: Some(get_product_request::Key::Id(id)) };
        let status = match catalog.products.get_product(request).await {
            Ok(_) => Ok(200),
            Err(status) => Err(format!("gRPC {:?}", status.code())),
        };
        recorder.record("grpc-product", started, status, &[200]);
    }

    async fn play(&mut self, recorder: &mut Recorder) {
        match self.scenario {
            Scenario::GrpcHop => self.grpc_hop(recorder).await,
            Scenario::ProductPage => {
                let (slug, _) = self.next_product();
                self.get(recorder, "product-page", &format!("/products/{slug}"), None).await;
            }
            Scenario::ApiProducts => {
                self.get(recorder, "api-products", "/api/v1/products?page_size=24", None).await;
            }
            Scenario::SignIn => {
                let started = Instant::now();
                let result = self
                    .shared
                    .client
                    .post(format!("{}/api/v1/sessions", self.shared.url))
                    .json(&json!({"email": self.email, "password": PASSWORD}))
                    .send()
                    .await;
                let (status, response) = outcome(result);
                if let Some(response) = response {
                    let _ = response.bytes().await;
                }
                recorder.record("sign-in", started, status, &[201]);
            }
            Scenario::AddToCart => {
                self.add_to_cart(recorder, 0).await;
            }
            Scenario::CartView => {
                let token = self.tokens[0].clone();
                self.get(recorder, "cart-view", "/api/v1/cart", Some(&token)).await;
            }
            Scenario::Checkout => {
                let account = self.turn % self.tokens.len();
                if self.add_to_cart(recorder, account).await {
                    self.checkout(recorder, account).await;
                }
            }
            Scenario::Shopper => {
                let account = self.turn % self.tokens.len();
                self.get(recorder, "home", "/", None).await;
                if !self.shared.categories.is_empty() {
                    let category =
                        self.shared.categories[self.turn % self.shared.categories.len()].clone();
                    self.get(recorder, "category", &format!("/c/{category}"), None).await;
                }
                let (slug, _) = self.next_product();
                self.get(recorder, "product-page", &format!("/products/{slug}"), None).await;
                if self.add_to_cart(recorder, account).await {
                    let token = self.tokens[account].clone();
                    self.get(recorder, "cart-view", "/api/v1/cart", Some(&token)).await;
                    self.checkout(recorder, account).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use crate::cli::Cli;

    #[test]
    fn the_grpc_hop_scenario_needs_the_data_directory() {
        let error = Cli::try_parse_from(["bazaar", "load", "--scenario", "grpc-hop"])
            .err()
            .map(|error| error.kind());
        assert_eq!(error, Some(clap::error::ErrorKind::MissingRequiredArgument));
        assert!(
            Cli::try_parse_from(["bazaar", "load", "--scenario", "grpc-hop", "--data-dir", "var"])
                .is_ok()
        );
        assert!(Cli::try_parse_from(["bazaar", "load", "--scenario", "checkout"]).is_ok());
    }
}
