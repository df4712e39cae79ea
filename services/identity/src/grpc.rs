//! Identity's RPC handlers.

use std::time::Duration;

use bazaar_contracts::{
    common,
    events::UserRegistered,
    identity::{self as pb, identity_service_server::IdentityService},
};
use bazaar_platform::{
    auth::{Claims, Principal, Role},
    db::Db,
    events::Publisher,
};
use bazaar_types::{Address, AddressId, Email, FieldErrors, SessionId, UserId};
use tonic::{Request, Response, Status};

use crate::{
    domain::{NewAccount, Throttle, ThrottleKind, User, parse_name},
    error::Error,
    hasher::Hasher,
    keys::Keys,
    store::{self, StoredAddress},
};

/// Most addresses one user may save.
pub const MAX_ADDRESSES: usize = 20;

/// The `IdentityService` implementation.
#[derive(Debug, Clone)]
pub struct IdentityGrpc {
    db: Db,
    keys: Keys,
    hasher: Hasher,
    publisher: Publisher,
    token_ttl: Duration,
    session_ttl: Duration,
}

impl IdentityGrpc {
    /// Builds the handlers.
    pub fn new(
        db: Db,
        keys: Keys,
        hasher: Hasher,
        publisher: Publisher,
        token_ttl: Duration,
        session_ttl: Duration,
    ) -> Self {
        Self { db, keys, hasher, publisher, token_ttl, session_ttl }
    }

    fn session_ttl_ms(&self) -> i64 {
        i64::try_from(self.session_ttl.as_millis()).unwrap_or(i64::MAX / 4)
    }

    /// Signs a token for a user's session.
    fn issue(&self, user: &User, session_id: &SessionId) -> Result<pb::Session, Error> {
        let claims = Claims::new(
            &user.id,
            session_id.as_str(),
            user.email.as_str(),
            &user.name,
            user.role,
            self.token_ttl,
        );
        let token = self.keys.current()?.sign(&claims)?;
        Ok(pb::Session {
            token,
            expires_at_ms: claims.exp * 1000,
            session_id: session_id.to_string(),
        })
    }

    /// Verifies the caller's token and that its session is still live.
    async fn caller<T>(&self, request: &Request<T>) -> Result<Principal, Status> {
        let principal = self.keys.verifier().require_user(request).await?;
        if !store::session_is_live(&self.db, &principal.session_id, bazaar_types::now_ms())
            .await
            .map_err(Error::from)?
        {
            return Err(Error::SessionEnded.into());
        }
        Ok(principal)
    }

    async fn open_session(
        &self,
        connection: &mut sqlx::AnyConnection,
        user: &User,
    ) -> Result<pb::Session, Error> {
        let now = bazaar_types::now_ms();
        let session_id = SessionId::generate();
        store::insert_session(connection, &session_id, &user.id, now, now + self.session_ttl_ms())
            .await?;
        self.issue(user, &session_id)
    }
}

fn to_proto_user(user: &User) -> pb::User {
    pb::User {
        id: user.id.to_string(),
        email: user.email.to_string(),
        name: user.name.clone(),
        role: match user.role {
            Role::Customer => pb::Role::Customer,
            Role::Admin => pb::Role::Admin,
        }
        .into(),
        created_at_ms: user.created_at_ms,
    }
}

fn to_proto_address(stored: &StoredAddress) -> pb::StoredAddress {
    pb::StoredAddress {
        id: stored.id.to_string(),
        address: Some(common::Address::from(&stored.address)),
        created_at_ms: stored.created_at_ms,
    }
}

fn address_id(text: &str) -> Result<AddressId, Status> {
    // A malformed id cannot name one of the caller's addresses.
    AddressId::parse(text).map_err(|_| Error::AddressNotFound.into())
}

