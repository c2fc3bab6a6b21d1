//! The user roles recipe: roles with permissions, given to users per tenant, and carried in
//! sessions as the `st-role` and `st-perm` claims that routes check (node's `UserRoles`).
//!
//! ```no_run
//! # async fn demo() -> supertokens::Result<()> {
//! use supertokens_session::{SessionConfig, VerifySessionOptions};
//! use supertokens_userroles::{PermissionClaim, UserRoleClaim, UserRolesConfig};
//! let st = supertokens::init(supertokens::SuperTokensConfig {
//!     app_info: supertokens::AppInfo {
//!         app_name: "Demo".into(),
//!         api_domain: "http://localhost:3001".into(),
//!         website_domain: "http://localhost:3000".into(),
//!         api_base_path: None,
//!         website_base_path: None,
//!     },
//!     connection_uri: "http://localhost:3567".into(),
//!     api_key: None,
//!     rate_limits: supertokens::RateLimitConfig::default(),
//!     recipe_list: vec![
//!         supertokens_session::init(SessionConfig::default()),
//!         supertokens_userroles::init(UserRolesConfig::default()),
//!     ],
//! })?;
//! supertokens_userroles::create_new_role_or_add_permissions(&st, "admin", &["users:write"]).await?;
//! supertokens_userroles::add_role_to_user(&st, "public", "user-id", "admin").await?;
//! // For a protected route (axum or actix `verify_session`):
//! let admins_only = VerifySessionOptions::default()
//!     .with_extra_claim_validator(UserRoleClaim::includes("admin"))
//!     .with_extra_claim_validator(PermissionClaim::includes("users:write"));
//! # let _ = admins_only; Ok(()) }
//! ```
//!
//! # Claims
//!
//! New sessions get `{"st-role": {"v": [roles…], "t": <ms>}, "st-perm": {"v": [permissions…],
//! "t": <ms>}}` in their access token (leave either out with
//! [`UserRolesConfig::skip_adding_roles_to_access_token`] /
//! [`UserRolesConfig::skip_adding_permissions_to_access_token`]). Validators built from
//! [`UserRoleClaim`] and [`PermissionClaim`] (`includes`, `excludes`, `includes_all`,
//! `includes_any`, `excludes_all`) fetch the value again when it is missing or older than 5
//! minutes (change with `.with_max_age(..)`), and fail with 403
//! `{"message":"invalid claim","claimValidationErrors":[{"id":"st-role","reason":{"message":"wrong value","expectedToInclude":"admin","actualValue":[…]}}]}`.
//!
//! Changing a user's roles does not change the sessions they have: call
//! `session.fetch_and_set_claim(&UserRoleClaim)` (and `&PermissionClaim`) in a request of
//! that session, or
//! `SessionRecipe::fetch_and_set_claim(handle, &UserRoleClaim)` offline, or let the max
//! age run out.
//!
//! The recipe serves no FDI routes (node's neither) and needs the session recipe in
//! `recipe_list` for its claims.

pub mod claims;
pub mod config;
pub mod implementation;
pub mod interface;
pub mod recipe;

use std::sync::Arc;

use supertokens::{Result, SuperTokens};

pub use crate::claims::{
    DEFAULT_MAX_AGE, PERMISSION_CLAIM_KEY, PermissionClaim, USER_ROLE_CLAIM_KEY, UserRoleClaim,
};
pub use crate::config::{FunctionsOverride, UserRolesConfig};
pub use crate::interface::{
    AddRoleToUserResult, GetPermissionsForRoleResult, GetUsersThatHaveRoleResult,
    RemovePermissionsFromRoleResult, RemoveUserRoleResult, UserRolesFunctions,
};
pub use crate::recipe::{UserRolesRecipe, init};

/// The recipe id (`rid`).
pub const RECIPE_ID: &str = "userroles";

/// The user roles recipe of an initialised SDK.
pub fn recipe(supertokens: &SuperTokens) -> Result<Arc<UserRolesRecipe>> {
    UserRolesRecipe::from_supertokens(supertokens)
}

fn owned(values: &[&str]) -> Vec<String> {
    values.iter().map(|value| (*value).to_owned()).collect()
}

/// Gives a user a role in a tenant; `UnknownRoleError` when the role does not exist.
pub async fn add_role_to_user(
    supertokens: &SuperTokens,
    tenant_id: &str,
    user_id: &str,
    role: &str,
) -> Result<AddRoleToUserResult> {
    recipe(supertokens)?
        .functions()
        .add_role_to_user(tenant_id, user_id, role)
        .await
}

/// Takes a role from a user in a tenant.
pub async fn remove_user_role(
    supertokens: &SuperTokens,
    tenant_id: &str,
    user_id: &str,
    role: &str,
) -> Result<RemoveUserRoleResult> {
    recipe(supertokens)?
        .functions()
        .remove_user_role(tenant_id, user_id, role)
        .await
}

