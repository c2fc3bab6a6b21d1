//! The user roles recipe against an in-process core: every role function of the CDI, the
//! `st-role` / `st-perm` claims of new sessions, their validators on axum and actix routes
//! (403 → add the role → `fetch_and_set_claim` → 200), and refetching after the max age on
//! the injected clock.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{HttpResponse, test as actix_test, web};
use axum::Router;
use axum::routing::{get, post};
use http::{HeaderMap, Method, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use supertokens::SuperTokens;
use supertokens_session::{SessionConfig, VerifySessionOptions};
use supertokens_tests::START_MS;
use supertokens_userroles::{
    AddRoleToUserResult, GetPermissionsForRoleResult, GetUsersThatHaveRoleResult, PermissionClaim,
    RemovePermissionsFromRoleResult, RemoveUserRoleResult, UserRoleClaim, UserRolesConfig,
};
use tower::ServiceExt;

use super::recipe_support::RecipeApp;
use super::sdk_support::{jwt_payload, request, tokens_of};

async fn app(config: UserRolesConfig) -> RecipeApp {
    RecipeApp::start(move |_| vec![supertokens_userroles::init(config)]).await
}

/// A session for `user` in header mode; its access token.
async fn session_for(app: &RecipeApp, user: &str) -> String {
    let req = request(Method::POST, "/auth/signin", &[]);
    app.session
        .create_new_session(&req, "public", user, Default::default(), Default::default())
        .await
        .unwrap()
        .access_token()
}

fn admin_denied(actual: &Value) -> Value {
    json!({
        "message": "invalid claim",
        "claimValidationErrors": [{
            "id": "st-role",
            "reason": {"message": "wrong value", "expectedToInclude": "admin", "actualValue": actual}
        }]
    })
}

#[tokio::test]
async fn role_functions_follow_the_cdi() {
    let app = app(UserRolesConfig::default()).await;
    let st = &app.st;
    use supertokens_userroles as roles;
    assert!(
        roles::create_new_role_or_add_permissions(st, "admin", &["read", "write"])
            .await
            .unwrap()
    );
    assert!(
        !roles::create_new_role_or_add_permissions(st, "admin", &["delete"])
            .await
            .unwrap()
    );
    assert!(
        roles::create_new_role_or_add_permissions(st, "viewer", &[])
            .await
            .unwrap()
    );
    let GetPermissionsForRoleResult::Ok { mut permissions } =
        roles::get_permissions_for_role(st, "admin").await.unwrap()
    else {
        panic!("a known role")
    };
    permissions.sort();
    assert_eq!(permissions, ["delete", "read", "write"]);
    assert_eq!(
        roles::get_permissions_for_role(st, "nobody").await.unwrap(),
        GetPermissionsForRoleResult::UnknownRoleError
    );
    let mut all = roles::get_all_roles(st).await.unwrap();
    all.sort();
    assert_eq!(all, ["admin", "viewer"]);
    assert_eq!(
        roles::get_roles_that_have_permission(st, "read")
            .await
            .unwrap(),
        ["admin"]
    );

    assert_eq!(
        roles::add_role_to_user(st, "public", "u1", "admin")
            .await
            .unwrap(),
        AddRoleToUserResult::Ok {
            did_user_already_have_role: false
        }
    );
    assert_eq!(
        roles::add_role_to_user(st, "public", "u1", "admin")
            .await
            .unwrap(),
        AddRoleToUserResult::Ok {
            did_user_already_have_role: true
        }
    );
    assert_eq!(
        roles::add_role_to_user(st, "public", "u1", "nobody")
            .await
            .unwrap(),
        AddRoleToUserResult::UnknownRoleError
    );
    roles::add_role_to_user(st, "public", "u1", "viewer")
        .await
        .unwrap();
    let mut of_user = roles::get_roles_for_user(st, "public", "u1").await.unwrap();
    of_user.sort();
    assert_eq!(of_user, ["admin", "viewer"]);
    assert_eq!(
        roles::get_users_that_have_role(st, "public", "admin")
            .await
            .unwrap(),
        GetUsersThatHaveRoleResult::Ok {
            users: vec!["u1".into()]
        }
    );
    assert_eq!(
        roles::get_users_that_have_role(st, "public", "nobody")
            .await
            .unwrap(),
        GetUsersThatHaveRoleResult::UnknownRoleError
    );
    assert_eq!(
        roles::remove_user_role(st, "public", "u1", "viewer")
            .await
            .unwrap(),
        RemoveUserRoleResult::Ok {
            did_user_have_role: true
        }
    );
    assert_eq!(
        roles::remove_user_role(st, "public", "u1", "viewer")
            .await
            .unwrap(),
        RemoveUserRoleResult::Ok {
            did_user_have_role: false
        }
    );
    assert_eq!(
        roles::remove_user_role(st, "public", "u1", "nobody")
            .await
            .unwrap(),
        RemoveUserRoleResult::UnknownRoleError
    );

    assert_eq!(
        roles::remove_permissions_from_role(st, "admin", Some(&["delete"]))
            .await
            .unwrap(),
        RemovePermissionsFromRoleResult::Ok
    );
    assert_eq!(
        roles::get_roles_that_have_permission(st, "delete")
            .await
            .unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        roles::remove_permissions_from_role(st, "admin", None)
            .await
            .unwrap(),
        RemovePermissionsFromRoleResult::Ok
    );
    assert_eq!(
        roles::get_permissions_for_role(st, "admin").await.unwrap(),
        GetPermissionsForRoleResult::Ok {
            permissions: vec![]
        }
    );
    assert_eq!(
        roles::remove_permissions_from_role(st, "nobody", None)
            .await
            .unwrap(),
        RemovePermissionsFromRoleResult::UnknownRoleError
    );

    assert!(roles::delete_role(st, "admin").await.unwrap());
    assert!(!roles::delete_role(st, "admin").await.unwrap());
    assert!(
        roles::get_roles_for_user(st, "public", "u1")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        roles::add_role_to_user(st, "../x", "u1", "viewer")
            .await
            .is_err()
    );
}

#[tokio::test]
async fn new_sessions_carry_roles_and_permissions() {
    let app = app(UserRolesConfig::default()).await;
    supertokens_userroles::create_new_role_or_add_permissions(&app.st, "admin", &["read", "write"])
        .await
        .unwrap();
    supertokens_userroles::create_new_role_or_add_permissions(
        &app.st,
        "editor",
        &["write", "publish"],
    )
    .await
    .unwrap();
    supertokens_userroles::add_role_to_user(&app.st, "public", "claims-user", "admin")
        .await
        .unwrap();
    supertokens_userroles::add_role_to_user(&app.st, "public", "claims-user", "editor")
        .await
        .unwrap();
    let payload = jwt_payload(&session_for(&app, "claims-user").await);
    assert_eq!(payload["st-role"]["t"], START_MS);
    let mut roles: Vec<String> = serde_json::from_value(payload["st-role"]["v"].clone()).unwrap();
    roles.sort();
    assert_eq!(roles, ["admin", "editor"]);
    let mut permissions: Vec<String> =
        serde_json::from_value(payload["st-perm"]["v"].clone()).unwrap();
    permissions.sort();
    assert_eq!(permissions, ["publish", "read", "write"], "without repeats");
    assert_eq!(payload["st-perm"]["t"], START_MS);

    // Skipped claims stay out of new tokens, and validators fetch them when they run.
    let lean = self::app(UserRolesConfig {
        skip_adding_roles_to_access_token: true,
        skip_adding_permissions_to_access_token: true,
        override_functions: None,
    })
    .await;
    supertokens_userroles::create_new_role_or_add_permissions(&lean.st, "admin", &["read"])
        .await
        .unwrap();
    supertokens_userroles::add_role_to_user(&lean.st, "public", "lean-user", "admin")
        .await
        .unwrap();
    let access = session_for(&lean, "lean-user").await;
    let payload = jwt_payload(&access);
    assert!(payload.get("st-role").is_none() && payload.get("st-perm").is_none());
    let options = VerifySessionOptions::default()
        .with_extra_claim_validator(UserRoleClaim::includes("admin"))
        .with_extra_claim_validator(PermissionClaim::includes("read"));
    let reply = lean.protected(&access, &options).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.payload()["st-role"]["v"], json!(["admin"]));
    assert_eq!(reply.payload()["st-perm"]["v"], json!(["read"]));
}

