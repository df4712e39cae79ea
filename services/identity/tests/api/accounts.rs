use std::time::Duration;

use bazaar_contracts::identity as pb;
use bazaar_platform::auth::{Role, TokenVerifier};
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{
    ADMIN_EMAIL, ADMIN_PASSWORD, field_of, spawn_app, spawn_app_with, unique_email, with_token,
};

async fn sign_up_creates_an_account_with_a_verifiable_token(db: TestDb) {
    let mut app = spawn_app(db).await;
    let email = unique_email();
    let response = app.sign_up(&email.to_uppercase()).await;
    let user = response.user.unwrap();
    assert_eq!(user.email, email, "e-mail addresses are stored in lower case");
    assert_eq!(user.role(), pb::Role::Customer);
    let session = response.session.unwrap();
    // Any service verifies the token with the keys identity publishes.
    let verifier = TokenVerifier::from_identity(&app.url, Duration::from_secs(5)).unwrap();
    let principal = verifier.verify(&session.token).await.unwrap();
    assert_eq!(principal.user_id.as_str(), user.id);
    assert_eq!(principal.role, Role::Customer);
    assert_eq!(principal.session_id, session.session_id);

    let pool = sqlx::AnyPool::connect(app.db.url()).await.unwrap();
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event_type FROM outbox").fetch_all(&pool).await.unwrap();
    assert_eq!(events, vec!["bazaar.identity.user_registered.v1".to_owned()]);
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(&user.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
}

async fn sign_up_rejects_bad_fields_and_duplicates(db: TestDb) {
    let mut app = spawn_app(db).await;
    let status = app
        .client
        .sign_up(pb::SignUpRequest {
            email: "not-an-email".into(),
            password: "short".into(),
            name: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(field_of(&status, "email").is_some());
    assert_eq!(field_of(&status, "password").as_deref(), Some("must be at least 10 characters"));
    assert_eq!(field_of(&status, "name").as_deref(), Some("must not be empty"));

    let email = unique_email();
    app.sign_up(&email).await;
    let status = app
        .client
        .sign_up(pb::SignUpRequest {
            email,
            password: "another password".into(),
            name: "Bob".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert_eq!(field_of(&status, "email").as_deref(), Some("is already registered"));
}

async fn sign_in_failures_are_generic_and_throttled(db: TestDb) {
    let mut app = spawn_app(db).await;
    let email = unique_email();
    app.sign_up(&email).await;
    let wrong_password = app.sign_in(&email, "wrong password!").await.unwrap_err();
    let unknown_account = app.sign_in(&unique_email(), "wrong password!").await.unwrap_err();
    assert_eq!(wrong_password.code(), Code::Unauthenticated);
    assert_eq!(wrong_password.message(), unknown_account.message(), "no account enumeration");

    for _ in 0..4 {
        let _ = app.sign_in(&email, "wrong password!").await;
    }
    // Five failures on this account: even the right password must now wait.
    let throttled = app.sign_in(&email, "correct horse battery").await.unwrap_err();
    assert_eq!(throttled.code(), Code::ResourceExhausted);
    assert!(throttled.message().contains("try again in"), "{}", throttled.message());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(app.sign_in(&email, "correct horse battery").await.is_ok());
}

async fn the_first_admin_exists_after_start(db: TestDb) {
    let mut app = spawn_app(db).await;
    let response = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    assert_eq!(response.user.unwrap().role(), pb::Role::Admin);
}

async fn a_generated_admin_password_is_kept_in_the_data_directory(db: TestDb) {
    let mut app = spawn_app_with(db, None).await;
    let file = std::fs::read_to_string(app.data_dir.path().join("admin-password.txt")).unwrap();
    let mut lines = file.lines();
    assert_eq!(lines.next(), Some(ADMIN_EMAIL));
    let password = lines.next().unwrap().to_owned();
    assert_eq!(password.len(), 20);
    assert!(app.sign_in(ADMIN_EMAIL, &password).await.is_ok());
}

async fn profiles_are_read_and_renamed(db: TestDb) {
    let mut app = spawn_app(db).await;
    let token = app.sign_up(&unique_email()).await.session.unwrap().token;
    let renamed = app
        .client
        .update_profile(with_token(
            pb::UpdateProfileRequest { name: "  Ada Lovelace ".into() },
            &token,
        ))
        .await
        .unwrap()
        .into_inner()
        .user
        .unwrap();
    assert_eq!(renamed.name, "Ada Lovelace");
    let profile = app
        .client
        .get_profile(with_token(pb::GetProfileRequest {}, &token))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(profile.user.unwrap().name, "Ada Lovelace");
    let status = app
        .client
        .update_profile(with_token(pb::UpdateProfileRequest { name: " ".into() }, &token))
        .await
        .unwrap_err();
    assert_eq!(field_of(&status, "name").as_deref(), Some("must not be empty"));
    let status = app.client.get_profile(pb::GetProfileRequest {}).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

bazaar_testkit::backend_tests!(
    sign_up_creates_an_account_with_a_verifiable_token,
    sign_up_rejects_bad_fields_and_duplicates,
    sign_in_failures_are_generic_and_throttled,
    the_first_admin_exists_after_start,
    a_generated_admin_password_is_kept_in_the_data_directory,
    profiles_are_read_and_renamed,
);
