//! Accounts: sign-up, sign-in, sign-out, and the account page with profile and addresses.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Form,
    extract::{ConnectInfo, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::PrivateCookieJar;
use bazaar_contracts::{common, identity as identity_pb};
use bazaar_types::{Country, FieldErrors};
use serde::Deserialize;
use tonic::Code;

use crate::{
    error::{AppError, PageError},
    params::PageQuery,
    session::{self, CART_COOKIE, SESSION_COOKIE, Visitor},
    state::AppState,
    view::Layout,
};

/// Where to go after signing in: only a path on this site, never another site.
pub fn safe_next(next: Option<&str>, default: &str) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => default.to_owned(),
    }
}

/// Sends a visitor who is not signed in to the sign-in page, coming back to `here` afterwards.
pub fn sign_in_redirect(here: &str) -> Response {
    Redirect::to(&format!("/sign-in?next={}", crate::view::encode_query_value(here)))
        .into_response()
}

/// The sign-up form.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/sign_up.html")]
pub struct SignUpPage {
    layout: Layout,
    name: String,
    email: String,
    next: String,
    errors: FieldErrors,
}

/// The sign-in form.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/sign_in.html")]
pub struct SignInPage {
    layout: Layout,
    email: String,
    next: String,
    problem: Option<String>,
}

/// The `next` query parameter of the sign-in and sign-up pages.
#[derive(Debug, Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

/// `GET /sign-up`.
pub async fn sign_up_form(layout: Layout, PageQuery(query): PageQuery<NextParam>) -> SignUpPage {
    SignUpPage {
        layout,
        name: String::new(),
        email: String::new(),
        next: safe_next(query.next.as_deref(), "/account?notice=signed-up"),
        errors: FieldErrors::new(),
    }
}

