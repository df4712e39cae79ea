//! Event lag as the consumers measured it: each service's `/metrics` holds the histogram
//! `events_consume_lag_seconds` (from the outbox write to the consumer's commit, per event type).
//! Two scrapes give the histogram of what happened between them; quantiles are estimated the way
//! Prometheus's `histogram_quantile` does, by linear interpolation inside a bucket.

use std::{collections::BTreeMap, path::Path};

use anyhow::Context as _;

/// Cumulative bucket counts per event type: upper bound (seconds) → count.
pub type Buckets = BTreeMap<String, Vec<(f64, f64)>>;

const METRIC: &str = "events_consume_lag_seconds_bucket{";

/// Sums the lag histograms of every service of the `bazaar up` using `data_dir`.
///
/// # Errors
/// When `run/services.json` cannot be read or a service's metrics cannot be fetched.
pub async fn scrape(data_dir: &Path) -> anyhow::Result<Buckets> {
    let client = reqwest::Client::new();
    let mut total: BTreeMap<String, BTreeMap<u64, (f64, f64)>> = BTreeMap::new();
    for (name, port) in crate::up::running_ports(data_dir)? {
        let text = client
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .with_context(|| format!("fetching the metrics of {name}"))?
            .text()
            .await?;
        for (event_type, bound, count) in text.lines().filter_map(parse_line) {
            let entry =
                total.entry(event_type).or_default().entry(bound.to_bits()).or_insert((bound, 0.0));
            entry.1 += count;
        }
    }
    Ok(total
        .into_iter()
        .map(|(event_type, buckets)| {
            let mut buckets: Vec<(f64, f64)> = buckets.into_values().collect();
            buckets.sort_by(|a, b| a.0.total_cmp(&b.0));
            (event_type, buckets)
        })
        .collect())
}

/// Reads `events_consume_lag_seconds_bucket{type="…",le="…"} count`.
fn parse_line(line: &str) -> Option<(String, f64, f64)> {
    let rest = line.strip_prefix(METRIC)?;
    let (labels, value) = rest.split_once('}')?;
    let mut event_type = None;
    let mut bound = None;
    for label in labels.split(',') {
        let (key, value) = label.split_once('=')?;
        let value = value.trim_matches('"');
        match key {
            "type" => event_type = Some(value.to_owned()),
            "le" => {
                bound = Some(if value == "+Inf" { f64::INFINITY } else { value.parse().ok()? });
            }
            _ => {}
        }
    }
    Some((event_type?, bound?, value.trim().parse().ok()?))
}

/// p50 and p99 in milliseconds of what was observed between two scrapes, per event type.
pub fn quantiles(before: &Buckets, after: &Buckets) -> BTreeMap<String, (f64, f64)> {
    let mut result = BTreeMap::new();
    for (event_type, buckets) in after {
        let earlier = before.get(event_type);
        let delta: Vec<(f64, f64)> = buckets
            .iter()
            .map(|(bound, count)| {
                let old = earlier
                    .and_then(|old| old.iter().find(|(b, _)| b.to_bits() == bound.to_bits()))
                    .map_or(0.0, |(_, count)| *count);
                (*bound, count - old)
            })
            .collect();
        let total = delta.last().map_or(0.0, |(_, count)| *count);
        if total > 0.0 {
            result.insert(
                event_type.clone(),
                (quantile(&delta, 0.5) * 1000.0, quantile(&delta, 0.99) * 1000.0),
            );
        }
    }
    result
}

/// `histogram_quantile` over cumulative buckets sorted by bound.
fn quantile(buckets: &[(f64, f64)], q: f64) -> f64 {
    let total = buckets.last().map_or(0.0, |(_, count)| *count);
    let rank = q * total;
    let mut previous = (0.0, 0.0);
    for &(bound, count) in buckets {
        if count >= rank {
            if bound.is_infinite() {
                return previous.0;
            }
            let width = count - previous.1;
            let fraction = if width > 0.0 { (rank - previous.1) / width } else { 1.0 };
            return previous.0 + (bound - previous.0) * fraction;
        }
        previous = (bound, count);
    }
    previous.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bucket_lines() {
        let line = r#"events_consume_lag_seconds_bucket{type="bazaar.orders.order_confirmed.v1",le="0.005"} 42"#;
        assert_eq!(
            parse_line(line),
            Some(("bazaar.orders.order_confirmed.v1".to_owned(), 0.005, 42.0))
        );
        assert_eq!(parse_line("events_consume_lag_seconds_count 3"), None);
    }

    #[test]
    fn interpolates_inside_buckets_like_prometheus() {
        let buckets = vec![(0.001, 50.0), (0.01, 100.0), (f64::INFINITY, 100.0)];
        assert!((quantile(&buckets, 0.5) - 0.001).abs() < 1e-9);
        assert!((quantile(&buckets, 0.75) - 0.0055).abs() < 1e-9);
        let before: Buckets =
            [("t".to_owned(), vec![(0.001, 10.0), (0.01, 10.0), (f64::INFINITY, 10.0)])].into();
        let after: Buckets =
            [("t".to_owned(), vec![(0.001, 10.0), (0.01, 20.0), (f64::INFINITY, 20.0)])].into();
        let (p50, _) = quantiles(&before, &after)["t"];
        assert!((p50 - 5.5).abs() < 1e-6, "{p50}");
    }
}
