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
use axum::routing::MethodRouter;
use utoipa_axum::PathItemExt as _;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;

/// Adds `handler` (a function of `module` with a `#[utoipa::path]` attribute) to the
/// [`MethodRouter`] `router` for the methods its attribute names; evaluates to the path it
/// documents. Builds no OpenAPI operation.
macro_rules! add_route {
    ($router:ident, $module:ident, $handler:ident) => {{
        use utoipa::Path as _;
        utoipa_axum::paste! {
            for method in $module::[<__path_ $handler>]::methods() {
                $router = $router.on(method.to_method_filter(), $module::$handler);
            }
            $module::[<__path_ $handler>]::path()
        }
    }};
}

/// Defines [`routes`] and [`documented_routes`] from one table: each entry is a module and
/// the handlers of one path in it.
macro_rules! route_table {
    ($([$($module:ident)::+ : $($handler:ident),+ $(,)?]),+ $(,)?) => {
        /// Every route, without URL prefixes (the guard strips them). Unlike
        /// [`documented_routes`], it builds no OpenAPI document: at startup that took
        /// 3.7 MB of heap and paged in the code that describes every schema.
        pub(crate) fn routes() -> Router<AppState> {
            let mut routes = Router::new();
            $({
                use $($module)::+ as handlers;
                let mut methods = MethodRouter::new();
                // The handlers of an entry share its path.
                let [path, ..] = [$( add_route!(methods, handlers, $handler) ),+];
                routes = routes.route(&path, methods);
            })+
            routes
        }

        /// Every route with its OpenAPI operation: a handler listed in the table is both
        /// served and documented, so the router and `core/openapi.json` cannot drift apart
        /// (`router_serves_exactly_the_documented_operations` checks the two agree).
        pub(crate) fn documented_routes() -> OpenApiRouter<AppState> {
            let documented = OpenApiRouter::new();
            $(
                let documented = {
                    use $($module)::+ as handlers;
                    documented.routes(routes!($(handlers::$handler),+))
                };
            )+
            documented
        }
    };
}

route_table![
    [general: root],
    [general: hello],
    [general: api_version],
    [crate::openapi: serve_document],
    [jwt: well_known_jwks],
    [jwt: create_jwt],
    [jwt: jwks],
    [session: get_jwt_data, put_jwt_data],
    [multitenancy: tenant_config, create_or_update_tenant],
    [multitenancy: list_tenants],
    [multitenancy: remove_tenant],
    [multitenancy: associate_user],
    [multitenancy: disassociate_user],
    [multitenancy: create_or_update_app],
    [multitenancy: list_apps],
    [multitenancy: remove_app],
    [users: by_account_info],
    [users: page],
    [users: count],
    [users: by_id],
    [users: remove],
    [recipe_user: get_user, update_user],
    [emailpassword: sign_up],
    [emailpassword: sign_in],
    [emailpassword: create_reset_token],
    [emailpassword: consume_reset_token],
    [emailpassword: reset_password],
    [emailpassword: import_password_hash],
    [passwordless: create_code],
    [passwordless: consume_code],
    [passwordless: check_code],
    [passwordless: remove_code],
    [passwordless: remove_codes],
    [passwordless: list_codes],
    [emailverification: create_token],
    [emailverification: verify, is_verified],
    [emailverification: unverify],
    [emailverification: revoke_tokens],
    [usermetadata: get, update],
    [usermetadata: remove],
    [userroles: create_or_update_role],
    [userroles: remove_role],
    [userroles: roles],
    [userroles: role_permissions],
    [userroles: remove_permissions],
    [userroles: roles_with_permission],
    [userroles: add_user_role],
    [userroles: remove_user_role],
    [userroles: roles_of_user],
    [userroles: users_with_role],
    [session: create, details],
    [session: verify],
    [session: refresh],
    [session: regenerate],
    [session: remove],
    [session: handles_of_user],
    [session: get_session_data, put_session_data],
];

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
