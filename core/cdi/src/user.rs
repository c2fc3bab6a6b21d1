//! The user object of CDI ≥ 4.0 ("AuthRecipeUser") and the user-level endpoints.

use serde::{Deserialize, Serialize};

/// A user with all its login methods.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthRecipeUser {
    /// Primary user id.
    pub id: String,
    /// Whether account linking made this a primary user.
    pub is_primary_user: bool,
    /// Tenants the user belongs to.
    pub tenant_ids: Vec<String>,
    /// Epoch ms; the earliest of the login methods.
    pub time_joined: i64,
    /// Union of the login methods' emails.
    pub emails: Vec<String>,
    /// Union of the login methods' phone numbers.
    pub phone_numbers: Vec<String>,
    /// Third-party identities (always empty here).
    pub third_party: Vec<ThirdPartyIdentity>,
    /// WebAuthn credentials (always empty here).
    pub webauthn: WebauthnCredentials,
    /// Login methods, oldest first.
    pub login_methods: Vec<LoginMethod>,
}

/// A third-party identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ThirdPartyIdentity {
    /// Provider id, e.g. `google`.
    pub id: String,
    /// The user's id at the provider.
    pub user_id: String,
}

/// WebAuthn credential ids of a user or login method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebauthnCredentials {
    /// Credential ids.
    pub credential_ids: Vec<String>,
}

/// One way a user signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginMethod {
    /// `emailpassword`, `passwordless`, ...
    pub recipe_id: String,
    /// Id of this recipe user.
    pub recipe_user_id: String,
    /// Tenants of this login method.
    pub tenant_ids: Vec<String>,
    /// Whether the login method's email is verified.
    pub verified: bool,
    /// Epoch ms.
    pub time_joined: i64,
    /// Email, when the method has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Phone number, when the method has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Third-party identity, when the method has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub third_party: Option<ThirdPartyIdentity>,
}

/// `GET /user/id` and `GET /recipe/user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum GetUserResponse {
    /// Found.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The user.
        user: AuthRecipeUser,
    },
    /// No user with that id.
    UnknownUserIdError,
    /// No user with that email.
    UnknownEmailError,
    /// No user with that phone number (passwordless).
    UnknownPhoneNumberError,
}

/// `GET /users/by-accountinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum UsersResponse {
    /// The matching users.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Users, oldest first.
        users: Vec<AuthRecipeUser>,
    },
}

/// `GET /users` (paginated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum UserPageResponse {
    /// A page of users.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// The page.
        users: Vec<AuthRecipeUser>,
        /// Opaque token for the next page; absent on the last page.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        next_pagination_token: Option<String>,
    },
}

/// `GET /users/count`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "status",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
pub enum UserCountResponse {
    /// The count.
    #[cfg_attr(feature = "openapi", schema(rename_all = "camelCase"))]
    Ok {
        /// Number of users.
        count: u64,
    },
}

/// `POST /user/remove` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RemoveUserRequest {
    /// The user to delete.
    pub user_id: String,
    /// Also delete linked accounts (no account linking here, so it changes nothing).
    #[serde(default)]
    pub remove_all_linked_accounts: Option<bool>,
}