#[tokio::test]
async fn roles_are_fetched_again_after_the_max_age() {
    let app = app(UserRolesConfig::default()).await;
    supertokens_userroles::create_new_role_or_add_permissions(&app.st, "admin", &[])
        .await
        .unwrap();
    let access = session_for(&app, "late-admin").await;
    supertokens_userroles::add_role_to_user(&app.st, "public", "late-admin", "admin")
        .await
        .unwrap();
    let options = VerifySessionOptions::default().with_extra_claim_validator(
        UserRoleClaim::includes("admin").with_max_age(Some(Duration::from_secs(30))),
    );
    let denied = app.protected(&access, &options).await;
    assert_eq!(
        (denied.status, denied.body),
        (StatusCode::FORBIDDEN, admin_denied(&json!([])))
    );
    app.advance(Duration::from_secs(30));
    assert_eq!(
        app.protected(&access, &options).await.status,
        StatusCode::FORBIDDEN
    );
    app.advance(Duration::from_millis(1));
    let allowed = app.protected(&access, &options).await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert_eq!(
        allowed.payload()["st-role"],
        json!({"v": ["admin"], "t": START_MS + 30_001})
    );
    // The default max age is five minutes: an `expired` reason past it is never seen by
    // routes (they refetch first), but the validator itself reports it.
    let stale = json!({"st-role": {"v": ["admin"], "t": START_MS}});
    assert_eq!(
        UserRoleClaim::includes("admin").check(stale.as_object().unwrap(), START_MS + 301_000),
        Err(json!({"message": "expired", "ageInSeconds": 301, "maxAgeInSeconds": 300}))
    );
}