/// A user's roles in a tenant.
pub async fn get_roles_for_user(
    supertokens: &SuperTokens,
    tenant_id: &str,
    user_id: &str,
) -> Result<Vec<String>> {
    recipe(supertokens)?
        .functions()
        .get_roles_for_user(tenant_id, user_id)
        .await
}

/// The users with a role in a tenant.
pub async fn get_users_that_have_role(
    supertokens: &SuperTokens,
    tenant_id: &str,
    role: &str,
) -> Result<GetUsersThatHaveRoleResult> {
    recipe(supertokens)?
        .functions()
        .get_users_that_have_role(tenant_id, role)
        .await
}

/// Creates a role with these permissions, or adds them to the existing role; whether the
/// role was created.
pub async fn create_new_role_or_add_permissions(
    supertokens: &SuperTokens,
    role: &str,
    permissions: &[&str],
) -> Result<bool> {
    recipe(supertokens)?
        .functions()
        .create_new_role_or_add_permissions(role, owned(permissions))
        .await
}

/// A role's permissions.
pub async fn get_permissions_for_role(
    supertokens: &SuperTokens,
    role: &str,
) -> Result<GetPermissionsForRoleResult> {
    recipe(supertokens)?
        .functions()
        .get_permissions_for_role(role)
        .await
}

/// Removes permissions from a role (all of them when `permissions` is `None`).
pub async fn remove_permissions_from_role(
    supertokens: &SuperTokens,
    role: &str,
    permissions: Option<&[&str]>,
) -> Result<RemovePermissionsFromRoleResult> {
    recipe(supertokens)?
        .functions()
        .remove_permissions_from_role(role, permissions.map(owned))
        .await
}

/// The roles that have a permission.
pub async fn get_roles_that_have_permission(
    supertokens: &SuperTokens,
    permission: &str,
) -> Result<Vec<String>> {
    recipe(supertokens)?
        .functions()
        .get_roles_that_have_permission(permission)
        .await
}

/// Deletes a role (its permissions and every user's assignment of it); whether it existed.
pub async fn delete_role(supertokens: &SuperTokens, role: &str) -> Result<bool> {
    recipe(supertokens)?.functions().delete_role(role).await
}

