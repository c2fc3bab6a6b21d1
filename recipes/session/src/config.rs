//! Configuration of the session recipe ([`SessionConfig`]) and its validated form
//! ([`NormalisedSessionConfig`]), with node's defaults:
//!
//! | setting | default |
//! |---|---|
//! | `cookie_secure` | the API domain is `https` |
//! | `cookie_same_site` | `lax` when API and website share their registrable domain (localhost and IPs count as one) and protocol, else `none` |
//! | `anti_csrf` | `VIA_CUSTOM_HEADER` when SameSite is `none`, else `NONE` |
//! | token transfer | from `st-auth-mode` for new sessions (header when absent); any for reading |
//! | status codes | 401 session expired, 403 invalid claim (they must differ) |

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use http::StatusCode;
use supertokens::app_info::normalise_path;
use supertokens::{NormalisedAppInfo, Result, SdkRequest, SuperTokensError};

use crate::claims::SessionClaimValidator;
use crate::cookies_and_headers::AUTH_MODE_HEADER;
use crate::interface::{SessionApis, SessionFunctions};

/// Path of the refresh API below the API base path.
pub const REFRESH_API_PATH: &str = "/session/refresh";
/// Path of the sign-out API below the API base path.
pub const SIGNOUT_API_PATH: &str = "/signout";
/// Path of the JWKS route, below the API base path (node's JWT recipe).
pub const JWKS_API_PATH: &str = "/jwt/jwks.json";
/// Path of the OpenID discovery route, below the API base path (node's OpenId recipe).
pub const OPENID_CONFIGURATION_API_PATH: &str = "/.well-known/openid-configuration";
/// Default interval after which the cached JWKS is fetched again.
pub const DEFAULT_JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(4 * 3600);

/// The source of the current time (epoch milliseconds) for token expiry checks, cookie
/// expiry and the JWKS cache. Tests inject a manual clock; apps use [`SystemClock`].
pub trait Clock: Send + Sync {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    // The one place this crate reads the wall clock.
    #[allow(clippy::disallowed_methods)]
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }
}

/// How requests prove they are not cross-site forgeries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AntiCsrf {
    /// `VIA_TOKEN`: the core issues a token that the frontend echoes in the `anti-csrf` header.
    ViaToken,
    /// `VIA_CUSTOM_HEADER`: non-GET cookie requests must carry the `rid` header.
    ViaCustomHeader,
    /// `NONE`: no check (SameSite cookies suffice).
    None,
}

impl AntiCsrf {
    /// The name node uses (`VIA_TOKEN`, `VIA_CUSTOM_HEADER`, `NONE`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViaToken => "VIA_TOKEN",
            Self::ViaCustomHeader => "VIA_CUSTOM_HEADER",
            Self::None => "NONE",
        }
    }
}

/// The `SameSite` attribute of the session cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieSameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

impl CookieSameSite {
    pub(crate) fn to_cookie(self) -> cookie::SameSite {
        match self {
            Self::Strict => cookie::SameSite::Strict,
            Self::Lax => cookie::SameSite::Lax,
            Self::None => cookie::SameSite::None,
        }
    }
}

/// Where tokens travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenTransferMethod {
    /// `Authorization: Bearer …` in, `st-access-token` / `st-refresh-token` out.
    Header,
    /// `sAccessToken` / `sRefreshToken` cookies.
    Cookie,
}

impl TokenTransferMethod {
    /// Both, in the order node clears them.
    pub const ALL: [Self; 2] = [Self::Cookie, Self::Header];
}

/// What [`SessionConfig::get_token_transfer_method`] allows for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMethodPreference {
    /// Reading: header first, then cookie. Creating: `st-auth-mode: cookie` or else header.
    Any,
    /// Only headers.
    Header,
    /// Only cookies.
    Cookie,
}

