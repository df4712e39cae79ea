//! Access tokens: the claims identity signs (EdDSA JWTs) and the verifier every service uses to
//! check them locally with identity's public keys, fetched over gRPC and cached by key id, so keys
//! can rotate: a token signed by a key not yet known triggers one refetch.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use bazaar_contracts::identity::{
    GetSigningKeysRequest, identity_service_client::IdentityServiceClient,
};
use bazaar_types::UserId;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tonic::Status;

use crate::grpc::Channel;

/// Issuer of every access token.
pub const ISSUER: &str = "bazaar-identity";
/// Audience of every access token.
pub const AUDIENCE: &str = "bazaar";

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Shops: own cart, profile, addresses and orders.
    Customer,
    /// Also manages products, stock and all orders.
    Admin,
}

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// Server-side session id; signing out revokes it.
    pub sid: String,
    /// User's e-mail address.
    pub email: String,
    /// User's display name.
    pub name: String,
    /// User's role.
    pub role: Role,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
    /// Issuer, [`ISSUER`].
    pub iss: String,
    /// Audience, [`AUDIENCE`].
    pub aud: String,
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// The session the token belongs to.
    pub session_id: String,
    /// E-mail address at sign-in.
    pub email: String,
    /// Display name at sign-in.
    pub name: String,
    /// Role at sign-in.
    pub role: Role,
    /// Expiry, in seconds since the epoch.
    pub expires_at: i64,
    /// The token itself, to forward to other services.
    pub token: String,
}

impl Principal {
    /// Tells whether the caller is an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Past its expiry.
    #[error("token expired")]
    Expired,
    /// Not a token we signed, or tampered with.
    #[error("invalid token")]
    Invalid,
    /// The verification keys could not be fetched from identity.
    #[error("cannot verify tokens right now")]
    KeysUnavailable,
}

impl From<AuthError> for Status {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::Expired | AuthError::Invalid => Self::unauthenticated(error.to_string()),
            AuthError::KeysUnavailable => Self::unavailable(error.to_string()),
        }
    }
}

/// Verifies access tokens with identity's public keys.
#[derive(Debug, Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    keys: RwLock<HashMap<String, DecodingKey>>,
    identity: Option<IdentityServiceClient<Channel>>,
    /// When keys were last fetched; refetches for unknown key ids are at most one per second.
    last_fetch: Mutex<Option<Instant>>,
    /// Tokens already verified, until they expire: a user's token comes back with every request,
    /// and checking an Ed25519 signature costs far more than a lookup.
    verified: std::sync::Mutex<HashMap<String, Principal>>,
}

/// Verified tokens remembered per process; when full, the memory starts afresh.
const VERIFIED_CAPACITY: usize = 1_024;
/// Seconds a token is accepted past its expiry, for clocks a little apart.
const LEEWAY_SECONDS: i64 = 5;

impl TokenVerifier {
    /// Builds a verifier that fetches keys from the identity service at `identity_url`.
    ///
    /// # Errors
    /// When the URL does not parse.
    pub fn from_identity(identity_url: &str, request_timeout: Duration) -> anyhow::Result<Self> {
        let client =
            IdentityServiceClient::new(crate::grpc::connect(identity_url, request_timeout)?);
        Ok(Self::build(Some(client), HashMap::new()))
    }

    /// Builds a verifier with fixed keys (`kid` → raw Ed25519 public key), as identity itself uses.
    pub fn with_keys(keys: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        let keys =
            keys.into_iter().map(|(kid, key)| (kid, DecodingKey::from_ed_der(&key))).collect();
        Self::build(None, keys)
    }

