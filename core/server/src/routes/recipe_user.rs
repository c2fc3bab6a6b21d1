//! `GET` and `PUT /recipe/user`: one path shared by several recipes, told apart by the `rid`
//! header (`emailpassword`, the default when absent, or `passwordless`).

use axum::Json;
use axum::extract::{Extension, Request};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use supertokens_cdi::user::GetUserResponse;
use supertokens_cdi::version::HEADER_RID;

use super::{emailpassword, passwordless};
use crate::error::{ApiError, ApiResult};
use crate::extract::AppCore;
use crate::extract::{JsonBody, parse_query};
use crate::routing::Tenant;

/// The recipes whose users `/recipe/user` serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// `GET /recipe/user`, routed by `rid`.
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

/// `PUT /recipe/user`, routed by `rid`.
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