impl TransferMethodPreference {
    pub(crate) fn allows(self, method: TokenTransferMethod) -> bool {
        match self {
            Self::Any => true,
            Self::Header => method == TokenTransferMethod::Header,
            Self::Cookie => method == TokenTransferMethod::Cookie,
        }
    }
}

/// Chooses the transfer method for a request; the flag is true when a session is being
/// created (sign-in/up) and false when tokens are read (verify, refresh).
pub type TokenTransferMethodFn =
    Arc<dyn Fn(&SdkRequest, bool) -> TransferMethodPreference + Send + Sync>;
/// Turns the default functions into the app's (a decorator keeping the original).
pub type FunctionsOverride =
    Arc<dyn Fn(Arc<dyn SessionFunctions>) -> Arc<dyn SessionFunctions> + Send + Sync>;
/// Turns the default APIs into the app's (a decorator keeping the original).
pub type ApisOverride = Arc<dyn Fn(Arc<dyn SessionApis>) -> Arc<dyn SessionApis> + Send + Sync>;

/// What the app may configure; every field has node's default.
#[derive(Clone, Default)]
pub struct SessionConfig {
    /// `Secure` on the cookies; default: the API domain is `https`.
    pub cookie_secure: Option<bool>,
    /// `SameSite` of the cookies; default: see the module docs.
    pub cookie_same_site: Option<CookieSameSite>,
    /// `Domain` of the cookies (e.g. `.example.com`); default host-only.
    pub cookie_domain: Option<String>,
    /// `Path` of the access token cookie; default `/`.
    pub access_token_path: Option<String>,
    /// Anti-CSRF mode; default: see the module docs.
    pub anti_csrf: Option<AntiCsrf>,
    /// Chooses header or cookie transfer per request; default: `st-auth-mode` when creating,
    /// any when reading.
    pub get_token_transfer_method: Option<TokenTransferMethodFn>,
    /// Status for "try refresh token" and "unauthorised"; default 401.
    pub session_expired_status_code: Option<u16>,
    /// Status for "invalid claim"; default 403. Must differ from the session-expired one.
    pub invalid_claim_status_code: Option<u16>,
    /// Sign access tokens with the rotating dynamic key (`d-…` kids); default true.
    pub use_dynamic_access_token_signing_key: Option<bool>,
    /// In cookie mode, also send the access token in the `st-access-token` header; default false.
    pub expose_access_token_to_frontend_in_cookie_based_auth: Option<bool>,
    /// How long the core's JWKS is cached; default 4 hours.
    pub jwks_refresh_interval: Option<Duration>,
    /// Claim validators every `get_session` runs (unless a call overrides them).
    pub global_claim_validators: Vec<Arc<dyn SessionClaimValidator>>,
    /// Decorates the functions that talk to the core.
    pub override_functions: Option<FunctionsOverride>,
    /// Decorates the refresh and sign-out APIs.
    pub override_apis: Option<ApisOverride>,
    /// Leaves `POST /session/refresh` unrouted.
    pub disable_refresh_api: bool,
    /// Leaves `POST /signout` unrouted.
    pub disable_signout_api: bool,
    /// Leaves `GET /jwt/jwks.json` and `GET /.well-known/openid-configuration` unrouted
    /// (node serves both by default, from the JWT and OpenId recipes it always adds).
    pub disable_jwks_apis: bool,
    /// The clock used for expiry checks; default [`SystemClock`]. Tests inject a manual one.
    pub clock: Option<Arc<dyn Clock>>,
}

