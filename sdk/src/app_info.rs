//! The app's identity: its name, where its API and website live, and the paths under which
//! the SuperTokens routes are served.

use url::Url;

use crate::error::{Result, SuperTokensError};

/// What the app says about itself in `init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    /// Shown in emails.
    pub app_name: String,
    /// Origin of the API, e.g. `https://api.example.com` or `localhost:3001`.
    pub api_domain: String,
    /// Origin of the website, e.g. `https://example.com`.
    pub website_domain: String,
    /// Path under which the SuperTokens API routes are served; `/auth` by default.
    pub api_base_path: Option<String>,
    /// Path of the website's auth pages; `/auth` by default.
    pub website_base_path: Option<String>,
}

/// [`AppInfo`] after validation: origins without trailing slash, paths with a leading slash
/// and without a trailing one (`""` for the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalisedAppInfo {
    /// App name.
    pub app_name: String,
    /// API origin, e.g. `http://localhost:3001`.
    pub api_domain: String,
    /// Website origin.
    pub website_domain: String,
    /// e.g. `/auth`.
    pub api_base_path: String,
    /// e.g. `/auth`.
    pub website_base_path: String,
    /// Whether the API is served over https.
    pub api_is_https: bool,
    /// Host of the API (no port).
    pub api_host: String,
    /// Host of the website (no port).
    pub website_host: String,
}

impl NormalisedAppInfo {
    /// A link to one of the website's auth pages: `<websiteDomain><websiteBasePath><path>`
    /// with `query` appended (`?k=v&k=v`), each value percent-encoded (unreserved characters
    /// are kept, so ids and tokens made of `[A-Za-z0-9_-]` are unchanged, as node leaves
    /// them). `path` starts with `/`, e.g. `/reset-password`.
    pub fn website_link(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut link = format!("{}{}{path}", self.website_domain, self.website_base_path);
        for (index, (name, value)) in query.iter().enumerate() {
            link.push(if index == 0 { '?' } else { '&' });
            link.push_str(name);
            link.push('=');
            link.push_str(&encode_query_value(value));
        }
        link
    }
}

/// Percent-encodes a query value (unreserved characters are kept).
fn encode_query_value(value: &str) -> String {
    let mut encoded = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

impl AppInfo {
    /// Validates and normalises; errors name the field.
    pub fn normalise(&self) -> Result<NormalisedAppInfo> {
        if self.app_name.trim().is_empty() {
            return Err(SuperTokensError::Config(
                "app_info.app_name must not be empty".into(),
            ));
        }
        let api = normalise_origin("app_info.api_domain", &self.api_domain)?;
        let website = normalise_origin("app_info.website_domain", &self.website_domain)?;
        Ok(NormalisedAppInfo {
            app_name: self.app_name.trim().to_owned(),
            api_is_https: api.scheme() == "https",
            api_host: api.host_str().unwrap_or_default().to_owned(),
            website_host: website.host_str().unwrap_or_default().to_owned(),
            api_domain: origin_string(&api),
            website_domain: origin_string(&website),
            api_base_path: normalise_path(
                "app_info.api_base_path",
                self.api_base_path.as_deref().unwrap_or("/auth"),
            )?,
            website_base_path: normalise_path(
                "app_info.website_base_path",
                self.website_base_path.as_deref().unwrap_or("/auth"),
            )?,
        })
    }
}

fn normalise_origin(field: &str, text: &str) -> Result<Url> {
    let text = text.trim();
    if text.is_empty() {
        return Err(SuperTokensError::Config(format!(
            "{field} must not be empty"
        )));
    }
    let with_scheme = if text.contains("://") {
        text.to_owned()
    } else {
        let local =
            text.starts_with("localhost") || text.starts_with("127.") || text.starts_with("[::1]");
        format!("{}://{text}", if local { "http" } else { "https" })
    };
    let url = Url::parse(&with_scheme).map_err(|error| {
        SuperTokensError::Config(format!("{field} is not a valid origin ({text:?}): {error}"))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(SuperTokensError::Config(format!(
            "{field} must be an http(s) origin, got {text:?}"
        )));
    }
    if url.path() != "/" && !url.path().is_empty() {
        return Err(SuperTokensError::Config(format!(
            "{field} must be an origin without a path, got {text:?}; put the path in the base path instead"
        )));
    }
    Ok(url)
}

fn origin_string(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Normalises a path: leading slash, no trailing slash, `""` for the root.
pub fn normalise_path(field: &str, path: &str) -> Result<String> {
    let path = path.trim();
    if path.contains(['?', '#', ' ']) {
        return Err(SuperTokensError::Config(format!(
            "{field} must be a plain path, got {path:?}"
        )));
    }
    let trimmed = path.trim_matches('/');
    Ok(if trimmed.is_empty() {
        String::new()
    } else {
        format!("/{trimmed}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(api: &str, website: &str, base: Option<&str>) -> AppInfo {
        AppInfo {
            app_name: "demo".into(),
            api_domain: api.into(),
            website_domain: website.into(),
            api_base_path: base.map(Into::into),
            website_base_path: None,
        }
    }

    #[test]
    fn origins_and_paths_are_normalised() {
        let normalised = info("localhost:3001/", "https://example.com", None)
            .normalise()
            .unwrap();
        assert_eq!(normalised.api_domain, "http://localhost:3001");
        assert_eq!(normalised.website_domain, "https://example.com");
        assert_eq!(normalised.api_base_path, "/auth");
        assert!(!normalised.api_is_https);
        let root = info("api.example.com", "example.com", Some("/"))
            .normalise()
            .unwrap();
        assert_eq!(root.api_domain, "https://api.example.com");
        assert_eq!(root.api_base_path, "");
        assert_eq!(
            info("x.com", "y.com", Some("custom/auth/"))
                .normalise()
                .unwrap()
                .api_base_path,
            "/custom/auth"
        );
    }

    #[test]
    fn query_values_are_encoded_only_when_needed() {
        assert_eq!(encode_query_value("abc-DEF_123"), "abc-DEF_123");
        assert_eq!(encode_query_value("a+b/c="), "a%2Bb%2Fc%3D");
    }

    #[test]
    fn website_links() {
        let normalised = info("api.example.com", "https://example.com", None)
            .normalise()
            .unwrap();
        assert_eq!(
            normalised.website_link(
                "/reset-password",
                &[("token", "a+b"), ("tenantId", "public")]
            ),
            "https://example.com/auth/reset-password?token=a%2Bb&tenantId=public"
        );
        assert_eq!(
            normalised.website_link("/verify", &[]),
            "https://example.com/auth/verify"
        );
    }

    #[test]
    fn mistakes_name_the_field() {
        let error = info("", "y.com", None).normalise().unwrap_err().to_string();
        assert!(error.contains("app_info.api_domain"), "{error}");
        let error = info("https://x.com/api", "y.com", None)
            .normalise()
            .unwrap_err()
            .to_string();
        assert!(error.contains("without a path"), "{error}");
        let error = info("x.com", "ftp://y.com", None)
            .normalise()
            .unwrap_err()
            .to_string();
        assert!(error.contains("app_info.website_domain"), "{error}");
    }
}
