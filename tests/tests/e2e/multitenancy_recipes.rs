//! The recipes in the tenants of an app other than `public`, against an in-process core: the
//! SDK's connection URI names the app (`<core>/appid-shop`), an FDI path names the tenant
//! (`/auth/<tenant>/…`), each recipe hands the tenant to the core, and the sessions it makes
//! carry it (`tId`). Tenants are managed with the SDK's multitenancy functions.

use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use supertokens::multitenancy::{self, AssociateUserToTenantResult, TenantInput};
use supertokens::{RecipeBuilder, SuperTokensConfig, SuperTokensError};
use supertokens_emailpassword::EmailPasswordConfig;
use supertokens_emailverification::{EmailVerificationConfig, EmailVerificationMode};
use supertokens_passwordless::{ContactMethod, FlowType, PasswordlessConfig};
use supertokens_session::{SessionConfig, SessionRecipe, VerifySessionOptions};
use supertokens_tests::{API_KEY, TestCoreOptions, start_core};

use super::recipe_support::{Outboxes, PASSWORD, RecipeApp, Reply, app_info, token_from_link};
use super::sdk_support::CoreClock;

const APP: &str = "shop";

fn factors(list: &[&str]) -> TenantInput {
    TenantInput {
        first_factors: Some(Some(list.iter().map(|f| (*f).to_owned()).collect())),
        ..Default::default()
    }
}

/// A core with app `shop` and an SDK for that app (emailpassword, passwordless by email,
/// email verification in `OPTIONAL` mode, session), with tenants `t1` (email and password)
/// and `t2` (passwordless by email).
async fn shop() -> RecipeApp {
    let core = start_core(TestCoreOptions::default()).await.unwrap();
    let (status, body) = core
        .put("/recipe/multitenancy/app/v2", json!({"appId": APP}))
        .await
        .unwrap();
    assert_eq!(
        (status, &body),
        (200, &json!({"status": "OK", "createdNew": true}))
    );
    let outboxes = Outboxes::default();
    let recipe_list: Vec<Box<dyn RecipeBuilder>> = vec![
        supertokens_emailpassword::init(EmailPasswordConfig {
            email_delivery: Some(Arc::new(outboxes.email.clone())),
            ..Default::default()
        }),
        supertokens_passwordless::init(PasswordlessConfig {
            email_delivery: Some(Arc::new(outboxes.email.clone())),
            sms_delivery: Some(Arc::new(outboxes.sms.clone())),
            ..PasswordlessConfig::new(ContactMethod::Email, FlowType::UserInputCodeAndMagicLink)
        }),
        supertokens_emailverification::init(EmailVerificationConfig {
            email_delivery: Some(Arc::new(outboxes.email.clone())),
            ..EmailVerificationConfig::new(EmailVerificationMode::Optional)
        }),
        supertokens_session::init(SessionConfig {
            clock: Some(Arc::new(CoreClock(core.clock.clone()))),
            ..SessionConfig::default()
        }),
    ];
    let st = supertokens::init(SuperTokensConfig {
        app_info: app_info(),
        connection_uri: format!("{}/appid-{APP}", core.base_url),
        api_key: Some(API_KEY.to_owned()),
        rate_limits: supertokens::RateLimitConfig::default(),
        recipe_list,
    })
    .unwrap();
    let session = SessionRecipe::from_supertokens(&st).unwrap();
    assert!(
        multitenancy::create_or_update_tenant(&st, "t1", factors(&["emailpassword"]))
            .await
            .unwrap()
    );
    assert!(
        multitenancy::create_or_update_tenant(&st, "t2", factors(&["otp-email", "link-email"]))
            .await
            .unwrap()
    );
    RecipeApp {
        core,
        st,
        session,
        outboxes,
    }
}

fn form(email: &str, password: &str) -> Value {
    json!({"formFields": [
        {"id": "email", "value": email},
        {"id": "password", "value": password},
    ]})
}

async fn email_password(app: &RecipeApp, path: &str, email: &str, password: &str) -> Reply {
    app.fdi(
        Method::POST,
        path,
        Some(form(email, password)),
        &[("rid", "emailpassword")],
    )
    .await
}

