//! CDI versions and the header names of the protocol.

/// CDI versions this implementation speaks. Sessions behave the same ("classic" semantics)
/// for every one of them.
pub const SUPPORTED_CDI_VERSIONS: &[&str] = &[
    "2.21", "3.0", "3.1", "4.0", "5.0", "5.1", "5.2", "5.3", "5.4",
];

/// The newest supported CDI version, assumed when a request carries no `cdi-version`.
pub const LATEST_CDI_VERSION: &str = "5.4";

/// Header carrying the API key.
pub const HEADER_API_KEY: &str = "api-key";
/// Header carrying the negotiated CDI version.
pub const HEADER_CDI_VERSION: &str = "cdi-version";
/// Header naming the calling recipe.
pub const HEADER_RID: &str = "rid";

/// Response of `GET /apiversion` (no `status` field).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiVersionResponse {
    /// Supported versions, e.g. `["5.3", "5.4"]`.
    pub versions: Vec<String>,
}

/// A parsed `major.minor` CDI version, ordered numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CdiVersion {
    /// Major part.
    pub major: u32,
    /// Minor part.
    pub minor: u32,
}

impl CdiVersion {
    /// Parses `X.Y`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(Self {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }
}

impl std::fmt::Display for CdiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically() {
        let a = CdiVersion::parse("5.10").unwrap();
        let b = CdiVersion::parse("5.4").unwrap();
        assert!(a > b);
        assert_eq!(CdiVersion::parse("x.1"), None);
        assert_eq!(CdiVersion::parse("5"), None);
        assert!(SUPPORTED_CDI_VERSIONS.contains(&LATEST_CDI_VERSION));
    }
}
