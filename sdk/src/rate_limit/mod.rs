//! Rate limits by client address on the routes attackers hammer: sign-in, sign-up, password
//! reset and passwordless code creation.
//!
//! The SDK counts requests per client address before it reads the body or calls the core,
//! for every tenant (`/auth/signin` and `/auth/<tenant>/signin` count together). Over the
//! limit it answers `429 Too Many Requests` with `Retry-After` (whole seconds) and
//! `{"message":"Too many requests from this address; retry in N s"}`. The core limits the
//! same operations per account; its `429` reaches the frontend the same way (see
//! [`SuperTokensError::RateLimited`]).
//!
//! | route (`POST`, any tenant) | limit | default |
//! |---|---|---|
//! | `/signin` | [`sign_in`](RateLimitConfig::sign_in) | 30 per minute |
//! | `/signup` | [`sign_up`](RateLimitConfig::sign_up) | 10 per minute |
//! | `/user/password/reset/token`, `/user/password/reset` | [`password_reset`](RateLimitConfig::password_reset) | 10 per minute (together) |
//! | `/signinup/code`, `/signinup/code/resend` | [`passwordless_code`](RateLimitConfig::passwordless_code) | 10 per minute (together) |
//!
//! **Client address.** The adapter gives the socket peer ([`SdkRequest::peer_addr`]); axum
//! apps must be served with `into_make_service_with_connect_info::<SocketAddr>()` for it to
//! be known. Behind proxies, list them in [`trusted_proxies`](RateLimitConfig::trusted_proxies)
//! so that `X-Forwarded-For` is read ([`client_address`]); otherwise every request seems to
//! come from the proxy. IPv6 clients are counted per `/64`. Requests whose peer the adapter
//! could not tell all share the key `unknown` (a warning is logged once).
//!
//! **Several app instances.** The default [`InMemoryStore`] counts per process; give every
//! instance the same [`RedisStore`] (feature `redis`) to share the counts. When the store
//! fails, requests are served (fail-open) and a warning is logged.
//!
//! ```no_run
//! # async fn config() -> supertokens::Result<()> {
//! use std::sync::Arc;
//! use supertokens::rate_limit::{Limit, RateLimitConfig, TrustedProxies};
//!
//! let rate_limits = RateLimitConfig {
//!     trusted_proxies: TrustedProxies::parse(["10.0.0.0/8", "::1/128"])?,
//!     sign_in: Some(Limit::per_minute(20)),
//!     # #[cfg(feature = "redis")]
//!     store: Some(Arc::new(
//!         supertokens::rate_limit::RedisStore::connect("redis://127.0.0.1:6379")
//!             .await
//!             .map_err(|error| supertokens::SuperTokensError::Config(error.to_string()))?,
//!     )),
//!     ..RateLimitConfig::default()
//! };
//! # let _ = rate_limits; Ok(()) }
//! ```

pub mod client_address;
#[cfg(test)]
mod handling_tests;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod store;

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use http::{HeaderValue, StatusCode};

pub use self::client_address::{ClientKey, IpNet, TrustedProxies, client_ip};
pub use self::memory::{DEFAULT_MAX_KEYS, InMemoryStore};
#[cfg(feature = "redis")]
pub use self::redis::{DEFAULT_KEY_PREFIX, RedisStore};
pub use self::store::{Clock, Decision, ManualClock, MonotonicClock, RateLimitStore, StoreError};
use crate::error::{Result, SuperTokensError};
use crate::http_types::{SdkRequest, SdkResponse};

/// At most `max_requests` requests per `window` from one client address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Requests allowed in one window (at least 1).
    pub max_requests: u32,
    /// The window's length (at least a second).
    pub window: Duration,
}

impl Limit {
    /// `max_requests` per minute.
    pub const fn per_minute(max_requests: u32) -> Self {
        Self {
            max_requests,
            window: Duration::from_secs(60),
        }
    }
}

/// The routes that are limited, by what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitedAction {
    /// `POST /signin`.
    SignIn,
    /// `POST /signup`.
    SignUp,
    /// `POST /user/password/reset/token` and `POST /user/password/reset`.
    PasswordReset,
    /// `POST /signinup/code` and `POST /signinup/code/resend`.
    PasswordlessCode,
}