/// The last email sent to `address`, waiting for it (emails go out from background tasks).
async fn last_email_to(app: &RecipeApp, address: &str, count: usize) -> String {
    for _ in 0..100 {
        let sent = app.outboxes.email.messages_to(address);
        if sent.len() >= count {
            return sent[count - 1].text_body.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no email #{count} to {address}");
}

#[tokio::test]
async fn tenants_are_managed_with_the_sdk_functions() {
    let app = shop().await;
    let st = &app.st;
    // Updating keeps what the input leaves out; coreConfig is merged.
    let update = TenantInput {
        core_config: Some(
            json!({"password_reset_token_lifetime": 120000})
                .as_object()
                .unwrap()
                .clone(),
        ),
        ..Default::default()
    };
    assert!(
        !multitenancy::create_or_update_tenant(st, "t1", update)
            .await
            .unwrap()
    );
    let t1 = multitenancy::get_tenant(st, "t1").await.unwrap().unwrap();
    assert_eq!(t1.tenant_id, "t1");
    assert_eq!(t1.first_factors, Some(vec!["emailpassword".to_owned()]));
    assert_eq!(
        Value::Object(t1.core_config),
        json!({"password_reset_token_lifetime": 120000})
    );
    assert!(t1.third_party.providers.is_empty());
    assert!(
        multitenancy::get_tenant(st, "nope")
            .await
            .unwrap()
            .is_none()
    );
    let ids: Vec<String> = multitenancy::list_all_tenants(st)
        .await
        .unwrap()
        .into_iter()
        .map(|tenant| tenant.tenant_id)
        .collect();
    assert_eq!(ids, ["public", "t1", "t2"]);

    // Tenant ids never reach a path unchecked; the core names bad settings.
    for bad in ["a/b", "", "../t1"] {
        let error = multitenancy::get_tenant(st, bad).await.unwrap_err();
        assert!(matches!(error, SuperTokensError::BadInput(_)), "{error:?}");
        let error = multitenancy::create_or_update_tenant(st, bad, TenantInput::default())
            .await
            .unwrap_err();
        assert!(matches!(error, SuperTokensError::BadInput(_)), "{error:?}");
    }
    let unknown_key = TenantInput {
        core_config: Some(json!({"no_such_key": 1}).as_object().unwrap().clone()),
        ..Default::default()
    };
    let error = multitenancy::create_or_update_tenant(st, "t1", unknown_key)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, SuperTokensError::Core { status: 400, message, .. } if message.contains("no_such_key")),
        "{error:?}"
    );

    // The public app has none of shop's tenants.
    let (_, public_tenants) = app
        .core
        .get("/recipe/multitenancy/tenant/list/v2")
        .await
        .unwrap();
    assert_eq!(public_tenants["tenants"].as_array().unwrap().len(), 1);

    // Users in tenants.
    let up = email_password(&app, "/auth/t1/signup", "member@example.com", PASSWORD).await;
    let user_id = up.body["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        multitenancy::associate_user_to_tenant(st, "public", &user_id)
            .await
            .unwrap(),
        AssociateUserToTenantResult::Ok {
            was_already_associated: false
        }
    );
    assert_eq!(
        multitenancy::associate_user_to_tenant(st, "public", &user_id)
            .await
            .unwrap(),
        AssociateUserToTenantResult::Ok {
            was_already_associated: true
        }
    );
    let in_public = email_password(&app, "/auth/signin", "member@example.com", PASSWORD).await;
    assert_eq!(in_public.body["status"], "OK", "{in_public:?}");
    assert_eq!(in_public.payload()["tId"], "public");
    assert!(
        multitenancy::disassociate_user_from_tenant(st, "public", &user_id)
            .await
            .unwrap()
    );
    assert!(
        !multitenancy::disassociate_user_from_tenant(st, "public", &user_id)
            .await
            .unwrap()
    );
    assert_eq!(
        multitenancy::associate_user_to_tenant(st, "t1", "not-a-user")
            .await
            .unwrap(),
        AssociateUserToTenantResult::UnknownUserIdError
    );
    let other = email_password(&app, "/auth/signup", "member@example.com", PASSWORD).await;
    assert_eq!(other.body["status"], "OK", "{other:?}");
    assert_eq!(
        multitenancy::associate_user_to_tenant(st, "public", &user_id)
            .await
            .unwrap(),
        AssociateUserToTenantResult::EmailAlreadyExistsError
    );

    assert!(multitenancy::delete_tenant(st, "t2").await.unwrap());
    assert!(!multitenancy::delete_tenant(st, "t2").await.unwrap());
    assert!(multitenancy::get_tenant(st, "t2").await.unwrap().is_none());
}

