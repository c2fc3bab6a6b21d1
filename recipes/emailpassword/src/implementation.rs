//! The built-in implementations: [`CoreFunctions`] calls the core; [`apis`] holds the default
//! route behaviour; [`DefaultApis`] is the API trait with nothing overridden.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use supertokens::cdi::AuthRecipeUser;
use supertokens::cdi::emailpassword::{
    ConsumeResetTokenRequest, ConsumeResetTokenResponse, CreateResetTokenRequest,
    CreateResetTokenResponse, Credentials, SignInResponse, SignUpResponse, UpdateUserRequest,
    UpdateUserResponse,
};
pub use supertokens::validation::normalise_email;
use supertokens::{Querier, Result, users};

use crate::RECIPE_ID;
use crate::config::FieldValidator;
use crate::interface::{
    ConsumePasswordResetTokenResult, CreateResetPasswordTokenResult, EmailPasswordApis,
    EmailPasswordFunctions, PasswordResetPostResponse, SignInResult, SignUpResult,
    UpdateEmailOrPasswordInput, UpdateEmailOrPasswordResult,
};

/// The functions as supertokens-node implements them, talking to the core.
pub struct CoreFunctions {
    querier: Arc<Querier>,
    password_validator: Arc<dyn FieldValidator>,
}

impl std::fmt::Debug for CoreFunctions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreFunctions")
            .field("querier", &self.querier)
            .finish_non_exhaustive()
    }
}

impl CoreFunctions {
    /// Functions using this core connection and password policy.
    pub fn new(querier: Arc<Querier>, password_validator: Arc<dyn FieldValidator>) -> Self {
        Self {
            querier,
            password_validator,
        }
    }
}

/// The user's emailpassword login method for `email`, if it has one.
pub fn emailpassword_login_method<'a>(
    user: &'a AuthRecipeUser,
    email: &str,
) -> Option<&'a supertokens::cdi::LoginMethod> {
    let wanted = normalise_email(email);
    user.login_methods.iter().find(|method| {
        method.recipe_id == RECIPE_ID
            && method
                .email
                .as_deref()
                .is_some_and(|known| normalise_email(known) == wanted)
    })
}