/// Every role of the app.
pub async fn get_all_roles(supertokens: &SuperTokens) -> Result<Vec<String>> {
    recipe(supertokens)?.functions().get_all_roles().await
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use async_trait::async_trait;
    use serde_json::json;
    use supertokens::cdi::session::JsonObject;
    use supertokens_session::claims::{ClaimFetchInput, SessionClaim, SessionClaimValidator};
    use supertokens_session::{ClaimRegistry, SessionConfig};

    use super::*;

    /// Fixed roles, as an override of the functions.
    struct Fixed;

    #[async_trait]
    impl UserRolesFunctions for Fixed {
        async fn add_role_to_user(&self, _: &str, _: &str, _: &str) -> Result<AddRoleToUserResult> {
            Ok(AddRoleToUserResult::UnknownRoleError)
        }
        async fn remove_user_role(
            &self,
            _: &str,
            _: &str,
            _: &str,
        ) -> Result<RemoveUserRoleResult> {
            Ok(RemoveUserRoleResult::UnknownRoleError)
        }
        async fn get_roles_for_user(&self, tenant_id: &str, user_id: &str) -> Result<Vec<String>> {
            Ok(if tenant_id == "public" && user_id == "u1" {
                vec!["admin".into(), "editor".into(), "gone".into()]
            } else {
                Vec::new()
            })
        }
        async fn get_users_that_have_role(
            &self,
            _: &str,
            _: &str,
        ) -> Result<GetUsersThatHaveRoleResult> {
            Ok(GetUsersThatHaveRoleResult::UnknownRoleError)
        }
        async fn create_new_role_or_add_permissions(
            &self,
            _: &str,
            _: Vec<String>,
        ) -> Result<bool> {
            Ok(true)
        }
        async fn get_permissions_for_role(
            &self,
            role: &str,
        ) -> Result<GetPermissionsForRoleResult> {
            let table: BTreeMap<&str, Vec<&str>> = [
                ("admin", vec!["read", "write"]),
                ("editor", vec!["write", "publish"]),
            ]
            .into_iter()
            .collect();
            Ok(match table.get(role) {
                Some(permissions) => GetPermissionsForRoleResult::Ok {
                    permissions: owned(permissions),
                },
                None => GetPermissionsForRoleResult::UnknownRoleError,
            })
        }
        async fn remove_permissions_from_role(
            &self,
            _: &str,
            _: Option<Vec<String>>,
        ) -> Result<RemovePermissionsFromRoleResult> {
            Ok(RemovePermissionsFromRoleResult::Ok)
        }
        async fn get_roles_that_have_permission(&self, _: &str) -> Result<Vec<String>> {
            Ok(Vec::new())
        }
        async fn delete_role(&self, _: &str) -> Result<bool> {
            Ok(false)
        }
        async fn get_all_roles(&self) -> Result<Vec<String>> {
            Ok(vec!["admin".into()])
        }
    }

    fn sdk(config: &UserRolesConfig) -> Arc<SuperTokens> {
        supertokens::init(supertokens::SuperTokensConfig {
            app_info: supertokens::AppInfo {
                app_name: "t".into(),
                api_domain: "http://localhost:3001".into(),
                website_domain: "http://localhost:3000".into(),
                api_base_path: None,
                website_base_path: None,
            },
            connection_uri: "http://127.0.0.1:1".into(),
            api_key: None,
            rate_limits: supertokens::RateLimitConfig::default(),
            // The roles recipe first: the order does not matter.
            recipe_list: vec![
                init(UserRolesConfig {
                    override_functions: Some(Arc::new(|_| Arc::new(Fixed))),
                    skip_adding_roles_to_access_token: config.skip_adding_roles_to_access_token,
                    skip_adding_permissions_to_access_token: config
                        .skip_adding_permissions_to_access_token,
                }),
                supertokens_session::init(SessionConfig::default()),
            ],
        })
        .unwrap()
    }

    #[tokio::test]
    async fn claims_reach_the_session_recipe_in_any_order() {
        let st = sdk(&UserRolesConfig::default());
        let registry = st.shared::<ClaimRegistry>().unwrap();
        let keys: Vec<String> = registry
            .claims_for_new_sessions()
            .iter()
            .map(|claim| claim.key().to_owned())
            .collect();
        assert_eq!(keys, [USER_ROLE_CLAIM_KEY, PERMISSION_CLAIM_KEY]);
        let payload = JsonObject::new();
        let input = ClaimFetchInput::new("u1", "u1", "public", &payload, &registry);
        // Through the handles, as validators fetch.
        assert_eq!(
            UserRoleClaim.fetch_value(&input).await.unwrap(),
            Some(json!(["admin", "editor", "gone"]))
        );
        // Permissions of every role, without repeats, in the order first seen; unknown
        // roles have none.
        assert_eq!(
            PermissionClaim.fetch_value(&input).await.unwrap(),
            Some(json!(["read", "write", "publish"]))
        );
        let other = ClaimFetchInput::new("u1", "u1", "t1", &payload, &registry);
        assert_eq!(
            UserRoleClaim.fetch_value(&other).await.unwrap(),
            Some(json!([]))
        );
        assert_eq!(get_all_roles(&st).await.unwrap(), ["admin"]);
        assert!(
            create_new_role_or_add_permissions(&st, "x", &["p"])
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn skipped_claims_stay_fetchable() {
        let st = sdk(&UserRolesConfig {
            skip_adding_roles_to_access_token: true,
            skip_adding_permissions_to_access_token: true,
            override_functions: None,
        });
        let registry = st.shared::<ClaimRegistry>().unwrap();
        assert!(registry.claims_for_new_sessions().is_empty());
        let payload = JsonObject::new();
        let input = ClaimFetchInput::new("u1", "u1", "public", &payload, &registry);
        assert!(UserRoleClaim.fetch_value(&input).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn validators_have_node_ids_and_reasons() {
        let validator = UserRoleClaim::includes("admin");
        assert_eq!(SessionClaimValidator::id(&validator), "st-role");
        assert_eq!(validator.max_age(), Some(DEFAULT_MAX_AGE));
        let mut payload = JsonObject::new();
        payload.insert("st-perm".into(), json!({"v": ["read"], "t": 1_000}));
        assert_eq!(
            PermissionClaim::includes_all(["read", "write"]).check(&payload, 2_000),
            Err(
                json!({"message": "wrong value", "expectedToInclude": ["read", "write"], "actualValue": ["read"]})
            )
        );
        assert_eq!(
            PermissionClaim::excludes("write").check(&payload, 2_000),
            Ok(())
        );
        assert_eq!(
            PermissionClaim::includes_any(["x", "read"]).check(&payload, 2_000),
            Ok(())
        );
        assert!(
            PermissionClaim::excludes_all(["read"])
                .check(&payload, 2_000)
                .is_err()
        );
        assert_eq!(
            PermissionClaim::get_value(&payload),
            Some(vec!["read".to_owned()])
        );
        assert_eq!(UserRoleClaim::get_value(&payload), None);
        assert_eq!(
            UserRoleClaim::excludes("admin").check(&payload, 2_000),
            Err(json!({"message": "value does not exist", "expectedToNotInclude": "admin"}))
        );
        // Roles are fetched again after five minutes.
        payload.insert("st-role".into(), json!({"v": ["admin"], "t": 0}));
        assert!(!validator.needs_refetch(&payload, 300_000));
        assert!(validator.needs_refetch(&payload, 300_001));
    }
}
