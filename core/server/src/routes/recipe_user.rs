//! `GET` and `PUT /recipe/user`: one path shared by several recipes, told apart by the `rid`
//! header (`emailpassword`, the default when absent, or `passwordless`).

use axum::Json;
use axum::extract::{Extension, Request};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use supertokens_cdi::emailpassword as emailpassword_wire;
use supertokens_cdi::passwordless as passwordless_wire;
use supertokens_cdi::user::GetUserResponse;
use supertokens_cdi::version::HEADER_RID;
use utoipa::openapi::{RefOr, schema::Schema};

use super::{emailpassword, passwordless};
use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::{JsonBody, parse_query};
use crate::openapi::{any_of, any_of_schemas};
use crate::routing::Tenant;

/// The recipes whose users `/recipe/user` serves, as the `rid` header names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
enum UserRecipe {
    EmailPassword,
    Passwordless,
}

fn recipe_of(headers: &HeaderMap) -> ApiResult<UserRecipe> {
    match headers.get(HEADER_RID).map(|rid| rid.to_str()) {
        None | Some(Ok("emailpassword")) => Ok(UserRecipe::EmailPassword),
        Some(Ok("passwordless")) => Ok(UserRecipe::Passwordless),
        Some(Ok(other)) => Err(ApiError::bad_request(format!(
            "The recipe {other:?} has no users in this core; the rid header must be \
             emailpassword or passwordless"
        ))),
        Some(Err(_)) => Err(ApiError::bad_request(
            "The rid header must be emailpassword or passwordless",
        )),
    }
}

/// Schema of the body of `PUT /recipe/user`: the emailpassword or the passwordless one.
pub(super) struct UpdateUserBody;

impl utoipa::PartialSchema for UpdateUserBody {
    fn schema() -> RefOr<Schema> {
        any_of::<emailpassword_wire::UpdateUserRequest, passwordless_wire::UpdateUserRequest>()
    }
}

impl utoipa::ToSchema for UpdateUserBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        any_of_schemas::<emailpassword_wire::UpdateUserRequest, passwordless_wire::UpdateUserRequest>(
            schemas,
        );
    }
}

/// Schema of the outcome of `PUT /recipe/user`: the emailpassword or the passwordless one.
pub(super) struct UpdateUserOutcome;

impl utoipa::PartialSchema for UpdateUserOutcome {
    fn schema() -> RefOr<Schema> {
        any_of::<emailpassword_wire::UpdateUserResponse, passwordless_wire::UpdateUserResponse>()
    }
}

impl utoipa::ToSchema for UpdateUserOutcome {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        any_of_schemas::<
            emailpassword_wire::UpdateUserResponse,
            passwordless_wire::UpdateUserResponse,
        >(schemas);
    }
}

/// An emailpassword or passwordless user (by the `rid` header)
///
/// Exactly one of `userId` and `email` (emailpassword), or of `userId`, `email` and
/// `phoneNumber` (passwordless).
#[utoipa::path(
    get,
    path = "/recipe/user",
    tag = "users",
    params(
        ("rid" = inline(Option<UserRecipe>), Header, description = "Which recipe's user (default `emailpassword`)"),
        ("userId" = Option<String>, Query, description = "The user"),
        ("email" = Option<String>, Query, description = "The user with this email in the tenant"),
        ("phoneNumber" = Option<String>, Query, description = "The user with this phone number in the tenant (passwordless)"),
    ),
    responses((status = 200, description = "The user, or none", body = GetUserResponse)),
)]
pub(super) async fn get_user(
    AppCore(core): AppCore,
    Extension(Tenant(tenant_id)): Extension<Tenant>,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Json<GetUserResponse>> {
    let response = match recipe_of(&headers)? {
        UserRecipe::EmailPassword => {
            emailpassword::get_user(&core, &tenant_id, parse_query(uri.query())?).await?
        }
        UserRecipe::Passwordless => {
            passwordless::get_user(&core, &tenant_id, parse_query(uri.query())?).await?
        }
    };
    Ok(Json(response))
}

/// Changes the email, password or phone number of an emailpassword or passwordless user (by
/// the `rid` header)
#[utoipa::path(
    put,
    path = "/recipe/user",
    tag = "users",
    params(
        ("rid" = inline(Option<UserRecipe>), Header, description = "Which recipe's user (default `emailpassword`)"),
    ),
    request_body = inline(UpdateUserBody),
    responses((status = 200, description = "Changed, or why not", body = inline(UpdateUserOutcome))),
)]
pub(super) async fn update_user(
    AppCore(core): AppCore,
    headers: HeaderMap,
    request: Request,
) -> ApiResult<Response> {
    Ok(match recipe_of(&headers)? {
        UserRecipe::EmailPassword => {
            let JsonBody(body) = JsonBody::read(request).await?;
            Json(emailpassword::update_user(&core, body).await?).into_response()
        }
        UserRecipe::Passwordless => {
            let JsonBody(body) = JsonBody::read(request).await?;
            Json(passwordless::update_user(&core, body).await?).into_response()
        }
    })
}