#[tonic::async_trait]
impl IdentityService for IdentityGrpc {
    async fn sign_up(
        &self,
        request: Request<pb::SignUpRequest>,
    ) -> Result<Response<pb::SignUpResponse>, Status> {
        let request = request.into_inner();
        let account = NewAccount::parse(&request.email, &request.password, &request.name)
            .map_err(Error::from)?;
        let hash = self.hasher.hash(account.password.expose()).await.map_err(Error::from)?;
        let user = User {
            id: UserId::generate(),
            email: account.email,
            name: account.name,
            role: Role::Customer,
            created_at_ms: bazaar_types::now_ms(),
        };
        let mut tx = self.db.begin().await.map_err(Error::from)?;
        if !store::insert_user(&mut tx, &user, &hash).await.map_err(Error::from)? {
            return Err(Error::EmailTaken.into());
        }
        let session = self.open_session(&mut tx, &user).await?;
        let event = UserRegistered {
            user_id: user.id.to_string(),
            email: user.email.to_string(),
            name: user.name.clone(),
        };
        self.publisher.emit(&mut tx, user.id.as_str(), &event).await.map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        self.publisher.wake();
        tracing::info!(user_id = %user.id, "account created");
        Ok(Response::new(pb::SignUpResponse {
            user: Some(to_proto_user(&user)),
            session: Some(session),
        }))
    }

    async fn sign_in(
        &self,
        request: Request<pb::SignInRequest>,
    ) -> Result<Response<pb::SignInResponse>, Status> {
        let request = request.into_inner();
        let now = bazaar_types::now_ms();
        // A malformed address cannot have an account: same generic answer, same cost.
        let email = Email::parse(&request.email).ok();
        let account_key =
            Throttle::key(ThrottleKind::Account, email.as_ref().map_or("", Email::as_str));
        let client_key = Throttle::key(ThrottleKind::ClientAddress, request.client_address.trim());
        let account_block =
            store::blocked_until(&self.db, &account_key).await.map_err(Error::from)?;
        let client_block = if request.client_address.trim().is_empty() {
            0
        } else {
            store::blocked_until(&self.db, &client_key).await.map_err(Error::from)?
        };
        let blocked_until = account_block.max(client_block);
        if blocked_until > now {
            return Err(Error::Throttled((blocked_until - now + 999) / 1000).into());
        }
        let found = match &email {
            Some(email) => store::user_by_email(&self.db, email).await.map_err(Error::from)?,
            None => None,
        };
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let verified = self
            .hasher
            .verify(&request.password, hash)
            .await
            .map_err(|error| Status::unavailable(format!("{error:#}; try again shortly")))?;
        let Some(user) = user.filter(|_| verified) else {
            if email.is_some() {
                store::record_failure(&self.db, ThrottleKind::Account, &account_key, now)
                    .await
                    .map_err(Error::from)?;
            }
            if !request.client_address.trim().is_empty() {
                store::record_failure(&self.db, ThrottleKind::ClientAddress, &client_key, now)
                    .await
                    .map_err(Error::from)?;
            }
            tracing::info!("sign-in refused");
            return Err(Error::BadCredentials.into());
        };
        if account_block > 0 {
            store::clear_failures(&self.db, &account_key).await.map_err(Error::from)?;
        }
        let mut tx = self.db.begin().await.map_err(Error::from)?;
        let session = self.open_session(&mut tx, &user).await?;
        tx.commit().await.map_err(Error::from)?;
        Ok(Response::new(pb::SignInResponse {
            user: Some(to_proto_user(&user)),
            session: Some(session),
        }))
    }

    async fn sign_out(
        &self,
        request: Request<pb::SignOutRequest>,
    ) -> Result<Response<pb::SignOutResponse>, Status> {
        // An expired token may still sign out its session.
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(|| Status::unauthenticated("sign-in required"))?;
        let principal = self.keys.verifier().verify_ignoring_expiry(token.trim()).await?;
        store::revoke_session(
            &self.db,
            &principal.session_id,
            &principal.user_id,
            bazaar_types::now_ms(),
        )
        .await
        .map_err(Error::from)?;
        Ok(Response::new(pb::SignOutResponse {}))
    }

    async fn refresh_session(
        &self,
        request: Request<pb::RefreshSessionRequest>,
    ) -> Result<Response<pb::RefreshSessionResponse>, Status> {
        let token = request.into_inner().token;
        let principal = self.keys.verifier().verify_ignoring_expiry(&token).await?;
        let now = bazaar_types::now_ms();
        if !store::extend_session(
            &self.db,
            &principal.session_id,
            &principal.user_id,
            now,
            now + self.session_ttl_ms(),
        )
        .await
        .map_err(Error::from)?
        {
            return Err(Error::SessionEnded.into());
        }
        let user = store::user_by_id(&self.db, &principal.user_id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::SessionEnded)?;
        let session_id =
            SessionId::parse(&principal.session_id).map_err(|_| Error::SessionEnded)?;
        let session = self.issue(&user, &session_id)?;
        Ok(Response::new(pb::RefreshSessionResponse {
            user: Some(to_proto_user(&user)),
            session: Some(session),
        }))
    }