// --- axum ---------------------------------------------------------------------------------

async fn axum_me(session: supertokens_axum::Session) -> String {
    session.user_id().to_owned()
}

async fn axum_refresh_claims(session: supertokens_axum::Session) -> &'static str {
    session.fetch_and_set_claim(&UserRoleClaim).await.unwrap();
    session.fetch_and_set_claim(&PermissionClaim).await.unwrap();
    "refreshed"
}

fn axum_router(st: Arc<SuperTokens>) -> Router {
    use supertokens_axum::verify_session;
    Router::new()
        .route(
            "/admin",
            get(axum_me).layer(verify_session(
                VerifySessionOptions::default()
                    .with_extra_claim_validator(UserRoleClaim::includes("admin"))
                    .with_extra_claim_validator(PermissionClaim::includes("users:write")),
            )),
        )
        .route(
            "/claims/refresh",
            post(axum_refresh_claims).layer(verify_session(VerifySessionOptions::default())),
        )
        .layer(supertokens_axum::SuperTokensLayer::new(st))
}

async fn axum_call(
    st: &Arc<SuperTokens>,
    method: Method,
    path: &str,
    access: &str,
) -> (StatusCode, HeaderMap, Value) {
    let response = axum_router(st.clone())
        .oneshot(
            http::Request::builder()
                .method(method)
                .uri(path)
                .header("authorization", format!("Bearer {access}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, body)
}

async fn grant_admin(app: &RecipeApp, user: &str) {
    supertokens_userroles::create_new_role_or_add_permissions(&app.st, "admin", &["users:write"])
        .await
        .unwrap();
    supertokens_userroles::add_role_to_user(&app.st, "public", user, "admin")
        .await
        .unwrap();
}

#[tokio::test]
async fn axum_routes_check_roles_until_the_claim_is_refreshed() {
    let app = app(UserRolesConfig::default()).await;
    let access = session_for(&app, "axum-admin").await;
    let (status, headers, body) = axum_call(&app.st, Method::GET, "/admin", &access).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        body,
        json!({
            "message": "invalid claim",
            "claimValidationErrors": [
                {"id": "st-role", "reason": {"message": "wrong value", "expectedToInclude": "admin", "actualValue": []}},
                {"id": "st-perm", "reason": {"message": "wrong value", "expectedToInclude": "users:write", "actualValue": []}},
            ]
        })
    );
    assert!(tokens_of(&headers).access.is_none());

    grant_admin(&app, "axum-admin").await;
    // The token still carries the old (fresh) roles.
    let (status, _, _) = axum_call(&app.st, Method::GET, "/admin", &access).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, headers, body) =
        axum_call(&app.st, Method::POST, "/claims/refresh", &access).await;
    assert_eq!((status, body), (StatusCode::OK, json!("refreshed")));
    let refreshed = tokens_of(&headers).access.expect("a new access token");
    assert_eq!(jwt_payload(&refreshed)["st-role"]["v"], json!(["admin"]));
    let (status, _, body) = axum_call(&app.st, Method::GET, "/admin", &refreshed).await;
    assert_eq!((status, body), (StatusCode::OK, json!("axum-admin")));
}

// --- actix --------------------------------------------------------------------------------

async fn actix_me(session: supertokens_actix::Session) -> HttpResponse {
    HttpResponse::Ok().body(session.user_id().to_owned())
}

async fn actix_refresh_claims(session: supertokens_actix::Session) -> HttpResponse {
    session.fetch_and_set_claim(&UserRoleClaim).await.unwrap();
    session.fetch_and_set_claim(&PermissionClaim).await.unwrap();
    HttpResponse::Ok().body("refreshed")
}

#[actix_web::test]
async fn actix_routes_check_roles_until_the_claim_is_refreshed() {
    use supertokens_actix::{SuperTokensMiddleware, verify_session};
    let app = app(UserRolesConfig::default()).await;
    let access = session_for(&app, "actix-admin").await;
    let service = actix_test::init_service(
        actix_web::App::new()
            .wrap(SuperTokensMiddleware::new(app.st.clone()))
            .service(
                web::resource("/admin")
                    .wrap(verify_session(
                        VerifySessionOptions::default()
                            .with_extra_claim_validator(UserRoleClaim::includes("admin")),
                    ))
                    .route(web::get().to(actix_me)),
            )
            .service(
                web::resource("/claims/refresh")
                    .wrap(verify_session(VerifySessionOptions::default()))
                    .route(web::post().to(actix_refresh_claims)),
            ),
    )
    .await;
    let bearer = format!("Bearer {access}");
    let call = |method: Method, path: &'static str, bearer: String| {
        let request = match method {
            Method::POST => actix_test::TestRequest::post(),
            _ => actix_test::TestRequest::get(),
        };
        request
            .uri(path)
            .insert_header(("authorization", bearer))
            .to_request()
    };

    let response =
        actix_test::call_service(&service, call(Method::GET, "/admin", bearer.clone())).await;
    assert_eq!(response.status().as_u16(), 403);
    let body: Value = serde_json::from_slice(&actix_test::read_body(response).await).unwrap();
    assert_eq!(body, admin_denied(&json!([])));

    grant_admin(&app, "actix-admin").await;
    let response = actix_test::call_service(
        &service,
        call(Method::POST, "/claims/refresh", bearer.clone()),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let refreshed = response
        .headers()
        .get("st-access-token")
        .expect("a new access token")
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        jwt_payload(&refreshed)["st-perm"]["v"],
        json!(["users:write"])
    );

    let response = actix_test::call_service(
        &service,
        call(Method::GET, "/admin", format!("Bearer {refreshed}")),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(actix_test::read_body(response).await, "actix-admin");
}

#[tokio::test]
async fn offline_claim_updates_reach_the_client_after_a_refresh() {
    let app = RecipeApp::start_with(SessionConfig::default(), |_| {
        vec![supertokens_userroles::init(UserRolesConfig::default())]
    })
    .await;
    let req = request(Method::POST, "/auth/signin", &[]);
    let session = app
        .session
        .create_new_session(
            &req,
            "public",
            "offline-user",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    grant_admin(&app, "offline-user").await;
    let handle = session.session_handle().to_owned();
    assert!(
        app.session
            .fetch_and_set_claim(&handle, &UserRoleClaim)
            .await
            .unwrap()
    );
    assert_eq!(
        app.session
            .get_claim_value(&handle, &UserRoleClaim)
            .await
            .unwrap(),
        Some(Some(json!(["admin"])))
    );
    assert!(
        app.session
            .remove_claim(&handle, &PermissionClaim)
            .await
            .unwrap()
    );
    assert_eq!(
        app.session
            .get_claim_value(&handle, &PermissionClaim)
            .await
            .unwrap(),
        Some(None)
    );
    assert!(
        app.session
            .set_claim_value(&handle, &PermissionClaim, json!(["custom"]))
            .await
            .unwrap()
    );
    assert!(
        !app.session
            .fetch_and_set_claim("no-such-handle", &UserRoleClaim)
            .await
            .unwrap()
    );
    assert_eq!(
        app.session
            .get_claim_value("no-such-handle", &UserRoleClaim)
            .await
            .unwrap(),
        None
    );
    // The client sees the stored claims with its next refresh.
    let refresh = format!(
        "Bearer {}",
        tokens_of(&super::sdk_support::headers_of(&session.response_headers()))
            .refresh
            .unwrap()
    );
    let reply = app
        .fdi(
            Method::POST,
            "/auth/session/refresh",
            None,
            &[("authorization", &refresh)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let payload = reply.payload();
    assert_eq!(payload["st-role"]["v"], json!(["admin"]));
    assert_eq!(payload["st-perm"]["v"], json!(["custom"]));
}
