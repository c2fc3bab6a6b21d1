//! The email verification recipe against an in-process core: the `st-ev` claim of new
//! sessions, the 403 of `REQUIRED` mode, the three FDI routes, refetching on the injected
//! clock, and a changed email needing verification again.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use supertokens::RecipeBuilder;
use supertokens_emailpassword::{
    EmailPasswordConfig, UpdateEmailOrPasswordInput, UpdateEmailOrPasswordResult,
};
use supertokens_emailverification::{
    CreateEmailVerificationTokenResult, EmailLookupResult, EmailVerificationClaim,
    EmailVerificationConfig, EmailVerificationMode, VerifyEmailUsingTokenResult, email_lookup,
};
use supertokens_passwordless::{
    Contact, ContactMethod, FieldUpdate, FlowType, PasswordlessConfig, UpdateUserInput,
    UpdateUserResult,
};
use supertokens_session::VerifySessionOptions;
use supertokens_tests::START_MS;

use super::recipe_support::{Outboxes, RecipeApp, WAIT, token_from_link};
use super::sdk_support::jwt_payload;

fn ev(outboxes: &Outboxes, mode: EmailVerificationMode) -> Box<dyn RecipeBuilder> {
    supertokens_emailverification::init(EmailVerificationConfig {
        email_delivery: Some(Arc::new(outboxes.email.clone())),
        ..EmailVerificationConfig::new(mode)
    })
}

fn emailpassword(outboxes: &Outboxes) -> Box<dyn RecipeBuilder> {
    supertokens_emailpassword::init(EmailPasswordConfig {
        email_delivery: Some(Arc::new(outboxes.email.clone())),
        ..Default::default()
    })
}

fn passwordless(outboxes: &Outboxes) -> Box<dyn RecipeBuilder> {
    supertokens_passwordless::init(PasswordlessConfig {
        email_delivery: Some(Arc::new(outboxes.email.clone())),
        sms_delivery: Some(Arc::new(outboxes.sms.clone())),
        ..PasswordlessConfig::new(ContactMethod::EmailOrPhone, FlowType::UserInputCode)
    })
}

async fn app(mode: EmailVerificationMode) -> RecipeApp {
    RecipeApp::start(|outboxes| vec![emailpassword(outboxes), ev(outboxes, mode)]).await
}

fn unverified_403() -> Value {
    json!({
        "message": "invalid claim",
        "claimValidationErrors": [{
            "id": "st-ev",
            "reason": {"message": "wrong value", "expectedValue": true, "actualValue": false}
        }]
    })
}

/// Asks for a verification email through the FDI and returns the token of its link.
async fn request_verification_email(app: &RecipeApp, access_token: &str, email: &str) -> String {
    let before = app.outboxes.email.messages_to(email).len();
    let reply = app
        .fdi_as(
            access_token,
            Method::POST,
            "/auth/user/email/verify/token",
            None,
        )
        .await;
    assert_eq!(
        (reply.status, &reply.body),
        (StatusCode::OK, &json!({"status": "OK"}))
    );
    let messages = app.outboxes.email.wait_for(1, WAIT).await.unwrap();
    let sent = app.outboxes.email.messages_to(email);
    assert_eq!(sent.len(), before + 1, "{messages:?}");
    let message = sent.last().unwrap();
    assert!(
        message
            .text_body
            .contains("http://localhost:3000/auth/verify-email?token="),
        "the link points at the website's verify-email page"
    );
    assert!(message.text_body.contains("&tenantId=public"));
    token_from_link(&message.text_body)
}