impl LimitedAction {
    /// The action of an FDI route (its path below the API base path and tenant), if limited.
    pub fn of_route(method: &http::Method, route_path: &str) -> Option<Self> {
        if *method != http::Method::POST {
            return None;
        }
        match route_path {
            "/signin" => Some(Self::SignIn),
            "/signup" => Some(Self::SignUp),
            "/user/password/reset/token" | "/user/password/reset" => Some(Self::PasswordReset),
            "/signinup/code" | "/signinup/code/resend" => Some(Self::PasswordlessCode),
            _ => None,
        }
    }

    /// The name in store keys and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "signin",
            Self::SignUp => "signup",
            Self::PasswordReset => "password-reset",
            Self::PasswordlessCode => "passwordless-code",
        }
    }
}

/// Rate limits by client address (see the [module](self) docs). `Default` is on, with the
/// defaults above, no trusted proxy and an in-memory store.
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// `false` turns every limit off.
    pub enabled: bool,
    /// Proxies whose `X-Forwarded-For` is believed; empty: the socket peer is the client.
    pub trusted_proxies: TrustedProxies,
    /// `POST /signin`; `None`: unlimited.
    pub sign_in: Option<Limit>,
    /// `POST /signup`; `None`: unlimited.
    pub sign_up: Option<Limit>,
    /// `POST /user/password/reset/token` and `/user/password/reset`, together.
    pub password_reset: Option<Limit>,
    /// `POST /signinup/code` and `/signinup/code/resend`, together.
    pub passwordless_code: Option<Limit>,
    /// Where requests are counted; `None`: an [`InMemoryStore`] of this SDK instance.
    pub store: Option<Arc<dyn RateLimitStore>>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            trusted_proxies: TrustedProxies::none(),
            sign_in: Some(Limit::per_minute(30)),
            sign_up: Some(Limit::per_minute(10)),
            password_reset: Some(Limit::per_minute(10)),
            passwordless_code: Some(Limit::per_minute(10)),
            store: None,
        }
    }
}

impl RateLimitConfig {
    /// No limits at all.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::default()
        }
    }

    /// The limit of an action.
    pub fn limit(&self, action: LimitedAction) -> Option<Limit> {
        match action {
            LimitedAction::SignIn => self.sign_in,
            LimitedAction::SignUp => self.sign_up,
            LimitedAction::PasswordReset => self.password_reset,
            LimitedAction::PasswordlessCode => self.passwordless_code,
        }
    }

    fn validate(&self) -> Result<()> {
        for (name, limit) in [
            ("sign_in", self.sign_in),
            ("sign_up", self.sign_up),
            ("password_reset", self.password_reset),
            ("passwordless_code", self.passwordless_code),
        ] {
            if let Some(limit) = limit {
                if limit.max_requests == 0 {
                    return Err(SuperTokensError::Config(format!(
                        "rate_limits.{name}.max_requests must be at least 1 (None means unlimited)"
                    )));
                }
                if limit.window < Duration::from_secs(1) {
                    return Err(SuperTokensError::Config(format!(
                        "rate_limits.{name}.window must be at least a second"
                    )));
                }
            }
        }
        Ok(())
    }
}

/// The limits of one SDK instance, applied by [`SuperTokens::handle`](crate::SuperTokens::handle).
#[derive(Debug)]
pub(crate) struct RateLimiter {
    config: RateLimitConfig,
    store: Arc<dyn RateLimitStore>,
    warned_unknown_peer: AtomicBool,
}

impl RateLimiter {
    /// The limiter of a configuration; `None` when it is disabled.
    pub(crate) fn new(config: RateLimitConfig) -> Result<Option<Self>> {
        if !config.enabled {
            return Ok(None);
        }
        config.validate()?;
        let store = config
            .store
            .clone()
            .unwrap_or_else(|| Arc::new(InMemoryStore::new()));
        Ok(Some(Self {
            config,
            store,
            warned_unknown_peer: AtomicBool::new(false),
        }))
    }

