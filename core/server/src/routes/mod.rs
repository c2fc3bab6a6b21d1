//! The CDI endpoints, one module per recipe. Handlers parse input, call the engine and
//! return the engine's outcome enums as JSON; failures go through [`crate::error::ApiError`].

mod emailpassword;
mod emailverification;
mod general;
mod jwt;
mod multitenancy;
mod passwordless;
mod recipe_user;
mod session;
mod usermetadata;
mod userroles;
mod users;

use axum::Router;
use axum::routing::{get, post, put};

use crate::AppState;

/// Every route, without URL prefixes (the guard strips them).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/",
            get(general::hello)
                .post(general::hello)
                .put(general::hello)
                .delete(general::hello),
        )
        .route(
            "/hello",
            get(general::hello)
                .post(general::hello)
                .put(general::hello)
                .delete(general::hello),
        )
        .route("/apiversion", get(general::api_version))
        .route("/.well-known/jwks.json", get(jwt::well_known_jwks))
        .route("/recipe/jwt", post(jwt::create_jwt))
        .route("/recipe/jwt/jwks", get(jwt::jwks))
        .route(
            "/recipe/jwt/data",
            get(session::get_jwt_data).put(session::put_jwt_data),
        )
        .route(
            "/recipe/multitenancy/tenant/v2",
            get(multitenancy::tenant_config).put(multitenancy::create_or_update_tenant),
        )
        .route(
            "/recipe/multitenancy/tenant/list/v2",
            get(multitenancy::list_tenants),
        )
        .route(
            "/recipe/multitenancy/tenant/remove",
            post(multitenancy::remove_tenant),
        )
        .route(
            "/recipe/multitenancy/tenant/user",
            post(multitenancy::associate_user),
        )
        .route(
            "/recipe/multitenancy/tenant/user/remove",
            post(multitenancy::disassociate_user),
        )
        .route(
            "/recipe/multitenancy/app/v2",
            put(multitenancy::create_or_update_app),
        )
        .route(
            "/recipe/multitenancy/app/list/v2",
            get(multitenancy::list_apps),
        )
        .route(
            "/recipe/multitenancy/app/remove",
            post(multitenancy::remove_app),
        )
        .route("/users/by-accountinfo", get(users::by_account_info))
        .route("/users", get(users::page))
        .route("/users/count", get(users::count))
        .route("/user/id", get(users::by_id))
        .route("/user/remove", post(users::remove))
        .route(
            "/recipe/user",
            get(recipe_user::get_user).put(recipe_user::update_user),
        )
        .route("/recipe/signup", post(emailpassword::sign_up))
        .route("/recipe/signin", post(emailpassword::sign_in))
        .route(
            "/recipe/user/password/reset/token",
            post(emailpassword::create_reset_token),
        )
        .route(
            "/recipe/user/password/reset/token/consume",
            post(emailpassword::consume_reset_token),
        )
        .route(
            "/recipe/user/password/reset",
            post(emailpassword::reset_password),
        )
        .route(
            "/recipe/user/passwordhash/import",
            post(emailpassword::import_password_hash),
        )
        .route("/recipe/signinup/code", post(passwordless::create_code))
        .route(
            "/recipe/signinup/code/consume",
            post(passwordless::consume_code),
        )
        .route(
            "/recipe/signinup/code/check",
            post(passwordless::check_code),
        )
        .route(
            "/recipe/signinup/code/remove",
            post(passwordless::remove_code),
        )
        .route(
            "/recipe/signinup/codes/remove",
            post(passwordless::remove_codes),
        )
        .route("/recipe/signinup/codes", get(passwordless::list_codes))
        .route(
            "/recipe/user/email/verify/token",
            post(emailverification::create_token),
        )
        .route(
            "/recipe/user/email/verify",
            post(emailverification::verify).get(emailverification::is_verified),
        )
        .route(
            "/recipe/user/email/verify/remove",
            post(emailverification::unverify),
        )
        .route(
            "/recipe/user/email/verify/token/remove",
            post(emailverification::revoke_tokens),
        )
        .route(
            "/recipe/user/metadata",
            get(usermetadata::get).put(usermetadata::update),
        )
        .route("/recipe/user/metadata/remove", post(usermetadata::remove))
        .route("/recipe/role", put(userroles::create_or_update_role))
        .route("/recipe/role/remove", post(userroles::remove_role))
        .route("/recipe/roles", get(userroles::roles))
        .route("/recipe/role/permissions", get(userroles::role_permissions))
        .route(
            "/recipe/role/permissions/remove",
            post(userroles::remove_permissions),
        )
        .route(
            "/recipe/permission/roles",
            get(userroles::roles_with_permission),
        )
        .route("/recipe/user/role", put(userroles::add_user_role))
        .route(
            "/recipe/user/role/remove",
            post(userroles::remove_user_role),
        )
        .route("/recipe/user/roles", get(userroles::roles_of_user))
        .route("/recipe/role/users", get(userroles::users_with_role))
        .route(
            "/recipe/session",
            post(session::create).get(session::details),
        )
        .route("/recipe/session/verify", post(session::verify))
        .route("/recipe/session/refresh", post(session::refresh))
        .route("/recipe/session/regenerate", post(session::regenerate))
        .route("/recipe/session/remove", post(session::remove))
        .route("/recipe/session/user", get(session::handles_of_user))
        .route(
            "/recipe/session/data",
            get(session::get_session_data).put(session::put_session_data),
        )
}

/// A required query parameter, or a 400 naming it.
pub(crate) fn required<'a>(
    name: &str,
    value: &'a Option<String>,
) -> Result<&'a str, crate::error::ApiError> {
    value.as_deref().ok_or_else(|| {
        crate::error::ApiError::bad_request(format!(
            "Field name '{name}' is missing in GET request"
        ))
    })
}