#[tokio::test]
async fn emailpassword_and_password_reset_in_a_tenant() {
    let app = shop().await;
    let email = "alice@example.com";
    let up = email_password(&app, "/auth/t1/signup", email, PASSWORD).await;
    assert_eq!(up.body["status"], "OK", "{up:?}");
    assert_eq!(up.body["user"]["tenantIds"], json!(["t1"]));
    assert_eq!(up.payload()["tId"], "t1");
    // The session is verified with the app's keys (its JWKS is fetched under /appid-shop).
    let access = up.access_token().unwrap();
    let verified = app
        .protected(&access, &VerifySessionOptions::default())
        .await;
    assert_eq!(verified.status, StatusCode::OK, "{verified:?}");
    let mut headers = http::HeaderMap::new();
    headers.insert(
        "authorization",
        http::HeaderValue::from_str(&format!("Bearer {access}")).unwrap(),
    );
    let request = supertokens::SdkRequest::new(Method::GET, "/api/me", headers);
    let session = app
        .session
        .get_session(&request, &VerifySessionOptions::default())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(session.tenant_id(), "t1");

    let elsewhere = email_password(&app, "/auth/signin", email, PASSWORD).await;
    assert_eq!(elsewhere.body, json!({"status": "WRONG_CREDENTIALS_ERROR"}));
    let exists = |path: &'static str| {
        let app = &app;
        async move {
            app.fdi(Method::GET, path, None, &[("rid", "emailpassword")])
                .await
                .body["exists"]
                .clone()
        }
    };
    assert_eq!(
        exists("/auth/t1/emailpassword/email/exists?email=alice%40example.com").await,
        true
    );
    assert_eq!(
        exists("/auth/emailpassword/email/exists?email=alice%40example.com").await,
        false
    );

    // Password reset: the link names the tenant, whose route uses the token up (reset
    // tokens belong to the app, as in the Java core).
    let reply = app
        .fdi(
            Method::POST,
            "/auth/t1/user/password/reset/token",
            Some(json!({"formFields": [{"id": "email", "value": email}]})),
            &[("rid", "emailpassword")],
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}));
    let text = last_email_to(&app, email, 1).await;
    assert!(text.contains("&tenantId=t1"), "{text}");
    let token = token_from_link(&text);
    let reset = |path: &'static str, token: String| {
        let app = &app;
        async move {
            app.fdi(
                Method::POST,
                path,
                Some(json!({"method": "token", "token": token,
                    "formFields": [{"id": "password", "value": "N3wPassw0rd"}]})),
                &[("rid", "emailpassword")],
            )
            .await
            .body
        }
    };
    assert_eq!(
        reset("/auth/t1/user/password/reset", token.clone()).await["status"],
        "OK"
    );
    assert_eq!(
        reset("/auth/t1/user/password/reset", token).await,
        json!({"status": "RESET_PASSWORD_INVALID_TOKEN_ERROR"})
    );
    let again = email_password(&app, "/auth/t1/signin", email, "N3wPassw0rd").await;
    assert_eq!(again.body["status"], "OK", "{again:?}");
    assert_eq!(again.payload()["tId"], "t1");

    // t2 takes no email and password: 401, as node answers.
    let refused = email_password(&app, "/auth/t2/signup", "bob@example.com", PASSWORD).await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"}))
    );
    let refused = email_password(&app, "/auth/t2/signin", email, PASSWORD).await;
    assert_eq!(
        refused.body,
        json!({"status": "WRONG_CREDENTIALS_ERROR"}),
        "an email unknown in t2 is wrong credentials before anything else"
    );
}

#[tokio::test]
async fn passwordless_in_a_tenant() {
    let app = shop().await;
    let email = "carol@example.com";
    let created = app
        .fdi(
            Method::POST,
            "/auth/t2/signinup/code",
            Some(json!({"email": email})),
            &[("rid", "passwordless")],
        )
        .await;
    assert_eq!(created.body["status"], "OK", "{created:?}");
    let text = last_email_to(&app, email, 1).await;
    assert!(text.contains("tenantId=t2"), "{text}");
    let code: String = text
        .split(|c: char| !c.is_ascii_digit())
        .find(|part| part.len() == 6)
        .unwrap()
        .to_owned();
    let consume = |path: &'static str| {
        let app = &app;
        let body = json!({
            "deviceId": created.body["deviceId"],
            "preAuthSessionId": created.body["preAuthSessionId"],
            "userInputCode": code,
        });
        async move {
            app.fdi(Method::POST, path, Some(body), &[("rid", "passwordless")])
                .await
        }
    };
    // The device belongs to t2: public does not know it.
    assert_eq!(
        consume("/auth/signinup/code/consume").await.body,
        json!({"status": "RESTART_FLOW_ERROR"})
    );
    let consumed = consume("/auth/t2/signinup/code/consume").await;
    assert_eq!(consumed.body["status"], "OK", "{consumed:?}");
    assert_eq!(consumed.body["user"]["tenantIds"], json!(["t2"]));
    assert_eq!(consumed.payload()["tId"], "t2");

    // t1 takes email and password only.
    let refused = app
        .fdi(
            Method::POST,
            "/auth/t1/signinup/code",
            Some(json!({"email": email})),
            &[("rid", "passwordless")],
        )
        .await;
    assert_eq!(
        (refused.status, refused.body),
        (StatusCode::UNAUTHORIZED, json!({"message": "unauthorised"}))
    );
}