    fn build(
        identity: Option<IdentityServiceClient<Channel>>,
        keys: HashMap<String, DecodingKey>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                keys: RwLock::new(keys),
                identity,
                last_fetch: Mutex::new(None),
                verified: std::sync::Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Adds or replaces a verification key.
    pub fn insert_key(&self, kid: String, public_key: &[u8]) {
        if let Ok(mut keys) = self.inner.keys.write() {
            keys.insert(kid, DecodingKey::from_ed_der(public_key));
        }
    }

    /// Verifies a token's signature, issuer, audience and expiry.
    ///
    /// # Errors
    /// [`AuthError`] when it is expired, invalid, or cannot be checked now.
    pub async fn verify(&self, token: &str) -> Result<Principal, AuthError> {
        let now = bazaar_types::now_ms() / 1000;
        if let Ok(verified) = self.inner.verified.lock()
            && let Some(principal) = verified.get(token)
        {
            return if principal.expires_at + LEEWAY_SECONDS < now {
                Err(AuthError::Expired)
            } else {
                Ok(principal.clone())
            };
        }
        let principal = self.verify_with(token, true).await?;
        if let Ok(mut verified) = self.inner.verified.lock() {
            if verified.len() >= VERIFIED_CAPACITY {
                verified.clear();
            }
            verified.insert(token.to_owned(), principal.clone());
        }
        Ok(principal)
    }

    /// Verifies a token's signature, issuer and audience but accepts it past its expiry (for
    /// refreshing a live session).
    ///
    /// # Errors
    /// [`AuthError`] when it is invalid or cannot be checked now.
    pub async fn verify_ignoring_expiry(&self, token: &str) -> Result<Principal, AuthError> {
        self.verify_with(token, false).await
    }

    async fn verify_with(&self, token: &str, check_expiry: bool) -> Result<Principal, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(AuthError::Invalid);
        }
        let kid = header.kid.ok_or(AuthError::Invalid)?;
        let key = match self.key(&kid) {
            Some(key) => key,
            None => {
                self.refresh_keys().await?;
                self.key(&kid).ok_or(AuthError::Invalid)?
            }
        };
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = LEEWAY_SECONDS.unsigned_abs();
        validation.validate_exp = check_expiry;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(
                |error| match error.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => AuthError::Expired,
                    _ => AuthError::Invalid,
                },
            )?;
        let claims = data.claims;
        Ok(Principal {
            user_id: UserId::parse(&claims.sub).map_err(|_| AuthError::Invalid)?,
            session_id: claims.sid,
            email: claims.email,
            name: claims.name,
            role: claims.role,
            expires_at: claims.exp,
            token: token.to_owned(),
        })
    }

    fn key(&self, kid: &str) -> Option<DecodingKey> {
        self.inner.keys.read().ok()?.get(kid).cloned()
    }

    async fn refresh_keys(&self) -> Result<(), AuthError> {
        let Some(identity) = &self.inner.identity else { return Ok(()) };
        let mut last_fetch = self.inner.last_fetch.lock().await;
        if last_fetch.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return Ok(());
        }
        let response = crate::grpc::retry_idempotent(|| {
            let mut identity = identity.clone();
            async move { identity.get_signing_keys(GetSigningKeysRequest {}).await }
        })
        .await
        .map_err(|status| {
            tracing::warn!(%status, "cannot fetch signing keys from identity");
            AuthError::KeysUnavailable
        })?;
        *last_fetch = Some(Instant::now());
        for key in response.into_inner().keys {
            if key.algorithm == "EdDSA" {
                self.insert_key(key.kid, &key.public_key);
            }
        }
        Ok(())
    }

    /// Reads and verifies the bearer token of a gRPC request, if it carries one.
    ///
    /// # Errors
    /// `UNAUTHENTICATED` for a malformed, tampered or expired token; `UNAVAILABLE` when keys
    /// cannot be fetched.
    pub async fn authenticate<T>(
        &self,
        request: &tonic::Request<T>,
    ) -> Result<Option<Principal>, Status> {
        let Some(value) = request.metadata().get("authorization") else { return Ok(None) };
        let token = value
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| Status::unauthenticated("malformed authorization header"))?;
        Ok(Some(self.verify(token.trim()).await?))
    }

    /// Like [`TokenVerifier::authenticate`], but a token is required.
    ///
    /// # Errors
    /// `UNAUTHENTICATED` without a valid token.
    pub async fn require_user<T>(&self, request: &tonic::Request<T>) -> Result<Principal, Status> {
        self.authenticate(request).await?.ok_or_else(|| Status::unauthenticated("sign-in required"))
    }

    /// Like [`TokenVerifier::require_user`], and the user must be an admin.
    ///
    /// # Errors
    /// `UNAUTHENTICATED` without a valid token, `PERMISSION_DENIED` for a non-admin.
    pub async fn require_admin<T>(&self, request: &tonic::Request<T>) -> Result<Principal, Status> {
        let principal = self.require_user(request).await?;
        if principal.is_admin() {
            Ok(principal)
        } else {
            Err(Status::permission_denied("admin role required"))
        }
    }
}

