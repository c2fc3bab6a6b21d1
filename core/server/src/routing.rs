//! URL layout of the CDI: `[/<base_path>][/appid-<appId>][/<tenantId>]/<api path>`.
//!
//! [`normalise`] strips the optional prefixes before routing and says which app and tenant
//! the request is addressed to; the guard in `lib.rs` then resolves them (an unknown app or
//! tenant gets 400 `AppId or tenantId not found => …`) and refuses app-level APIs called
//! with a tenant other than `public` ([`is_app_level`]).

use axum::http::{Method, Uri};

use crate::error::ApiError;

/// The public app and tenant.
pub const PUBLIC: &str = "public";

/// The tenant a request is addressed to (already known to exist in its app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(pub String);

/// The app a request is addressed to (already known to exist).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppId(pub String);

/// Where a request goes: the API path without prefixes, the app and the tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The API path (`/recipe/signin`).
    pub path: String,
    /// The app, lower-cased (`public` when absent).
    pub app_id: String,
    /// The tenant, lower-cased (`public` when absent).
    pub tenant_id: String,
}

/// Every API path this core serves, without prefixes.
pub const API_PATHS: &[&str] = &[
    "/",
    "/hello",
    "/apiversion",
    "/.well-known/jwks.json",
    "/recipe/jwt",
    "/recipe/jwt/jwks",
    "/recipe/jwt/data",
    "/recipe/multitenancy/tenant/v2",
    "/recipe/multitenancy/tenant/list/v2",
    "/recipe/multitenancy/tenant/remove",
    "/recipe/multitenancy/tenant/user",
    "/recipe/multitenancy/tenant/user/remove",
    "/recipe/multitenancy/app/v2",
    "/recipe/multitenancy/app/list/v2",
    "/recipe/multitenancy/app/remove",
    "/users/by-accountinfo",
    "/users",
    "/users/count",
    "/user/id",
    "/user/remove",
    "/recipe/user",
    "/recipe/signup",
    "/recipe/signin",
    "/recipe/user/password/reset/token",
    "/recipe/user/password/reset/token/consume",
    "/recipe/user/password/reset",
    "/recipe/user/passwordhash/import",
    "/recipe/signinup/code",
    "/recipe/signinup/code/consume",
    "/recipe/signinup/code/check",
    "/recipe/signinup/code/remove",
    "/recipe/signinup/codes",
    "/recipe/signinup/codes/remove",
    "/recipe/user/email/verify/token",
    "/recipe/user/email/verify",
    "/recipe/user/email/verify/remove",
    "/recipe/user/email/verify/token/remove",
    "/recipe/user/metadata",
    "/recipe/user/metadata/remove",
    "/recipe/role",
    "/recipe/role/remove",
    "/recipe/roles",
    "/recipe/role/permissions",
    "/recipe/role/permissions/remove",
    "/recipe/permission/roles",
    "/recipe/user/role",
    "/recipe/user/role/remove",
    "/recipe/user/roles",
    "/recipe/role/users",
    "/recipe/session",
    "/recipe/session/verify",
    "/recipe/session/refresh",
    "/recipe/session/regenerate",
    "/recipe/session/remove",
    "/recipe/session/user",
    "/recipe/session/data",
];

/// Paths that need neither an API key nor a `cdi-version`.
pub fn is_open_path(path: &str) -> bool {
    matches!(
        path,
        "/" | "/hello"
            | "/.well-known/jwks.json"
            | "/openapi.json"
            | crate::observability::LIVENESS_PATH
            | crate::observability::READINESS_PATH
    )
}

fn is_api_path(path: &str) -> bool {
    API_PATHS.contains(&path)
}

/// Whether an API belongs to the app rather than to one of its tenants (the CDI spec lists
/// it without a `<tenantId>` segment). From CDI 5.0 such APIs refuse a tenant other than
/// `public` with 403.
pub fn is_app_level(method: &Method, path: &str) -> bool {
    let get = method == Method::GET;
    let put = method == Method::PUT;
    match path {
        "/apiversion"
        | "/.well-known/jwks.json"
        | "/recipe/jwt"
        | "/recipe/jwt/jwks"
        | "/user/id"
        | "/user/remove"
        | "/recipe/user/email/verify/remove"
        | "/recipe/user/metadata"
        | "/recipe/user/metadata/remove"
        | "/recipe/role"
        | "/recipe/role/remove"
        | "/recipe/roles"
        | "/recipe/role/permissions"
        | "/recipe/role/permissions/remove"
        | "/recipe/permission/roles"
        | "/recipe/session/verify"
        | "/recipe/session/refresh"
        | "/recipe/session/regenerate"
        | "/recipe/session/data"
        | "/recipe/multitenancy/tenant/list/v2"
        | "/recipe/multitenancy/tenant/remove"
        | "/recipe/multitenancy/app/v2"
        | "/recipe/multitenancy/app/list/v2"
        | "/recipe/multitenancy/app/remove" => true,
        "/recipe/user/email/verify" | "/recipe/session" => get,
        "/recipe/multitenancy/tenant/v2" => put,
        _ => false,
    }
}