#[async_trait]
impl EmailPasswordFunctions for CoreFunctions {
    async fn sign_up(&self, email: &str, password: &str, tenant_id: &str) -> Result<SignUpResult> {
        let body = Credentials {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let path = format!("/{tenant_id}/recipe/signup");
        Ok(
            match self
                .querier
                .post::<_, SignUpResponse>(&path, &body, Some(RECIPE_ID))
                .await?
            {
                SignUpResponse::Ok {
                    user,
                    recipe_user_id,
                } => SignUpResult::Ok {
                    user,
                    recipe_user_id,
                },
                SignUpResponse::EmailAlreadyExistsError => SignUpResult::EmailAlreadyExistsError,
            },
        )
    }

    async fn sign_in(&self, email: &str, password: &str, tenant_id: &str) -> Result<SignInResult> {
        let body = Credentials {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        let path = format!("/{tenant_id}/recipe/signin");
        Ok(
            match self
                .querier
                .post::<_, SignInResponse>(&path, &body, Some(RECIPE_ID))
                .await?
            {
                SignInResponse::Ok {
                    user,
                    recipe_user_id,
                } => SignInResult::Ok {
                    user,
                    recipe_user_id,
                },
                SignInResponse::WrongCredentialsError => SignInResult::WrongCredentialsError,
            },
        )
    }

    async fn get_user_by_email(
        &self,
        email: &str,
        tenant_id: &str,
    ) -> Result<Option<AuthRecipeUser>> {
        Ok(
            users::users_by_account_info(&self.querier, tenant_id, ("email", email))
                .await?
                .into_iter()
                .find(|user| emailpassword_login_method(user, email).is_some()),
        )
    }

    async fn get_user_by_id(&self, user_id: &str) -> Result<Option<AuthRecipeUser>> {
        users::get_user_by_id(&self.querier, user_id).await
    }

    async fn create_reset_password_token(
        &self,
        user_id: &str,
        email: &str,
        tenant_id: &str,
    ) -> Result<CreateResetPasswordTokenResult> {
        let body = CreateResetTokenRequest {
            user_id: user_id.to_owned(),
            email: Some(email.to_owned()),
        };
        let path = format!("/{tenant_id}/recipe/user/password/reset/token");
        Ok(
            match self
                .querier
                .post::<_, CreateResetTokenResponse>(&path, &body, Some(RECIPE_ID))
                .await?
            {
                CreateResetTokenResponse::Ok { token } => {
                    CreateResetPasswordTokenResult::Ok { token }
                }
                CreateResetTokenResponse::UnknownUserIdError => {
                    CreateResetPasswordTokenResult::UnknownUserIdError
                }
            },
        )
    }

    async fn consume_password_reset_token(
        &self,
        token: &str,
        tenant_id: &str,
    ) -> Result<ConsumePasswordResetTokenResult> {
        let body = ConsumeResetTokenRequest {
            token: token.to_owned(),
        };
        let path = format!("/{tenant_id}/recipe/user/password/reset/token/consume");
        Ok(
            match self
                .querier
                .post::<_, ConsumeResetTokenResponse>(&path, &body, Some(RECIPE_ID))
                .await?
            {
                ConsumeResetTokenResponse::Ok { user_id, email } => {
                    ConsumePasswordResetTokenResult::Ok { user_id, email }
                }
                ConsumeResetTokenResponse::ResetPasswordInvalidTokenError => {
                    ConsumePasswordResetTokenResult::ResetPasswordInvalidTokenError
                }
            },
        )
    }

    async fn update_email_or_password(
        &self,
        input: UpdateEmailOrPasswordInput,
    ) -> Result<UpdateEmailOrPasswordResult> {
        if let Some(password) = &input.password {
            let value = Value::String(password.clone());
            if let Some(failure_reason) = self
                .password_validator
                .validate(&value, &input.tenant_id_for_password_policy)
                .await
            {
                return Ok(UpdateEmailOrPasswordResult::PasswordPolicyViolatedError {
                    failure_reason,
                });
            }
        }
        let body = UpdateUserRequest {
            recipe_user_id: Some(input.recipe_user_id),
            user_id: None,
            email: input.email,
            password: input.password,
        };
        Ok(
            match self
                .querier
                .put::<_, UpdateUserResponse>("/recipe/user", &body, Some(RECIPE_ID))
                .await?
            {
                UpdateUserResponse::Ok => UpdateEmailOrPasswordResult::Ok,
                UpdateUserResponse::UnknownUserIdError => {
                    UpdateEmailOrPasswordResult::UnknownUserIdError
                }
                UpdateUserResponse::EmailAlreadyExistsError => {
                    UpdateEmailOrPasswordResult::EmailAlreadyExistsError
                }
                UpdateUserResponse::EmailChangeNotAllowedError { reason } => {
                    UpdateEmailOrPasswordResult::EmailChangeNotAllowedError { reason }
                }
            },
        )
    }
}

/// Uses up a reset token and sets the new password: the token's user is a recipe user id,
/// whose password is changed with `PUT /recipe/user`.
pub async fn reset_password(
    functions: &dyn EmailPasswordFunctions,
    token: &str,
    new_password: &str,
    tenant_id: &str,
) -> Result<PasswordResetPostResponse> {
    let (user_id, email) = match functions
        .consume_password_reset_token(token, tenant_id)
        .await?
    {
        ConsumePasswordResetTokenResult::ResetPasswordInvalidTokenError => {
            return Ok(PasswordResetPostResponse::ResetPasswordInvalidTokenError);
        }
        ConsumePasswordResetTokenResult::Ok { user_id, email } => (user_id, email),
    };
    let update = functions
        .update_email_or_password(UpdateEmailOrPasswordInput {
            recipe_user_id: user_id.clone(),
            email: None,
            password: Some(new_password.to_owned()),
            tenant_id_for_password_policy: tenant_id.to_owned(),
        })
        .await?;
    match update {
        UpdateEmailOrPasswordResult::Ok => Ok(PasswordResetPostResponse::Ok { user_id, email }),
        // The user was deleted between the token's creation and its use.
        UpdateEmailOrPasswordResult::UnknownUserIdError => {
            Ok(PasswordResetPostResponse::ResetPasswordInvalidTokenError)
        }
        UpdateEmailOrPasswordResult::PasswordPolicyViolatedError { failure_reason } => {
            Ok(PasswordResetPostResponse::PasswordPolicyViolatedError { failure_reason })
        }
        UpdateEmailOrPasswordResult::EmailAlreadyExistsError
        | UpdateEmailOrPasswordResult::EmailChangeNotAllowedError { .. } => {
            Err(supertokens::SuperTokensError::Internal(
                "the core refused an email change during a password reset that changes no email"
                    .into(),
            ))
        }
    }
}

/// The API trait with every route left to its built-in behaviour.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultApis;

impl EmailPasswordApis for DefaultApis {}

/// The built-in behaviour of each route (the default bodies of [`EmailPasswordApis`]);
/// overrides can call these too.
pub mod apis {
    use supertokens::multitenancy::{
        FirstFactorCheck, check_first_factors, factor_ids, login_methods,
    };

    use super::*;
    use crate::config::{FORM_FIELD_EMAIL_ID, FORM_FIELD_PASSWORD_ID};
    use crate::form_fields::{FormFieldValue, field_str};
    use crate::interface::{
        ApiOptions, EmailExistsGetResponse, GeneratePasswordResetTokenPostResponse,
        LoginMethodsGetResponse, SignInPostResponse, SignUpPostResponse,
    };
    use crate::session::{SessionContainer, create_sign_in_session};

    /// Creates a session for a new sign-in through the session recipe.
    pub async fn create_session(
        options: &ApiOptions<'_>,
        tenant_id: &str,
        recipe_user_id: &str,
    ) -> Result<SessionContainer> {
        create_sign_in_session(
            options.supertokens,
            options.request,
            tenant_id,
            recipe_user_id,
            RECIPE_ID,
        )
        .await
    }

    /// Whether the tenant accepts email and password as a first factor, as node checks it
    /// before every sign-in and sign-up.
    pub async fn check_emailpassword_factor(
        options: &ApiOptions<'_>,
        tenant_id: &str,
    ) -> Result<FirstFactorCheck> {
        check_first_factors(options.supertokens, tenant_id, &[factor_ids::EMAILPASSWORD]).await
    }

    /// Signs up and, on success, starts a session. The tenant must accept email and
    /// password as a first factor (else 401, as node answers; an unknown tenant is a 500).
    pub async fn sign_up_post(
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<SignUpPostResponse> {
        let email = field_str(form_fields, FORM_FIELD_EMAIL_ID);
        let password = field_str(form_fields, FORM_FIELD_PASSWORD_ID);
        check_emailpassword_factor(options, tenant_id)
            .await?
            .into_result(tenant_id)?;
        match options
            .functions()
            .sign_up(email, password, tenant_id)
            .await?
        {
            SignUpResult::EmailAlreadyExistsError => {
                Ok(SignUpPostResponse::EmailAlreadyExistsError)
            }
            SignUpResult::Ok {
                user,
                recipe_user_id,
            } => {
                let session = create_session(options, tenant_id, &recipe_user_id).await?;
                Ok(SignUpPostResponse::Ok { user, session })
            }
        }
    }

    /// Checks the credentials and, on success, starts a session. When the tenant does not
    /// accept email and password as a first factor, node's order is kept: an email unknown
    /// in the tenant is `WRONG_CREDENTIALS_ERROR`, a known one 401.
    pub async fn sign_in_post(
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<SignInPostResponse> {
        let email = field_str(form_fields, FORM_FIELD_EMAIL_ID);
        let password = field_str(form_fields, FORM_FIELD_PASSWORD_ID);
        let check = check_emailpassword_factor(options, tenant_id).await?;
        if check == FirstFactorCheck::NoneValid
            && options
                .functions()
                .get_user_by_email(email, tenant_id)
                .await?
                .is_none()
        {
            return Ok(SignInPostResponse::WrongCredentialsError);
        }
        check.into_result(tenant_id)?;
        match options
            .functions()
            .sign_in(email, password, tenant_id)
            .await?
        {
            SignInResult::WrongCredentialsError => Ok(SignInPostResponse::WrongCredentialsError),
            SignInResult::Ok {
                user,
                recipe_user_id,
            } => {
                let session = create_session(options, tenant_id, &recipe_user_id).await?;
                Ok(SignInPostResponse::Ok { user, session })
            }
        }
    }

    /// Whether an emailpassword user has this email in the tenant.
    pub async fn email_exists_get(
        email: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<EmailExistsGetResponse> {
        let user = options
            .functions()
            .get_user_by_email(email, tenant_id)
            .await?;
        Ok(EmailExistsGetResponse::Ok {
            exists: user.is_some(),
        })
    }

    /// Answers `OK` at once and leaves the rest to a background task: looking the email up
    /// and, when it belongs to an emailpassword user, creating the token and sending the
    /// email. The answer (status, body, timing) is thus the same whether the account exists
    /// or not; the owner of the mailbox is the only one told.
    pub async fn generate_password_reset_token_post(
        form_fields: &[FormFieldValue],
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<GeneratePasswordResetTokenPostResponse> {
        let email = field_str(form_fields, FORM_FIELD_EMAIL_ID);
        options
            .recipe
            .spawn_password_reset_email(email.to_owned(), tenant_id.to_owned());
        Ok(GeneratePasswordResetTokenPostResponse::Ok)
    }

    /// Uses up the token and sets the new password.
    pub async fn password_reset_post(
        form_fields: &[FormFieldValue],
        token: &str,
        tenant_id: &str,
        options: &ApiOptions<'_>,
    ) -> Result<PasswordResetPostResponse> {
        let new_password = field_str(form_fields, FORM_FIELD_PASSWORD_ID);
        reset_password(options.functions().as_ref(), token, new_password, tenant_id).await
    }

    /// The tenant's login methods (see [`supertokens::multitenancy`]).
    pub async fn login_methods_get(
        tenant_id: &str,
        client_type: Option<&str>,
        options: &ApiOptions<'_>,
    ) -> Result<LoginMethodsGetResponse> {
        Ok(LoginMethodsGetResponse::Ok(
            login_methods(options.supertokens, tenant_id, client_type).await?,
        ))
    }
}
