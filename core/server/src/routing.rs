//! URL layout of the CDI: `[/<base_path>][/appid-<appId>][/<tenantId>]/<api path>`.
//!
//! [`normalise`] strips the optional prefixes before routing, records the tenant in the
//! request extensions, and answers 400 for an app or tenant this core does not have.

use axum::http::Uri;

use crate::error::ApiError;

/// The public app and tenant.
pub const PUBLIC: &str = "public";

/// The tenant a request is addressed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant(pub String);

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
    matches!(path, "/" | "/hello" | "/.well-known/jwks.json")
}

fn is_api_path(path: &str) -> bool {
    API_PATHS.contains(&path)
}

/// The path and tenant of a request after stripping `base_path`, `/appid-<id>` and
/// `/<tenantId>`. Unknown paths are returned unchanged so the router answers 404.
pub fn normalise(base_path: &str, uri: &Uri) -> Result<(String, Tenant), ApiError> {
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
    if app_id != PUBLIC || tenant_id != PUBLIC {
        return Err(ApiError::bad_request(format!(
            "AppId or tenantId not found => Tenant with the following connectionURIDomain, appId and tenantId combination not found: (, {app_id}, {tenant_id})"
        )));
    }
    Ok((path, Tenant(tenant_id)))
}

fn is_valid_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(path: &str) -> Result<String, ApiError> {
        normalise("", &path.parse::<Uri>().unwrap()).map(|(path, _)| path)
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
    fn unknown_tenants_and_apps_are_rejected() {
        assert!(matches!(
            norm("/acme/recipe/signin"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            norm("/appid-other/recipe/signin"),
            Err(ApiError::BadRequest(_))
        ));
    }

    #[test]
    fn base_path_is_required_when_configured() {
        let uri: Uri = "/st/public/recipe/signup".parse().unwrap();
        assert_eq!(normalise("/st", &uri).unwrap().0, "/recipe/signup");
        let uri: Uri = "/recipe/signup".parse().unwrap();
        assert!(matches!(normalise("/st", &uri), Err(ApiError::NotFound)));
    }
}
