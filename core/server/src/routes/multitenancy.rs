//! The multitenancy recipe's endpoints: apps (from the public app and tenant), tenants of an
//! app (from its public tenant), and users in tenants. The guard has already checked that the
//! app and tenant of the path exist and that app-level APIs come from the public tenant.

use axum::Json;
use axum::extract::{Extension, State};
use serde_json::Value;
use supertokens_cdi::multitenancy::{
    AssociateUserResponse, CreateOrUpdateAppRequest, CreateOrUpdateResponse,
    CreateOrUpdateTenantRequest, DisassociateUserResponse, ListAppsResponse, ListTenantsResponse,
    RemoveAppRequest, RemoveResponse, RemoveTenantRequest, TenantConfigResponse, TenantUserRequest,
};
use supertokens_core_engine::multitenancy::normalise_tenant_id;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{AppCore, JsonBody};
use crate::routing::{AppId, PUBLIC, Tenant};

/// Refuses the fields of the v1 APIs, which the v2 APIs replaced with factor lists.
fn refuse_v1_fields(body: &Value) -> ApiResult<()> {
    for field in [
        "emailPasswordEnabled",
        "thirdPartyEnabled",
        "passwordlessEnabled",
    ] {
        if body.get(field).is_some() {
            return Err(ApiError::bad_request(format!(
                "{field} is not allowed in this API version"
            )));
        }
    }
    Ok(())
}

fn parse<T: serde::de::DeserializeOwned>(body: Value) -> ApiResult<T> {
    serde_json::from_value(body)
        .map_err(|error| ApiError::bad_request(format!("Invalid JSON input: {error}")))
}

/// Apps are managed from the public app only (and its public tenant, which the guard checks
/// for these app-level APIs).
fn require_public_app(app_id: &str) -> ApiResult<()> {
    if app_id == PUBLIC {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "You must use the public tenantId and public appId to add/update/delete a new app"
                .into(),
        ))
    }
}

/// Creates or updates an app (from the public app and tenant only)
#[utoipa::path(
    put,
    path = "/recipe/multitenancy/app/v2",
    tag = "multitenancy",
    request_body = CreateOrUpdateAppRequest,
    responses((status = 200, description = "Whether the app was created", body = CreateOrUpdateResponse)),
)]
pub(super) async fn create_or_update_app(
    State(state): State<AppState>,
    Extension(AppId(app_id)): Extension<AppId>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<CreateOrUpdateResponse>> {
    require_public_app(&app_id)?;
    refuse_v1_fields(&body)?;
    let request: CreateOrUpdateAppRequest = parse(body)?;
    let created_new = state
        .apps
        .create_or_update_app(&request.app_id, &request.config)
        .await?;
    Ok(Json(CreateOrUpdateResponse::Ok { created_new }))
}

/// Lists every app with its tenants (from the public app and tenant only)
#[utoipa::path(
    get,
    path = "/recipe/multitenancy/app/list/v2",
    tag = "multitenancy",
    responses((status = 200, description = "The apps", body = ListAppsResponse)),
)]
pub(super) async fn list_apps(
    State(state): State<AppState>,
    Extension(AppId(app_id)): Extension<AppId>,
) -> ApiResult<Json<ListAppsResponse>> {
    require_public_app(&app_id)?;
    Ok(Json(ListAppsResponse::Ok {
        apps: state.apps.list().await?,
    }))
}

/// Removes an app with all its data (from the public app and tenant only)
#[utoipa::path(
    post,
    path = "/recipe/multitenancy/app/remove",
    tag = "multitenancy",
    request_body = RemoveAppRequest,
    responses((status = 200, description = "Whether the app existed", body = RemoveResponse)),
)]
pub(super) async fn remove_app(
    State(state): State<AppState>,
    Extension(AppId(app_id)): Extension<AppId>,
    JsonBody(request): JsonBody<RemoveAppRequest>,
) -> ApiResult<Json<RemoveResponse>> {
    require_public_app(&app_id)?;
    let did_exist = state.apps.remove_app(&request.app_id).await?;
    Ok(Json(RemoveResponse::Ok { did_exist }))
}

