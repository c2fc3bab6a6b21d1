//! The little of multitenancy that the frontends need: `GET /auth/<tenant>/loginmethods`.
//!
//! supertokens-node initialises its multitenancy recipe on its own, and the prebuilt UIs ask
//! it which login methods a tenant offers. This SDK has no separate multitenancy recipe: the
//! answer is computed here from the core's tenant configuration and the first factors of the
//! recipes in the list ([`Recipe::first_factors`](crate::Recipe::first_factors)), and each
//! recipe that offers a first factor serves the route by calling [`login_methods`] (when two
//! do, the router picks the first; both give the same answer).
//!
//! The answer is flat, as node sends it and web-js reads it (the FDI 4.0 YAML nests it under
//! `recipes`, which no SDK does).

use serde::{Deserialize, Serialize};
use supertokens_cdi::general::TenantConfigResponse;

use crate::SuperTokens;
use crate::error::{Result, SuperTokensError};
use crate::querier::Querier;

/// Factor ids known to SuperTokens.
pub mod factor_ids {
    /// Email and password.
    pub const EMAILPASSWORD: &str = "emailpassword";
    /// WebAuthn (passkeys).
    pub const WEBAUTHN: &str = "webauthn";
    /// One-time code sent by email.
    pub const OTP_EMAIL: &str = "otp-email";
    /// One-time code sent by SMS.
    pub const OTP_PHONE: &str = "otp-phone";
    /// Magic link sent by email.
    pub const LINK_EMAIL: &str = "link-email";
    /// Magic link sent by SMS.
    pub const LINK_PHONE: &str = "link-phone";
    /// Third-party (OAuth) providers.
    pub const THIRDPARTY: &str = "thirdparty";
    /// Time-based one-time passwords.
    pub const TOTP: &str = "totp";
    /// All of them.
    pub const ALL: &[&str] = &[
        EMAILPASSWORD,
        WEBAUTHN,
        OTP_EMAIL,
        OTP_PHONE,
        LINK_EMAIL,
        LINK_PHONE,
        THIRDPARTY,
        TOTP,
    ];
}

/// `{"enabled": bool}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enabled {
    /// Whether the login method is offered.
    pub enabled: bool,
}

/// A third-party provider as the sign-in page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// Provider id, e.g. `google`.
    pub id: String,
    /// Display name, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Third-party login methods of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThirdPartyLoginMethods {
    /// Whether third-party sign-in is offered.
    pub enabled: bool,
    /// The providers to show.
    pub providers: Vec<ProviderInfo>,
}

/// The body of `GET /loginmethods` without its `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginMethods {
    /// Email and password.
    pub email_password: Enabled,
    /// Third-party providers.
    pub third_party: ThirdPartyLoginMethods,
    /// WebAuthn (passkeys). Node sends it since FDI 4.1 (supertokens-node 23), between
    /// `thirdParty` and `passwordless`; absent in older answers.
    #[serde(default)]
    pub webauthn: Enabled,
    /// Passwordless (any of the `otp-*` / `link-*` factors).
    pub passwordless: Enabled,
    /// The valid first factors, in the configured order.
    pub first_factors: Vec<String>,
}

/// The core's configuration of a tenant; `None` when the tenant does not exist.
pub async fn tenant_config(querier: &Querier, tenant_id: &str) -> Result<Option<TenantConfig>> {
    let path = format!("/{tenant_id}/recipe/multitenancy/tenant/v2");
    match querier
        .get::<TenantConfigResponse>(&path, &[], Some("multitenancy"))
        .await?
    {
        TenantConfigResponse::Ok {
            tenant_id,
            third_party,
            first_factors,
            required_secondary_factors,
            ..
        } => Ok(Some(TenantConfig {
            tenant_id,
            providers: third_party.providers,
            first_factors,
            required_secondary_factors,
        })),
        TenantConfigResponse::TenantNotFoundError => Ok(None),
    }
}

