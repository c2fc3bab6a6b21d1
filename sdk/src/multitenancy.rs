//! Multitenancy: the tenants of the app the SDK talks to, and what the frontends ask about
//! them (`GET /auth/<tenant>/loginmethods`).
//!
//! supertokens-node initialises its multitenancy recipe on its own, whatever the recipe
//! list. This SDK does the same without a recipe: multitenancy needs no configuration and
//! serves no route of its own, and the other recipes need the tenants' configuration anyway
//! (node checks a tenant's first factors before every sign-in and sign-up), so it lives here,
//! in the SDK crate, next to the [`Querier`].
//!
//! * The app is the connection URI's: `http://core:3567/appid-shop` makes every core call of
//!   the SDK (JWKS included) go to app `shop`; without `/appid-…` it is the `public` app.
//! * node's `Multitenancy` functions: [`create_or_update_tenant`], [`get_tenant`],
//!   [`list_all_tenants`], [`delete_tenant`], [`associate_user_to_tenant`],
//!   [`disassociate_user_from_tenant`]. They take the wire types of
//!   [`supertokens_cdi::multitenancy`] ([`TenantInput`], [`TenantConfig`]). Creating apps
//!   is not among them (node has no such function either): it is an operator's task, done
//!   through the core's CDI (`PUT /recipe/multitenancy/app/v2`).
//! * [`login_methods`] computes the `loginmethods` answer from the core's tenant
//!   configuration and the first factors of the recipes in the list
//!   ([`Recipe::first_factors`](crate::Recipe::first_factors)); each recipe that offers a
//!   first factor serves the route by calling it (when two do, the router picks the first;
//!   both give the same answer). The answer is flat, as node sends it and web-js reads it
//!   (the FDI 4.0 YAML nests it under `recipes`, which no SDK does). The tenant comes from
//!   the path (`/auth/<tenant>/loginmethods`), which is where web-js puts it, or, when the
//!   path names none, from a `tenantId` query parameter ([`login_methods_tenant`]; node
//!   ignores the parameter).
//! * [`check_first_factors`] is node's `isValidFirstFactor`, which the recipes' sign-in and
//!   sign-up routes call before doing anything.

use serde::{Deserialize, Serialize};
use supertokens_cdi::multitenancy::{
    AssociateUserResponse, CreateOrUpdateResponse, CreateOrUpdateTenantRequest,
    DisassociateUserResponse, ListTenantsResponse, RemoveResponse, RemoveTenantRequest,
    TenantConfigResponse, TenantUserRequest,
};
pub use supertokens_cdi::multitenancy::{TenantConfig, TenantInput, ThirdPartyConfig};

use crate::error::{Result, SessionError, SuperTokensError};
use crate::http_types::SdkRequest;
use crate::querier::Querier;
use crate::{PUBLIC_TENANT, SuperTokens};

/// The recipe id the core's multitenancy endpoints expect in `rid`.
const RID: Option<&str> = Some("multitenancy");

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

/// `/<tenant_id><path>`, once the tenant id is known to be safe in a path: 1 to 64 ASCII
/// letters, digits and `-` (the core's tenant ids are `[a-z0-9-]`, case-insensitive).
pub fn tenant_path(tenant_id: &str, path: &str) -> Result<String> {
    if is_valid_tenant_id(tenant_id) {
        Ok(format!("/{tenant_id}{path}"))
    } else {
        Err(SuperTokensError::BadInput(format!(
            "invalid tenant id {tenant_id:?}: use letters, digits and -"
        )))
    }
}

/// The core's configuration of a tenant of the querier's app; `None` when the tenant does
/// not exist (`GET /<tenant>/recipe/multitenancy/tenant/v2`).
pub async fn tenant_config(querier: &Querier, tenant_id: &str) -> Result<Option<TenantConfig>> {
    let path = tenant_path(tenant_id, "/recipe/multitenancy/tenant/v2")?;
    Ok(
        match querier.get::<TenantConfigResponse>(&path, &[], RID).await? {
            TenantConfigResponse::Ok {
                tenant_id,
                third_party,
                first_factors,
                required_secondary_factors,
                core_config,
            } => Some(TenantConfig {
                tenant_id,
                third_party,
                first_factors,
                required_secondary_factors,
                core_config,
            }),
            TenantConfigResponse::TenantNotFoundError => None,
        },
    )
}