#[tokio::test]
async fn required_mode_refuses_unverified_sessions_until_verified_through_the_fdi() {
    let app = app(EmailVerificationMode::Required).await;
    let (user_id, access) = app.sign_up("ev-required@example.com").await;
    let payload = jwt_payload(&access);
    assert_eq!(payload["st-ev"], json!({"v": false, "t": START_MS}));

    let denied = app
        .protected(&access, &VerifySessionOptions::default())
        .await;
    assert!(denied.access_token().is_none(), "403 keeps the tokens");
    assert_eq!(
        (denied.status, denied.body),
        (StatusCode::FORBIDDEN, unverified_403())
    );

    // The email verification routes stay reachable.
    let token = request_verification_email(&app, &access, "ev-required@example.com").await;

    let reply = app
        .fdi_as(
            &access,
            Method::POST,
            "/auth/user/email/verify",
            Some(json!({"method": "token", "token": token})),
        )
        .await;
    assert_eq!(
        (reply.status, &reply.body),
        (StatusCode::OK, &json!({"status": "OK"}))
    );
    // The session belongs to the verified user: its claim is updated on the spot.
    let verified_access = reply.access_token().expect("a new access token");
    assert_eq!(jwt_payload(&verified_access)["st-ev"]["v"], true);

    let allowed = app
        .protected(&verified_access, &VerifySessionOptions::default())
        .await;
    assert_eq!(
        (allowed.status, allowed.body),
        (StatusCode::OK, json!(user_id))
    );

    // Tokens are single-use.
    let again = app
        .fdi(
            Method::POST,
            "/auth/user/email/verify",
            Some(json!({"method": "token", "token": token})),
            &[("rid", "emailverification")],
        )
        .await;
    assert_eq!(
        again.body,
        json!({"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"})
    );
    assert!(
        supertokens_emailverification::is_email_verified(&app.st, &user_id, None)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn verifying_without_a_session_reaches_the_session_after_ten_seconds() {
    let app = app(EmailVerificationMode::Required).await;
    let (_, access) = app.sign_up("ev-elsewhere@example.com").await;
    let token = request_verification_email(&app, &access, "ev-elsewhere@example.com").await;
    // The link is opened in another browser: no session.
    let reply = app
        .fdi(
            Method::POST,
            "/auth/user/email/verify",
            Some(json!({"method": "token", "token": token})),
            &[("rid", "emailverification")],
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    assert!(reply.access_token().is_none());

    // A false value younger than 10 s is trusted …
    app.advance(Duration::from_secs(10));
    let denied = app
        .protected(&access, &VerifySessionOptions::default())
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // … an older one is fetched again, and the new value goes out with the answer.
    app.advance(Duration::from_millis(1));
    let allowed = app
        .protected(&access, &VerifySessionOptions::default())
        .await;
    assert_eq!(allowed.status, StatusCode::OK);
    let refreshed = allowed.payload();
    assert_eq!(
        refreshed["st-ev"],
        json!({"v": true, "t": START_MS + 10_001})
    );
}

#[tokio::test]
async fn already_verified_emails_update_the_claim_instead_of_sending() {
    let app = app(EmailVerificationMode::Required).await;
    let (user_id, access) = app.sign_up("ev-already@example.com").await;
    // Verified on the server side, behind the session's back.
    let CreateEmailVerificationTokenResult::Ok { token } =
        supertokens_emailverification::create_email_verification_token(
            &app.st, "public", &user_id, None,
        )
        .await
        .unwrap()
    else {
        panic!("a token")
    };
    let VerifyEmailUsingTokenResult::Ok { user } =
        supertokens_emailverification::verify_email_using_token(&app.st, "public", &token)
            .await
            .unwrap()
    else {
        panic!("verified")
    };
    assert_eq!(user.email, "ev-already@example.com");
    assert_eq!(user.recipe_user_id, user_id);

    let reply = app
        .fdi_as(&access, Method::POST, "/auth/user/email/verify/token", None)
        .await;
    assert_eq!(
        (reply.status, &reply.body),
        (
            StatusCode::OK,
            &json!({"status": "EMAIL_ALREADY_VERIFIED_ERROR"})
        )
    );
    assert!(
        app.outboxes
            .email
            .messages_to("ev-already@example.com")
            .is_empty()
    );
    let updated = reply
        .access_token()
        .expect("the claim goes out in a new token");
    assert_eq!(jwt_payload(&updated)["st-ev"]["v"], true);
    assert_eq!(
        app.protected(&updated, &VerifySessionOptions::default())
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        supertokens_emailverification::create_email_verification_token(
            &app.st, "public", &user_id, None,
        )
        .await
        .unwrap(),
        CreateEmailVerificationTokenResult::EmailAlreadyVerifiedError
    );
}

#[tokio::test]
async fn the_get_route_reports_and_sets_the_claim() {
    let app = app(EmailVerificationMode::Required).await;
    let (user_id, access) = app.sign_up("ev-get@example.com").await;
    let reply = app
        .fdi_as(&access, Method::GET, "/auth/user/email/verify", None)
        .await;
    assert_eq!(reply.body, json!({"status": "OK", "isVerified": false}));

    let link = supertokens_emailverification::create_email_verification_link(
        &app.st, "public", &user_id, None,
    )
    .await
    .unwrap()
    .unwrap();
    let token = token_from_link(&link);
    supertokens_emailverification::verify_email_using_token(&app.st, "public", &token)
        .await
        .unwrap();

    let reply = app
        .fdi_as(&access, Method::GET, "/auth/user/email/verify", None)
        .await;
    assert_eq!(reply.body, json!({"status": "OK", "isVerified": true}));
    let updated = reply.access_token().expect("a new access token");
    assert_eq!(jwt_payload(&updated)["st-ev"]["v"], true);
    assert_eq!(
        app.protected(&updated, &VerifySessionOptions::default())
            .await
            .status,
        StatusCode::OK
    );
    // Without a session: 401.
    let reply = app
        .fdi(Method::GET, "/auth/user/email/verify", None, &[])
        .await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"}))
    );
}

#[tokio::test]
async fn optional_mode_checks_only_routes_that_ask() {
    let app = app(EmailVerificationMode::Optional).await;
    let (_, access) = app.sign_up("ev-optional@example.com").await;
    assert_eq!(jwt_payload(&access)["st-ev"]["v"], false);
    assert_eq!(
        app.protected(&access, &VerifySessionOptions::default())
            .await
            .status,
        StatusCode::OK
    );
    let strict = VerifySessionOptions::default()
        .with_extra_claim_validator(EmailVerificationClaim::is_verified());
    let denied = app.protected(&access, &strict).await;
    assert_eq!(
        (denied.status, denied.body),
        (StatusCode::FORBIDDEN, unverified_403())
    );
    // A REQUIRED-style route can also skip the check explicitly.
    let lenient = VerifySessionOptions::default().with_claim_validators(|globals| {
        globals.into_iter().filter(|v| v.id() != "st-ev").collect()
    });
    assert_eq!(
        app.protected(&access, &lenient).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_changed_emailpassword_email_needs_verification_again() {
    let app = app(EmailVerificationMode::Required).await;
    let (user_id, access) = app.sign_up("ev-old@example.com").await;
    let token = request_verification_email(&app, &access, "ev-old@example.com").await;
    let reply = app
        .fdi_as(
            &access,
            Method::POST,
            "/auth/user/email/verify",
            Some(json!({"method": "token", "token": token})),
        )
        .await;
    let verified_access = reply.access_token().unwrap();
    assert_eq!(jwt_payload(&verified_access)["st-ev"]["v"], true);

    let changed = supertokens_emailpassword::update_email_or_password(
        &app.st,
        UpdateEmailOrPasswordInput {
            recipe_user_id: user_id.clone(),
            email: Some("ev-new@example.com".into()),
            password: None,
            tenant_id_for_password_policy: "public".into(),
        },
    )
    .await
    .unwrap();
    assert_eq!(changed, UpdateEmailOrPasswordResult::Ok);
    assert!(
        !supertokens_emailverification::is_email_verified(&app.st, &user_id, None)
            .await
            .unwrap()
    );
    assert!(
        supertokens_emailverification::is_email_verified(
            &app.st,
            &user_id,
            Some("ev-old@example.com")
        )
        .await
        .unwrap(),
        "the old pair stays verified"
    );

    // The session still says verified until its claim is fetched again: the GET route does.
    let reply = app
        .fdi_as(
            &verified_access,
            Method::GET,
            "/auth/user/email/verify",
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK", "isVerified": false}));
    let downgraded = reply.access_token().expect("a new access token");
    assert_eq!(jwt_payload(&downgraded)["st-ev"]["v"], false);
    let denied = app
        .protected(&downgraded, &VerifySessionOptions::default())
        .await;
    assert_eq!(
        (denied.status, denied.body),
        (StatusCode::FORBIDDEN, unverified_403())
    );

    // The new address gets its own link.
    let token = request_verification_email(&app, &downgraded, "ev-new@example.com").await;
    let reply = app
        .fdi_as(
            &downgraded,
            Method::POST,
            "/auth/user/email/verify",
            Some(json!({"method": "token", "token": token})),
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    assert_eq!(reply.payload()["st-ev"]["v"], true);
}

#[tokio::test]
async fn a_stale_true_claim_is_corrected_before_a_new_link_is_sent() {
    let app = app(EmailVerificationMode::Required).await;
    let (user_id, access) = app.sign_up("ev-stale@example.com").await;
    let link = supertokens_emailverification::create_email_verification_link(
        &app.st, "public", &user_id, None,
    )
    .await
    .unwrap()
    .unwrap();
    supertokens_emailverification::verify_email_using_token(
        &app.st,
        "public",
        &token_from_link(&link),
    )
    .await
    .unwrap();
    let reply = app
        .fdi_as(&access, Method::GET, "/auth/user/email/verify", None)
        .await;
    let verified_access = reply.access_token().unwrap();
    // Un-verified on the server: the token route notices and resets the claim.
    supertokens_emailverification::unverify_email(&app.st, &user_id, None)
        .await
        .unwrap();
    let reply = app
        .fdi_as(
            &verified_access,
            Method::POST,
            "/auth/user/email/verify/token",
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    assert_eq!(reply.payload()["st-ev"]["v"], false);
    assert_eq!(
        app.outboxes.email.messages_to("ev-stale@example.com").len(),
        1
    );

    // Revoked tokens no longer verify.
    let token =
        token_from_link(&app.outboxes.email.messages_to("ev-stale@example.com")[0].text_body);
    supertokens_emailverification::revoke_email_verification_tokens(
        &app.st, "public", &user_id, None,
    )
    .await
    .unwrap();
    assert_eq!(
        supertokens_emailverification::verify_email_using_token(&app.st, "public", &token)
            .await
            .unwrap(),
        VerifyEmailUsingTokenResult::EmailVerificationInvalidTokenError
    );
}

#[tokio::test]
async fn passwordless_users_change_email_and_phone_users_count_as_verified() {
    let app = RecipeApp::start(|outboxes| {
        vec![
            passwordless(outboxes),
            ev(outboxes, EmailVerificationMode::Required),
        ]
    })
    .await;
    let by_email = supertokens_passwordless::sign_in_up(
        &app.st,
        "public",
        &Contact::Email("pl-old@example.com".into()),
    )
    .await
    .unwrap();
    let recipe_user_id = by_email.recipe_user_id.clone();
    // Signing in with a code proves the email: the core marks it verified.
    assert!(
        supertokens_emailverification::is_email_verified(&app.st, &recipe_user_id, None)
            .await
            .unwrap()
    );
    let updated = supertokens_passwordless::update_user(
        &app.st,
        &UpdateUserInput {
            recipe_user_id: recipe_user_id.clone(),
            email: FieldUpdate::Set("pl-new@example.com".into()),
            phone_number: FieldUpdate::Keep,
        },
    )
    .await
    .unwrap();
    assert_eq!(updated, UpdateUserResult::Ok);
    assert!(
        !supertokens_emailverification::is_email_verified(&app.st, &recipe_user_id, None)
            .await
            .unwrap()
    );

    // A phone-only user has no email: verified, in the claim and the GET route alike.
    let by_phone = supertokens_passwordless::sign_in_up(
        &app.st,
        "public",
        &Contact::PhoneNumber("+14155550123".into()),
    )
    .await
    .unwrap();
    let request = super::sdk_support::request(Method::POST, "/auth/signinup/code/consume", &[]);
    let session = app
        .session
        .create_new_session(
            &request,
            "public",
            &by_phone.recipe_user_id,
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        EmailVerificationClaim::get_value(&session.access_token_payload()),
        Some(true)
    );
    let access = session.access_token();
    assert_eq!(
        app.protected(&access, &VerifySessionOptions::default())
            .await
            .status,
        StatusCode::OK
    );
    let reply = app
        .fdi_as(&access, Method::GET, "/auth/user/email/verify", None)
        .await;
    assert_eq!(reply.body, json!({"status": "OK", "isVerified": true}));
    let reply = app
        .fdi_as(&access, Method::POST, "/auth/user/email/verify/token", None)
        .await;
    assert_eq!(
        reply.body,
        json!({"status": "EMAIL_ALREADY_VERIFIED_ERROR"})
    );
    assert!(
        !supertokens_emailverification::send_email_verification_email(
            &app.st,
            "public",
            &by_phone.user.id,
            &by_phone.recipe_user_id,
            None,
        )
        .await
        .unwrap()
    );
}

#[tokio::test]
async fn an_email_lookup_serves_users_the_core_does_not_know() {
    let app = RecipeApp::start(|outboxes| {
        vec![supertokens_emailverification::init(
            EmailVerificationConfig {
                email_delivery: Some(Arc::new(outboxes.email.clone())),
                get_email_for_recipe_user_id: Some(email_lookup(|id: String| async move {
                    Ok(match id.strip_prefix("legacy-") {
                        Some(name) => EmailLookupResult::Ok {
                            email: format!("{name}@legacy.example"),
                        },
                        None => EmailLookupResult::UnknownUserIdError,
                    })
                })),
                ..EmailVerificationConfig::new(EmailVerificationMode::Required)
            },
        )]
    })
    .await;
    let request = super::sdk_support::request(Method::POST, "/auth/signin", &[]);
    let session = app
        .session
        .create_new_session(
            &request,
            "public",
            "legacy-ann",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        EmailVerificationClaim::get_value(&session.access_token_payload()),
        Some(false)
    );
    let token =
        request_verification_email(&app, &session.access_token(), "ann@legacy.example").await;
    let reply = app
        .fdi_as(
            &session.access_token(),
            Method::POST,
            "/auth/user/email/verify",
            Some(json!({"method": "token", "token": token})),
        )
        .await;
    assert_eq!(reply.payload()["st-ev"]["v"], true);

    // A user neither the lookup nor the core knows cannot get a session with `st-ev`.
    let error = app
        .session
        .create_new_session(
            &request,
            "public",
            "ghost",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap_err();
    assert!(error.to_string().contains("UNKNOWN_USER_ID"), "{error}");
}

#[tokio::test]
async fn delivery_failures_answer_general_error() {
    let app = app(EmailVerificationMode::Required).await;
    let (_, access) = app.sign_up("ev-fail@example.com").await;
    app.outboxes.email.fail_with(Some("mail server down"));
    let reply = app
        .fdi_as(&access, Method::POST, "/auth/user/email/verify/token", None)
        .await;
    assert_eq!(
        reply.body,
        json!({
            "status": "GENERAL_ERROR",
            "message": "Could not send the verification email. Please try again later."
        })
    );
}
