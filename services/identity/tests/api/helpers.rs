//! Spawns the identity service for a test.

use bazaar_contracts::identity::{self as pb, identity_service_client::IdentityServiceClient};
use bazaar_identity::{Application, Config};
use bazaar_platform::shutdown::CancellationToken;
use bazaar_testkit::TestDb;
use clap::Parser as _;
use tokio_util::sync::DropGuard;
use tonic::transport::Channel;

pub(crate) const ADMIN_EMAIL: &str = "admin@example.com";
pub(crate) const ADMIN_PASSWORD: &str = "admin password 123";

pub(crate) struct TestApp {
    pub(crate) client: IdentityServiceClient<Channel>,
    pub(crate) url: String,
    pub(crate) db: TestDb,
    pub(crate) data_dir: tempfile::TempDir,
    _stop: DropGuard,
}

pub(crate) async fn spawn_app_with(db: TestDb, admin_password: Option<&str>) -> TestApp {
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().display().to_string();
    let mut args = vec![
        "bazaar-identity".to_owned(),
        "--listen=127.0.0.1:0".to_owned(),
        format!("--database-url={}", db.url()),
        format!("--data-dir={data}"),
        format!("--admin-email={ADMIN_EMAIL}"),
    ];
    if let Some(password) = admin_password {
        args.push(format!("--admin-password={password}"));
    }
    let config = Config::try_parse_from(args).unwrap();
    let shutdown = CancellationToken::new();
    let app = Application::build(config, shutdown.clone()).await.unwrap();
    let url = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped());
    let client = IdentityServiceClient::connect(url.clone()).await.unwrap();
    TestApp { client, url, db, data_dir, _stop: shutdown.drop_guard() }
}

pub(crate) async fn spawn_app(db: TestDb) -> TestApp {
    spawn_app_with(db, Some(ADMIN_PASSWORD)).await
}

pub(crate) fn unique_email() -> String {
    format!("shopper-{}@example.com", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    pub(crate) async fn sign_up(&mut self, email: &str) -> pb::SignUpResponse {
        self.client
            .sign_up(pb::SignUpRequest {
                email: email.into(),
                password: "correct horse battery".into(),
                name: "Ada".into(),
            })
            .await
            .unwrap()
            .into_inner()
    }

    pub(crate) async fn sign_in(
        &mut self,
        email: &str,
        password: &str,
    ) -> Result<pb::SignInResponse, tonic::Status> {
        self.client
            .sign_in(pb::SignInRequest {
                email: email.into(),
                password: password.into(),
                client_address: "10.0.0.1".into(),
            })
            .await
            .map(tonic::Response::into_inner)
    }
}

pub(crate) fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    bazaar_platform::grpc::with_bearer(message, Some(token))
}

pub(crate) fn field_of(status: &tonic::Status, field: &str) -> Option<String> {
    bazaar_platform::grpc::field_errors(status).message_for(field).map(ToOwned::to_owned)
}