    async fn check_session(
        &self,
        request: Request<pb::CheckSessionRequest>,
    ) -> Result<Response<pb::CheckSessionResponse>, Status> {
        let session_id = request.into_inner().session_id;
        let active = store::session_is_live(&self.db, &session_id, bazaar_types::now_ms())
            .await
            .map_err(Error::from)?;
        Ok(Response::new(pb::CheckSessionResponse { active }))
    }

    async fn get_profile(
        &self,
        request: Request<pb::GetProfileRequest>,
    ) -> Result<Response<pb::GetProfileResponse>, Status> {
        let principal = self.caller(&request).await?;
        let user = store::user_by_id(&self.db, &principal.user_id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::SessionEnded)?;
        Ok(Response::new(pb::GetProfileResponse { user: Some(to_proto_user(&user)) }))
    }

    async fn update_profile(
        &self,
        request: Request<pb::UpdateProfileRequest>,
    ) -> Result<Response<pb::UpdateProfileResponse>, Status> {
        let principal = self.caller(&request).await?;
        let name = parse_name(&request.into_inner().name)
            .map_err(|error| Error::Invalid(FieldErrors::single("name", error.to_string())))?;
        let user = store::rename_user(&self.db, &principal.user_id, &name, bazaar_types::now_ms())
            .await
            .map_err(Error::from)?
            .ok_or(Error::SessionEnded)?;
        Ok(Response::new(pb::UpdateProfileResponse { user: Some(to_proto_user(&user)) }))
    }

    async fn list_addresses(
        &self,
        request: Request<pb::ListAddressesRequest>,
    ) -> Result<Response<pb::ListAddressesResponse>, Status> {
        let principal = self.caller(&request).await?;
        let addresses =
            store::list_addresses(&self.db, &principal.user_id).await.map_err(Error::from)?;
        Ok(Response::new(pb::ListAddressesResponse {
            addresses: addresses.iter().map(to_proto_address).collect(),
        }))
    }

    async fn get_address(
        &self,
        request: Request<pb::GetAddressRequest>,
    ) -> Result<Response<pb::GetAddressResponse>, Status> {
        let principal = self.caller(&request).await?;
        let id = address_id(&request.get_ref().address_id)?;
        let stored = store::address(&self.db, &principal.user_id, &id)
            .await
            .map_err(Error::from)?
            .ok_or(Error::AddressNotFound)?;
        Ok(Response::new(pb::GetAddressResponse { address: Some(to_proto_address(&stored)) }))
    }

    async fn add_address(
        &self,
        request: Request<pb::AddAddressRequest>,
    ) -> Result<Response<pb::AddAddressResponse>, Status> {
        let principal = self.caller(&request).await?;
        let input = request.into_inner().address.unwrap_or_default();
        let address = Address::try_from(&input).map_err(Error::from)?;
        let stored = store::insert_address(
            &self.db,
            &principal.user_id,
            &address,
            MAX_ADDRESSES,
            bazaar_types::now_ms(),
        )
        .await
        .map_err(Error::from)?
        .ok_or(Error::TooManyAddresses(MAX_ADDRESSES))?;
        Ok(Response::new(pb::AddAddressResponse { address: Some(to_proto_address(&stored)) }))
    }

    async fn delete_address(
        &self,
        request: Request<pb::DeleteAddressRequest>,
    ) -> Result<Response<pb::DeleteAddressResponse>, Status> {
        let principal = self.caller(&request).await?;
        let id = address_id(&request.get_ref().address_id)?;
        if !store::delete_address(&self.db, &principal.user_id, &id).await.map_err(Error::from)? {
            return Err(Error::AddressNotFound.into());
        }
        Ok(Response::new(pb::DeleteAddressResponse {}))
    }

    async fn get_signing_keys(
        &self,
        _: Request<pb::GetSigningKeysRequest>,
    ) -> Result<Response<pb::GetSigningKeysResponse>, Status> {
        let keys = Keys::published(&self.db).await.map_err(Error::from)?;
        Ok(Response::new(pb::GetSigningKeysResponse {
            keys: keys
                .into_iter()
                .map(|key| pb::SigningKey {
                    kid: key.kid,
                    algorithm: "EdDSA".to_owned(),
                    public_key: key.public_key,
                })
                .collect(),
        }))
    }
}