/// Creates a tenant in the app, or updates it; `true` when it was created.
///
/// Fields of `config` left `None` keep their stored value (for a new tenant: no first
/// factor, no secondary factor, no override); `Some(None)` unsets a factor list (first
/// factors: every method the SDK has); `core_config` is merged into the stored overrides,
/// a `null` value removing one. The core refuses (400) unknown configuration keys and
/// factor lists it cannot accept.
pub async fn create_or_update_tenant(
    supertokens: &SuperTokens,
    tenant_id: &str,
    config: TenantInput,
) -> Result<bool> {
    tenant_path(tenant_id, "")?;
    let body = CreateOrUpdateTenantRequest {
        tenant_id: tenant_id.to_owned(),
        config,
    };
    let CreateOrUpdateResponse::Ok { created_new } = supertokens
        .querier()
        .put("/recipe/multitenancy/tenant/v2", &body, RID)
        .await?;
    Ok(created_new)
}

/// Deletes a tenant with its data (its users stay in the app); `true` when it existed.
/// The `public` tenant cannot be deleted (the core answers 403).
pub async fn delete_tenant(supertokens: &SuperTokens, tenant_id: &str) -> Result<bool> {
    tenant_path(tenant_id, "")?;
    let body = RemoveTenantRequest {
        tenant_id: tenant_id.to_owned(),
    };
    let RemoveResponse::Ok { did_exist } = supertokens
        .querier()
        .post("/recipe/multitenancy/tenant/remove", &body, RID)
        .await?;
    Ok(did_exist)
}

/// A tenant's configuration; `None` when the app has no such tenant.
pub async fn get_tenant(
    supertokens: &SuperTokens,
    tenant_id: &str,
) -> Result<Option<TenantConfig>> {
    tenant_config(supertokens.querier(), tenant_id).await
}

/// Every tenant of the app, `public` first.
pub async fn list_all_tenants(supertokens: &SuperTokens) -> Result<Vec<TenantConfig>> {
    let ListTenantsResponse::Ok { tenants } = supertokens
        .querier()
        .get("/recipe/multitenancy/tenant/list/v2", &[], RID)
        .await?;
    Ok(tenants)
}

/// Outcome of [`associate_user_to_tenant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssociateUserToTenantResult {
    /// The user is in the tenant now.
    Ok {
        /// Whether it was already.
        was_already_associated: bool,
    },
    /// The app has no user with this id.
    UnknownUserIdError,
    /// Another user of the same login method in the tenant has the user's email.
    EmailAlreadyExistsError,
    /// Another user of the same login method in the tenant has the user's phone number.
    PhoneNumberAlreadyExistsError,
    /// Another third-party user in the tenant has the user's provider id.
    ThirdPartyUserAlreadyExistsError,
    /// Account linking forbids it.
    AssociationNotAllowedError {
        /// Why.
        reason: String,
    },
}

/// Adds a recipe user to a tenant of its app, so that it can sign in there.
pub async fn associate_user_to_tenant(
    supertokens: &SuperTokens,
    tenant_id: &str,
    recipe_user_id: &str,
) -> Result<AssociateUserToTenantResult> {
    let path = tenant_path(tenant_id, "/recipe/multitenancy/tenant/user")?;
    let body = TenantUserRequest {
        recipe_user_id: recipe_user_id.to_owned(),
    };
    Ok(match supertokens.querier().post(&path, &body, RID).await? {
        AssociateUserResponse::Ok {
            was_already_associated,
        } => AssociateUserToTenantResult::Ok {
            was_already_associated,
        },
        AssociateUserResponse::UnknownUserIdError => {
            AssociateUserToTenantResult::UnknownUserIdError
        }
        AssociateUserResponse::EmailAlreadyExistsError => {
            AssociateUserToTenantResult::EmailAlreadyExistsError
        }
        AssociateUserResponse::PhoneNumberAlreadyExistsError => {
            AssociateUserToTenantResult::PhoneNumberAlreadyExistsError
        }
        AssociateUserResponse::ThirdPartyUserAlreadyExistsError => {
            AssociateUserToTenantResult::ThirdPartyUserAlreadyExistsError
        }
        AssociateUserResponse::AssociationNotAllowedError { reason } => {
            AssociateUserToTenantResult::AssociationNotAllowedError { reason }
        }
    })
}

