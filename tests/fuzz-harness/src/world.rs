//! The services the request targets run against, built once per process and rebuilt every
//! [`RESET_EVERY`] inputs so that a long run does not grow the database without bound.
//!
//! A [`World`] is a current-thread tokio runtime, an in-memory SQLite core behind the real
//! CDI router (`supertokens_core_http::router`, as `tests/src/lib.rs` builds it) with the
//! cheapest password hashing, a tenant [`TENANT`] and a user [`KNOWN_EMAIL`]. The FDI world
//! also serves that router on a loopback port and initialises the SDK with every recipe
//! against it.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::body::Body;
use http::{Method, Request};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use supertokens::{AppInfo, SuperTokens, SuperTokensConfig};
use supertokens_core_engine::{
    Apps, CleanupConfig, Clock, Core, CoreConfig, ManualClock, SystemClock,
};
use supertokens_core_http::{AppState, Router, ServerConfig, router};
use supertokens_crypto::password::PasswordHashingPolicy;
use supertokens_crypto::random::OsRandom;
use supertokens_crypto::signing::Jwk;
use supertokens_storage::{ConnectOptions, connect_with_apps};
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tower::ServiceExt;

use crate::finding::setup_failed;

/// API key of the fuzzed cores.
pub const API_KEY: &str = "fuzz-api-key-0123456789";
/// The `cdi-version` sent unless an input says otherwise.
pub const CDI_VERSION: &str = "5.4";
/// A tenant besides `public` that every world has.
pub const TENANT: &str = "tenant1";
/// Email of the user every world has (an emailpassword user of `public`).
pub const KNOWN_EMAIL: &str = "known@example.com";
/// Password of [`KNOWN_EMAIL`].
pub const KNOWN_PASSWORD: &str = "known-password-1";
/// Email of the passwordless codes made for `$DEVICE_ID`-style placeholders.
pub const PASSWORDLESS_EMAIL: &str = "passwordless@example.com";
/// Inputs served by one world before it is replaced by a fresh one.
pub const RESET_EVERY: u64 = 20_000;
/// Epoch ms of the CDI world's clock.
pub const START_MS: i64 = 1_800_000_000_000;
/// The SDK's API base path in the FDI world.
pub const API_BASE_PATH: &str = "/auth";

/// A CDI response: status and body (JSON when it parses, else a JSON string).
#[derive(Debug, Clone, PartialEq)]
pub struct CdiResponse {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Value,
}

/// The services of one world.
pub struct World {
    runtime: Runtime,
    router: Router,
    known_user_id: String,
    sdk: Option<Arc<SuperTokens>>,
    server: Option<JoinHandle<()>>,
    jwks: std::sync::OnceLock<Vec<Jwk>>,
    manual_clock: Option<Arc<ManualClock>>,
    core_statuses: Arc<Mutex<Vec<u16>>>,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("World")
            .field("known_user_id", &self.known_user_id)
            .field("sdk", &self.sdk.is_some())
            .finish_non_exhaustive()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Which services a world has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorldKind {
    /// The core's router only, driven in process.
    Cdi,
    /// The core on a loopback port and the SDK with every recipe in front of it.
    Fdi,
}

/// Engine settings: the defaults of the daemon, with the cheapest password hashing.
pub fn core_config() -> CoreConfig {
    CoreConfig {
        access_token_validity: Duration::from_secs(3600),
        refresh_token_validity: Duration::from_secs(100 * 24 * 3600),
        password_reset_token_lifetime: Duration::from_secs(3600),
        email_verification_token_lifetime: Duration::from_secs(24 * 3600),
        passwordless_code_lifetime: Duration::from_secs(900),
        passwordless_max_code_input_attempts: 5,
        signing_key_update_interval: Duration::from_secs(24 * 3600),
        password_hashing: PasswordHashingPolicy::danger_test_minimum(),
        password_hashing_pool_size: 1,
        cleanup: CleanupConfig::default(),
        ..CoreConfig::default()
    }
}

impl World {
    /// Builds a world; set-up failures stop the process (nothing can be fuzzed without it).
    pub fn build(kind: WorldKind) -> Self {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(error) => setup_failed("tokio runtime", &error),
        };
        // The CDI world's time moves only by `tick` (one second per input); the SDK checks
        // token expiry against the system clock, so the FDI world's core uses that clock.
        let manual_clock = (kind == WorldKind::Cdi).then(|| Arc::new(ManualClock::new(START_MS)));
        let clock: Arc<dyn Clock> = match &manual_clock {
            Some(clock) => clock.clone(),
            None => Arc::new(SystemClock),
        };
        let router = match runtime.block_on(build_router(clock)) {
            Ok(router) => router,
            Err(error) => setup_failed("core", &error),
        };
        let mut world = Self {
            runtime,
            router,
            known_user_id: String::new(),
            sdk: None,
            server: None,
            jwks: std::sync::OnceLock::new(),
            manual_clock,
            core_statuses: Arc::default(),
        };
        world.known_user_id = world.block_on(world.populate());
        if kind == WorldKind::Fdi {
            let (sdk, server) = world.block_on(world.start_sdk());
            world.sdk = Some(sdk);
            world.server = Some(server);
        }
        world
    }