impl fmt::Debug for SessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionConfig")
            .field("cookie_secure", &self.cookie_secure)
            .field("cookie_same_site", &self.cookie_same_site)
            .field("cookie_domain", &self.cookie_domain)
            .field("access_token_path", &self.access_token_path)
            .field("anti_csrf", &self.anti_csrf)
            .field(
                "get_token_transfer_method",
                &self.get_token_transfer_method.is_some(),
            )
            .field(
                "session_expired_status_code",
                &self.session_expired_status_code,
            )
            .field("invalid_claim_status_code", &self.invalid_claim_status_code)
            .field(
                "use_dynamic_access_token_signing_key",
                &self.use_dynamic_access_token_signing_key,
            )
            .field(
                "expose_access_token_to_frontend_in_cookie_based_auth",
                &self.expose_access_token_to_frontend_in_cookie_based_auth,
            )
            .field("jwks_refresh_interval", &self.jwks_refresh_interval)
            .field(
                "global_claim_validators",
                &self.global_claim_validators.len(),
            )
            .field("override_functions", &self.override_functions.is_some())
            .field("override_apis", &self.override_apis.is_some())
            .field("disable_refresh_api", &self.disable_refresh_api)
            .field("disable_signout_api", &self.disable_signout_api)
            .field("disable_jwks_apis", &self.disable_jwks_apis)
            .field("clock", &self.clock.is_some())
            .finish()
    }
}

/// The validated configuration the recipe runs with.
#[derive(Clone)]
pub struct NormalisedSessionConfig {
    /// `Secure` attribute.
    pub cookie_secure: bool,
    /// `SameSite` attribute.
    pub cookie_same_site: CookieSameSite,
    /// `Domain` attribute (may start with `.`).
    pub cookie_domain: Option<String>,
    /// `Path` of `sAccessToken`, e.g. `/`.
    pub access_token_path: String,
    /// `Path` of `sRefreshToken`: API base path + `/session/refresh`.
    pub refresh_token_path: String,
    /// Anti-CSRF mode.
    pub anti_csrf: AntiCsrf,
    /// Transfer method chooser.
    pub get_token_transfer_method: TokenTransferMethodFn,
    /// Status for "try refresh token" / "unauthorised" / "token theft detected".
    pub session_expired_status_code: StatusCode,
    /// Status for "invalid claim".
    pub invalid_claim_status_code: StatusCode,
    /// Whether tokens are signed with dynamic keys.
    pub use_dynamic_access_token_signing_key: bool,
    /// Whether cookie mode also sends `st-access-token`.
    pub expose_access_token_to_frontend_in_cookie_based_auth: bool,
    /// JWKS cache lifetime.
    pub jwks_refresh_interval: Duration,
    /// Validators run by every `get_session`.
    pub global_claim_validators: Vec<Arc<dyn SessionClaimValidator>>,
    /// `iss` added to new access tokens: API domain + API base path.
    pub issuer: String,
    /// Whether the refresh API is routed.
    pub disable_refresh_api: bool,
    /// Whether the sign-out API is routed.
    pub disable_signout_api: bool,
    /// Whether the JWKS and OpenID discovery APIs are routed.
    pub disable_jwks_apis: bool,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for NormalisedSessionConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalisedSessionConfig")
            .field("cookie_secure", &self.cookie_secure)
            .field("cookie_same_site", &self.cookie_same_site)
            .field("cookie_domain", &self.cookie_domain)
            .field("access_token_path", &self.access_token_path)
            .field("refresh_token_path", &self.refresh_token_path)
            .field("anti_csrf", &self.anti_csrf)
            .field(
                "session_expired_status_code",
                &self.session_expired_status_code,
            )
            .field("invalid_claim_status_code", &self.invalid_claim_status_code)
            .field(
                "use_dynamic_access_token_signing_key",
                &self.use_dynamic_access_token_signing_key,
            )
            .field(
                "expose_access_token_to_frontend_in_cookie_based_auth",
                &self.expose_access_token_to_frontend_in_cookie_based_auth,
            )
            .field("jwks_refresh_interval", &self.jwks_refresh_interval)
            .field(
                "global_claim_validators",
                &self.global_claim_validators.len(),
            )
            .field("issuer", &self.issuer)
            .field("disable_refresh_api", &self.disable_refresh_api)
            .field("disable_signout_api", &self.disable_signout_api)
            .field("disable_jwks_apis", &self.disable_jwks_apis)
            .finish_non_exhaustive()
    }
}

