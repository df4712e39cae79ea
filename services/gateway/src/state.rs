//! The state every handler gets: service clients, small caches and the cookie key.

use std::{
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use axum::extract::FromRef;
use axum_extra::extract::cookie::Key;
use bazaar_platform::auth::TokenVerifier;

use crate::{clients::Clients, session::Sessions};

/// Shared, cheaply cloned state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// gRPC clients of every service and their read cache (shared: cloning the state per extractor
    /// must not clone every client and cache).
    pub clients: Arc<Clients>,
    /// Verifies access tokens with identity's public keys.
    pub verifier: TokenVerifier,
    /// Sessions recently confirmed live.
    pub sessions: Sessions,
    /// Key that signs and encrypts cookies.
    pub cookie_key: Key,
    /// Whether cookies are marked `Secure`.
    pub secure_cookies: bool,
    /// Whether `/dev/mailbox` shows sent e-mails.
    pub dev_mailbox: bool,
}

impl FromRef<AppState> for Key {
    fn from_ref(state: &AppState) -> Self {
        state.cookie_key.clone()
    }
}

/// One value kept for a while, e.g. the category list shown in every page header.
#[derive(Debug)]
pub struct Cached<V> {
    ttl: Duration,
    slot: RwLock<Option<(Instant, Arc<V>)>>,
}

impl<V> Cached<V> {
    /// Creates an empty cache whose value lives `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, slot: RwLock::new(None) }
    }

    /// Returns the value if it is fresh.
    pub fn get(&self) -> Option<Arc<V>> {
        let slot = self.slot.read().ok()?;
        slot.as_ref().filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, value)| Arc::clone(value))
    }

    /// Returns the value even if stale (used when the source is down).
    pub fn get_stale(&self) -> Option<Arc<V>> {
        self.slot.read().ok()?.as_ref().map(|(_, value)| Arc::clone(value))
    }

    /// Stores a fresh value.
    pub fn put(&self, value: V) -> Arc<V> {
        let value = Arc::new(value);
        if let Ok(mut slot) = self.slot.write() {
            *slot = Some((Instant::now(), Arc::clone(&value)));
        }
        value
    }
}
