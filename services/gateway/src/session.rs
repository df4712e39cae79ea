//! Who is calling: a signed-in user (a bearer token, or the token in the encrypted session
//! cookie) and the anonymous cart id kept in a cookie.
//!
//! The [`resolve`] middleware verifies credentials once per request and puts a [`Visitor`] in the
//! request's extensions. A token is checked locally against identity's public keys and its
//! session against identity (cached for two seconds), so signing out really revokes it. An
//! expired cookie token is refreshed while its session lives. A tampered, expired or revoked
//! credential gets 401 and its cookie is cleared.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::{IntoResponse, Response},
};
use axum_extra::extract::{
    CookieJar, PrivateCookieJar,
    cookie::{Cookie, SameSite},
};
use bazaar_platform::auth::{AuthError, Principal, Role};

use crate::{
    error::{ApiError, AppError, PageError},
    state::AppState,
};

/// Name of the cookie holding the access token.
pub const SESSION_COOKIE: &str = "bazaar_session";
/// Name of the cookie holding the anonymous cart id.
pub const CART_COOKIE: &str = "bazaar_cart";
/// Name of the cookie carrying a one-time message to the next page.
pub const FLASH_COOKIE: &str = "bazaar_flash";

/// The caller of a request.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    /// The signed-in user, if any.
    pub user: Option<Principal>,
    /// The anonymous cart id from the cookie, if any.
    pub anonymous_id: Option<String>,
}

impl Visitor {
    /// Returns the bearer token to forward to services.
    pub fn token(&self) -> Option<&str> {
        self.user.as_ref().map(|user| user.token.as_str())
    }

    /// Tells whether the visitor is a signed-in admin.
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(|user| user.role == Role::Admin)
    }

    /// Tells whether the visitor has a cart to look at.
    pub fn has_cart(&self) -> bool {
        self.user.is_some() || self.anonymous_id.is_some()
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Self>().cloned().unwrap_or_default())
    }
}

/// Remembers live sessions for a moment, so a page does not ask identity on every request.
/// Signing out through this gateway forgets the session at once; elsewhere it takes at most the
/// cache's lifetime.
#[derive(Debug, Default)]
pub struct SessionCache {
    live: Mutex<HashMap<String, Instant>>,
}

impl SessionCache {
    const TTL: Duration = Duration::from_secs(2);
    const MAX_ENTRIES: usize = 50_000;

    fn is_live(&self, session_id: &str) -> bool {
        self.live
            .lock()
            .ok()
            .and_then(|live| live.get(session_id).copied())
            .is_some_and(|at| at.elapsed() < Self::TTL)
    }

    fn remember(&self, session_id: &str) {
        if let Ok(mut live) = self.live.lock() {
            if live.len() >= Self::MAX_ENTRIES {
                live.retain(|_, at| at.elapsed() < Self::TTL);
            }
            live.insert(session_id.to_owned(), Instant::now());
        }
    }

    /// Forgets a session (after signing out).
    pub fn forget(&self, session_id: &str) {
        if let Ok(mut live) = self.live.lock() {
            live.remove(session_id);
        }
    }
}

/// Why credentials were refused.
enum Refusal {
    Unauthorized(&'static str),
    Unavailable,
}

/// Builds a session cookie for a token.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    cookie(SESSION_COOKIE, token, secure)
}

/// Builds an HttpOnly, SameSite=Lax cookie valid for the whole site.
pub fn cookie(name: &'static str, value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::days(30))
        .build()
}

/// Builds a cookie that deletes `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    Cookie::build((name, "")).path("/").max_age(time::Duration::ZERO).build()
}

