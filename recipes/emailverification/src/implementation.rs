//! The built-in implementations: [`CoreFunctions`] calls the core; [`apis`] holds the default
//! route behaviour; [`DefaultApis`] is the API trait with nothing overridden.

use std::sync::Arc;

use async_trait::async_trait;
use supertokens::cdi::emailverification::{
    CreateEmailVerificationTokenResponse, IsEmailVerifiedResponse, UserEmailRequest,
    VerifyEmailRequest, VerifyEmailResponse,
};
use supertokens::cdi::general::OkResponse;
use supertokens::{Querier, Result, SuperTokensError};

use crate::RECIPE_ID;
use crate::interface::{
    CreateEmailVerificationTokenResult, EmailVerificationApis, EmailVerificationFunctions,
    EmailVerificationUser, VerifyEmailUsingTokenResult,
};

const RID: Option<&str> = Some(RECIPE_ID);

/// A tenant id as a path segment: only the characters tenant ids may have.
pub(crate) fn tenant_path(tenant_id: &str, path: &str) -> Result<String> {
    if !tenant_id.is_empty()
        && tenant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(format!("/{tenant_id}{path}"))
    } else {
        Err(SuperTokensError::BadInput(format!(
            "invalid tenant id {tenant_id:?}"
        )))
    }
}

fn pair(recipe_user_id: &str, email: &str) -> UserEmailRequest {
    UserEmailRequest {
        user_id: recipe_user_id.to_owned(),
        email: email.to_owned(),
    }
}

/// The functions as supertokens-node implements them, talking to the core.
#[derive(Debug)]
pub struct CoreFunctions {
    querier: Arc<Querier>,
}

impl CoreFunctions {
    /// Functions using this core connection.
    pub fn new(querier: Arc<Querier>) -> Self {
        Self { querier }
    }
}

#[async_trait]
impl EmailVerificationFunctions for CoreFunctions {
    async fn create_email_verification_token(
        &self,
        recipe_user_id: &str,
        email: &str,
        tenant_id: &str,
    ) -> Result<CreateEmailVerificationTokenResult> {
        let path = tenant_path(tenant_id, "/recipe/user/email/verify/token")?;
        Ok(
            match self
                .querier
                .post::<_, CreateEmailVerificationTokenResponse>(
                    &path,
                    &pair(recipe_user_id, email),
                    RID,
                )
                .await?
            {
                CreateEmailVerificationTokenResponse::Ok { token } => {
                    CreateEmailVerificationTokenResult::Ok { token }
                }
                CreateEmailVerificationTokenResponse::EmailAlreadyVerifiedError => {
                    CreateEmailVerificationTokenResult::EmailAlreadyVerifiedError
                }
            },
        )
    }

    async fn verify_email_using_token(
        &self,
        token: &str,
        tenant_id: &str,
    ) -> Result<VerifyEmailUsingTokenResult> {
        let path = tenant_path(tenant_id, "/recipe/user/email/verify")?;
        let body = VerifyEmailRequest {
            method: "token".into(),
            token: token.to_owned(),
        };
        Ok(
            match self
                .querier
                .post::<_, VerifyEmailResponse>(&path, &body, RID)
                .await?
            {
                VerifyEmailResponse::Ok { user_id, email } => VerifyEmailUsingTokenResult::Ok {
                    user: EmailVerificationUser {
                        recipe_user_id: user_id,
                        email,
                    },
                },
                VerifyEmailResponse::EmailVerificationInvalidTokenError => {
                    VerifyEmailUsingTokenResult::EmailVerificationInvalidTokenError
                }
            },
        )
    }

    async fn is_email_verified(&self, recipe_user_id: &str, email: &str) -> Result<bool> {
        let IsEmailVerifiedResponse::Ok { is_verified } = self
            .querier
            .get(
                "/recipe/user/email/verify",
                &[("userId", recipe_user_id), ("email", email)],
                RID,
            )
            .await?;
        Ok(is_verified)
    }

    async fn revoke_email_verification_tokens(
        &self,
        recipe_user_id: &str,
        email: &str,
        tenant_id: &str,
    ) -> Result<()> {
        let path = tenant_path(tenant_id, "/recipe/user/email/verify/token/remove")?;
        let OkResponse::Ok = self
            .querier
            .post(&path, &pair(recipe_user_id, email), RID)
            .await?;
        Ok(())
    }

    async fn unverify_email(&self, recipe_user_id: &str, email: &str) -> Result<()> {
        let OkResponse::Ok = self
            .querier
            .post(
                "/recipe/user/email/verify/remove",
                &pair(recipe_user_id, email),
                RID,
            )
            .await?;
        Ok(())
    }
}

/// The API trait with every route left to its built-in behaviour.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultApis;

impl EmailVerificationApis for DefaultApis {}

/// The built-in behaviour of each route (the default bodies of [`EmailVerificationApis`]),
/// as node's `api/implementation.ts`; overrides can call these too.
///
/// All three work on the session's login method (`rsub`) and its current email. A user the
/// core does not know (deleted meanwhile) gets 401 `unauthorised` with the tokens cleared.
/// Account linking is not available in this SDK, so the session's user never changes here.
pub mod apis {
    use supertokens::SessionError;
    use supertokens_session::SessionContainer;

