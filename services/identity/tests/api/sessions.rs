use bazaar_contracts::identity as pb;
use bazaar_testkit::TestDb;
use tonic::Code;

use crate::helpers::{spawn_app, unique_email, with_token};

async fn sign_out_revokes_the_session(db: TestDb) {
    let mut app = spawn_app(db).await;
    let session = app.sign_up(&unique_email()).await.session.unwrap();
    let check = |id: String| pb::CheckSessionRequest { session_id: id };
    assert!(
        app.client
            .check_session(check(session.session_id.clone()))
            .await
            .unwrap()
            .into_inner()
            .active
    );
    app.client.sign_out(with_token(pb::SignOutRequest {}, &session.token)).await.unwrap();
    assert!(
        !app.client
            .check_session(check(session.session_id.clone()))
            .await
            .unwrap()
            .into_inner()
            .active
    );
    // The token still has a valid signature, but its session is gone.
    let status = app
        .client
        .get_profile(with_token(pb::GetProfileRequest {}, &session.token))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = app
        .client
        .refresh_session(pb::RefreshSessionRequest { token: session.token.clone() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    // Signing out twice is harmless.
    app.client.sign_out(with_token(pb::SignOutRequest {}, &session.token)).await.unwrap();
}

async fn refresh_issues_a_new_token_for_a_live_session(db: TestDb) {
    let mut app = spawn_app(db).await;
    let session = app.sign_up(&unique_email()).await.session.unwrap();
    let refreshed = app
        .client
        .refresh_session(pb::RefreshSessionRequest { token: session.token.clone() })
        .await
        .unwrap()
        .into_inner()
        .session
        .unwrap();
    assert_eq!(refreshed.session_id, session.session_id);
    assert!(refreshed.expires_at_ms >= session.expires_at_ms);
    app.client.get_profile(with_token(pb::GetProfileRequest {}, &refreshed.token)).await.unwrap();
}

async fn tampered_and_foreign_tokens_are_refused(db: TestDb) {
    let mut app = spawn_app(db).await;
    let token = app.sign_up(&unique_email()).await.session.unwrap().token;
    let mut tampered = token.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    let status =
        app.client.get_profile(with_token(pb::GetProfileRequest {}, &tampered)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let foreign =
        bazaar_testkit::FakeIdentity::spawn().await.user(bazaar_platform::auth::Role::Admin).1;
    let status =
        app.client.get_profile(with_token(pb::GetProfileRequest {}, &foreign)).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

async fn signing_keys_are_published(db: TestDb) {
    let mut app = spawn_app(db).await;
    let keys =
        app.client.get_signing_keys(pb::GetSigningKeysRequest {}).await.unwrap().into_inner().keys;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].algorithm, "EdDSA");
    assert_eq!(keys[0].public_key.len(), 32);
}

bazaar_testkit::backend_tests!(
    sign_out_revokes_the_session,
    refresh_issues_a_new_token_for_a_live_session,
    tampered_and_foreign_tokens_are_refused,
    signing_keys_are_published,
);