    /// Runs a future to completion on the world's runtime (which also serves the loopback
    /// core meanwhile).
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Moves the CDI world's clock on (one second per input), so that rate-limit windows
    /// pass during a long run; the FDI world follows the system clock.
    pub fn tick(&self) {
        if let Some(clock) = &self.manual_clock {
            clock.advance(Duration::from_secs(1));
        }
    }

    /// The statuses the loopback core answered the SDK since the last call (FDI world).
    pub fn take_core_statuses(&self) -> Vec<u16> {
        std::mem::take(
            &mut *self
                .core_statuses
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// The core's router.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The id of the [`KNOWN_EMAIL`] user.
    pub fn known_user_id(&self) -> &str {
        &self.known_user_id
    }

    /// The SDK (FDI worlds only).
    pub fn sdk(&self) -> Option<&Arc<SuperTokens>> {
        self.sdk.as_ref()
    }

    /// The core's public keys (`/.well-known/jwks.json`), fetched once per world.
    pub async fn jwks(&self) -> &[Jwk] {
        if let Some(keys) = self.jwks.get() {
            return keys;
        }
        let response = self.cdi(Method::GET, "/.well-known/jwks.json", None).await;
        let keys = match response
            .body
            .get("keys")
            .cloned()
            .map(serde_json::from_value::<Vec<Jwk>>)
        {
            Some(Ok(keys)) if !keys.is_empty() => keys,
            _ => setup_failed("reading the core's JWKS", &response.body),
        };
        self.jwks.get_or_init(|| keys)
    }

    /// Sends a CDI request with the API key and [`CDI_VERSION`] straight to the router.
    pub async fn cdi(&self, method: Method, path: &str, body: Option<Value>) -> CdiResponse {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("api-key", API_KEY)
            .header("cdi-version", CDI_VERSION);
        let body = match body {
            Some(value) => {
                request = request.header("content-type", "application/json");
                Body::from(value.to_string())
            }
            None => Body::empty(),
        };
        match request.body(body) {
            Ok(request) => send(&self.router, request).await,
            Err(error) => setup_failed("building a CDI request", &error),
        }
    }

    async fn populate(&self) -> String {
        let tenant = self
            .cdi(
                Method::PUT,
                "/recipe/multitenancy/tenant/v2",
                Some(json!({
                    "tenantId": TENANT,
                    "firstFactors": ["emailpassword", "otp-email", "otp-phone", "link-email", "link-phone"],
                })),
            )
            .await;
        expect_ok("creating the tenant", &tenant);
        let user = self
            .cdi(
                Method::POST,
                "/recipe/signup",
                Some(json!({ "email": KNOWN_EMAIL, "password": KNOWN_PASSWORD })),
            )
            .await;
        expect_ok("signing up the known user", &user);
        // The static JWT key is made on first use: make it now, so that the JWKS the SDK
        // and the harness fetch once already has it.
        let jwt = self
            .cdi(
                Method::POST,
                "/recipe/jwt",
                Some(json!({
                    "payload": {},
                    "algorithm": "RS256",
                    "jwksDomain": "http://localhost",
                    "validity": 60,
                })),
            )
            .await;
        expect_ok("signing a first JWT", &jwt);
        match user.body.pointer("/user/id").and_then(Value::as_str) {
            Some(id) => id.to_owned(),
            None => setup_failed("signing up the known user", &user.body),
        }
    }

    async fn start_sdk(&self) -> (Arc<SuperTokens>, JoinHandle<()>) {
        let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => setup_failed("binding a loopback port", &error),
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(error) => setup_failed("reading the loopback port", &error),
        };
        let recorded = self.core_statuses.clone();
        let app = self.router.clone().layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let recorded = recorded.clone();
                async move {
                    let response = next.run(request).await;
                    recorded
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(response.status().as_u16());
                    response
                }
            },
        ));
        let server = tokio::spawn(async move {
            let _ = supertokens_core_http::serve(listener, app, std::future::pending()).await;
        });
        match init_sdk(&format!("http://{address}")) {
            Ok(sdk) => (sdk, server),
            Err(error) => setup_failed("initialising the SDK", &error),
        }
    }
}

