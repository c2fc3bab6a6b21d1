//! The multitenancy recipe's CDI endpoints (rid `multitenancy`): apps, their tenants, and
//! which users are in which tenant.
//!
//! An app is addressed by the path prefix `/appid-<appId>` (default `public`), a tenant by
//! the segment after it (default `public`): `/appid-a1/t1/recipe/signin`. Apps are managed
//! from the public app and tenant; an app's tenants from the app's public tenant.
//!
//! | method and path | request | response |
//! |---|---|---|
//! | `PUT /recipe/multitenancy/app/v2` | [`CreateOrUpdateAppRequest`] | [`CreateOrUpdateResponse`] |
//! | `GET /recipe/multitenancy/app/list/v2` | — | [`ListAppsResponse`] |
//! | `POST /recipe/multitenancy/app/remove` | [`RemoveAppRequest`] | [`RemoveResponse`] |
//! | `PUT /appid-<a>/recipe/multitenancy/tenant/v2` | [`CreateOrUpdateTenantRequest`] | [`CreateOrUpdateResponse`] |
//! | `GET /appid-<a>/<t>/recipe/multitenancy/tenant/v2` | — | [`TenantConfigResponse`] |
//! | `GET /appid-<a>/recipe/multitenancy/tenant/list/v2` | — | [`ListTenantsResponse`] |
//! | `POST /appid-<a>/recipe/multitenancy/tenant/remove` | [`RemoveTenantRequest`] | [`RemoveResponse`] |
//! | `POST /appid-<a>/<t>/recipe/multitenancy/tenant/user` | [`TenantUserRequest`] | [`AssociateUserResponse`] |
//! | `POST /appid-<a>/<t>/recipe/multitenancy/tenant/user/remove` | [`TenantUserRequest`] | [`DisassociateUserResponse`] |

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// A field that may be absent (`None`: keep the stored value), `null` (`Some(None)`: unset)
/// or a value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// What `PUT …/app/v2` and `PUT …/tenant/v2` change; absent fields keep their stored value.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantInput {
    /// Login methods allowed as first factor: `null` leaves the choice to the SDK (every
    /// method it has), `[]` allows none. Factor ids: `emailpassword`, `thirdparty`,
    /// `otp-email`, `otp-phone`, `link-email`, `link-phone`, `webauthn`, … A new tenant
    /// (other than `public`) starts with `[]`.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub first_factors: Option<Option<Vec<String>>>,
    /// Factors required after the first one: `null` for none (an empty list is refused).
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<String>>))]
    pub required_secondary_factors: Option<Option<Vec<String>>>,
    /// Configuration overrides, merged into the stored ones: a key with `null` removes the
    /// override. Keys are those of the core's `config.yaml` (e.g. `access_token_validity`);
    /// unknown keys are refused with a 400 naming them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub core_config: Option<Map<String, Value>>,
}

/// Body of `PUT /recipe/multitenancy/app/v2`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateOrUpdateAppRequest {
    /// The app: `[a-z0-9-]+`, case-insensitive (stored lower-case).
    pub app_id: String,
    /// Settings of the app's public tenant; `coreConfig` holds the app's overrides.
    #[serde(flatten)]
    pub config: TenantInput,
}

/// Body of `PUT /appid-<appId>/recipe/multitenancy/tenant/v2`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateOrUpdateTenantRequest {
    /// The tenant: `[a-z0-9-]+`, case-insensitive (stored lower-case).
    pub tenant_id: String,
    /// Its settings.
    #[serde(flatten)]
    pub config: TenantInput,
}

/// Outcome of creating or updating an app or a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum CreateOrUpdateResponse {
    /// Done.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether it was created (false: updated).
        created_new: bool,
    },
}

/// Body of `POST /recipe/multitenancy/app/remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveAppRequest {
    /// The app to remove with all its data.
    pub app_id: String,
}

/// Body of `POST /appid-<appId>/recipe/multitenancy/tenant/remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveTenantRequest {
    /// The tenant to remove with its data (its users stay in the app).
    pub tenant_id: String,
}

/// Outcome of removing an app or a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum RemoveResponse {
    /// Done.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether it existed.
        did_exist: bool,
    },
}

/// Third-party provider configuration of a tenant (always empty in this core).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ThirdPartyConfig {
    /// Configured providers.
    pub providers: Vec<Value>,
}

/// A tenant's configuration, as listed and as returned by `GET …/tenant/v2`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantConfig {
    /// Tenant id.
    pub tenant_id: String,
    /// Third-party providers configured in the core.
    pub third_party: ThirdPartyConfig,
    /// Enabled first factors; absent means "as the SDK decides".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_factors: Option<Vec<String>>,
    /// Required secondary factors; absent means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_secondary_factors: Option<Vec<String>>,
    /// Configuration overrides of the tenant (for `public`: of the app).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub core_config: Map<String, Value>,
}