/// What this SDK uses of a tenant's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantConfig {
    /// Tenant id.
    pub tenant_id: String,
    /// Third-party providers configured in the core (raw).
    pub providers: Vec<serde_json::Value>,
    /// First factors configured in the core; `None` lets the SDK decide.
    pub first_factors: Option<Vec<String>>,
    /// Secondary factors required by the tenant.
    pub required_secondary_factors: Option<Vec<String>>,
}

/// Computes the login methods of a tenant as supertokens-node does.
///
/// The first factors are the core's list when the tenant sets one, otherwise every factor the
/// recipes provide. A listed factor is kept when a recipe provides it or when it is not one of
/// SuperTokens' own ids (a custom factor). An unknown tenant is an error (node answers 500).
///
/// Third-party providers are not listed: this SDK has no thirdparty recipe, so `clientType`
/// (used to pick provider clients) is accepted and ignored.
pub async fn login_methods(
    supertokens: &SuperTokens,
    tenant_id: &str,
    _client_type: Option<&str>,
) -> Result<LoginMethods> {
    let config = tenant_config(supertokens.querier(), tenant_id)
        .await?
        .ok_or_else(|| SuperTokensError::Internal(format!("Tenant not found: {tenant_id}")))?;
    let available = supertokens.available_first_factors();
    Ok(compute_login_methods(config.first_factors, &available))
}

/// The pure part of [`login_methods`].
pub fn compute_login_methods(
    configured: Option<Vec<String>>,
    available: &[&'static str],
) -> LoginMethods {
    let candidates =
        configured.unwrap_or_else(|| available.iter().map(|f| (*f).to_owned()).collect());
    let mut first_factors: Vec<String> = Vec::new();
    for factor in candidates {
        let valid = available.contains(&factor.as_str()) || !factor_ids::ALL.contains(&&*factor);
        if valid {
            first_factors.push(factor);
        }
    }
    let has = |id: &str| first_factors.iter().any(|factor| factor == id);
    let passwordless = [
        factor_ids::OTP_EMAIL,
        factor_ids::OTP_PHONE,
        factor_ids::LINK_EMAIL,
        factor_ids::LINK_PHONE,
    ]
    .iter()
    .any(|id| has(id));
    LoginMethods {
        email_password: Enabled {
            enabled: has(factor_ids::EMAILPASSWORD),
        },
        third_party: ThirdPartyLoginMethods {
            enabled: has(factor_ids::THIRDPARTY),
            providers: Vec::new(),
        },
        webauthn: Enabled {
            enabled: has(factor_ids::WEBAUTHN),
        },
        passwordless: Enabled {
            enabled: passwordless,
        },
        first_factors,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_factors_default_to_the_recipes() {
        let methods = compute_login_methods(None, &["emailpassword"]);
        assert_eq!(
            serde_json::to_value(&methods).unwrap(),
            serde_json::json!({
                "emailPassword": {"enabled": true},
                "thirdParty": {"enabled": false, "providers": []},
                "webauthn": {"enabled": false},
                "passwordless": {"enabled": false},
                "firstFactors": ["emailpassword"],
            })
        );
    }

    #[test]
    fn core_factors_are_filtered_by_the_recipes() {
        let methods = compute_login_methods(
            Some(vec![
                "otp-email".into(),
                "emailpassword".into(),
                "thirdparty".into(),
                "custom-factor".into(),
            ]),
            &["emailpassword", "otp-email", "link-email"],
        );
        assert_eq!(
            methods.first_factors,
            vec!["otp-email", "emailpassword", "custom-factor"]
        );
        assert!(methods.email_password.enabled);
        assert!(methods.passwordless.enabled);
        assert!(!methods.third_party.enabled);
        let none = compute_login_methods(Some(vec![]), &["emailpassword"]);
        assert!(!none.email_password.enabled);
        assert!(none.first_factors.is_empty());
        let passkeys = compute_login_methods(None, &["webauthn"]);
        assert!(passkeys.webauthn.enabled && !passkeys.passwordless.enabled);
    }
}