    /// `Some(429)` when the request is over its limit; `None` to serve it.
    pub(crate) async fn check(
        &self,
        route_path: &str,
        request: &SdkRequest,
    ) -> Option<SdkResponse> {
        let action = LimitedAction::of_route(&request.method, route_path)?;
        let limit = self.config.limit(action)?;
        let client = ClientKey::of(self.client_ip(request));
        let key = format!("{}:{client}", action.as_str());
        match self.store.hit(&key, &limit).await {
            Ok(Decision::Allowed) => None,
            Ok(Decision::Limited { retry_after }) => {
                tracing::info!(action = action.as_str(), %client, "rate limit reached");
                Some(too_many_requests(
                    retry_after,
                    "Too many requests from this address",
                ))
            }
            Err(error) => {
                tracing::warn!(%error, action = action.as_str(), "rate limit not applied: the store failed");
                None
            }
        }
    }

    fn client_ip(&self, request: &SdkRequest) -> Option<IpAddr> {
        if request.peer_addr.is_none() && !self.warned_unknown_peer.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "a request reached a rate-limited route without its peer address: such requests \
                 are all counted under the key \"unknown\". Serve axum apps with \
                 into_make_service_with_connect_info::<SocketAddr>(), or set SdkRequest::peer_addr \
                 in a custom adapter."
            );
        }
        client_ip(
            request.peer_addr,
            &request.headers,
            &self.config.trusted_proxies,
        )
    }
}

/// Whole seconds to wait, at least 1.
pub fn retry_after_seconds(retry_after: Duration) -> u64 {
    retry_after
        .as_millis()
        .div_ceil(1000)
        .try_into()
        .unwrap_or(u64::MAX)
        .max(1)
}

