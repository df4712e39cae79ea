//! Accounts over the API: sign-up, sign-in (bearer tokens), sign-out, profile and addresses.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::StatusCode,
};
use bazaar_contracts::identity as identity_pb;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{dto::rfc3339, json::ApiJson};
use crate::{
    error::{ApiError, AppError, Problem},
    session::User,
    state::AppState,
};

/// A user account.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// UUID.
    pub id: String,
    /// E-mail address, lower case.
    pub email: String,
    /// Display name.
    pub name: String,
    /// `customer` or `admin`.
    pub role: &'static str,
    /// RFC 3339 creation time.
    pub created_at: String,
}

impl From<&identity_pb::User> for UserDto {
    fn from(user: &identity_pb::User) -> Self {
        Self {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            role: if user.role() == identity_pb::Role::Admin { "admin" } else { "customer" },
            created_at: rfc3339(user.created_at_ms),
        }
    }
}

/// A signed-in session: send `Authorization: Bearer <token>` with later calls.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// The access token (a short-lived EdDSA JWT).
    pub token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// RFC 3339 expiry of the token; sign in again after it.
    pub expires_at: String,
    /// The account.
    pub user: UserDto,
}

fn session(
    user: Option<identity_pb::User>,
    session: Option<identity_pb::Session>,
) -> Result<SessionDto, ApiError> {
    let (Some(user), Some(session)) = (user, session) else {
        return Err(ApiError(AppError::Internal));
    };
    Ok(SessionDto {
        token: session.token,
        token_type: "Bearer",
        expires_at: rfc3339(session.expires_at_ms),
        user: UserDto::from(&user),
    })
}

/// Sign-up fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignUpBody {
    /// E-mail address.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub email: String,
    /// Password, 10 to 128 characters.
    #[serde(default)]
    #[schema(min_length = 10, max_length = 128)]
    pub password: String,
    /// Display name.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub name: String,
}

/// Creates an account and signs it in.
///
/// # Errors
/// 400 with field messages, 409 when the e-mail address is taken.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "accounts",
    request_body = SignUpBody,
    responses(
        (status = 201, description = "The account, signed in", body = SessionDto),
        (status = 400, description = "Invalid fields", body = Problem),
        (status = 409, description = "E-mail address already registered", body = Problem),
    )
)]
pub async fn sign_up(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignUpBody>,
) -> Result<(StatusCode, Json<SessionDto>), ApiError> {
    let response = state.clients.sign_up(&body.email, &body.password, &body.name).await?;
    Ok((StatusCode::CREATED, Json(session(response.user, response.session)?)))
}

/// Sign-in fields.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SignInBody {
    /// E-mail address.
    #[serde(default)]
    pub email: String,
    /// Password.
    #[serde(default)]
    pub password: String,
}

/// Signs in and returns a bearer token.
///
/// # Errors
/// 401 with one generic message for wrong credentials; 429 after repeated failures.
#[utoipa::path(
    post,
    path = "/api/v1/sessions",
    tag = "accounts",
    request_body = SignInBody,
    responses(
        (status = 201, description = "Signed in", body = SessionDto),
        (status = 401, description = "Wrong e-mail address or password", body = Problem),
        (status = 429, description = "Too many failed attempts; retry later", body = Problem),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<SignInBody>,
) -> Result<(StatusCode, Json<SessionDto>), ApiError> {
    let response =
        state.clients.sign_in(&body.email, &body.password, &peer.ip().to_string()).await?;
    Ok((StatusCode::CREATED, Json(session(response.user, response.session)?)))
}

/// Signs out: the token's session is revoked, so the token stops working everywhere.
///
/// # Errors
/// 401 without a valid token.
#[utoipa::path(
    delete,
    path = "/api/v1/sessions/current",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid token", body = Problem),
    )
)]
pub async fn sign_out(
    State(state): State<AppState>,
    User(user): User,
) -> Result<StatusCode, ApiError> {
    state.sessions.forget(&user.session_id);
    state.clients.sign_out(&user.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Returns the caller's profile.
///
/// # Errors
/// 401 without a valid token.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = UserDto),
        (status = 401, description = "No valid token", body = Problem),
    )
)]
pub async fn me(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(UserDto::from(&state.clients.profile(&user.token).await?)))
}

/// Profile changes.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfilePatch {
    /// New display name.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub name: String,
}

