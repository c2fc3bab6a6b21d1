//! `fdi_request`: one request to the SDK's FDI routes, with every recipe initialised,
//! served through `SuperTokens::handle` against a real core on a loopback port.
//!
//! Input: `[route] [flags] rest` (see [`crate::input`]). `route` picks one of the routes the
//! initialised recipes serve ([`routes`]); `flags`:
//!
//! | bits | meaning |
//! | --- | --- |
//! | `0x03` | tenant in the path (tenant-scoped routes): none, `public`, [`TENANT`], `nosuchtenant` |
//! | `0x04` | `rid` header naming the route's recipe |
//! | `0x18` | a fresh session of the known user: none, in cookies, as `Authorization: Bearer`, both |
//! | `0x20` | `st-auth-mode: cookie` (else no `st-auth-mode`: header mode) |
//! | `0x40` | `rest` starts with extra header lines |
//! | `0x80` | `rest` is `query \0 body` |
//!
//! Body placeholders are replaced as for the CDI ([`crate::placeholders`]). The oracle: no
//! panic, no 500, and a JSON body wherever the response says it is JSON.

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use supertokens::http_types::apply_header_changes;
use supertokens::{Recipe, SdkRequest, SdkResponse, SuperTokens};
use supertokens_emailpassword::EmailPasswordRecipe;
use supertokens_emailverification::EmailVerificationRecipe;
use supertokens_passwordless::PasswordlessRecipe;
use supertokens_session::SessionRecipe;

use crate::finding::finding;
use crate::input::{RequestInput, add_header_lines, uri_safe_query};
use crate::placeholders::substitute_rest;
use crate::world::{API_BASE_PATH, TENANT, World, fdi_world};

/// One FDI route: the recipe serving it, its method and path below the API base path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FdiRoute {
    /// `rid` of the recipe.
    pub recipe_id: &'static str,
    /// Method.
    pub method: Method,
    /// Path below [`API_BASE_PATH`].
    pub path: &'static str,
    /// Whether `/<tenantId>` may precede the path.
    pub tenant_scoped: bool,
}

/// Every route the initialised SDK serves, in recipe order.
pub fn routes(sdk: &SuperTokens) -> Vec<FdiRoute> {
    let mut routes = Vec::new();
    let mut add = |recipe: Option<&dyn Recipe>| {
        if let Some(recipe) = recipe {
            for route in recipe.routes() {
                routes.push(FdiRoute {
                    recipe_id: recipe.recipe_id(),
                    method: route.method,
                    path: route.path,
                    tenant_scoped: route.tenant_scoped,
                });
            }
        }
    };
    add(sdk
        .recipe::<SessionRecipe>()
        .as_deref()
        .map(|r| r as &dyn Recipe));
    add(sdk
        .recipe::<EmailPasswordRecipe>()
        .as_deref()
        .map(|r| r as &dyn Recipe));
    add(sdk
        .recipe::<PasswordlessRecipe>()
        .as_deref()
        .map(|r| r as &dyn Recipe));
    add(sdk
        .recipe::<EmailVerificationRecipe>()
        .as_deref()
        .map(|r| r as &dyn Recipe));
    routes
}

/// The selector byte of a route of a recipe, for seeds.
pub fn selector(sdk: &SuperTokens, recipe_id: &str, method: &Method, path: &str) -> Option<u8> {
    routes(sdk)
        .iter()
        .position(|route| {
            route.recipe_id == recipe_id && route.method == *method && route.path == path
        })
        .and_then(|index| u8::try_from(index).ok())
}

/// What one input did.
#[derive(Debug, Clone)]
pub struct FdiOutcome {
    /// The request as the SDK got it.
    pub request: SdkRequest,
    /// Its answer (`None`: not an SDK route).
    pub response: Option<SdkResponse>,
    /// What the core answered the SDK's calls while it served the request.
    pub core_statuses: Vec<u16>,
}

/// Serves the request `data` describes in this process's FDI world (no oracle applied).
pub fn run(data: &[u8]) -> FdiOutcome {
    run_in(&fdi_world(), data)
}