/// `429` with `Retry-After` and `{"message": "<prefix>; retry in N s"}`.
pub fn too_many_requests(retry_after: Duration, prefix: &str) -> SdkResponse {
    let seconds = retry_after_seconds(retry_after);
    let mut response = SdkResponse::message(
        StatusCode::TOO_MANY_REQUESTS,
        &format!("{prefix}; retry in {seconds} s"),
    );
    response
        .headers
        .insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, Method};

    use super::*;

    fn request(path: &str, peer: Option<&str>, forwarded: Option<&str>) -> SdkRequest {
        let mut headers = HeaderMap::new();
        if let Some(forwarded) = forwarded {
            headers.insert("x-forwarded-for", HeaderValue::from_str(forwarded).unwrap());
        }
        let request = SdkRequest::new(Method::POST, path, headers);
        match peer {
            Some(peer) => request.with_peer_addr(peer.parse().unwrap()),
            None => request,
        }
    }

    fn limiter(config: RateLimitConfig) -> (RateLimiter, Arc<ManualClock>) {
        let clock = ManualClock::new();
        let limiter = RateLimiter::new(RateLimitConfig {
            store: Some(Arc::new(InMemoryStore::with_clock(clock.clone()))),
            ..config
        })
        .unwrap()
        .unwrap();
        (limiter, clock)
    }

    #[test]
    fn routes_are_classified() {
        let post = Method::POST;
        assert_eq!(
            LimitedAction::of_route(&post, "/signin"),
            Some(LimitedAction::SignIn)
        );
        assert_eq!(
            LimitedAction::of_route(&post, "/user/password/reset"),
            Some(LimitedAction::PasswordReset)
        );
        assert_eq!(
            LimitedAction::of_route(&post, "/signinup/code/resend"),
            Some(LimitedAction::PasswordlessCode)
        );
        assert_eq!(
            LimitedAction::of_route(&post, "/signinup/code/consume"),
            None
        );
        assert_eq!(LimitedAction::of_route(&Method::GET, "/signin"), None);
    }

    #[tokio::test]
    async fn the_limit_applies_per_address_and_action() {
        let (limiter, clock) = limiter(RateLimitConfig::default());
        for _ in 0..10 {
            assert!(
                limiter
                    .check("/signup", &request("/auth/signup", Some("192.0.2.1"), None))
                    .await
                    .is_none()
            );
        }
        let refused = limiter
            .check("/signup", &request("/auth/signup", Some("192.0.2.1"), None))
            .await
            .unwrap();
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers[http::header::RETRY_AFTER], "60");
        let body: serde_json::Value = serde_json::from_slice(&refused.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"message": "Too many requests from this address; retry in 60 s"})
        );
        // Another address, another action: unaffected.
        assert!(
            limiter
                .check("/signup", &request("/auth/signup", Some("192.0.2.2"), None))
                .await
                .is_none()
        );
        assert!(
            limiter
                .check("/signin", &request("/auth/signin", Some("192.0.2.1"), None))
                .await
                .is_none()
        );
        clock.advance(Duration::from_millis(59_001));
        let refused = limiter
            .check("/signup", &request("/auth/signup", Some("192.0.2.1"), None))
            .await
            .unwrap();
        assert_eq!(refused.headers[http::header::RETRY_AFTER], "1");
        clock.advance(Duration::from_secs(1));
        assert!(
            limiter
                .check("/signup", &request("/auth/signup", Some("192.0.2.1"), None))
                .await
                .is_none()
        );
    }

    #[tokio::test]
    async fn code_and_resend_share_a_limit_and_unknown_peers_share_a_key() {
        let (limiter, _clock) = limiter(RateLimitConfig {
            passwordless_code: Some(Limit::per_minute(2)),
            ..RateLimitConfig::default()
        });
        let code = request("/auth/signinup/code", None, None);
        let resend = request("/auth/t1/signinup/code/resend", None, Some("198.51.100.1"));
        assert!(limiter.check("/signinup/code", &code).await.is_none());
        assert!(
            limiter
                .check("/signinup/code/resend", &resend)
                .await
                .is_none()
        );
        assert!(limiter.check("/signinup/code", &code).await.is_some());
    }

    #[tokio::test]
    async fn trusted_proxies_key_by_the_forwarded_address() {
        let (limiter, _clock) = limiter(RateLimitConfig {
            trusted_proxies: TrustedProxies::parse(["10.0.0.0/8"]).unwrap(),
            sign_in: Some(Limit::per_minute(1)),
            ..RateLimitConfig::default()
        });
        let via_proxy = |client: &str| request("/auth/signin", Some("10.0.0.1"), Some(client));
        assert!(
            limiter
                .check("/signin", &via_proxy("198.51.100.1"))
                .await
                .is_none()
        );
        assert!(
            limiter
                .check("/signin", &via_proxy("198.51.100.2"))
                .await
                .is_none()
        );
        assert!(
            limiter
                .check("/signin", &via_proxy("198.51.100.1"))
                .await
                .is_some()
        );
    }

    #[tokio::test]
    async fn unlimited_actions_and_disabled_limits_pass() {
        let (limiter, _clock) = limiter(RateLimitConfig {
            sign_in: None,
            ..RateLimitConfig::default()
        });
        for _ in 0..100 {
            assert!(
                limiter
                    .check("/signin", &request("/auth/signin", None, None))
                    .await
                    .is_none()
            );
        }
        assert!(
            RateLimiter::new(RateLimitConfig::disabled())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn bad_limits_are_refused_at_init() {
        let error = RateLimiter::new(RateLimitConfig {
            sign_up: Some(Limit::per_minute(0)),
            ..RateLimitConfig::default()
        })
        .unwrap_err();
        assert!(error.to_string().contains("rate_limits.sign_up"), "{error}");
        let error = RateLimiter::new(RateLimitConfig {
            sign_in: Some(Limit {
                max_requests: 1,
                window: Duration::from_millis(10),
            }),
            ..RateLimitConfig::default()
        })
        .unwrap_err();
        assert!(
            error.to_string().contains("rate_limits.sign_in.window"),
            "{error}"
        );
    }

    #[derive(Debug)]
    struct BrokenStore;

    #[async_trait::async_trait]
    impl RateLimitStore for BrokenStore {
        async fn hit(
            &self,
            _key: &str,
            _limit: &Limit,
        ) -> std::result::Result<Decision, StoreError> {
            Err(StoreError("down".into()))
        }
    }

    #[tokio::test]
    async fn a_failing_store_lets_requests_through() {
        let limiter = RateLimiter::new(RateLimitConfig {
            sign_in: Some(Limit::per_minute(1)),
            store: Some(Arc::new(BrokenStore)),
            ..RateLimitConfig::default()
        })
        .unwrap()
        .unwrap();
        for _ in 0..3 {
            assert!(
                limiter
                    .check("/signin", &request("/auth/signin", Some("192.0.2.1"), None))
                    .await
                    .is_none()
            );
        }
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1_001)), 2);
        assert_eq!(retry_after_seconds(Duration::from_secs(60)), 60);
    }
}