impl NormalisedSessionConfig {
    /// Reads the allowed transfer method for a request.
    pub fn transfer_method_for(
        &self,
        request: &SdkRequest,
        for_create_new_session: bool,
    ) -> TransferMethodPreference {
        (self.get_token_transfer_method)(request, for_create_new_session)
    }
}

/// node's default: the frontend's `st-auth-mode` when creating, any when reading.
fn default_get_token_transfer_method(
    request: &SdkRequest,
    for_create_new_session: bool,
) -> TransferMethodPreference {
    if !for_create_new_session {
        return TransferMethodPreference::Any;
    }
    match request
        .header(AUTH_MODE_HEADER)
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("header") => TransferMethodPreference::Header,
        Some("cookie") => TransferMethodPreference::Cookie,
        _ => TransferMethodPreference::Any,
    }
}

impl SessionConfig {
    /// Validates the configuration against the app's identity; errors name the field.
    pub fn normalise(&self, app_info: &NormalisedAppInfo) -> Result<NormalisedSessionConfig> {
        let cookie_domain = self
            .cookie_domain
            .as_deref()
            .map(|domain| normalise_cookie_domain("session.cookie_domain", domain))
            .transpose()?;
        let access_token_path = normalise_path(
            "session.access_token_path",
            self.access_token_path.as_deref().unwrap_or("/"),
        )?;
        let access_token_path = if access_token_path.is_empty() {
            "/".to_owned()
        } else {
            access_token_path
        };
        let api_site = top_level_domain_for_same_site(&app_info.api_host, "app_info.api_domain")?;
        let website_site =
            top_level_domain_for_same_site(&app_info.website_host, "app_info.website_domain")?;
        let website_is_https = app_info.website_domain.starts_with("https://");
        let default_same_site =
            if api_site != website_site || app_info.api_is_https != website_is_https {
                CookieSameSite::None
            } else {
                CookieSameSite::Lax
            };
        let cookie_same_site = self.cookie_same_site.unwrap_or(default_same_site);
        let cookie_secure = self.cookie_secure.unwrap_or(app_info.api_is_https);
        let session_expired_status_code = status_code(
            "session.session_expired_status_code",
            self.session_expired_status_code.unwrap_or(401),
        )?;
        let invalid_claim_status_code = status_code(
            "session.invalid_claim_status_code",
            self.invalid_claim_status_code.unwrap_or(403),
        )?;
        if session_expired_status_code == invalid_claim_status_code {
            return Err(SuperTokensError::Config(format!(
                "session.session_expired_status_code and session.invalid_claim_status_code must be different (both are {})",
                session_expired_status_code.as_u16()
            )));
        }
        let local = |site: &str| site == "localhost" || is_ip_address(site);
        if cookie_same_site == CookieSameSite::None
            && !cookie_secure
            && !(local(&api_site) && local(&website_site))
        {
            return Err(SuperTokensError::Config(
                "session.cookie_same_site is none but session.cookie_secure is false: since your API and website domain are different, for sessions to work, please use https on your api_domain and don't set cookie_secure to false".into(),
            ));
        }
        let anti_csrf = self
            .anti_csrf
            .unwrap_or(if cookie_same_site == CookieSameSite::None {
                AntiCsrf::ViaCustomHeader
            } else {
                AntiCsrf::None
            });
        let jwks_refresh_interval = self
            .jwks_refresh_interval
            .unwrap_or(DEFAULT_JWKS_REFRESH_INTERVAL);
        if jwks_refresh_interval.is_zero() {
            return Err(SuperTokensError::Config(
                "session.jwks_refresh_interval must be positive".into(),
            ));
        }
        Ok(NormalisedSessionConfig {
            cookie_secure,
            cookie_same_site,
            cookie_domain,
            access_token_path,
            refresh_token_path: format!("{}{REFRESH_API_PATH}", app_info.api_base_path),
            anti_csrf,
            get_token_transfer_method: self
                .get_token_transfer_method
                .clone()
                .unwrap_or_else(|| Arc::new(default_get_token_transfer_method)),
            session_expired_status_code,
            invalid_claim_status_code,
            use_dynamic_access_token_signing_key: self
                .use_dynamic_access_token_signing_key
                .unwrap_or(true),
            expose_access_token_to_frontend_in_cookie_based_auth: self
                .expose_access_token_to_frontend_in_cookie_based_auth
                .unwrap_or(false),
            jwks_refresh_interval,
            global_claim_validators: self.global_claim_validators.clone(),
            issuer: format!("{}{}", app_info.api_domain, app_info.api_base_path),
            disable_refresh_api: self.disable_refresh_api,
            disable_signout_api: self.disable_signout_api,
            disable_jwks_apis: self.disable_jwks_apis,
            clock: self.clock.clone().unwrap_or_else(|| Arc::new(SystemClock)),
        })
    }
}

