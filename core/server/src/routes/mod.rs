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
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Every route, without URL prefixes (the guard strips them).
pub(crate) fn routes() -> Router<AppState> {
    documented_routes().into()
}

/// Every route with its OpenAPI operation: registering a handler here both serves it and
/// documents it, so the router and `core/openapi.json` cannot drift apart.
pub(crate) fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(general::root))
        .routes(routes!(general::hello))
        .routes(routes!(general::api_version))
        .routes(routes!(crate::openapi::serve_document))
        .routes(routes!(jwt::well_known_jwks))
        .routes(routes!(jwt::create_jwt))
        .routes(routes!(jwt::jwks))
        .routes(routes!(session::get_jwt_data, session::put_jwt_data))
        .routes(routes!(
            multitenancy::tenant_config,
            multitenancy::create_or_update_tenant
        ))
        .routes(routes!(multitenancy::list_tenants))
        .routes(routes!(multitenancy::remove_tenant))
        .routes(routes!(multitenancy::associate_user))
        .routes(routes!(multitenancy::disassociate_user))
        .routes(routes!(multitenancy::create_or_update_app))
        .routes(routes!(multitenancy::list_apps))
        .routes(routes!(multitenancy::remove_app))
        .routes(routes!(users::by_account_info))
        .routes(routes!(users::page))
        .routes(routes!(users::count))
        .routes(routes!(users::by_id))
        .routes(routes!(users::remove))
        .routes(routes!(recipe_user::get_user, recipe_user::update_user))
        .routes(routes!(emailpassword::sign_up))
        .routes(routes!(emailpassword::sign_in))
        .routes(routes!(emailpassword::create_reset_token))
        .routes(routes!(emailpassword::consume_reset_token))
        .routes(routes!(emailpassword::reset_password))
        .routes(routes!(emailpassword::import_password_hash))
        .routes(routes!(passwordless::create_code))
        .routes(routes!(passwordless::consume_code))
        .routes(routes!(passwordless::check_code))
        .routes(routes!(passwordless::remove_code))
        .routes(routes!(passwordless::remove_codes))
        .routes(routes!(passwordless::list_codes))
        .routes(routes!(emailverification::create_token))
        .routes(routes!(
            emailverification::verify,
            emailverification::is_verified
        ))
        .routes(routes!(emailverification::unverify))
        .routes(routes!(emailverification::revoke_tokens))
        .routes(routes!(usermetadata::get, usermetadata::update))
        .routes(routes!(usermetadata::remove))
        .routes(routes!(userroles::create_or_update_role))
        .routes(routes!(userroles::remove_role))
        .routes(routes!(userroles::roles))
        .routes(routes!(userroles::role_permissions))
        .routes(routes!(userroles::remove_permissions))
        .routes(routes!(userroles::roles_with_permission))
        .routes(routes!(userroles::add_user_role))
        .routes(routes!(userroles::remove_user_role))
        .routes(routes!(userroles::roles_of_user))
        .routes(routes!(userroles::users_with_role))
        .routes(routes!(session::create, session::details))
        .routes(routes!(session::verify))
        .routes(routes!(session::refresh))
        .routes(routes!(session::regenerate))
        .routes(routes!(session::remove))
        .routes(routes!(session::handles_of_user))
        .routes(routes!(
            session::get_session_data,
            session::put_session_data
        ))
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
