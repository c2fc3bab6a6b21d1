//! `cdi_request`: one request to the core's real CDI router.
//!
//! Input: `[route] [flags] rest` (see [`crate::input`]). `route` picks an entry of
//! [`ROUTES`] (every method and path of `core/server/src/routes/mod.rs`); `flags`:
//!
//! | bits | meaning |
//! | --- | --- |
//! | `0x03` | path prefix: none, `/public`, `/appid-public`, `/` + [`TENANT`](crate::world::TENANT) |
//! | `0x04` | no `cdi-version` header |
//! | `0x08` | no `api-key` header |
//! | `0x30` | `cdi-version`: 5.4, 4.0, 2.21 or 3.0 |
//! | `0x40` | `rest` starts with extra header lines |
//! | `0x80` | `rest` is `query \0 body` |
//!
//! Placeholders in the body (`$USER_ID`, `$ACCESS_TOKEN`, …, see [`crate::placeholders`]) are
//! replaced with live values first, so that seeds reach the success paths of routes that need
//! a real token or code. The oracle: no panic, and no 5xx other than 503.

use axum::body::Body;
use http::{HeaderMap, Method, Request};

use crate::finding::{escaped, finding};
use crate::input::{RequestInput, add_header_lines, uri_safe_query};
use crate::placeholders::substitute_rest;
use crate::world::{API_KEY, CdiResponse, TENANT, World, cdi_world, send};

/// Every CDI route of the core: method and path.
pub const ROUTES: &[(Method, &str)] = &[
    (Method::GET, "/"),
    (Method::POST, "/"),
    (Method::GET, "/hello"),
    (Method::PUT, "/hello"),
    (Method::DELETE, "/hello"),
    (Method::GET, "/apiversion"),
    (Method::GET, "/.well-known/jwks.json"),
    (Method::POST, "/recipe/jwt"),
    (Method::GET, "/recipe/jwt/jwks"),
    (Method::GET, "/recipe/jwt/data"),
    (Method::PUT, "/recipe/jwt/data"),
    (Method::GET, "/recipe/multitenancy/tenant/v2"),
    (Method::PUT, "/recipe/multitenancy/tenant/v2"),
    (Method::GET, "/recipe/multitenancy/tenant/list/v2"),
    (Method::POST, "/recipe/multitenancy/tenant/remove"),
    (Method::POST, "/recipe/multitenancy/tenant/user"),
    (Method::POST, "/recipe/multitenancy/tenant/user/remove"),
    (Method::PUT, "/recipe/multitenancy/app/v2"),
    (Method::GET, "/recipe/multitenancy/app/list/v2"),
    (Method::POST, "/recipe/multitenancy/app/remove"),
    (Method::GET, "/users/by-accountinfo"),
    (Method::GET, "/users"),
    (Method::GET, "/users/count"),
    (Method::GET, "/user/id"),
    (Method::POST, "/user/remove"),
    (Method::GET, "/recipe/user"),
    (Method::PUT, "/recipe/user"),
    (Method::POST, "/recipe/signup"),
    (Method::POST, "/recipe/signin"),
    (Method::POST, "/recipe/user/password/reset/token"),
    (Method::POST, "/recipe/user/password/reset/token/consume"),
    (Method::POST, "/recipe/user/password/reset"),
    (Method::POST, "/recipe/user/passwordhash/import"),
    (Method::POST, "/recipe/signinup/code"),
    (Method::POST, "/recipe/signinup/code/consume"),
    (Method::POST, "/recipe/signinup/code/check"),
    (Method::POST, "/recipe/signinup/code/remove"),
    (Method::POST, "/recipe/signinup/codes/remove"),
    (Method::GET, "/recipe/signinup/codes"),
    (Method::POST, "/recipe/user/email/verify/token"),
    (Method::POST, "/recipe/user/email/verify"),
    (Method::GET, "/recipe/user/email/verify"),
    (Method::POST, "/recipe/user/email/verify/remove"),
    (Method::POST, "/recipe/user/email/verify/token/remove"),
    (Method::GET, "/recipe/user/metadata"),
    (Method::PUT, "/recipe/user/metadata"),
    (Method::POST, "/recipe/user/metadata/remove"),
    (Method::PUT, "/recipe/role"),
    (Method::POST, "/recipe/role/remove"),
    (Method::GET, "/recipe/roles"),
    (Method::GET, "/recipe/role/permissions"),
    (Method::POST, "/recipe/role/permissions/remove"),
    (Method::GET, "/recipe/permission/roles"),
    (Method::PUT, "/recipe/user/role"),
    (Method::POST, "/recipe/user/role/remove"),
    (Method::GET, "/recipe/user/roles"),
    (Method::GET, "/recipe/role/users"),
    (Method::POST, "/recipe/session"),
    (Method::GET, "/recipe/session"),
    (Method::POST, "/recipe/session/verify"),
    (Method::POST, "/recipe/session/refresh"),
    (Method::POST, "/recipe/session/regenerate"),
    (Method::POST, "/recipe/session/remove"),
    (Method::GET, "/recipe/session/user"),
    (Method::GET, "/recipe/session/data"),
    (Method::PUT, "/recipe/session/data"),
    // Added after the first campaign; appended so that older corpus files keep their route.
    (Method::GET, "/openapi.json"),
    (Method::GET, "/metrics"),
    (Method::GET, "/health/live"),
    (Method::GET, "/health/ready"),
];

