//! The core's user lookups that every recipe makes: a user by id, and the users of the
//! tenant with some account info (an email, a phone number). Each recipe then keeps the
//! users with one of its own login methods.

use supertokens_cdi::AuthRecipeUser;
use supertokens_cdi::user::{GetUserResponse, UsersResponse};

use crate::error::Result;
use crate::querier::Querier;

/// A user by id (`GET /user/id`); `None` when the core does not know it.
pub async fn get_user_by_id(querier: &Querier, user_id: &str) -> Result<Option<AuthRecipeUser>> {
    Ok(
        match querier
            .get::<GetUserResponse>("/user/id", &[("userId", user_id)], None)
            .await?
        {
            GetUserResponse::Ok { user } => Some(user),
            GetUserResponse::UnknownUserIdError
            | GetUserResponse::UnknownEmailError
            | GetUserResponse::UnknownPhoneNumberError => None,
        },
    )
}

/// The tenant's users with this account info, e.g. `("email", "a@b.co")` or
/// `("phoneNumber", "+14155550123")` (`GET /<tenant>/users/by-accountinfo`, without the
/// union of account infos), oldest first.
pub async fn users_by_account_info(
    querier: &Querier,
    tenant_id: &str,
    account_info: (&str, &str),
) -> Result<Vec<AuthRecipeUser>> {
    let path = format!("/{tenant_id}/users/by-accountinfo");
    let UsersResponse::Ok { users } = querier
        .get(
            &path,
            &[account_info, ("doUnionOfAccountInfo", "false")],
            None,
        )
        .await?;
    Ok(users)
}