/// Changes the caller's name.
///
/// # Errors
/// 400 for an empty or long name, 401 without a valid token.
#[utoipa::path(
    patch,
    path = "/api/v1/me",
    tag = "accounts",
    security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "The updated profile", body = UserDto),
        (status = 400, description = "Invalid name", body = Problem),
        (status = 401, description = "No valid token", body = Problem),
    )
)]
pub async fn update_me(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(body): ApiJson<ProfilePatch>,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(UserDto::from(&state.clients.update_profile(&user.token, &body.name).await?)))
}

/// A postal address.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AddressDto {
    /// Recipient's name.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub name: String,
    /// Street and number.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub line1: String,
    /// Second line, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// City.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub city: String,
    /// Postal code.
    #[serde(default)]
    #[schema(min_length = 1)]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[serde(default)]
    #[schema(pattern = "^[A-Za-z]{2}$", example = "US")]
    pub country: String,
}

impl AddressDto {
    /// Returns the wire form.
    pub fn to_proto(&self) -> bazaar_contracts::common::Address {
        bazaar_contracts::common::Address {
            name: self.name.clone(),
            line1: self.line1.clone(),
            line2: self.line2.clone().unwrap_or_default(),
            city: self.city.clone(),
            postal_code: self.postal_code.clone(),
            country: self.country.clone(),
        }
    }
}

impl From<&bazaar_contracts::common::Address> for AddressDto {
    fn from(address: &bazaar_contracts::common::Address) -> Self {
        Self {
            name: address.name.clone(),
            line1: address.line1.clone(),
            line2: (!address.line2.is_empty()).then(|| address.line2.clone()),
            city: address.city.clone(),
            postal_code: address.postal_code.clone(),
            country: address.country.clone(),
        }
    }
}

/// A saved address.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoredAddressDto {
    /// UUID.
    pub id: String,
    /// The address.
    #[serde(flatten)]
    pub address: AddressDto,
    /// RFC 3339 time it was saved.
    pub created_at: String,
}

impl From<&identity_pb::StoredAddress> for StoredAddressDto {
    fn from(stored: &identity_pb::StoredAddress) -> Self {
        Self {
            id: stored.id.clone(),
            address: stored.address.as_ref().map(AddressDto::from).unwrap_or_default(),
            created_at: rfc3339(stored.created_at_ms),
        }
    }
}

/// The caller's addresses.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressList {
    /// Oldest first.
    pub items: Vec<StoredAddressDto>,
}

/// Lists the caller's shipping addresses.
///
/// # Errors
/// 401 without a valid token.
#[utoipa::path(
    get,
    path = "/api/v1/me/addresses",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The addresses", body = AddressList),
        (status = 401, description = "No valid token", body = Problem),
    )
)]
pub async fn addresses(
    State(state): State<AppState>,
    User(user): User,
) -> Result<Json<AddressList>, ApiError> {
    let addresses = state.clients.addresses(&user.token).await?;
    Ok(Json(AddressList { items: addresses.iter().map(StoredAddressDto::from).collect() }))
}

/// Saves a shipping address.
///
/// # Errors
/// 400 with field messages, 401 without a valid token, 409 at the limit of saved addresses.
#[utoipa::path(
    post,
    path = "/api/v1/me/addresses",
    tag = "accounts",
    security(("bearer" = [])),
    request_body = AddressDto,
    responses(
        (status = 201, description = "The saved address", body = StoredAddressDto),
        (status = 400, description = "Invalid fields", body = Problem),
        (status = 401, description = "No valid token", body = Problem),
        (status = 409, description = "Too many saved addresses", body = Problem),
    )
)]
pub async fn add_address(
    State(state): State<AppState>,
    User(user): User,
    ApiJson(body): ApiJson<AddressDto>,
) -> Result<(StatusCode, Json<StoredAddressDto>), ApiError> {
    let stored = state.clients.add_address(&user.token, body.to_proto()).await?;
    Ok((StatusCode::CREATED, Json(StoredAddressDto::from(&stored))))
}

/// Deletes one of the caller's addresses.
///
/// # Errors
/// 401 without a valid token, 404 for an address that is not the caller's.
#[utoipa::path(
    delete,
    path = "/api/v1/me/addresses/{id}",
    tag = "accounts",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The address's UUID")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem),
        (status = 404, description = "No such address", body = Problem),
    )
)]
pub async fn delete_address(
    State(state): State<AppState>,
    User(user): User,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.clients.delete_address(&user.token, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