/// Removes a recipe user from a tenant (it stays in the app, possibly in no tenant);
/// `true` when it was in the tenant.
pub async fn disassociate_user_from_tenant(
    supertokens: &SuperTokens,
    tenant_id: &str,
    recipe_user_id: &str,
) -> Result<bool> {
    let path = tenant_path(tenant_id, "/recipe/multitenancy/tenant/user/remove")?;
    let body = TenantUserRequest {
        recipe_user_id: recipe_user_id.to_owned(),
    };
    let DisassociateUserResponse::Ok { was_associated } =
        supertokens.querier().post(&path, &body, RID).await?;
    Ok(was_associated)
}

/// The tenant a `loginmethods` request asks about: the one in the path
/// (`/auth/<tenantId>/loginmethods`, what web-js sends), else a `?tenantId=` query parameter
/// (accepted for clients that put it there), else `public`.
pub fn login_methods_tenant(path_tenant: &str, request: &SdkRequest) -> Result<String> {
    if path_tenant != PUBLIC_TENANT {
        return Ok(path_tenant.to_owned());
    }
    match request.query_param("tenantId") {
        None => Ok(PUBLIC_TENANT.to_owned()),
        Some(tenant) if is_valid_tenant_id(&tenant) => Ok(tenant.to_lowercase()),
        Some(tenant) => Err(SuperTokensError::BadInput(format!(
            "invalid tenantId {tenant:?}: use letters, digits and -"
        ))),
    }
}

/// Tenant ids the core accepts: 1 to 64 letters, digits and `-`.
fn is_valid_tenant_id(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant.len() <= 64
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Computes the login methods of a tenant as supertokens-node does.
///
/// The first factors are the core's list when the tenant sets one, otherwise every factor the
/// recipes provide. A listed factor is kept when a recipe provides it or when it is not one of
/// SuperTokens' own ids (a custom factor). An unknown tenant is the client's mistake (400
/// `Tenant not found: <tenantId>`; node answers 500).
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
        .ok_or_else(|| tenant_not_found(tenant_id))?;
    let available = supertokens.available_first_factors();
    Ok(compute_login_methods(config.first_factors, &available))
}

/// The failure for a tenant the core does not know: the client's mistake (400 `Tenant not
/// found: <tenantId>`; node answers 500), except for `public`, which every app has (the
/// app itself is missing then: a server error).
fn tenant_not_found(tenant_id: &str) -> SuperTokensError {
    let message = format!("Tenant not found: {tenant_id}");
    if tenant_id.eq_ignore_ascii_case(PUBLIC_TENANT) {
        SuperTokensError::Internal(message)
    } else {
        SuperTokensError::BadInput(message)
    }
}

/// Which of a recipe's factors a tenant accepts as first factors (node's `isValidFirstFactor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstFactorCheck {
    /// These of the candidates are accepted (never empty).
    Valid(Vec<&'static str>),
    /// The tenant accepts none of them.
    NoneValid,
    /// The core does not know the tenant.
    TenantNotFound,
}

impl FirstFactorCheck {
    /// The accepted factors, or node's failure: 401 `unauthorised` when the tenant accepts
    /// none of them (a session would be needed to use them as secondary factors, which this
    /// SDK does not offer); 400 `Tenant not found: <tenantId>` when the tenant does not exist
    /// (node answers 500).
    pub fn into_result(self, tenant_id: &str) -> Result<Vec<&'static str>> {
        match self {
            Self::Valid(valid) => Ok(valid),
            Self::NoneValid => Err(SessionError::Unauthorised {
                message: "A valid session is required to authenticate with secondary factors"
                    .into(),
                clear_tokens: true,
            }
            .into()),
            Self::TenantNotFound => Err(tenant_not_found(tenant_id)),
        }
    }
}

