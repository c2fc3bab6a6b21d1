//! Where tokens live on the wire: cookie and header names, reading tokens from a request, and
//! the [`HeaderChange`]s that set or clear them on a response (with the
//! `Access-Control-Expose-Headers` entries node adds whenever it sets a header the frontend
//! must read).

use base64::Engine;
use cookie::Cookie;
use http::header::{HeaderName, HeaderValue, SET_COOKIE};
use serde::Serialize;
use supertokens::{HeaderChange, Result, SdkRequest, SuperTokensError};
use supertokens_cdi::session::JsonObject;
use time::OffsetDateTime;

use crate::config::{NormalisedSessionConfig, TokenTransferMethod};

/// Cookie of the access token.
pub const ACCESS_TOKEN_COOKIE: &str = "sAccessToken";
/// Cookie of the refresh token (path-scoped to the refresh API).
pub const REFRESH_TOKEN_COOKIE: &str = "sRefreshToken";
/// Cookie of pre-2.21 sessions; its presence asks the frontend to refresh.
pub const LEGACY_ID_REFRESH_TOKEN_COOKIE: &str = "sIdRefreshToken";
/// Response header carrying the access token in header mode.
pub const ACCESS_TOKEN_HEADER: &str = "st-access-token";
/// Response header carrying the refresh token in header mode.
pub const REFRESH_TOKEN_HEADER: &str = "st-refresh-token";
/// Response header the frontend reads the session from.
pub const FRONT_TOKEN_HEADER: &str = "front-token";
/// Anti-CSRF token header (both directions, `VIA_TOKEN` mode).
pub const ANTI_CSRF_HEADER: &str = "anti-csrf";
/// The frontend's preferred transfer method for new sessions.
pub const AUTH_MODE_HEADER: &str = "st-auth-mode";
/// Request header carrying `Bearer <token>` in header mode.
pub const AUTHORIZATION_HEADER: &str = "authorization";
/// The recipe id header; its presence is the `VIA_CUSTOM_HEADER` anti-CSRF proof.
pub const RID_HEADER: &str = "rid";
/// Lists the response headers the frontend may read cross-origin.
pub const EXPOSE_HEADERS: &str = "access-control-expose-headers";
/// Cookies of the access token live this long; the JWT's `exp` governs validity.
pub const ONE_YEAR_MS: i64 = 31_536_000_000;

/// Access or refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// The access token (JWT).
    Access,
    /// The refresh token (opaque).
    Refresh,
}

impl TokenType {
    /// Its cookie name.
    pub fn cookie_name(self) -> &'static str {
        match self {
            Self::Access => ACCESS_TOKEN_COOKIE,
            Self::Refresh => REFRESH_TOKEN_COOKIE,
        }
    }

    /// Its response header name in header mode.
    pub fn header_name(self) -> &'static str {
        match self {
            Self::Access => ACCESS_TOKEN_HEADER,
            Self::Refresh => REFRESH_TOKEN_HEADER,
        }
    }
}

/// The token of this type sent with this transfer method, if any. In header mode both token
/// types come as `Authorization: Bearer <token>`: which one it is depends on the route.
pub fn get_token(
    request: &SdkRequest,
    token_type: TokenType,
    method: TokenTransferMethod,
) -> Option<String> {
    match method {
        TokenTransferMethod::Cookie => request.cookie(token_type.cookie_name()),
        TokenTransferMethod::Header => request
            .header(AUTHORIZATION_HEADER)
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|token| token.trim().to_owned())
            .filter(|token| !token.is_empty()),
    }
}

/// Whether the request carries this cookie more than once (e.g. after a cookie domain change).
pub fn has_multiple_cookies(request: &SdkRequest, name: &str) -> bool {
    request.cookies(name).len() > 1
}

/// The `anti-csrf` request header.
pub fn anti_csrf_token_from_headers(request: &SdkRequest) -> Option<String> {
    request.header(ANTI_CSRF_HEADER).map(str::to_owned)
}

/// `front-token`: standard base64 (padded) of `{"uid","ate","up"}`.
pub fn build_front_token(
    user_id: &str,
    access_token_expiry_ms: i64,
    payload: &JsonObject,
) -> String {
    #[derive(Serialize)]
    struct FrontToken<'a> {
        uid: &'a str,
        ate: i64,
        up: &'a JsonObject,
    }
    let json = serde_json::to_vec(&FrontToken {
        uid: user_id,
        ate: access_token_expiry_ms,
        up: payload,
    })
    .unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(json)
}

fn header_value(name: &str, value: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(value).map_err(|_| {
        SuperTokensError::Internal(format!("the {name} value is not a valid header value"))
    })
}

fn expose(name: &'static str) -> HeaderChange {
    HeaderChange::Append {
        name: HeaderName::from_static(EXPOSE_HEADERS),
        value: HeaderValue::from_static(name),
        comma_join: true,
    }
}