/// `GET /appid-<appId>/<tenantId>/recipe/multitenancy/tenant/v2` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum TenantConfigResponse {
    /// The tenant's configuration.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Tenant id.
        tenant_id: String,
        /// Third-party providers configured in the core.
        third_party: ThirdPartyConfig,
        /// Enabled first factors; absent means "as the SDK decides".
        #[serde(default, skip_serializing_if = "Option::is_none")]
        first_factors: Option<Vec<String>>,
        /// Required secondary factors; absent means none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        required_secondary_factors: Option<Vec<String>>,
        /// Configuration overrides of the tenant.
        #[cfg_attr(feature = "openapi", schema(value_type = Object))]
        core_config: Map<String, Value>,
    },
    /// No such tenant in the app.
    TenantNotFoundError,
}

impl From<TenantConfig> for TenantConfigResponse {
    fn from(config: TenantConfig) -> Self {
        Self::Ok {
            tenant_id: config.tenant_id,
            third_party: config.third_party,
            first_factors: config.first_factors,
            required_secondary_factors: config.required_secondary_factors,
            core_config: config.core_config,
        }
    }
}

/// `GET /appid-<appId>/recipe/multitenancy/tenant/list/v2` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ListTenantsResponse {
    /// Every tenant of the app, `public` first.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The tenants.
        tenants: Vec<TenantConfig>,
    },
}

/// An app with its tenants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AppWithTenants {
    /// App id.
    pub app_id: String,
    /// Its tenants, `public` first.
    pub tenants: Vec<TenantConfig>,
}

/// `GET /recipe/multitenancy/app/list/v2` outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum ListAppsResponse {
    /// Every app, `public` first.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The apps.
        apps: Vec<AppWithTenants>,
    },
}

/// Body of `POST …/tenant/user` and `POST …/tenant/user/remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TenantUserRequest {
    /// The recipe user (CDI < 4.0 sends `userId`).
    #[serde(alias = "userId")]
    pub recipe_user_id: String,
}

/// `POST /appid-<appId>/<tenantId>/recipe/multitenancy/tenant/user` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum AssociateUserResponse {
    /// The user is in the tenant.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether it was in the tenant before.
        was_already_associated: bool,
    },
    /// No user of the app has this id.
    UnknownUserIdError,
    /// Another user of the same login method in the tenant has the user's email.
    EmailAlreadyExistsError,
    /// Another user of the same login method in the tenant has the user's phone number.
    PhoneNumberAlreadyExistsError,
    /// Another third-party user in the tenant has the user's provider id (third-party
    /// users do not exist in this core, so it never answers this).
    ThirdPartyUserAlreadyExistsError,
    /// Account linking forbids it (this core has no linked accounts, so it never answers
    /// this).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    AssociationNotAllowedError {
        /// Why.
        reason: String,
    },
}

/// `POST /appid-<appId>/<tenantId>/recipe/multitenancy/tenant/user/remove` outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum DisassociateUserResponse {
    /// Done; the user stays in the app (possibly in no tenant).
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Whether the user (or what its id had in the tenant) was in the tenant.
        was_associated: bool,
    },
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn absent_null_and_values_are_told_apart() {
        let request: CreateOrUpdateTenantRequest = serde_json::from_value(json!({
            "tenantId": "t1",
            "firstFactors": null,
            "coreConfig": {"access_token_validity": 10}
        }))
        .unwrap();
        assert_eq!(request.tenant_id, "t1");
        assert_eq!(request.config.first_factors, Some(None));
        assert_eq!(request.config.required_secondary_factors, None);
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"tenantId": "t1", "firstFactors": null,
                   "coreConfig": {"access_token_validity": 10}})
        );
        let app: CreateOrUpdateAppRequest =
            serde_json::from_value(json!({"appId": "a", "firstFactors": ["emailpassword"]}))
                .unwrap();
        assert_eq!(
            app.config.first_factors,
            Some(Some(vec!["emailpassword".to_owned()]))
        );
    }

    #[test]
    fn responses_match_the_wire() {
        assert_eq!(
            serde_json::to_value(AssociateUserResponse::Ok {
                was_already_associated: true
            })
            .unwrap(),
            json!({"status": "OK", "wasAlreadyAssociated": true})
        );
        assert_eq!(
            serde_json::to_value(AssociateUserResponse::PhoneNumberAlreadyExistsError).unwrap(),
            json!({"status": "PHONE_NUMBER_ALREADY_EXISTS_ERROR"})
        );
        assert_eq!(
            serde_json::to_value(RemoveResponse::Ok { did_exist: false }).unwrap(),
            json!({"status": "OK", "didExist": false})
        );
        let tenant = TenantConfig {
            tenant_id: "public".into(),
            third_party: ThirdPartyConfig::default(),
            first_factors: None,
            required_secondary_factors: None,
            core_config: Map::new(),
        };
        assert_eq!(
            serde_json::to_value(ListAppsResponse::Ok {
                apps: vec![AppWithTenants {
                    app_id: "public".into(),
                    tenants: vec![tenant.clone()]
                }]
            })
            .unwrap(),
            json!({"status": "OK", "apps": [{"appId": "public", "tenants": [
                {"tenantId": "public", "thirdParty": {"providers": []}, "coreConfig": {}}
            ]}]})
        );
        assert_eq!(
            serde_json::to_value(TenantConfigResponse::from(tenant)).unwrap()["status"],
            "OK"
        );
        let user: TenantUserRequest = serde_json::from_value(json!({"userId": "u"})).unwrap();
        assert_eq!(user.recipe_user_id, "u");
    }
}
