//! Session claims against an in-process core, without any recipe that adds claims: custom
//! claims with `fn_claim`, validator refetch on the injected clock (no sleeping), and the
//! container's claim operations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::json;
use supertokens_session::claims::{ClaimFetchArgs, PrimitiveArrayClaim, PrimitiveClaim};
use supertokens_session::{SessionConfig, VerifySessionOptions};
use supertokens_tests::START_MS;

use super::recipe_support::RecipeApp;
use super::sdk_support::{jwt_payload, request};

#[tokio::test]
async fn custom_claims_are_fetched_when_missing_and_when_old() {
    let app = RecipeApp::start_with(SessionConfig::default(), |_| Vec::new()).await;
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = fetches.clone();
    let groups = PrimitiveArrayClaim::from_fn("groups", move |args: ClaimFetchArgs| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Some(vec![
                format!("{}-group", args.user_id),
                args.tenant_id,
            ]))
        }
    })
    .with_default_max_age(Some(Duration::from_secs(20)));
    let options = VerifySessionOptions::default()
        .with_extra_claim_validator(groups.includes("claims-user-group"));

    let req = request(Method::POST, "/auth/signin", &[]);
    let session = app
        .session
        .create_new_session(
            &req,
            "public",
            "claims-user",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    let access = session.access_token();

    // Missing: fetched, merged into a new access token, then validated.
    let first = app.protected(&access, &options).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    let access = first.access_token().expect("the fetched claim goes out");
    assert_eq!(
        jwt_payload(&access)["groups"],
        json!({"v": ["claims-user-group", "public"], "t": START_MS})
    );

    // Fresh: no fetch, no new token.
    app.advance(Duration::from_secs(20));
    let second = app.protected(&access, &options).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.access_token().is_none());
    assert_eq!(fetches.load(Ordering::SeqCst), 1);

    // Older than the max age: fetched again.
    app.advance(Duration::from_millis(1));
    let third = app.protected(&access, &options).await;
    assert_eq!(third.status, StatusCode::OK);
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(third.payload()["groups"]["t"], START_MS + 20_001);

    // A failing check reports node's reason.
    let options = VerifySessionOptions::default()
        .with_extra_claim_validator(groups.excludes("public").with_id("no-public"));
    let denied = app.protected(&access, &options).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(
        denied.body,
        json!({
            "message": "invalid claim",
            "claimValidationErrors": [{
                "id": "no-public",
                "reason": {
                    "message": "wrong value",
                    "expectedToNotInclude": "public",
                    "actualValue": ["claims-user-group", "public"]
                }
            }]
        })
    );
}

#[tokio::test]
async fn containers_set_fetch_read_and_remove_claims() {
    let app = RecipeApp::start_with(SessionConfig::default(), |_| Vec::new()).await;
    let plan = PrimitiveClaim::from_fn("plan", |_args: ClaimFetchArgs| async { Ok(Some("pro")) });
    let req = request(Method::POST, "/auth/signin", &[]);
    let session = app
        .session
        .create_new_session(
            &req,
            "public",
            "ops-user",
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
    assert_eq!(session.get_claim_value(&plan), None);
    app.advance(Duration::from_secs(1));
    session.fetch_and_set_claim(&plan).await.unwrap();
    assert_eq!(session.get_claim_value(&plan), Some(json!("pro")));
    assert_eq!(
        jwt_payload(&session.access_token())["plan"],
        json!({"v": "pro", "t": START_MS + 1_000})
    );
    session.set_claim_value(&plan, json!("free")).await.unwrap();
    assert_eq!(
        plan.get_value(&session.access_token_payload()),
        Some(json!("free"))
    );
    let validator = plan.has_value("pro");
    let denied = app
        .protected(
            &session.access_token(),
            &VerifySessionOptions::default().with_extra_claim_validator(validator),
        )
        .await;
    assert_eq!(
        denied.body["claimValidationErrors"][0],
        json!({"id": "plan", "reason": {"message": "wrong value", "expectedValue": "pro", "actualValue": "free"}})
    );
    session.remove_claim(&plan).await.unwrap();
    assert_eq!(session.get_claim_value(&plan), None);
    assert!(jwt_payload(&session.access_token()).get("plan").is_none());
    // Skipping every validator (the route of a claim-less page).
    let lenient = VerifySessionOptions::default()
        .with_extra_claim_validator(plan.has_value("pro"))
        .without_claim_validators();
    // Extra validators still run after the (emptied) global ones.
    assert_eq!(
        app.protected(&session.access_token(), &lenient)
            .await
            .status,
        StatusCode::OK,
        "the missing value is fetched and then satisfies the check"
    );
}