/// Creates or updates a tenant of the app (`PUT /appid-<appId>/recipe/multitenancy/tenant/v2`)
#[utoipa::path(
    put,
    path = "/recipe/multitenancy/tenant/v2",
    tag = "multitenancy",
    request_body = CreateOrUpdateTenantRequest,
    responses((status = 200, description = "Whether the tenant was created", body = CreateOrUpdateResponse)),
)]
pub(super) async fn create_or_update_tenant(
    State(state): State<AppState>,
    AppCore(core): AppCore,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<CreateOrUpdateResponse>> {
    refuse_v1_fields(&body)?;
    let request: CreateOrUpdateTenantRequest = parse(body)?;
    let tenant_id = normalise_tenant_id(&request.tenant_id)?;
    let created_new = state
        .apps
        .create_or_update_tenant(&core, &tenant_id, &request.config)
        .await?;
    Ok(Json(CreateOrUpdateResponse::Ok { created_new }))
}

/// The configuration of the tenant of the path (`GET /appid-<appId>/<tenantId>/recipe/multitenancy/tenant/v2`)
#[utoipa::path(
    get,
    path = "/recipe/multitenancy/tenant/v2",
    tag = "multitenancy",
    responses((status = 200, description = "The configuration, or no such tenant", body = TenantConfigResponse)),
)]
pub(super) async fn tenant_config(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
) -> ApiResult<Json<TenantConfigResponse>> {
    Ok(Json(
        match core.tenants.get(&tenant_id, &core.overrides).await? {
            Some(config) => config.into(),
            None => TenantConfigResponse::TenantNotFoundError,
        },
    ))
}

/// Lists the tenants of the app (`GET /appid-<appId>/recipe/multitenancy/tenant/list/v2`)
#[utoipa::path(
    get,
    path = "/recipe/multitenancy/tenant/list/v2",
    tag = "multitenancy",
    responses((status = 200, description = "The tenants", body = ListTenantsResponse)),
)]
pub(super) async fn list_tenants(AppCore(core): AppCore) -> ApiResult<Json<ListTenantsResponse>> {
    Ok(Json(ListTenantsResponse::Ok {
        tenants: core.tenants.list(&core.overrides).await?,
    }))
}

/// Removes a tenant of the app with its data; its users stay in the app
#[utoipa::path(
    post,
    path = "/recipe/multitenancy/tenant/remove",
    tag = "multitenancy",
    request_body = RemoveTenantRequest,
    responses((status = 200, description = "Whether the tenant existed", body = RemoveResponse)),
)]
pub(super) async fn remove_tenant(
    AppCore(core): AppCore,
    JsonBody(request): JsonBody<RemoveTenantRequest>,
) -> ApiResult<Json<RemoveResponse>> {
    let tenant_id = normalise_tenant_id(&request.tenant_id)?;
    let did_exist = core.tenants.remove(&tenant_id).await?;
    Ok(Json(RemoveResponse::Ok { did_exist }))
}

/// Adds a user to the tenant of the path (`POST /appid-<appId>/<tenantId>/recipe/multitenancy/tenant/user`)
#[utoipa::path(
    post,
    path = "/recipe/multitenancy/tenant/user",
    tag = "multitenancy",
    request_body = TenantUserRequest,
    responses((status = 200, description = "Done, or why not", body = AssociateUserResponse)),
)]
pub(super) async fn associate_user(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<TenantUserRequest>,
) -> ApiResult<Json<AssociateUserResponse>> {
    Ok(Json(
        core.tenants
            .associate(&tenant_id, &request.recipe_user_id)
            .await?,
    ))
}

/// Takes a user out of the tenant of the path; the user stays in the app
#[utoipa::path(
    post,
    path = "/recipe/multitenancy/tenant/user/remove",
    tag = "multitenancy",
    request_body = TenantUserRequest,
    responses((status = 200, description = "Whether the user was in the tenant", body = DisassociateUserResponse)),
)]
pub(super) async fn disassociate_user(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    JsonBody(request): JsonBody<TenantUserRequest>,
) -> ApiResult<Json<DisassociateUserResponse>> {
    Ok(Json(
        core.tenants
            .disassociate(&tenant_id, &request.recipe_user_id)
            .await?,
    ))
}