fn status_code(field: &str, code: u16) -> Result<StatusCode> {
    StatusCode::from_u16(code)
        .ok()
        .filter(|status| status.is_client_error() || status.is_server_error())
        .ok_or_else(|| {
            SuperTokensError::Config(format!(
                "{field} must be an HTTP error status (400-599), got {code}"
            ))
        })
}

/// Whether a host is an IP address (IPv6 possibly in brackets).
pub(crate) fn is_ip_address(host: &str) -> bool {
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok()
}

/// The site a host belongs to for the SameSite default: `localhost` for local hosts and IPs,
/// else the registrable domain (eTLD+1) from the public suffix list.
fn top_level_domain_for_same_site(host: &str, field: &str) -> Result<String> {
    let host = host.to_ascii_lowercase();
    if host.starts_with("localhost") || is_ip_address(&host) {
        return Ok("localhost".to_owned());
    }
    psl::domain_str(&host)
        .map(str::to_owned)
        .ok_or_else(|| {
            SuperTokensError::Config(format!(
                "{field} has no registrable domain ({host:?}); please make sure that the api_domain and website_domain have correct values"
            ))
        })
}

/// node's `normaliseSessionScopeOrThrowError`: a host name, keeping a leading `.` (except for
/// localhost and IPs).
fn normalise_cookie_domain(field: &str, domain: &str) -> Result<String> {
    let trimmed = domain.trim().to_ascii_lowercase();
    let without_dot = trimmed.strip_prefix('.').unwrap_or(&trimmed);
    let with_scheme = if without_dot.starts_with("http://") || without_dot.starts_with("https://") {
        without_dot.to_owned()
    } else {
        format!("http://{without_dot}")
    };
    let host = url::Url::parse(&with_scheme)
        .ok()
        .and_then(|url| url.host_str().map(str::to_owned))
        .filter(|host| !host.is_empty())
        .ok_or_else(|| {
            SuperTokensError::Config(format!("{field} is not a valid domain: {domain:?}"))
        })?;
    let host = host.strip_prefix('.').unwrap_or(&host).to_owned();
    if host == "localhost" || is_ip_address(&host) {
        return Ok(host);
    }
    if domain.trim().starts_with('.') {
        return Ok(format!(".{host}"));
    }
    Ok(host)
}

#[cfg(test)]
mod tests {
    use supertokens::AppInfo;

    use super::*;

    fn app(api: &str, website: &str) -> NormalisedAppInfo {
        AppInfo {
            app_name: "t".into(),
            api_domain: api.into(),
            website_domain: website.into(),
            api_base_path: None,
            website_base_path: None,
        }
        .normalise()
        .unwrap()
    }

