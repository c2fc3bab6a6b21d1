//! The `st-role` and `st-perm` session claims.
//!
//! [`UserRoleClaim`] and [`PermissionClaim`] are handles: their validators
//! (`UserRoleClaim::includes("admin")`, …) can be written anywhere, before `init`, and fetch
//! through the claims this recipe registers with the session recipe of the SDK instance that
//! verifies the session. Values are arrays of strings, refetched when older than 5 minutes
//! ([`DEFAULT_MAX_AGE`]) as in node; roles and permissions are those of the session's tenant.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde_json::Value;
use supertokens::Result;
use supertokens::cdi::session::JsonObject;
use supertokens_session::claims::{
    ClaimFetchInput, ClaimValidator, PrimitiveArrayClaim, RegisteredClaim, SessionClaim,
};

use crate::interface::{GetPermissionsForRoleResult, UserRolesFunctions};

/// Key of the roles claim in the access token payload.
pub const USER_ROLE_CLAIM_KEY: &str = "st-role";
/// Key of the permissions claim in the access token payload.
pub const PERMISSION_CLAIM_KEY: &str = "st-perm";
/// How old a roles or permissions value may be before validators fetch it again (node's
/// `defaultMaxAgeInSeconds: 300`).
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(300);

fn strings(values: Option<Vec<Value>>) -> Option<Vec<String>> {
    values.map(|values| {
        values
            .into_iter()
            .filter_map(|value| value.as_str().map(str::to_owned))
            .collect()
    })
}

macro_rules! role_claim_handle {
    ($name:ident, $key:expr, $what:literal, $item:literal) => {
        impl $name {
            /// The claim as a typed array claim (default max age 5 minutes).
            pub fn array() -> PrimitiveArrayClaim {
                PrimitiveArrayClaim::registered($key).with_default_max_age(Some(DEFAULT_MAX_AGE))
            }

            #[doc = concat!("Requires the session's ", $what, " to include `", $item, "`.")]
            pub fn includes(value: impl Into<String>) -> ClaimValidator {
                Self::array().includes(value.into())
            }

            #[doc = concat!("Requires the session's ", $what, " not to include `", $item, "`.")]
            pub fn excludes(value: impl Into<String>) -> ClaimValidator {
                Self::array().excludes(value.into())
            }

            #[doc = concat!("Requires the session's ", $what, " to include all of them.")]
            pub fn includes_all<I, S>(values: I) -> ClaimValidator
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                Self::array().includes_all(values.into_iter().map(Into::into))
            }

            #[doc = concat!("Requires the session's ", $what, " to include at least one of them.")]
            pub fn includes_any<I, S>(values: I) -> ClaimValidator
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                Self::array().includes_any(values.into_iter().map(Into::into))
            }

            #[doc = concat!("Requires the session's ", $what, " to include none of them.")]
            pub fn excludes_all<I, S>(values: I) -> ClaimValidator
            where
                I: IntoIterator<Item = S>,
                S: Into<String>,
            {
                Self::array().excludes_all(values.into_iter().map(Into::into))
            }

            #[doc = concat!("The ", $what, " in an access token payload.")]
            pub fn get_value(payload: &JsonObject) -> Option<Vec<String>> {
                strings(Self::array().get_value(payload))
            }
        }

        #[async_trait]
        impl SessionClaim for $name {
            fn key(&self) -> &str {
                $key
            }

            async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
                RegisteredClaim::new($key).fetch_value(input).await
            }

            fn resolves_through_registry(&self) -> bool {
                true
            }
        }
    };
}

/// The `st-role` claim: the user's roles in the session's tenant. Pass it to
/// `SessionContainer::fetch_and_set_claim(&UserRoleClaim)` after changing a user's roles;
/// use its validators in `VerifySessionOptions`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserRoleClaim;

role_claim_handle!(UserRoleClaim, USER_ROLE_CLAIM_KEY, "roles", "role");

/// The `st-perm` claim: the permissions of the user's roles in the session's tenant
/// (without repeats, in the order first seen).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PermissionClaim;

role_claim_handle!(
    PermissionClaim,
    PERMISSION_CLAIM_KEY,
    "permissions",
    "permission"
);

/// What the recipe registers for `st-role`: the roles, through the recipe's functions.
pub(crate) struct RolesClaim {
    pub(crate) functions: Arc<dyn UserRolesFunctions>,
}

#[async_trait]
impl SessionClaim for RolesClaim {
    fn key(&self) -> &str {
        USER_ROLE_CLAIM_KEY
    }

    async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
        let roles = self
            .functions
            .get_roles_for_user(input.tenant_id, input.user_id)
            .await?;
        Ok(Some(Value::from(roles)))
    }
}

/// What the recipe registers for `st-perm`: the permissions of the roles.
pub(crate) struct PermissionsClaim {
    pub(crate) functions: Arc<dyn UserRolesFunctions>,
}

#[async_trait]
impl SessionClaim for PermissionsClaim {
    fn key(&self) -> &str {
        PERMISSION_CLAIM_KEY
    }

    async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
        // The roles are fetched again: the roles claim may not be in the payload.
        let roles = self
            .functions
            .get_roles_for_user(input.tenant_id, input.user_id)
            .await?;
        let mut permissions: Vec<String> = Vec::new();
        for role in roles {
            // A role deleted meanwhile has no permissions.
            if let GetPermissionsForRoleResult::Ok {
                permissions: of_role,
            } = self.functions.get_permissions_for_role(&role).await?
            {
                for permission in of_role {
                    if !permissions.contains(&permission) {
                        permissions.push(permission);
                    }
                }
            }
        }
        Ok(Some(Value::from(permissions)))
    }
}