/// Serves the request `data` describes in `world`.
pub fn run_in(world: &World, data: &[u8]) -> FdiOutcome {
    let Some(sdk) = world.sdk() else {
        crate::finding::setup_failed("FDI world", &"the SDK is missing");
    };
    let routes = routes(sdk);
    if routes.is_empty() {
        crate::finding::setup_failed("FDI world", &"the SDK serves no route");
    }
    let route = &routes[usize::from(data.first().copied().unwrap_or_default()) % routes.len()];
    let data = world.block_on(substitute_rest(world, data));
    let input = RequestInput::parse(&data, |_| route.method == Method::GET);
    let tenant = match input.flags & 0x03 {
        _ if !route.tenant_scoped => "",
        0 => "",
        1 => "public",
        2 => TENANT,
        _ => UNKNOWN_TENANT,
    };
    let path = match tenant {
        "" => format!("{API_BASE_PATH}{}", route.path),
        tenant => format!("{API_BASE_PATH}/{tenant}{}", route.path),
    };
    let mut headers = HeaderMap::new();
    if input.flags & 0x04 != 0 {
        headers.insert("rid", HeaderValue::from_static(route.recipe_id));
    }
    if input.flags & 0x20 != 0 {
        headers.insert("st-auth-mode", HeaderValue::from_static("cookie"));
    }
    add_header_lines(&mut headers, input.headers);
    let path_and_query = match input.query {
        Some(query) => format!("{path}?{}", uri_safe_query(query)),
        None => path,
    };
    world.block_on(async {
        let session = (input.flags >> 3) & 0x03;
        if session != 0 {
            add_session(world, sdk, session, route, &mut headers).await;
        }
        let request = SdkRequest::new(route.method.clone(), &path_and_query, headers)
            .with_body(Bytes::copy_from_slice(input.body));
        world.take_core_statuses();
        let response = sdk.handle(&request).await;
        FdiOutcome {
            request,
            response,
            core_statuses: world.take_core_statuses(),
        }
    })
}

/// Makes a session of the known user and puts its tokens on the request: `1` cookies, `2`
/// `Authorization: Bearer` (the refresh token on the refresh route), `3` both.
async fn add_session(
    world: &World,
    sdk: &SuperTokens,
    mode: u8,
    route: &FdiRoute,
    headers: &mut HeaderMap,
) {
    let Ok(recipe) = SessionRecipe::from_supertokens(sdk) else {
        return;
    };
    let mut tokens = HeaderMap::new();
    let modes = [(0x01, "cookie"), (0x02, "header")];
    for (_, auth_mode) in modes.iter().filter(|(bit, _)| mode & bit != 0) {
        let mut create = HeaderMap::new();
        create.insert("st-auth-mode", HeaderValue::from_static(auth_mode));
        let request = SdkRequest::new(Method::POST, "/auth/signin", create);
        if let Ok(session) = recipe
            .create_new_session(
                &request,
                "public",
                world.known_user_id(),
                Default::default(),
                Default::default(),
            )
            .await
        {
            apply_header_changes(&mut tokens, &session.response_headers());
        }
    }
    if mode & 0x01 != 0 {
        let cookies: Vec<String> = tokens
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .filter_map(|line| line.split(';').next().map(str::to_owned))
            .collect();
        if let Ok(value) = HeaderValue::from_str(&cookies.join("; ")) {
            headers.append(COOKIE, value);
        }
    }
    if mode & 0x02 != 0 {
        let name = if route.path.ends_with("/session/refresh") {
            "st-refresh-token"
        } else {
            "st-access-token"
        };
        if let Some(token) = tokens.get(name).and_then(|value| value.to_str().ok())
            && let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            headers.insert(AUTHORIZATION, value);
        }
    }
}

/// The tenant the `0x03` flag bits put in paths, which no world has.
pub const UNKNOWN_TENANT: &str = "nosuchtenant";

/// The fuzz target: [`run`], then the oracle.
pub fn fdi_request(data: &[u8]) {
    judge(data, &run(data));
}

/// The oracle of [`fdi_request`].
pub fn judge(data: &[u8], outcome: &FdiOutcome) {
    let Some(response) = &outcome.response else {
        return;
    };
    let request = &outcome.request;
    let described = || {
        format!(
            "{} {}{} answered {}: {} (the core answered the SDK's calls {:?})",
            request.method,
            request.path,
            request
                .query
                .as_deref()
                .map(|query| format!("?{query}"))
                .unwrap_or_default(),
            response.status,
            String::from_utf8_lossy(&response.body),
            outcome.core_statuses
        )
    };
    if response.status.is_server_error() && response.status != StatusCode::SERVICE_UNAVAILABLE {
        finding("fdi_request", &described(), data);
    }
    let says_json = response
        .headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/json"));
    if says_json && serde_json::from_slice::<serde_json::Value>(&response.body).is_err() {
        finding(
            "fdi_request",
            &format!("a JSON response that is not JSON: {}", described()),
            data,
        );
    }
}
