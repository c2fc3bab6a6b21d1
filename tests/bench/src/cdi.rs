//! A minimal CDI client: just the calls the benchmarks drive (PROTOCOL-NOTES §3.1, §3.3).

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// The CDI version sent on every call.
const CDI_VERSION: &str = "5.4";

/// One HTTP client (keep-alive pool) bound to one core.
#[derive(Debug, Clone)]
pub(crate) struct Cdi {
    http: reqwest::Client,
    base: Arc<str>,
    api_key: Arc<str>,
}

/// The tokens of a freshly created or refreshed session.
#[derive(Debug, Clone)]
pub(crate) struct SessionTokens {
    /// The access token (JWT).
    pub(crate) access: String,
    /// The refresh token to use for the next refresh.
    pub(crate) refresh: String,
}

#[derive(Deserialize)]
struct StatusOnly {
    status: String,
}

#[derive(Deserialize)]
struct Token {
    token: String,
}

#[derive(Deserialize)]
struct User {
    id: String,
}

#[derive(Deserialize)]
struct SignUpResponse {
    status: String,
    user: Option<User>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionResponse {
    status: String,
    access_token: Option<Token>,
    refresh_token: Option<Token>,
    message: Option<String>,
}

/// A passwordless code as created (what the frontend and the user would hold).
#[derive(Debug, Clone)]
pub(crate) struct CreatedCode {
    /// The device id (a secret of the frontend).
    pub(crate) device_id: String,
    /// The device's public id.
    pub(crate) pre_auth_session_id: String,
    /// The code the user would type.
    pub(crate) user_input_code: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateCodeResponse {
    status: String,
    device_id: Option<String>,
    pre_auth_session_id: Option<String>,
    user_input_code: Option<String>,
}

impl SessionResponse {
    fn into_tokens(self, call: &str) -> Result<SessionTokens> {
        match (self.status.as_str(), self.access_token, self.refresh_token) {
            ("OK", Some(access), Some(refresh)) => Ok(SessionTokens {
                access: access.token,
                refresh: refresh.token,
            }),
            (status, _, _) => bail!(
                "{call}: status {status}{}",
                self.message.map(|m| format!(" ({m})")).unwrap_or_default()
            ),
        }
    }
}

/// An HTTP client for loopback benchmarking: no proxy, keep-alive with a pool of `pool_size`
/// idle connections, Nagle off, generous timeout (a sign-in queued behind a flood may wait).
pub(crate) fn http_client(pool_size: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .no_proxy()
        .pool_max_idle_per_host(pool_size)
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()
        .context("building the HTTP client")
}

impl Cdi {
    /// A client for the core listening on `127.0.0.1:port`.
    pub(crate) fn new(http: reqwest::Client, port: u16, api_key: &str) -> Self {
        Self {
            http,
            base: format!("http://127.0.0.1:{port}").into(),
            api_key: api_key.into(),
        }
    }

    async fn post<T: DeserializeOwned>(&self, path: &str, body: &Value) -> Result<T> {
        let resp = self
            .http
            .post(format!("{}{path}", self.base))
            .header("api-key", &*self.api_key)
            .header("cdi-version", CDI_VERSION)
            .json(body)
            .send()
            .await
            .with_context(|| format!("POST {path}"))?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            bail!("POST {path}: HTTP {status}: {text}");
        }
        resp.json()
            .await
            .with_context(|| format!("POST {path}: decoding the response"))
    }

    /// `POST /public/recipe/signup`; returns the new user's id.
    pub(crate) async fn sign_up(&self, email: &str, password: &str) -> Result<String> {
        let r: SignUpResponse = self
            .post(
                "/public/recipe/signup",
                &json!({ "email": email, "password": password }),
            )
            .await?;
        match (r.status.as_str(), r.user) {
            ("OK", Some(user)) => Ok(user.id),
            (status, _) => bail!("sign-up of {email}: status {status}"),
        }
    }

    /// `POST /public/recipe/signin`; `Ok(true)` for `OK`, `Ok(false)` for wrong credentials.
    pub(crate) async fn sign_in(&self, email: &str, password: &str) -> Result<bool> {
        let r: StatusOnly = self
            .post(
                "/public/recipe/signin",
                &json!({ "email": email, "password": password }),
            )
            .await?;
        match r.status.as_str() {
            "OK" => Ok(true),
            "WRONG_CREDENTIALS_ERROR" => Ok(false),
            other => bail!("sign-in of {email}: status {other}"),
        }
    }

    /// `POST /public/recipe/session` (no anti-CSRF, dynamic signing key, empty payloads).
    pub(crate) async fn create_session(&self, user_id: &str) -> Result<SessionTokens> {
        let body = json!({
            "userId": user_id,
            "userDataInJWT": {},
            "userDataInDatabase": {},
            "enableAntiCsrf": false,
            "useDynamicSigningKey": true,
        });
        let r: SessionResponse = self.post("/public/recipe/session", &body).await?;
        r.into_tokens("session create")
    }

    /// `POST /recipe/session/refresh`; returns the rotated tokens.
    pub(crate) async fn refresh(&self, refresh_token: &str) -> Result<SessionTokens> {
        let body = json!({
            "refreshToken": refresh_token,
            "enableAntiCsrf": false,
            "useDynamicSigningKey": true,
        });
        let r: SessionResponse = self.post("/recipe/session/refresh", &body).await?;
        r.into_tokens("session refresh")
    }

    /// `POST /recipe/session/verify` without a database check; returns the status.
    pub(crate) async fn verify(&self, access_token: &str) -> Result<String> {
        let body = json!({
            "accessToken": access_token,
            "doAntiCsrfCheck": false,
            "enableAntiCsrf": false,
            "checkDatabase": false,
        });
        let r: StatusOnly = self.post("/recipe/session/verify", &body).await?;
        Ok(r.status)
    }

    /// `POST /public/recipe/signinup/code` for a new device of `email`; returns the code.
    pub(crate) async fn create_code(&self, email: &str) -> Result<CreatedCode> {
        let r: CreateCodeResponse = self
            .post("/public/recipe/signinup/code", &json!({ "email": email }))
            .await?;
        match (
            r.status.as_str(),
            r.device_id,
            r.pre_auth_session_id,
            r.user_input_code,
        ) {
            ("OK", Some(device_id), Some(pre_auth_session_id), Some(user_input_code)) => {
                Ok(CreatedCode {
                    device_id,
                    pre_auth_session_id,
                    user_input_code,
                })
            }
            (status, ..) => bail!("create code for {email}: status {status}"),
        }
    }

    /// `POST /public/recipe/signinup/code/consume` with the typed code; returns the status.
    pub(crate) async fn consume_code(&self, code: &CreatedCode) -> Result<String> {
        let body = json!({
            "preAuthSessionId": code.pre_auth_session_id,
            "deviceId": code.device_id,
            "userInputCode": code.user_input_code,
        });
        let r: StatusOnly = self
            .post("/public/recipe/signinup/code/consume", &body)
            .await?;
        Ok(r.status)
    }
}