fn expect_ok(what: &str, response: &CdiResponse) {
    if response.status != 200 || response.body.get("status") != Some(&json!("OK")) {
        setup_failed(what, &format!("{} {}", response.status, response.body));
    }
}

async fn build_router(clock: Arc<dyn Clock>) -> Result<Router, String> {
    let connection = connect_with_apps("sqlite::memory:", &ConnectOptions::default())
        .await
        .map_err(|error| error.to_string())?;
    let core = Arc::new(
        Core::new(connection.main, core_config(), clock, Arc::new(OsRandom))
            .await
            .map_err(|error| error.to_string())?,
    );
    let apps = Arc::new(Apps::new(core, connection.apps, Arc::new(OsRandom)));
    Ok(router(AppState {
        apps,
        config: Arc::new(ServerConfig {
            api_keys: vec![API_KEY.to_owned()],
            ..ServerConfig::default()
        }),
        observability: Default::default(),
    }))
}

/// Sends a request through the router and reads the whole response.
pub async fn send(router: &Router, request: Request<Body>) -> CdiResponse {
    let response = match router.clone().oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    };
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    CdiResponse { status, body }
}

/// The SDK with every recipe (as `examples/common` sets it up), emails and text messages
/// written to the log, no send limits (they would keep state across inputs).
fn init_sdk(connection_uri: &str) -> supertokens::Result<Arc<SuperTokens>> {
    use supertokens_emailpassword::{EmailPasswordConfig, LogEmailDelivery};
    use supertokens_emailverification::{EmailVerificationConfig, EmailVerificationMode};
    use supertokens_passwordless::{ContactMethod, FlowType, PasswordlessConfig, SendLimits};

    let email_delivery = Arc::new(LogEmailDelivery);
    supertokens::init(SuperTokensConfig {
        app_info: AppInfo {
            app_name: "fuzz".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: Some(API_BASE_PATH.into()),
            website_base_path: None,
        },
        connection_uri: connection_uri.to_owned(),
        api_key: Some(API_KEY.to_owned()),
        // Per-address rate limits (every fuzz input comes from one address): off.
        rate_limits: supertokens::RateLimitConfig::disabled(),
        recipe_list: vec![
            supertokens_session::init(supertokens_session::SessionConfig::default()),
            supertokens_emailpassword::init(EmailPasswordConfig {
                email_delivery: Some(email_delivery.clone()),
                ..Default::default()
            }),
            supertokens_passwordless::init(PasswordlessConfig {
                email_delivery: Some(email_delivery.clone()),
                sms_delivery: Some(Arc::new(supertokens_delivery::sms::LogSmsDelivery)),
                limits: SendLimits::unlimited(),
                ..PasswordlessConfig::new(
                    ContactMethod::EmailOrPhone,
                    FlowType::UserInputCodeAndMagicLink,
                )
            }),
            supertokens_emailverification::init(EmailVerificationConfig {
                email_delivery: Some(email_delivery),
                ..EmailVerificationConfig::new(EmailVerificationMode::Optional)
            }),
            supertokens_usermetadata::init(Default::default()),
            supertokens_userroles::init(Default::default()),
        ],
    })
}

/// One world per kind per process, replaced every [`RESET_EVERY`] inputs.
#[derive(Debug, Default)]
pub struct SharedWorld {
    slot: Mutex<Option<(u64, Arc<World>)>>,
}

impl SharedWorld {
    /// An empty slot (the world is built on first use).
    pub const fn new() -> Self {
        Self {
            slot: Mutex::new(None),
        }
    }

    /// The current world, counting one input against it.
    pub fn get(&self, kind: WorldKind) -> Arc<World> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_mut() {
            Some((served, world)) if *served < RESET_EVERY => {
                *served += 1;
                world.clone()
            }
            _ => {
                // Drop the old world first: its runtime must not outlive the new one's start.
                *slot = None;
                let world = Arc::new(World::build(kind));
                *slot = Some((1, world.clone()));
                world
            }
        }
    }
}

/// The CDI world of this process.
pub fn cdi_world() -> Arc<World> {
    static WORLD: SharedWorld = SharedWorld::new();
    WORLD.get(WorldKind::Cdi)
}

/// The FDI world of this process.
pub fn fdi_world() -> Arc<World> {
    static WORLD: SharedWorld = SharedWorld::new();
    WORLD.get(WorldKind::Fdi)
}