/// Sets a response header the frontend reads, and exposes it.
fn set_header(name: &'static str, value: &str) -> Result<Vec<HeaderChange>> {
    Ok(vec![
        HeaderChange::Set(HeaderName::from_static(name), header_value(name, value)?),
        expose(name),
    ])
}

/// Which cookie path a cookie uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookiePath {
    /// `access_token_path` (`/` by default).
    AccessToken,
    /// API base path + `/session/refresh`.
    RefreshToken,
}

/// A `Set-Cookie` line with the session cookie attributes: HttpOnly, Secure and SameSite
/// from the config, the path of its kind, the configured domain, and `Expires` (epoch ms).
pub fn set_cookie(
    config: &NormalisedSessionConfig,
    name: &'static str,
    value: &str,
    expires_ms: i64,
    path: CookiePath,
) -> Result<HeaderChange> {
    let path = match path {
        CookiePath::AccessToken => config.access_token_path.clone(),
        CookiePath::RefreshToken => config.refresh_token_path.clone(),
    };
    let expires = OffsetDateTime::from_unix_timestamp_nanos(i128::from(expires_ms) * 1_000_000)
        .map_err(|_| {
            SuperTokensError::Internal(format!("cookie expiry out of range: {expires_ms}"))
        })?;
    let mut builder = Cookie::build((name, encode_uri_component(value)))
        .path(path)
        .http_only(true)
        .secure(config.cookie_secure)
        .same_site(config.cookie_same_site.to_cookie())
        .expires(expires);
    if let Some(domain) = &config.cookie_domain {
        builder = builder.domain(domain.clone());
    }
    let line = builder.build().to_string();
    Ok(HeaderChange::Append {
        name: SET_COOKIE,
        value: header_value(name, &line)?,
        comma_join: false,
    })
}