/// Checks `candidates` (factors the calling recipe provides) against the tenant's first
/// factors in the core: all are accepted when the tenant sets no list, otherwise those it
/// lists. node makes this check before every sign-in or sign-up.
pub async fn check_first_factors(
    supertokens: &SuperTokens,
    tenant_id: &str,
    candidates: &[&'static str],
) -> Result<FirstFactorCheck> {
    let Some(config) = tenant_config(supertokens.querier(), tenant_id).await? else {
        return Ok(FirstFactorCheck::TenantNotFound);
    };
    Ok(filter_first_factors(
        config.first_factors.as_deref(),
        candidates,
    ))
}

/// The pure part of [`check_first_factors`].
pub fn filter_first_factors(
    configured: Option<&[String]>,
    candidates: &[&'static str],
) -> FirstFactorCheck {
    let valid: Vec<&'static str> = match configured {
        None => candidates.to_vec(),
        Some(configured) => candidates
            .iter()
            .copied()
            .filter(|factor| configured.iter().any(|known| known == factor))
            .collect(),
    };
    if valid.is_empty() {
        FirstFactorCheck::NoneValid
    } else {
        FirstFactorCheck::Valid(valid)
    }
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

    #[test]
    fn login_methods_tenant_comes_from_the_path_then_the_query() {
        let request = |uri: &str| SdkRequest::new(http::Method::GET, uri, http::HeaderMap::new());
        let plain = request("/auth/loginmethods");
        let query = request("/auth/loginmethods?tenantId=Acme");
        let bad = request("/auth/loginmethods?tenantId=a%2Fb");
        assert_eq!(login_methods_tenant("public", &plain).unwrap(), "public");
        assert_eq!(login_methods_tenant("public", &query).unwrap(), "acme");
        assert_eq!(login_methods_tenant("t1", &query).unwrap(), "t1");
        assert!(matches!(
            login_methods_tenant("public", &bad),
            Err(SuperTokensError::BadInput(_))
        ));
    }
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
    fn tenant_ids_are_checked_before_they_reach_a_path() {
        assert_eq!(tenant_path("t-1", "/recipe/x").unwrap(), "/t-1/recipe/x");
        assert_eq!(tenant_path("Public", "").unwrap(), "/Public");
        for bad in ["", "a/b", "../x", "a?b", "a b", "é", &"a".repeat(65)] {
            assert!(
                matches!(tenant_path(bad, "/x"), Err(SuperTokensError::BadInput(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_unknown_tenant_is_the_clients_mistake() {
        let error = FirstFactorCheck::TenantNotFound
            .into_result("nosuchtenant")
            .unwrap_err();
        assert_eq!(
            error.client_error_message().as_deref(),
            Some("Tenant not found: nosuchtenant")
        );
        // Every app has `public`: without it, the app of the connection URI is missing.
        let error = FirstFactorCheck::TenantNotFound
            .into_result("public")
            .unwrap_err();
        assert!(matches!(error, SuperTokensError::Internal(_)), "{error:?}");
    }

    #[test]
    fn first_factor_checks() {
        let candidates = ["otp-email", "link-email"];
        assert_eq!(
            filter_first_factors(None, &candidates),
            FirstFactorCheck::Valid(vec!["otp-email", "link-email"])
        );
        let configured = vec!["link-email".to_owned(), "emailpassword".to_owned()];
        assert_eq!(
            filter_first_factors(Some(&configured), &candidates),
            FirstFactorCheck::Valid(vec!["link-email"])
        );
        assert_eq!(
            filter_first_factors(Some(&configured[1..]), &candidates),
            FirstFactorCheck::NoneValid
        );
        assert_eq!(
            filter_first_factors(Some(&[]), &["emailpassword"]),
            FirstFactorCheck::NoneValid
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