/// The path, app and tenant of a request after stripping `base_path`, `/appid-<id>` and
/// `/<tenantId>`. Unknown paths are returned unchanged so the router answers 404.
pub fn normalise(base_path: &str, uri: &Uri) -> Result<Target, ApiError> {
    let mut path = uri.path();
    if !base_path.is_empty() {
        match path.strip_prefix(base_path) {
            Some(rest) if rest.is_empty() || rest.starts_with('/') => path = rest,
            _ => return Err(ApiError::NotFound),
        }
    }
    let mut path = path.trim_end_matches('/').to_owned();
    if path.is_empty() {
        path.push('/');
    }
    let mut app_id = PUBLIC.to_owned();
    if let Some(rest) = path.strip_prefix("/appid-") {
        let (app, remainder) = rest.split_once('/').unwrap_or((rest, ""));
        app_id = app.to_lowercase();
        path = format!("/{remainder}");
    }
    let mut tenant_id = PUBLIC.to_owned();
    if !is_api_path(&path) {
        let trimmed = path.trim_start_matches('/');
        if let Some((first, remainder)) = trimmed.split_once('/') {
            let candidate = format!("/{remainder}");
            if is_api_path(&candidate) && is_valid_id(first) {
                tenant_id = first.to_lowercase();
                path = candidate;
            }
        }
    }
    Ok(Target {
        path,
        app_id,
        tenant_id,
    })
}

/// The 400 for an app or tenant this core does not have, worded as the Java core's.
pub fn not_found(app_id: &str, tenant_id: &str) -> ApiError {
    ApiError::bad_request(format!(
        "AppId or tenantId not found => Tenant with the following connectionURIDomain, appId \
         and tenantId combination not found: (, {app_id}, {tenant_id})"
    ))
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(path: &str) -> Result<String, ApiError> {
        normalise("", &path.parse::<Uri>().unwrap()).map(|target| target.path)
    }

    fn target(path: &str) -> (String, String, String) {
        let t = normalise("", &path.parse::<Uri>().unwrap()).unwrap();
        (t.path, t.app_id, t.tenant_id)
    }

    #[test]
    fn prefixes_are_stripped() {
        assert_eq!(norm("/recipe/signin").unwrap(), "/recipe/signin");
        assert_eq!(norm("/public/recipe/signin").unwrap(), "/recipe/signin");
        assert_eq!(
            norm("/appid-public/public/recipe/signin").unwrap(),
            "/recipe/signin"
        );
        assert_eq!(
            norm("/appid-public/recipe/session/verify/").unwrap(),
            "/recipe/session/verify"
        );
        assert_eq!(norm("/public/hello").unwrap(), "/hello");
        assert_eq!(norm("/").unwrap(), "/");
        assert_eq!(
            norm("/nothing/here/at/all").unwrap(),
            "/nothing/here/at/all"
        );
    }

    #[test]
    fn apps_and_tenants_are_read_from_the_prefixes() {
        let own = |s: &str| s.to_owned();
        assert_eq!(
            target("/acme/recipe/signin"),
            (own("/recipe/signin"), own("public"), own("acme"))
        );
        assert_eq!(
            target("/appid-Other/recipe/session/verify"),
            (own("/recipe/session/verify"), own("other"), own("public"))
        );
        assert_eq!(
            target("/appid-a-1/t-2/recipe/multitenancy/tenant/user/remove"),
            (
                own("/recipe/multitenancy/tenant/user/remove"),
                own("a-1"),
                own("t-2")
            )
        );
        assert_eq!(
            target("/appid-a1/recipe/multitenancy/tenant/v2"),
            (
                own("/recipe/multitenancy/tenant/v2"),
                own("a1"),
                own("public")
            )
        );
    }

    #[test]
    fn app_level_apis_are_told_from_tenant_ones() {
        assert!(is_app_level(&Method::POST, "/recipe/session/verify"));
        assert!(is_app_level(&Method::GET, "/recipe/session"));
        assert!(!is_app_level(&Method::POST, "/recipe/session"));
        assert!(is_app_level(&Method::PUT, "/recipe/multitenancy/tenant/v2"));
        assert!(!is_app_level(
            &Method::GET,
            "/recipe/multitenancy/tenant/v2"
        ));
        assert!(!is_app_level(&Method::POST, "/recipe/signin"));
        assert!(!is_app_level(
            &Method::POST,
            "/recipe/multitenancy/tenant/user"
        ));
    }

    #[test]
    fn base_path_is_required_when_configured() {
        let uri: Uri = "/st/public/recipe/signup".parse().unwrap();
        assert_eq!(normalise("/st", &uri).unwrap().path, "/recipe/signup");
        let uri: Uri = "/recipe/signup".parse().unwrap();
        assert!(matches!(normalise("/st", &uri), Err(ApiError::NotFound)));
    }
}