/// JavaScript's `encodeURIComponent`, which node's cookie serialiser applies to values.
fn encode_uri_component(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Sets (or, with an empty value and expiry 0, clears) a token on one transfer method.
pub fn set_token(
    config: &NormalisedSessionConfig,
    token_type: TokenType,
    value: &str,
    expires_ms: i64,
    method: TokenTransferMethod,
) -> Result<Vec<HeaderChange>> {
    match method {
        TokenTransferMethod::Cookie => {
            let path = match token_type {
                TokenType::Access => CookiePath::AccessToken,
                TokenType::Refresh => CookiePath::RefreshToken,
            };
            Ok(vec![set_cookie(
                config,
                token_type.cookie_name(),
                value,
                expires_ms,
                path,
            )?])
        }
        TokenTransferMethod::Header => set_header(token_type.header_name(), value),
    }
}

/// `front-token: <token>`.
pub fn set_front_token(front_token: &str) -> Result<Vec<HeaderChange>> {
    set_header(FRONT_TOKEN_HEADER, front_token)
}

/// `anti-csrf: <token>`.
pub fn set_anti_csrf_token(token: &str) -> Result<Vec<HeaderChange>> {
    set_header(ANTI_CSRF_HEADER, token)
}

/// A new access token: `front-token`, then the token on the transfer method (cookie for a
/// year), plus `st-access-token` in cookie mode when the config exposes it.
pub fn set_access_token_in_response(
    config: &NormalisedSessionConfig,
    access_token: &str,
    front_token: &str,
    method: TokenTransferMethod,
) -> Result<Vec<HeaderChange>> {
    let expires = config.clock.now_ms().saturating_add(ONE_YEAR_MS);
    let mut changes = set_front_token(front_token)?;
    changes.extend(set_token(
        config,
        TokenType::Access,
        access_token,
        expires,
        method,
    )?);
    if config.expose_access_token_to_frontend_in_cookie_based_auth
        && method == TokenTransferMethod::Cookie
    {
        changes.extend(set_token(
            config,
            TokenType::Access,
            access_token,
            expires,
            TokenTransferMethod::Header,
        )?);
    }
    Ok(changes)
}

/// Clears the session on one transfer method: empty tokens (cookies expired at epoch 0,
/// empty headers) and `front-token: remove`.
pub fn clear_session(
    config: &NormalisedSessionConfig,
    method: TokenTransferMethod,
) -> Result<Vec<HeaderChange>> {
    let mut changes = set_token(config, TokenType::Access, "", 0, method)?;
    changes.extend(set_token(config, TokenType::Refresh, "", 0, method)?);
    changes.extend(set_front_token("remove")?);
    Ok(changes)
}

/// Clears the session on both transfer methods (what error responses do: the SDK cannot
/// know which one the client uses).
pub fn clear_session_from_all_transfer_methods(
    config: &NormalisedSessionConfig,
) -> Result<Vec<HeaderChange>> {
    let mut changes = Vec::new();
    for method in TokenTransferMethod::ALL {
        changes.extend(clear_session(config, method)?);
    }
    Ok(changes)
}

/// Clears the legacy `sIdRefreshToken` cookie (at the access token path).
pub fn clear_legacy_id_refresh_token(config: &NormalisedSessionConfig) -> Result<HeaderChange> {
    set_cookie(
        config,
        LEGACY_ID_REFRESH_TOKEN_COOKIE,
        "",
        0,
        CookiePath::AccessToken,
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use http::{HeaderMap, Method};
    use supertokens::AppInfo;

    use super::*;
    use crate::config::{Clock, SessionConfig};

    struct Fixed;
    impl Clock for Fixed {
        fn now_ms(&self) -> i64 {
            1_800_000_000_000
        }
    }

    fn config(extra: SessionConfig) -> NormalisedSessionConfig {
        let app = AppInfo {
            app_name: "t".into(),
            api_domain: "http://localhost:3001".into(),
            website_domain: "http://localhost:3000".into(),
            api_base_path: None,
            website_base_path: None,
        }
        .normalise()
        .unwrap();
        SessionConfig {
            clock: Some(Arc::new(Fixed)),
            ..extra
        }
        .normalise(&app)
        .unwrap()
    }

    fn lines(changes: &[HeaderChange]) -> Vec<String> {
        let mut headers = HeaderMap::new();
        supertokens::http_types::apply_header_changes(&mut headers, changes);
        headers
            .iter()
            .map(|(name, value)| format!("{name}: {}", value.to_str().unwrap()))
            .collect()
    }

    #[test]
    fn cookies_carry_node_attributes() {
        let config = config(SessionConfig::default());
        let changes =
            set_access_token_in_response(&config, "a.b.c", "ft", TokenTransferMethod::Cookie)
                .unwrap();
        assert_eq!(
            lines(&changes),
            vec![
                "front-token: ft",
                "access-control-expose-headers: front-token",
                "set-cookie: sAccessToken=a.b.c; HttpOnly; SameSite=Lax; Path=/; Expires=Sat, 15 Jan 2028 08:00:00 GMT",
            ]
        );
        let refresh = set_token(
            &config,
            TokenType::Refresh,
            "r+/=",
            1_800_000_360_000,
            TokenTransferMethod::Cookie,
        )
        .unwrap();
        assert_eq!(
            lines(&refresh),
            vec![
                "set-cookie: sRefreshToken=r%2B%2F%3D; HttpOnly; SameSite=Lax; Path=/auth/session/refresh; Expires=Fri, 15 Jan 2027 08:06:00 GMT"
            ]
        );
    }

    #[test]
    fn clearing_expires_cookies_and_empties_headers() {
        let config = config(SessionConfig {
            cookie_domain: Some(".example.com".into()),
            cookie_secure: Some(true),
            ..SessionConfig::default()
        });
        let changes = clear_session_from_all_transfer_methods(&config).unwrap();
        let lines = lines(&changes);
        assert!(lines.contains(&"set-cookie: sAccessToken=; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT".to_owned()), "{lines:?}");
        assert!(lines.contains(&"set-cookie: sRefreshToken=; HttpOnly; SameSite=Lax; Secure; Path=/auth/session/refresh; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT".to_owned()), "{lines:?}");
        assert!(lines.contains(&"front-token: remove".to_owned()));
        assert!(lines.contains(&"st-access-token: ".to_owned()));
        assert!(lines.contains(&"st-refresh-token: ".to_owned()));
        assert!(
            lines.contains(
                &"access-control-expose-headers: front-token, st-access-token, st-refresh-token"
                    .to_owned()
            )
        );
    }

    #[test]
    fn front_token_is_padded_standard_base64() {
        let mut payload = JsonObject::new();
        payload.insert("sub".into(), "ü?>".into());
        let token = build_front_token("u", 1_000, &payload);
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&token)
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&decoded).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"uid": "u", "ate": 1000, "up": {"sub": "ü?>"}})
        );
    }

    #[test]
    fn tokens_are_read_from_cookies_and_bearer() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "cookie",
            HeaderValue::from_static("sAccessToken=a; sRefreshToken=r%2B"),
        );
        headers.insert("authorization", HeaderValue::from_static("Bearer  t1 "));
        let request = SdkRequest::new(Method::GET, "/x", headers);
        assert_eq!(
            get_token(&request, TokenType::Access, TokenTransferMethod::Cookie).as_deref(),
            Some("a")
        );
        assert_eq!(
            get_token(&request, TokenType::Refresh, TokenTransferMethod::Cookie).as_deref(),
            Some("r+")
        );
        assert_eq!(
            get_token(&request, TokenType::Access, TokenTransferMethod::Header).as_deref(),
            Some("t1")
        );
        let mut basic = HeaderMap::new();
        basic.insert("authorization", HeaderValue::from_static("Basic abc"));
        let request = SdkRequest::new(Method::GET, "/x", basic);
        assert_eq!(
            get_token(&request, TokenType::Access, TokenTransferMethod::Header),
            None
        );
    }
}