    use super::*;
    use crate::config::EmailLookupResult;
    use crate::interface::{
        ApiOptions, GenerateEmailVerifyTokenPostResponse, IsEmailVerifiedGetResponse,
        VerifyEmailPostResponse,
    };
    use crate::{EmailVerificationClaim, EmailVerificationRecipient};

    /// 401 `unauthorised` (tokens cleared) for a session whose user the core does not know.
    pub fn unknown_user_error() -> SuperTokensError {
        SessionError::Unauthorised {
            message: "Unknown User ID provided".into(),
            clear_tokens: true,
        }
        .into()
    }

    /// Uses up the token; when the request's session belongs to the login method whose
    /// email got verified, its `st-ev` claim is refreshed (the response carries the new
    /// access token).
    pub async fn verify_email_post(
        token: &str,
        tenant_id: &str,
        session: Option<&SessionContainer>,
        options: &ApiOptions<'_>,
    ) -> Result<VerifyEmailPostResponse> {
        let user = match options
            .functions()
            .verify_email_using_token(token, tenant_id)
            .await?
        {
            VerifyEmailUsingTokenResult::EmailVerificationInvalidTokenError => {
                return Ok(VerifyEmailPostResponse::EmailVerificationInvalidTokenError);
            }
            VerifyEmailUsingTokenResult::Ok { user } => user,
        };
        if let Some(session) = session
            && session.recipe_user_id() == user.recipe_user_id
        {
            options.recipe.refresh_session_claim(session).await?;
        }
        Ok(VerifyEmailPostResponse::Ok { user })
    }

    /// Whether the session's email is verified; the `st-ev` claim is set to the answer (a
    /// login method without an email counts as verified).
    pub async fn is_email_verified_get(
        session: &SessionContainer,
        options: &ApiOptions<'_>,
    ) -> Result<IsEmailVerifiedGetResponse> {
        let recipe_user_id = session.recipe_user_id();
        match options
            .recipe
            .email_for_recipe_user_id(recipe_user_id)
            .await?
        {
            EmailLookupResult::Ok { email } => {
                let is_verified = options
                    .functions()
                    .is_email_verified(recipe_user_id, &email)
                    .await?;
                session
                    .set_claim_value(&EmailVerificationClaim, is_verified.into())
                    .await?;
                Ok(IsEmailVerifiedGetResponse::Ok { is_verified })
            }
            EmailLookupResult::EmailDoesNotExistError => {
                Ok(IsEmailVerifiedGetResponse::Ok { is_verified: true })
            }
            EmailLookupResult::UnknownUserIdError => Err(unknown_user_error()),
        }
    }

    /// Sends a verification email to the session's email. When it is verified already (or
    /// there is none), answers `EMAIL_ALREADY_VERIFIED_ERROR` and sets the claim to `true`;
    /// otherwise a stale `true` claim (the email changed, or was un-verified) is corrected
    /// first. The answer waits for the delivery: a failure is logged at WARN (without the
    /// link) and answered with `GENERAL_ERROR`.
    pub async fn generate_email_verify_token_post(
        session: &SessionContainer,
        options: &ApiOptions<'_>,
    ) -> Result<GenerateEmailVerifyTokenPostResponse> {
        let recipe_user_id = session.recipe_user_id();
        let tenant_id = session.tenant_id();
        let email = match options
            .recipe
            .email_for_recipe_user_id(recipe_user_id)
            .await?
        {
            EmailLookupResult::Ok { email } => email,
            EmailLookupResult::EmailDoesNotExistError => {
                tracing::debug!(
                    recipe_user_id,
                    "verification email not sent: the user has no email"
                );
                session
                    .set_claim_value(&EmailVerificationClaim, true.into())
                    .await?;
                return Ok(GenerateEmailVerifyTokenPostResponse::EmailAlreadyVerifiedError);
            }
            EmailLookupResult::UnknownUserIdError => return Err(unknown_user_error()),
        };
        let token = match options
            .functions()
            .create_email_verification_token(recipe_user_id, &email, tenant_id)
            .await?
        {
            CreateEmailVerificationTokenResult::EmailAlreadyVerifiedError => {
                tracing::debug!(
                    recipe_user_id,
                    "verification email not sent: the email is verified already"
                );
                session
                    .set_claim_value(&EmailVerificationClaim, true.into())
                    .await?;
                return Ok(GenerateEmailVerifyTokenPostResponse::EmailAlreadyVerifiedError);
            }
            CreateEmailVerificationTokenResult::Ok { token } => token,
        };
        if EmailVerificationClaim::get_value(&session.access_token_payload()) != Some(false) {
            // The session still says verified (the email changed or was un-verified since).
            session
                .set_claim_value(&EmailVerificationClaim, false.into())
                .await?;
        }
        let job = EmailVerificationRecipient {
            user_id: session.user_id().to_owned(),
            recipe_user_id: recipe_user_id.to_owned(),
            email,
            tenant_id: tenant_id.to_owned(),
        };
        match options.recipe.send_email(&job, &token).await {
            Ok(()) => Ok(GenerateEmailVerifyTokenPostResponse::Ok),
            Err(failure) => {
                tracing::warn!(
                    error = %failure,
                    recipe_user_id,
                    "the verification email could not be delivered"
                );
                Ok(GenerateEmailVerifyTokenPostResponse::GeneralError {
                    message: "Could not send the verification email. Please try again later."
                        .into(),
                })
            }
        }
    }
}