/// The sign-up form's fields.
#[derive(Debug, Deserialize)]
pub struct SignUpForm {
    name: Option<String>,
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

/// Stores the session cookie, merges the anonymous cart into the user's, and forgets the
/// anonymous cart cookie once merged.
async fn signed_in(
    state: &AppState,
    visitor: &Visitor,
    jar: PrivateCookieJar,
    token: String,
) -> PrivateCookieJar {
    let mut jar = jar.add(session::session_cookie(token.clone(), state.secure_cookies));
    if let Some(anonymous_id) = &visitor.anonymous_id {
        match state.clients.merge_cart(&token, anonymous_id).await {
            Ok(()) => jar = jar.remove(session::removal(CART_COOKIE)),
            Err(status) => {
                tracing::warn!(%status, "could not merge the anonymous cart; it stays in its cookie");
            }
        }
    }
    jar
}

/// `POST /sign-up`: creates the account, signs it in and merges the anonymous cart.
///
/// # Errors
/// 503 when identity is down; bad fields re-render the form.
pub async fn sign_up(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    jar: PrivateCookieJar,
    Form(form): Form<SignUpForm>,
) -> Result<Response, PageError> {
    let (name, email, password) = (
        form.name.unwrap_or_default(),
        form.email.unwrap_or_default(),
        form.password.unwrap_or_default(),
    );
    let next = safe_next(form.next.as_deref(), "/account?notice=signed-up");
    match state.clients.sign_up(&email, &password, &name).await {
        Ok(response) => {
            let token = response.session.map(|session| session.token).unwrap_or_default();
            let jar = signed_in(&state, &visitor, jar, token).await;
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(status) if matches!(status.code(), Code::InvalidArgument | Code::AlreadyExists) => {
            let code = if status.code() == Code::AlreadyExists {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            let errors = bazaar_platform::grpc::field_errors(&status);
            Ok((code, SignUpPage { layout, name, email, next, errors }).into_response())
        }
        Err(status) => Err(status.into()),
    }
}

/// `GET /sign-in`.
pub async fn sign_in_form(layout: Layout, PageQuery(query): PageQuery<NextParam>) -> SignInPage {
    SignInPage {
        layout,
        email: String::new(),
        next: safe_next(query.next.as_deref(), "/?notice=signed-in"),
        problem: None,
    }
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInForm {
    email: Option<String>,
    password: Option<String>,
    next: Option<String>,
}

/// `POST /sign-in`: checks the password, stores the session and merges the anonymous cart.
///
/// # Errors
/// 503 when identity is down; wrong credentials re-render the form with one generic message.
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    visitor: Visitor,
    layout: Layout,
    jar: PrivateCookieJar,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    let email = form.email.unwrap_or_default();
    let next = safe_next(form.next.as_deref(), "/?notice=signed-in");
    match state
        .clients
        .sign_in(&email, &form.password.unwrap_or_default(), &peer.ip().to_string())
        .await
    {
        Ok(response) => {
            let token = response.session.map(|session| session.token).unwrap_or_default();
            let jar = signed_in(&state, &visitor, jar, token).await;
            Ok((jar, Redirect::to(&next)).into_response())
        }
        Err(status) if matches!(status.code(), Code::Unauthenticated | Code::ResourceExhausted) => {
            let (code, problem) = if status.code() == Code::ResourceExhausted {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Too many failed attempts. {}", capitalise_first(status.message())),
                )
            } else {
                (
                    StatusCode::UNAUTHORIZED,
                    "That e-mail address and password do not match an account.".to_owned(),
                )
            };
            Ok((code, SignInPage { layout, email, next, problem: Some(problem) }).into_response())
        }
        Err(status) => Err(status.into()),
    }
}

fn capitalise_first(text: &str) -> String {
    let text = text.trim_start_matches("too many failed sign-in attempts; ");
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect::<String>() + ".")
        .unwrap_or_default()
}

/// `POST /sign-out`: revokes the session and forgets the cookie.
pub async fn sign_out(
    State(state): State<AppState>,
    visitor: Visitor,
    jar: PrivateCookieJar,
) -> Response {
    if let Some(user) = &visitor.user {
        state.sessions.forget(&user.session_id);
        if let Err(status) = state.clients.sign_out(&user.token).await {
            tracing::warn!(%status, "could not revoke the session at identity");
        }
    }
    (jar.remove(session::removal(SESSION_COOKIE)), Redirect::to("/?notice=signed-out"))
        .into_response()
}

/// One saved address, for display.
#[derive(Debug, Clone)]
pub struct AddressView {
    /// Id.
    pub id: String,
    /// Lines to show.
    pub lines: Vec<String>,
}

impl From<&identity_pb::StoredAddress> for AddressView {
    fn from(stored: &identity_pb::StoredAddress) -> Self {
        let address = stored.address.clone().unwrap_or_default();
        let country = Country::parse(&address.country)
            .map_or(address.country.clone(), |c| c.name().to_owned());
        let mut lines = vec![address.name, address.line1];
        if !address.line2.is_empty() {
            lines.push(address.line2);
        }
        lines.push(format!("{} {}", address.postal_code, address.city));
        lines.push(country);
        Self { id: stored.id.clone(), lines }
    }
}

/// An address form's values and errors, shared by the account and checkout pages.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AddressForm {
    /// Recipient.
    #[serde(default)]
    pub name: String,
    /// Street.
    #[serde(default)]
    pub line1: String,
    /// Second line.
    #[serde(default)]
    pub line2: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// Postal code.
    #[serde(default)]
    pub postal_code: String,
    /// ISO country code.
    #[serde(default)]
    pub country: String,
}

impl AddressForm {
    /// Returns the wire form.
    pub fn to_proto(&self) -> common::Address {
        common::Address {
            name: self.name.clone(),
            line1: self.line1.clone(),
            line2: self.line2.clone(),
            city: self.city.clone(),
            postal_code: self.postal_code.clone(),
            country: self.country.clone(),
        }
    }
}

