//! Shared helpers of the email verification, user roles and user metadata tests: an SDK with
//! the session recipe (on the core's clock) plus the recipes a test picks, emails and text
//! messages captured, FDI calls through `SuperTokens::handle`, and protected calls through
//! `SessionRecipe::get_session` as an adapter makes them.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde_json::{Value, json};
use supertokens::{AppInfo, RecipeBuilder, SdkRequest, SuperTokens, SuperTokensConfig};
use supertokens_emailverification::delivery::email::CapturingEmailDelivery;
use supertokens_emailverification::delivery::sms::CapturingSmsDelivery;
use supertokens_session::{SessionConfig, SessionRecipe, VerifySessionOptions};
use supertokens_tests::{API_KEY, TestCore, TestCoreOptions, start_core};

use super::sdk_support::{CoreClock, jwt_payload, tokens_of};

/// How long tests wait for a background email.
pub(crate) const WAIT: Duration = Duration::from_secs(5);
/// The password of the users tests sign up.
pub(crate) const PASSWORD: &str = "Passw0rd123";

/// Where the recipes' messages go.
#[derive(Clone, Default)]
pub(crate) struct Outboxes {
    pub(crate) email: CapturingEmailDelivery,
    pub(crate) sms: CapturingSmsDelivery,
}

/// An SDK against an in-process core.
pub(crate) struct RecipeApp {
    pub(crate) core: TestCore,
    pub(crate) st: Arc<SuperTokens>,
    pub(crate) session: Arc<SessionRecipe>,
    pub(crate) outboxes: Outboxes,
}

/// An FDI or protected-route answer.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Value,
    pub(crate) headers: HeaderMap,
}

impl Reply {
    /// The new access token the answer hands out, if any.
    pub(crate) fn access_token(&self) -> Option<String> {
        tokens_of(&self.headers).access
    }

    /// The payload of the new access token (panics when there is none).
    pub(crate) fn payload(&self) -> Value {
        jwt_payload(&self.access_token().expect("a new access token"))
    }
}

pub(crate) fn app_info() -> AppInfo {
    AppInfo {
        app_name: "Claims App".into(),
        api_domain: "http://localhost:3001".into(),
        website_domain: "http://localhost:3000".into(),
        api_base_path: None,
        website_base_path: None,
    }
}

impl RecipeApp {
    /// Starts a core and an SDK with the session recipe and the recipes `recipes` builds.
    pub(crate) async fn start(
        recipes: impl FnOnce(&Outboxes) -> Vec<Box<dyn RecipeBuilder>>,
    ) -> Self {
        Self::start_with(SessionConfig::default(), recipes).await
    }

    /// Same, with this session configuration (its clock is replaced by the core's).
    pub(crate) async fn start_with(
        session: SessionConfig,
        recipes: impl FnOnce(&Outboxes) -> Vec<Box<dyn RecipeBuilder>>,
    ) -> Self {
        let core = start_core(TestCoreOptions::default()).await.unwrap();
        let outboxes = Outboxes::default();
        let mut recipe_list = recipes(&outboxes);
        recipe_list.push(supertokens_session::init(SessionConfig {
            clock: Some(Arc::new(CoreClock(core.clock.clone()))),
            ..session
        }));
        let st = supertokens::init(SuperTokensConfig {
            app_info: app_info(),
            connection_uri: core.base_url.clone(),
            api_key: Some(API_KEY.to_owned()),
            rate_limits: supertokens::RateLimitConfig::default(),
            recipe_list,
        })
        .unwrap();
        let session = SessionRecipe::from_supertokens(&st).unwrap();
        Self {
            core,
            st,
            session,
            outboxes,
        }
    }

    /// Moves the core's clock (which the SDK reads too) forward.
    pub(crate) fn advance(&self, by: Duration) {
        self.core.clock.advance(by);
    }

    fn sdk_request(
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> SdkRequest {
        let mut map = HeaderMap::new();
        map.insert("fdi-version", HeaderValue::from_static("3.1,4.0,4.1,4.2"));
        for (name, value) in headers {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let mut request = SdkRequest::new(method, path, map);
        if let Some(body) = body {
            request = request.with_body(Bytes::from(body.to_string()));
        }
        request
    }

    /// An SDK route (panics when the SDK does not serve it).
    pub(crate) async fn fdi(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let request = Self::sdk_request(method, path, body.as_ref(), headers);
        let response = self.st.handle(&request).await.expect("an SDK route");
        Reply {
            status: response.status,
            body: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
            headers: response.headers,
        }
    }

    /// An SDK route with the session's access token in header mode.
    pub(crate) async fn fdi_as(
        &self,
        access_token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let bearer = format!("Bearer {access_token}");
        self.fdi(
            method,
            path,
            body,
            &[("authorization", &bearer), ("rid", "emailverification")],
        )
        .await
    }

    /// A protected app route (`GET /api/me`) verified with `options`: 200 with the user id
    /// and the session's header changes, or the SDK's error answer.
    pub(crate) async fn protected(
        &self,
        access_token: &str,
        options: &VerifySessionOptions,
    ) -> Reply {
        let bearer = format!("Bearer {access_token}");
        let request = Self::sdk_request(
            Method::GET,
            "/api/me",
            None,
            &[("authorization", bearer.as_str())],
        );
        match self.session.get_session(&request, options).await {
            Ok(Some(session)) => {
                let mut headers = HeaderMap::new();
                supertokens::http_types::apply_header_changes(
                    &mut headers,
                    &session.response_headers(),
                );
                Reply {
                    status: StatusCode::OK,
                    body: json!(session.user_id()),
                    headers,
                }
            }
            Ok(None) => panic!("a required session was not returned"),
            Err(error) => {
                let response = self.st.error_response(&error, &request);
                Reply {
                    status: response.status,
                    body: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
                    headers: response.headers,
                }
            }
        }
    }

    /// Signs up with emailpassword (header mode); the user id and the access token.
    pub(crate) async fn sign_up(&self, email: &str) -> (String, String) {
        let reply = self
            .fdi(
                Method::POST,
                "/auth/signup",
                Some(json!({"formFields": [
                    {"id": "email", "value": email},
                    {"id": "password", "value": PASSWORD},
                ]})),
                &[("rid", "emailpassword")],
            )
            .await;
        assert_eq!(reply.body["status"], "OK", "{:?}", reply.body);
        let user_id = reply.body["user"]["id"].as_str().unwrap().to_owned();
        (user_id, reply.access_token().unwrap())
    }
}

/// The `token` query parameter of the link in an email's text.
pub(crate) fn token_from_link(text: &str) -> String {
    let start = text.find("token=").expect("a link with a token") + "token=".len();
    let rest = &text[start..];
    let end = rest
        .find(|c: char| c == '&' || c.is_whitespace())
        .unwrap_or(rest.len());
    let encoded = &rest[..end];
    // The token is base64url: only `%XX` escapes could appear, and none are expected.
    assert!(!encoded.contains('%'), "{encoded}");
    encoded.to_owned()
}
