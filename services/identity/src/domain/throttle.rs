//! The sign-in throttle: after a few failures, each further failure doubles the wait before the
//! next attempt is even checked. Counted per account and per client address, with a higher
//! allowance per address since many people may share one.

/// What a counter is keyed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleKind {
    /// One e-mail address.
    Account,
    /// One client network address.
    ClientAddress,
}

/// The policy.
#[derive(Debug, Clone, Copy)]
pub struct Throttle;

impl Throttle {
    /// Longest wait imposed, in milliseconds (15 minutes).
    pub const MAX_DELAY_MS: i64 = 15 * 60 * 1000;

    /// Failures allowed before delays start.
    pub fn free_failures(kind: ThrottleKind) -> i64 {
        match kind {
            ThrottleKind::Account => 5,
            ThrottleKind::ClientAddress => 20,
        }
    }

    /// Returns until when sign-ins are refused after the `failures`-th failure at `now_ms`.
    pub fn blocked_until(kind: ThrottleKind, failures: i64, now_ms: i64) -> i64 {
        let over = failures - Self::free_failures(kind);
        if over < 0 {
            return 0;
        }
        let delay = 1000_i64
            .checked_shl(u32::try_from(over.min(20)).unwrap_or(20))
            .unwrap_or(Self::MAX_DELAY_MS);
        now_ms + delay.min(Self::MAX_DELAY_MS)
    }

    /// Returns the key of a counter.
    pub fn key(kind: ThrottleKind, value: &str) -> String {
        match kind {
            ThrottleKind::Account => format!("account:{value}"),
            ThrottleKind::ClientAddress => format!("client:{value}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_free_failures_and_double() {
        let now = 1_000_000;
        assert_eq!(Throttle::blocked_until(ThrottleKind::Account, 4, now), 0);
        assert_eq!(Throttle::blocked_until(ThrottleKind::Account, 5, now), now + 1000);
        assert_eq!(Throttle::blocked_until(ThrottleKind::Account, 6, now), now + 2000);
        assert_eq!(Throttle::blocked_until(ThrottleKind::Account, 8, now), now + 8000);
        assert_eq!(
            Throttle::blocked_until(ThrottleKind::Account, 100, now),
            now + Throttle::MAX_DELAY_MS
        );
        assert_eq!(Throttle::blocked_until(ThrottleKind::ClientAddress, 19, now), 0);
    }
}