/// Versions the `0x30` flag bits choose from.
const VERSIONS: [&str; 4] = ["5.4", "4.0", "2.21", "3.0"];

/// The route an input's first byte picks.
pub fn route(selector: u8) -> &'static (Method, &'static str) {
    &ROUTES[usize::from(selector) % ROUTES.len()]
}

/// The selector byte of a route, for seeds.
pub fn selector(method: &Method, path: &str) -> Option<u8> {
    ROUTES
        .iter()
        .position(|(m, p)| m == method && *p == path)
        .and_then(|index| u8::try_from(index).ok())
}

/// What one input did.
#[derive(Debug, Clone, PartialEq)]
pub struct CdiOutcome {
    /// Method sent.
    pub method: Method,
    /// Path sent (prefix included).
    pub path: String,
    /// The core's answer.
    pub response: CdiResponse,
}

/// Sends the request `data` describes to this process's CDI world (no oracle applied).
pub fn run(data: &[u8]) -> CdiOutcome {
    run_in(&cdi_world(), data)
}

/// Sends the request `data` describes to `world` and returns the answer.
pub fn run_in(world: &World, data: &[u8]) -> CdiOutcome {
    world.tick();
    let data = world.block_on(substitute_rest(world, data));
    let input = RequestInput::parse(&data, |selector| route(selector).0 == Method::GET);
    let (method, path) = route(input.route);
    let prefix = match input.flags & 0x03 {
        0 => String::new(),
        1 => "/public".to_owned(),
        2 => "/appid-public".to_owned(),
        _ => format!("/{TENANT}"),
    };
    let path = if path == &"/" && !prefix.is_empty() {
        prefix
    } else {
        format!("{prefix}{path}")
    };
    let uri = match input.query {
        Some(query) => format!("{path}?{}", uri_safe_query(query)),
        None => path.clone(),
    };
    let mut headers = HeaderMap::new();
    if input.flags & 0x08 == 0 {
        headers.insert("api-key", http::HeaderValue::from_static(API_KEY));
    }
    if input.flags & 0x04 == 0 {
        let version = VERSIONS[usize::from((input.flags >> 4) & 0x03)];
        headers.insert("cdi-version", http::HeaderValue::from_static(version));
    }
    add_header_lines(&mut headers, input.headers);
    let response = world.block_on(async {
        let mut request = match Request::builder()
            .method(method.clone())
            .uri(uri.as_str())
            .body(Body::from(input.body.to_vec()))
        {
            Ok(request) => request,
            // Not a request an HTTP server would pass on (the URI is checked by hyper).
            Err(_) => return None,
        };
        *request.headers_mut() = headers;
        Some(send(world.router(), request).await)
    });
    CdiOutcome {
        method: method.clone(),
        path,
        response: response.unwrap_or(CdiResponse {
            status: 400,
            body: serde_json::Value::Null,
        }),
    }
}

/// The fuzz target: [`run`], then the oracle (no 5xx but 503).
pub fn cdi_request(data: &[u8]) {
    judge(data, &run(data));
}

/// The oracle of [`cdi_request`].
pub fn judge(data: &[u8], outcome: &CdiOutcome) {
    let status = outcome.response.status;
    if status >= 500 && status != 503 {
        finding(
            "cdi_request",
            &format!(
                "{} {} answered {status}: {}\nbody sent: {}",
                outcome.method,
                outcome.path,
                outcome.response.body,
                escaped(data.get(2..).unwrap_or_default())
            ),
            data,
        );
    }
}
