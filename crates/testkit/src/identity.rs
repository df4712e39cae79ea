//! A fake identity service for tests of services that verify tokens.

use std::{
    collections::HashSet,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use bazaar_contracts::identity::{self as pb, identity_service_server::IdentityService};
use bazaar_platform::auth::{Claims, Role, SigningKey};
use bazaar_types::UserId;
use tonic::{Request, Response, Status};

/// An identity server on a loopback port that serves `GetSigningKeys` and `CheckSession` and
/// answers `UNIMPLEMENTED` to everything else. Tests sign tokens for made-up users with it.
#[derive(Debug, Clone)]
pub struct FakeIdentity {
    url: String,
    key: SigningKey,
    revoked: Arc<Mutex<HashSet<String>>>,
}

impl FakeIdentity {
    /// Starts the server on a free port.
    ///
    /// # Panics
    /// When no port or key can be had.
    pub async fn spawn() -> Self {
        let key = SigningKey::generate().expect("an Ed25519 key");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
        let address: SocketAddr = listener.local_addr().expect("a bound address");
        let fake = Self { url: format!("http://{address}"), key, revoked: Arc::default() };
        let service = pb::identity_service_server::IdentityServiceServer::new(fake.clone());
        tokio::spawn(async move {
            let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
            let _ = tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming(incoming)
                .await;
        });
        fake
    }

    /// Returns the server's URL, for `--identity-url`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Makes up a user with `role` and returns their id and a valid token.
    ///
    /// # Panics
    /// When signing fails.
    pub fn user(&self, role: Role) -> (UserId, String) {
        let user_id = UserId::generate();
        let token = self.token_for(&user_id, role);
        (user_id, token)
    }

    /// Signs a fresh token (own session) for `user_id`.
    ///
    /// # Panics
    /// When signing fails.
    pub fn token_for(&self, user_id: &UserId, role: Role) -> String {
        let session = uuid::Uuid::now_v7().to_string();
        let email = format!("user-{}@example.com", &user_id.as_str()[..8]);
        let claims =
            Claims::new(user_id, &session, &email, "Test User", role, Duration::from_secs(600));
        self.key.sign(&claims).expect("signing a test token")
    }

    /// Marks a session as signed out.
    pub fn revoke(&self, session_id: &str) {
        if let Ok(mut revoked) = self.revoked.lock() {
            revoked.insert(session_id.to_owned());
        }
    }
}

fn unimplemented<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented("not part of the fake identity service"))
}

#[tonic::async_trait]
impl IdentityService for FakeIdentity {
    async fn get_signing_keys(
        &self,
        _: Request<pb::GetSigningKeysRequest>,
    ) -> Result<Response<pb::GetSigningKeysResponse>, Status> {
        Ok(Response::new(pb::GetSigningKeysResponse {
            keys: vec![pb::SigningKey {
                kid: self.key.kid().to_owned(),
                algorithm: "EdDSA".to_owned(),
                public_key: self.key.public_key().to_vec(),
            }],
        }))
    }

    async fn check_session(
        &self,
        request: Request<pb::CheckSessionRequest>,
    ) -> Result<Response<pb::CheckSessionResponse>, Status> {
        let session = request.into_inner().session_id;
        let active = self.revoked.lock().map(|revoked| !revoked.contains(&session)).unwrap_or(true);
        Ok(Response::new(pb::CheckSessionResponse { active }))
    }

    async fn sign_up(
        &self,
        _: Request<pb::SignUpRequest>,
    ) -> Result<Response<pb::SignUpResponse>, Status> {
        unimplemented()
    }
    async fn sign_in(
        &self,
        _: Request<pb::SignInRequest>,
    ) -> Result<Response<pb::SignInResponse>, Status> {
        unimplemented()
    }
    async fn sign_out(
        &self,
        _: Request<pb::SignOutRequest>,
    ) -> Result<Response<pb::SignOutResponse>, Status> {
        unimplemented()
    }
    async fn refresh_session(
        &self,
        _: Request<pb::RefreshSessionRequest>,
    ) -> Result<Response<pb::RefreshSessionResponse>, Status> {
        unimplemented()
    }
    async fn get_profile(
        &self,
        _: Request<pb::GetProfileRequest>,
    ) -> Result<Response<pb::GetProfileResponse>, Status> {
        unimplemented()
    }
    async fn update_profile(
        &self,
        _: Request<pb::UpdateProfileRequest>,
    ) -> Result<Response<pb::UpdateProfileResponse>, Status> {
        unimplemented()
    }
    async fn list_addresses(
        &self,
        _: Request<pb::ListAddressesRequest>,
    ) -> Result<Response<pb::ListAddressesResponse>, Status> {
        unimplemented()
    }
    async fn get_address(
        &self,
        _: Request<pb::GetAddressRequest>,
    ) -> Result<Response<pb::GetAddressResponse>, Status> {
        unimplemented()
    }
    async fn add_address(
        &self,
        _: Request<pb::AddAddressRequest>,
    ) -> Result<Response<pb::AddAddressResponse>, Status> {
        unimplemented()
    }
    async fn delete_address(
        &self,
        _: Request<pb::DeleteAddressRequest>,
    ) -> Result<Response<pb::DeleteAddressResponse>, Status> {
        unimplemented()
    }
}
