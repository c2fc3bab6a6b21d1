//! `cookies`: request headers from the input (`name: value` lines; a line without a colon is
//! a `Cookie` header value), then the SDK's cookie parsing (`SdkRequest::cookies`) and the
//! session recipe's token extraction (`get_token` for both token types and both transfer
//! methods, the anti-CSRF header, duplicate-cookie detection) and its whole `get_session`
//! and `refresh_session` on that request, against the loopback core.
//!
//! The oracle, besides no panic: the accessors agree with each other (`cookie` is the first
//! of `cookies`, `has_multiple_cookies` is `cookies().len() > 1`), a header-mode token is the
//! trimmed, non-empty rest of an `Authorization: Bearer` header, and a request whose tokens
//! the core never issued gets no session.

use http::header::COOKIE;
use http::{HeaderMap, HeaderValue, Method};
use supertokens::SdkRequest;
use supertokens_session::cookies_and_headers::{
    ACCESS_TOKEN_COOKIE, AUTHORIZATION_HEADER, LEGACY_ID_REFRESH_TOKEN_COOKIE,
    REFRESH_TOKEN_COOKIE, TokenType, anti_csrf_token_from_headers, get_token, has_multiple_cookies,
};
use supertokens_session::{SessionRecipe, TokenTransferMethod, VerifySessionOptions};

use crate::finding::finding;
use crate::input::add_header_lines;
use crate::world::fdi_world;

/// The cookies the session recipe reads.
const COOKIE_NAMES: [&str; 3] = [
    ACCESS_TOKEN_COOKIE,
    REFRESH_TOKEN_COOKIE,
    LEGACY_ID_REFRESH_TOKEN_COOKIE,
];

/// The request the input describes: `name: value` lines as headers, other lines as `Cookie`
/// values. A `POST` to the refresh API when the first byte is odd, else a `GET` elsewhere.
pub fn request(data: &[u8]) -> SdkRequest {
    let mut headers = HeaderMap::new();
    add_header_lines(&mut headers, data);
    for line in data.split(|&byte| byte == b'\n') {
        if !line.contains(&b':')
            && !line.is_empty()
            && let Ok(value) = HeaderValue::from_bytes(line)
        {
            headers.append(COOKIE, value);
        }
    }
    let refresh = data.first().is_some_and(|byte| byte & 1 == 1);
    if refresh {
        SdkRequest::new(Method::POST, "/auth/session/refresh", headers)
    } else {
        SdkRequest::new(Method::GET, "/protected", headers)
    }
}

/// The fuzz target.
pub fn cookies(data: &[u8]) {
    let request = request(data);
    let report = |what: &str| -> ! { finding("cookies", what, data) };
    for name in COOKIE_NAMES {
        let all = request.cookies(name);
        if request.cookie(name) != all.first().cloned() {
            report(&format!(
                "cookie({name}) is not the first of cookies({name})"
            ));
        }
        if has_multiple_cookies(&request, name) != (all.len() > 1) {
            report(&format!(
                "has_multiple_cookies({name}) disagrees with cookies()"
            ));
        }
    }
    for token_type in [TokenType::Access, TokenType::Refresh] {
        let from_cookie = get_token(&request, token_type, TokenTransferMethod::Cookie);
        if from_cookie != request.cookie(token_type.cookie_name()) {
            report("the cookie-mode token is not the cookie's value");
        }
        if let Some(token) = get_token(&request, token_type, TokenTransferMethod::Header) {
            let header = request.header(AUTHORIZATION_HEADER).unwrap_or_default();
            if token.is_empty()
                || token != token.trim()
                || !header.starts_with("Bearer ")
                || !header.contains(token.as_str())
            {
                report("the header-mode token is not the trimmed rest of `Bearer `");
            }
        }
    }
    let _ = anti_csrf_token_from_headers(&request);
    let world = fdi_world();
    let Some(sdk) = world.sdk() else {
        return;
    };
    let Ok(recipe) = SessionRecipe::from_supertokens(sdk) else {
        return;
    };
    let (session, refreshed) = world.block_on(async {
        let session = recipe
            .get_session(&request, &VerifySessionOptions::default())
            .await;
        let refreshed = if request.method == Method::POST {
            recipe.refresh_session(&request).await.ok()
        } else {
            None
        };
        (session, refreshed)
    });
    if matches!(session, Ok(Some(_))) || refreshed.is_some() {
        report("a request with tokens the core never issued got a session");
    }
}