/// An Ed25519 key that signs access tokens (held by identity, and by test fakes).
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    pkcs8: Vec<u8>,
    public_key: Vec<u8>,
    encoding: jsonwebtoken::EncodingKey,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new key with a fresh key id.
    ///
    /// # Errors
    /// When the system random source fails.
    pub fn generate() -> anyhow::Result<Self> {
        let pkcs8 = aws_lc_rs::signature::Ed25519KeyPair::generate_pkcs8(
            &aws_lc_rs::rand::SystemRandom::new(),
        )
        .map_err(|_| anyhow::anyhow!("cannot generate an Ed25519 key"))?;
        Self::from_pkcs8(uuid::Uuid::now_v7().to_string(), pkcs8.as_ref().to_vec())
    }

    /// Loads a stored key.
    ///
    /// # Errors
    /// When the bytes are not an Ed25519 PKCS#8 document.
    pub fn from_pkcs8(kid: String, pkcs8: Vec<u8>) -> anyhow::Result<Self> {
        use aws_lc_rs::signature::KeyPair as _;
        let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| {
            anyhow::anyhow!("stored signing key {kid} is not an Ed25519 PKCS#8 key")
        })?;
        let public_key = pair.public_key().as_ref().to_vec();
        let encoding = jsonwebtoken::EncodingKey::from_ed_der(&pkcs8);
        Ok(Self { kid, pkcs8, public_key, encoding })
    }

    /// Returns the key id (`kid` header of the tokens it signs).
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Returns the PKCS#8 document, for storage.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// Returns the raw 32-byte public key.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// Signs claims into a compact JWT.
    ///
    /// # Errors
    /// When serialisation or signing fails.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let mut header = jsonwebtoken::Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }
}

impl Claims {
    /// Builds the claims of a token for a user's session, valid for `ttl` from now.
    pub fn new(
        user_id: &UserId,
        session_id: &str,
        email: &str,
        name: &str,
        role: Role,
        ttl: Duration,
    ) -> Self {
        let now = bazaar_types::now_ms() / 1000;
        Self {
            sub: user_id.to_string(),
            sid: session_id.to_owned(),
            email: email.to_owned(),
            name: name.to_owned(),
            role,
            iat: now,
            exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(ttl: Duration) -> Claims {
        Claims::new(&UserId::generate(), "session-1", "ada@example.com", "Ada", Role::Admin, ttl)
    }

    #[tokio::test]
    async fn verifies_tokens_it_has_the_key_for() {
        let key = SigningKey::generate().unwrap();
        let verifier =
            TokenVerifier::with_keys([(key.kid().to_owned(), key.public_key().to_vec())]);
        let claims = claims(Duration::from_secs(60));
        let principal = verifier.verify(&key.sign(&claims).unwrap()).await.unwrap();
        assert_eq!(principal.user_id.as_str(), claims.sub);
        assert!(principal.is_admin());
        assert_eq!(principal.session_id, "session-1");
    }

    #[tokio::test]
    async fn rejects_tampered_foreign_and_expired_tokens() {
        let key = SigningKey::generate().unwrap();
        let other = SigningKey::generate().unwrap();
        let verifier =
            TokenVerifier::with_keys([(key.kid().to_owned(), key.public_key().to_vec())]);
        let token = key.sign(&claims(Duration::from_secs(60))).unwrap();
        let mut tampered = token.clone();
        tampered.insert(token.len() - 3, 'x');
        assert_eq!(verifier.verify(&tampered).await, Err(AuthError::Invalid));
        assert_eq!(
            verifier.verify(&other.sign(&claims(Duration::from_secs(60))).unwrap()).await,
            Err(AuthError::Invalid)
        );
        assert_eq!(verifier.verify("not a token").await, Err(AuthError::Invalid));
        let mut expired = claims(Duration::from_secs(0));
        expired.exp -= 60;
        let expired = key.sign(&expired).unwrap();
        assert_eq!(verifier.verify(&expired).await, Err(AuthError::Expired));
        assert!(verifier.verify_ignoring_expiry(&expired).await.is_ok());
    }

    #[tokio::test]
    async fn a_remembered_token_is_still_refused_once_expired() {
        let key = SigningKey::generate().unwrap();
        let verifier =
            TokenVerifier::with_keys([(key.kid().to_owned(), key.public_key().to_vec())]);
        let token = key.sign(&claims(Duration::from_secs(60))).unwrap();
        let first = verifier.verify(&token).await.unwrap();
        assert_eq!(verifier.verify(&token).await.unwrap(), first, "the same answer from memory");
        // Time passes: the remembered token expires like any other.
        verifier.inner.verified.lock().unwrap().get_mut(&token).unwrap().expires_at -= 120;
        assert_eq!(verifier.verify(&token).await, Err(AuthError::Expired));
        // A tampered copy is not the remembered token.
        let mut tampered = token.clone();
        tampered.insert(token.len() - 3, 'x');
        assert_eq!(verifier.verify(&tampered).await, Err(AuthError::Invalid));
    }

    #[test]
    fn stored_keys_load_back() {
        let key = SigningKey::generate().unwrap();
        let loaded = SigningKey::from_pkcs8(key.kid().to_owned(), key.pkcs8().to_vec()).unwrap();
        assert_eq!(loaded.public_key(), key.public_key());
        assert!(SigningKey::from_pkcs8("x".into(), vec![1, 2, 3]).is_err());
    }
}