/// Resolves the visitor of every request (except static files and health checks).
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/static/")
        || path.starts_with("/media/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics")
    {
        return next.run(request).await;
    }
    let is_api = path.starts_with("/api/");
    let headers = request.headers();
    let bearer = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(|value| value.strip_prefix("Bearer ").map(str::trim).unwrap_or_default().to_owned());
    let jar = PrivateCookieJar::from_headers(headers, state.cookie_key.clone());
    let plain = CookieJar::from_headers(headers);
    let mut visitor = Visitor {
        user: None,
        anonymous_id: jar
            .get(CART_COOKIE)
            .map(|cookie| cookie.value().to_owned())
            .filter(|id| uuid::Uuid::try_parse(id).is_ok()),
    };
    let mut new_token = None;

    let outcome = if let Some(token) = bearer {
        verify(&state, &token, false).await.map(|(user, _)| Some(user))
    } else if let Some(cookie) = jar.get(SESSION_COOKIE) {
        verify(&state, cookie.value(), true).await.map(|(user, refreshed)| {
            new_token = refreshed;
            Some(user)
        })
    } else if plain.get(SESSION_COOKIE).is_some() {
        // Present but not decryptable with our key: tampered with, or from another shop.
        Err(Refusal::Unauthorized("your session cookie is not valid; please sign in again"))
    } else {
        Ok(None)
    };

    match outcome {
        Ok(user) => visitor.user = user,
        Err(Refusal::Unavailable) => {
            let error = AppError::Unavailable(
                "signing in is temporarily unavailable; please try again".to_owned(),
            );
            return if is_api {
                ApiError(error).into_response()
            } else {
                PageError(error).into_response()
            };
        }
        Err(Refusal::Unauthorized(message)) => {
            let error = AppError::Unauthorized(message.to_owned());
            // A removal cookie (empty, expired) is added outright: the refused cookie may not even
            // decrypt, so the private jar would not know it to remove it.
            let cleared = CookieJar::new().add(removal(SESSION_COOKIE));
            return if is_api {
                (cleared, ApiError(error)).into_response()
            } else {
                (cleared, PageError(error)).into_response()
            };
        }
    }

    request.extensions_mut().insert(visitor);
    let response = next.run(request).await;
    match new_token {
        Some(token) => {
            (jar.add(session_cookie(token, state.secure_cookies)), response).into_response()
        }
        None => response,
    }
}

/// Verifies a token and its session; a cookie's expired token is refreshed while its session lives.
async fn verify(
    state: &AppState,
    token: &str,
    may_refresh: bool,
) -> Result<(Principal, Option<String>), Refusal> {
    match state.verifier.verify(token).await {
        Ok(principal) => {
            if state.sessions.is_live(&principal.session_id) {
                return Ok((principal, None));
            }
            match state.clients.session_is_live(&principal.session_id).await {
                Ok(true) => {
                    state.sessions.remember(&principal.session_id);
                    Ok((principal, None))
                }
                Ok(false) => {
                    Err(Refusal::Unauthorized("your session has ended; please sign in again"))
                }
                Err(_) => Err(Refusal::Unavailable),
            }
        }
        Err(AuthError::Expired) if may_refresh => {
            match state.clients.refresh_session(token).await {
                Ok(session) => {
                    let principal = state
                        .verifier
                        .verify(&session.token)
                        .await
                        .map_err(|_| Refusal::Unavailable)?;
                    state.sessions.remember(&principal.session_id);
                    Ok((principal, Some(session.token)))
                }
                Err(status) if status.code() == tonic::Code::Unauthenticated => {
                    Err(Refusal::Unauthorized("your session has ended; please sign in again"))
                }
                Err(_) => Err(Refusal::Unavailable),
            }
        }
        Err(AuthError::Expired) => {
            Err(Refusal::Unauthorized("the token has expired; sign in again for a new one"))
        }
        Err(AuthError::Invalid) => Err(Refusal::Unauthorized("the token is not valid")),
        Err(AuthError::KeysUnavailable) => Err(Refusal::Unavailable),
    }
}

/// A signed-in API caller. Extracting it refuses the request with 401 before anything else
/// (such as the body) is looked at.
#[derive(Debug, Clone)]
pub struct User(pub Principal);

impl FromRequestParts<AppState> for User {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Visitor>()
            .and_then(|visitor| visitor.user.clone())
            .map(Self)
            .ok_or_else(|| {
                ApiError(AppError::Unauthorized("sign-in required: send a bearer token".to_owned()))
            })
    }
}

/// A signed-in admin API caller: 401 without a token, 403 for a customer.
#[derive(Debug, Clone)]
pub struct Admin(pub Principal);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let User(user) = User::from_request_parts(parts, state).await?;
        if user.role == Role::Admin {
            Ok(Self(user))
        } else {
            Err(ApiError(AppError::Forbidden("admin role required".to_owned())))
        }
    }
}

/// Shares the session cache.
pub type Sessions = Arc<SessionCache>;