/// Every country, by name, for address forms.
pub fn countries() -> Vec<(&'static str, &'static str)> {
    let mut countries: Vec<_> =
        Country::all().map(|country| (country.code(), country.name())).collect();
    countries.sort_by_key(|(_, name)| *name);
    countries
}

/// The account page.
#[derive(Debug, Template, WebTemplate)]
#[template(path = "pages/account.html")]
pub struct AccountPage {
    layout: Layout,
    name: String,
    email: String,
    is_admin: bool,
    addresses: Vec<AddressView>,
    address: AddressForm,
    errors: FieldErrors,
    countries: Vec<(&'static str, &'static str)>,
}

async fn account_page(
    state: &AppState,
    layout: Layout,
    token: &str,
    address: AddressForm,
    errors: FieldErrors,
) -> Result<AccountPage, PageError> {
    let (profile, addresses) =
        tokio::join!(state.clients.profile(token), state.clients.addresses(token));
    let profile = profile?;
    let address = AddressForm {
        country: if address.country.is_empty() { "US".to_owned() } else { address.country },
        ..address
    };
    Ok(AccountPage {
        layout,
        name: profile.name,
        email: profile.email,
        is_admin: profile.role == identity_pb::Role::Admin as i32,
        addresses: addresses?.iter().map(AddressView::from).collect(),
        address,
        errors,
        countries: countries(),
    })
}

/// `GET /account`.
///
/// # Errors
/// 503 when identity is down.
pub async fn account(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/account")) };
    Ok(account_page(&state, layout, &user.token, AddressForm::default(), FieldErrors::new())
        .await?
        .into_response())
}

/// The profile form.
#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    name: Option<String>,
}

/// `POST /account/profile`: renames the user.
///
/// # Errors
/// 503 when identity is down; a bad name re-renders the page.
pub async fn update_profile(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    Form(form): Form<ProfileForm>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/account")) };
    match state.clients.update_profile(&user.token, &form.name.unwrap_or_default()).await {
        Ok(_) => Ok(Redirect::to("/account?notice=profile-saved").into_response()),
        Err(status) if status.code() == Code::InvalidArgument => {
            let errors = bazaar_platform::grpc::field_errors(&status);
            let page =
                account_page(&state, layout, &user.token, AddressForm::default(), errors).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(status) => Err(status.into()),
    }
}

/// `POST /account/addresses`: saves an address.
///
/// # Errors
/// 503 when identity is down; bad fields re-render the page beside each field.
pub async fn add_address(
    State(state): State<AppState>,
    visitor: Visitor,
    layout: Layout,
    Form(form): Form<AddressForm>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/account")) };
    match state.clients.add_address(&user.token, form.to_proto()).await {
        Ok(_) => Ok(Redirect::to("/account?notice=address-saved").into_response()),
        Err(status)
            if matches!(status.code(), Code::InvalidArgument | Code::FailedPrecondition) =>
        {
            let mut errors = bazaar_platform::grpc::field_errors(&status);
            if errors.is_empty() {
                errors.push("address", status.message());
            }
            let page = account_page(&state, layout, &user.token, form, errors).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(status) => Err(status.into()),
    }
}

/// `POST /account/addresses/{id}/delete`.
///
/// # Errors
/// 404 for an address that is not the user's.
pub async fn delete_address(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let Some(user) = &visitor.user else { return Ok(sign_in_redirect("/account")) };
    state.clients.delete_address(&user.token, &id).await.map_err(|status| match status.code() {
        Code::NotFound | Code::InvalidArgument => {
            PageError(AppError::NotFound("no such address".to_owned()))
        }
        _ => status.into(),
    })?;
    Ok(Redirect::to("/account?notice=address-deleted").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/cart"), "/"), "/cart");
        assert_eq!(safe_next(Some("//evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("https://evil.example"), "/"), "/");
        assert_eq!(safe_next(Some("/\\evil.example"), "/"), "/");
        assert_eq!(safe_next(None, "/account"), "/account");
    }
}