#[tokio::test]
async fn email_verification_in_a_tenant() {
    let app = shop().await;
    let email = "dave@example.com";
    let up = email_password(&app, "/auth/t1/signup", email, PASSWORD).await;
    let access = up.access_token().unwrap();
    let reply = app
        .fdi_as(
            &access,
            Method::POST,
            "/auth/t1/user/email/verify/token",
            None,
        )
        .await;
    assert_eq!(reply.body, json!({"status": "OK"}), "{reply:?}");
    let text = last_email_to(&app, email, 1).await;
    assert!(text.contains("&tenantId=t1"), "{text}");
    let token = token_from_link(&text);
    let verify = |path: &'static str| {
        let app = &app;
        let access = access.clone();
        let token = token.clone();
        async move {
            app.fdi_as(
                &access,
                Method::POST,
                path,
                Some(json!({"method": "token", "token": token})),
            )
            .await
            .body
        }
    };
    assert_eq!(
        verify("/auth/user/email/verify").await,
        json!({"status": "EMAIL_VERIFICATION_INVALID_TOKEN_ERROR"}),
        "the token belongs to t1"
    );
    assert_eq!(verify("/auth/t1/user/email/verify").await["status"], "OK");
}

#[tokio::test]
async fn login_methods_and_unknown_tenants() {
    let app = shop().await;
    let methods = |path: &'static str| {
        let app = &app;
        async move {
            app.fdi(Method::GET, path, None, &[("rid", "multitenancy")])
                .await
        }
    };
    let t1 = methods("/auth/t1/loginmethods").await;
    assert_eq!(
        t1.body,
        json!({
            "status": "OK",
            "emailPassword": {"enabled": true},
            "thirdParty": {"enabled": false, "providers": []},
            "webauthn": {"enabled": false},
            "passwordless": {"enabled": false},
            "firstFactors": ["emailpassword"],
        })
    );
    let t2 = methods("/auth/t2/loginmethods").await;
    assert_eq!(t2.body["firstFactors"], json!(["otp-email", "link-email"]));
    assert_eq!(t2.body["passwordless"], json!({"enabled": true}));
    assert_eq!(t2.body["emailPassword"], json!({"enabled": false}));
    // The tenant is in the path (where web-js puts it) or, when the path names none, in a
    // `tenantId` query parameter; the path wins when both are there.
    let public = methods("/auth/loginmethods").await;
    assert_eq!(
        methods("/auth/loginmethods?tenantId=t1").await.body,
        t1.body
    );
    assert_eq!(
        methods("/auth/t2/loginmethods?tenantId=t1").await.body,
        t2.body
    );
    assert_eq!(
        public.body["firstFactors"],
        json!(["emailpassword", "otp-email", "link-email"])
    );

    // An unknown tenant: the client's mistake, 400 naming it (node answers 500; fuzz finding F1).
    for (path, rid, body) in [
        ("/auth/nope/loginmethods", "multitenancy", None),
        (
            "/auth/nope/signup",
            "emailpassword",
            Some(form("e@example.com", PASSWORD)),
        ),
        (
            "/auth/nope/signinup/code",
            "passwordless",
            Some(json!({"email": "e@example.com"})),
        ),
    ] {
        let method = if body.is_some() {
            Method::POST
        } else {
            Method::GET
        };
        let reply = app.fdi(method, path, body, &[("rid", rid)]).await;
        assert_eq!(
            (reply.status, reply.body),
            (
                StatusCode::BAD_REQUEST,
                json!({"message": "Tenant not found: nope"})
            ),
            "{path}"
        );
    }
}