    #[test]
    fn defaults_for_a_local_app() {
        let config = SessionConfig::default()
            .normalise(&app("http://localhost:3001", "http://localhost:3000"))
            .unwrap();
        assert_eq!(config.cookie_same_site, CookieSameSite::Lax);
        assert!(!config.cookie_secure);
        assert_eq!(config.anti_csrf, AntiCsrf::None);
        assert_eq!(config.access_token_path, "/");
        assert_eq!(config.refresh_token_path, "/auth/session/refresh");
        assert_eq!(config.issuer, "http://localhost:3001/auth");
        assert_eq!(config.session_expired_status_code, 401);
        assert_eq!(config.invalid_claim_status_code, 403);
        assert!(config.use_dynamic_access_token_signing_key);
        assert_eq!(config.jwks_refresh_interval, DEFAULT_JWKS_REFRESH_INTERVAL);
    }

    #[test]
    fn same_site_follows_the_registrable_domain_and_protocol() {
        let same = SessionConfig::default()
            .normalise(&app("https://api.example.com", "https://www.example.com"))
            .unwrap();
        assert_eq!(same.cookie_same_site, CookieSameSite::Lax);
        assert!(same.cookie_secure);
        let cross = SessionConfig::default()
            .normalise(&app("https://api.example.com", "https://example.org"))
            .unwrap();
        assert_eq!(cross.cookie_same_site, CookieSameSite::None);
        assert_eq!(cross.anti_csrf, AntiCsrf::ViaCustomHeader);
        let suffix = SessionConfig::default()
            .normalise(&app("https://a.co.uk", "https://b.co.uk"))
            .unwrap();
        assert_eq!(suffix.cookie_same_site, CookieSameSite::None);
        let protocol = SessionConfig::default()
            .normalise(&app("http://localhost:3001", "https://localhost:3000"))
            .unwrap();
        assert_eq!(protocol.cookie_same_site, CookieSameSite::None);
        assert!(!protocol.cookie_secure, "localhost may stay insecure");
        let ip = SessionConfig::default()
            .normalise(&app("http://127.0.0.1:3001", "http://localhost:3000"))
            .unwrap();
        assert_eq!(ip.cookie_same_site, CookieSameSite::Lax);
    }

    #[test]
    fn insecure_cross_site_cookies_are_refused() {
        let error = SessionConfig::default()
            .normalise(&app("http://api.example.com", "https://example.org"))
            .unwrap_err()
            .to_string();
        assert!(error.contains("session.cookie_secure"), "{error}");
        let explicit = SessionConfig {
            cookie_same_site: Some(CookieSameSite::None),
            cookie_secure: Some(false),
            ..SessionConfig::default()
        };
        assert!(
            explicit
                .normalise(&app("https://api.example.com", "https://www.example.com"))
                .is_err()
        );
    }

    #[test]
    fn status_codes_must_differ() {
        let config = SessionConfig {
            session_expired_status_code: Some(403),
            ..SessionConfig::default()
        };
        let error = config
            .normalise(&app("http://localhost:3001", "http://localhost:3000"))
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("session_expired_status_code")
                && error.contains("invalid_claim_status_code"),
            "{error}"
        );
        let bad = SessionConfig {
            invalid_claim_status_code: Some(200),
            ..SessionConfig::default()
        };
        assert!(
            bad.normalise(&app("http://localhost:3001", "http://localhost:3000"))
                .is_err()
        );
    }

    #[test]
    fn cookie_domains_are_normalised() {
        assert_eq!(
            normalise_cookie_domain("f", " .Example.com ").unwrap(),
            ".example.com"
        );
        assert_eq!(
            normalise_cookie_domain("f", "https://api.example.com/x").unwrap(),
            "api.example.com"
        );
        assert_eq!(
            normalise_cookie_domain("f", ".localhost").unwrap(),
            "localhost"
        );
        assert_eq!(
            normalise_cookie_domain("f", "127.0.0.1").unwrap(),
            "127.0.0.1"
        );
    }
}
