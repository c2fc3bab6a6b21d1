//! The recipe as the SDK sees it: its routes, and the state shared by its handlers.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::Method;
use supertokens::multitenancy::factor_ids;
use supertokens::{
    ApiContext, ApiRoute, InitContext, NormalisedAppInfo, Recipe, RecipeBuilder, Result,
    SdkResponse,
};

use crate::RECIPE_ID;
use crate::api;
use crate::config::{
    DisabledApis, EmailPasswordConfig, NormalisedForms, PasswordResetEmailRenderer, normalise_forms,
};
use crate::email::{EmailDelivery, EmailMessage, PasswordResetEmailInput, password_reset_email};
use crate::implementation::{CoreFunctions, DefaultApis, emailpassword_login_method};
use crate::interface::{CreateResetPasswordTokenResult, EmailPasswordApis, EmailPasswordFunctions};

/// Route ids handed back to [`Recipe::handle`].
pub(crate) mod route_ids {
    pub(crate) const SIGN_UP: &str = "signup";
    pub(crate) const SIGN_IN: &str = "signin";
    pub(crate) const EMAIL_EXISTS: &str = "email_exists";
    pub(crate) const EMAIL_EXISTS_OLD: &str = "email_exists_old";
    pub(crate) const GENERATE_PASSWORD_RESET_TOKEN: &str = "generate_password_reset_token";
    pub(crate) const PASSWORD_RESET: &str = "password_reset";
    pub(crate) const LOGIN_METHODS: &str = "login_methods";
}

/// FDI paths (below the API base path, after the optional tenant segment).
pub mod paths {
    /// Sign-up.
    pub const SIGN_UP: &str = "/signup";
    /// Sign-in.
    pub const SIGN_IN: &str = "/signin";
    /// Email-exists check.
    pub const EMAIL_EXISTS: &str = "/emailpassword/email/exists";
    /// Deprecated email-exists path (still used by older frontends).
    pub const EMAIL_EXISTS_OLD: &str = "/signup/email/exists";
    /// Password reset token request.
    pub const GENERATE_PASSWORD_RESET_TOKEN: &str = "/user/password/reset/token";
    /// Password reset.
    pub const PASSWORD_RESET: &str = "/user/password/reset";
    /// Login methods of the tenant (multitenancy).
    pub const LOGIN_METHODS: &str = "/loginmethods";
}

/// Everything the background password reset task needs to know about the user.
#[derive(Debug, Clone)]
pub(crate) struct PasswordResetJob {
    pub(crate) user_id: String,
    pub(crate) recipe_user_id: String,
    pub(crate) email: String,
    pub(crate) tenant_id: String,
}

/// The emailpassword recipe.
pub struct EmailPasswordRecipe {
    forms: NormalisedForms,
    apis: Arc<dyn EmailPasswordApis>,
    reset_emails: ResetEmails,
    disabled: DisabledApis,
}

/// What creating and sending a password reset email needs; cheap to clone into a task.
#[derive(Clone)]
struct ResetEmails {
    app_info: NormalisedAppInfo,
    functions: Arc<dyn EmailPasswordFunctions>,
    email_delivery: Option<Arc<dyn EmailDelivery>>,
    renderer: Option<PasswordResetEmailRenderer>,
}

impl fmt::Debug for EmailPasswordRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailPasswordRecipe")
            .field("forms", &self.forms)
            .field(
                "email_delivery",
                &self.reset_emails.email_delivery.is_some(),
            )
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// The emailpassword recipe for `recipe_list`. Configuration mistakes surface from
/// `supertokens::init`, naming the field.
pub fn init(config: EmailPasswordConfig) -> Box<dyn RecipeBuilder> {
    supertokens::recipe_builder(config, EmailPasswordRecipe::new)
}

impl EmailPasswordRecipe {
    /// Validates the configuration and builds the recipe.
    pub fn new(config: EmailPasswordConfig, context: &InitContext) -> Result<Self> {
        let forms = normalise_forms(&config.sign_up_feature)?;
        let mut functions: Arc<dyn EmailPasswordFunctions> = Arc::new(CoreFunctions::new(
            context.querier.clone(),
            forms.password_validator(),
        ));
        if let Some(decorate) = &config.override_functions {
            functions = decorate(functions);
        }
        let mut apis: Arc<dyn EmailPasswordApis> = Arc::new(DefaultApis);
        if let Some(decorate) = &config.override_apis {
            apis = decorate(apis);
        }
        if config.email_delivery.is_none() {
            tracing::warn!(
                "emailpassword: no email_delivery configured, so password reset emails are not \
                 sent; configure SmtpEmailDelivery (or LogEmailDelivery in development)"
            );
        }
        Ok(Self {
            forms,
            apis,
            reset_emails: ResetEmails {
                app_info: context.app_info.clone(),
                functions,
                email_delivery: config.email_delivery,
                renderer: config.password_reset_email,
            },
            disabled: config.disabled_apis,
        })
    }

    /// The (possibly overridden) functions.
    pub fn functions(&self) -> &Arc<dyn EmailPasswordFunctions> {
        &self.reset_emails.functions
    }

    /// The (possibly overridden) APIs.
    pub fn apis(&self) -> &Arc<dyn EmailPasswordApis> {
        &self.apis
    }

    /// The forms derived from the sign-up form.
    pub fn forms(&self) -> &NormalisedForms {
        &self.forms
    }

    /// The configured email delivery.
    pub fn email_delivery(&self) -> Option<&Arc<dyn EmailDelivery>> {
        self.reset_emails.email_delivery.as_ref()
    }

    /// The app's identity.
    pub fn app_info(&self) -> &NormalisedAppInfo {
        &self.reset_emails.app_info
    }

    /// `<websiteDomain><websiteBasePath>/reset-password?token=<token>&tenantId=<tenant>`.
    pub fn password_reset_link(&self, token: &str, tenant_id: &str) -> String {
        self.reset_emails.link(token, tenant_id)
    }

    /// The password reset email for this input (the app's renderer, or the built-in one).
    pub fn render_password_reset_email(&self, input: &PasswordResetEmailInput) -> EmailMessage {
        self.reset_emails.render(input)
    }

    /// Creates a token and sends the reset email now; `Ok(false)` when the core does not know
    /// the user. Delivery failures are returned.
    pub(crate) async fn send_password_reset_email(&self, job: &PasswordResetJob) -> Result<bool> {
        self.reset_emails.send(job).await
    }

    /// Looks `email` up and, when it belongs to an emailpassword user of the tenant, creates
    /// the token and sends the email: all of it in a background task that logs failures. The
    /// request is answered without waiting for any of it, so the answer's timing does not
    /// depend on whether the account exists (the core's lookup of a known user alone takes
    /// measurably longer than of an unknown one).
    pub(crate) fn spawn_password_reset_email(&self, email: String, tenant_id: String) {
        let reset_emails = self.reset_emails.clone();
        tokio::spawn(async move {
            match reset_emails.send_to_email(&email, &tenant_id).await {
                Ok(true) => tracing::debug!("password reset email sent"),
                Ok(false) => {
                    tracing::debug!("password reset email not sent: no such emailpassword user");
                }
                Err(error) => {
                    tracing::error!(%error, "password reset email could not be sent");
                }
            }
        });
    }
}

impl ResetEmails {
    fn link(&self, token: &str, tenant_id: &str) -> String {
        self.app_info.website_link(
            "/reset-password",
            &[("token", token), ("tenantId", tenant_id)],
        )
    }

    fn render(&self, input: &PasswordResetEmailInput) -> EmailMessage {
        match &self.renderer {
            Some(render) => render(input),
            None => password_reset_email(input),
        }
    }

    /// The reset email for the emailpassword user with this email in the tenant;
    /// `Ok(false)` when there is none.
    async fn send_to_email(&self, email: &str, tenant_id: &str) -> Result<bool> {
        let user = self.functions.get_user_by_email(email, tenant_id).await?;
        let job = user.as_ref().and_then(|user| {
            emailpassword_login_method(user, email).map(|method| PasswordResetJob {
                user_id: user.id.clone(),
                recipe_user_id: method.recipe_user_id.clone(),
                email: email.to_owned(),
                tenant_id: tenant_id.to_owned(),
            })
        });
        match job {
            Some(job) => self.send(&job).await,
            None => Ok(false),
        }
    }

    async fn send(&self, job: &PasswordResetJob) -> Result<bool> {
        let token = match self
            .functions
            .create_reset_password_token(&job.recipe_user_id, &job.email, &job.tenant_id)
            .await?
        {
            CreateResetPasswordTokenResult::Ok { token } => token,
            CreateResetPasswordTokenResult::UnknownUserIdError => return Ok(false),
        };
        let input = PasswordResetEmailInput {
            app_name: self.app_info.app_name.clone(),
            email: job.email.clone(),
            user_id: job.user_id.clone(),
            recipe_user_id: job.recipe_user_id.clone(),
            tenant_id: job.tenant_id.clone(),
            password_reset_link: self.link(&token, &job.tenant_id),
        };
        let message = self.render(&input);
        let Some(delivery) = &self.email_delivery else {
            tracing::warn!(
                "password reset email not sent: no email_delivery configured for emailpassword"
            );
            return Ok(true);
        };
        delivery.send(message).await.map_err(|error| {
            supertokens::SuperTokensError::Internal(format!("password reset email: {error}"))
        })?;
        Ok(true)
    }
}

#[async_trait]
impl Recipe for EmailPasswordRecipe {
    fn recipe_id(&self) -> &'static str {
        RECIPE_ID
    }

    fn routes(&self) -> Vec<ApiRoute> {
        let route = ApiRoute::tenant_scoped;
        let d = &self.disabled;
        let mut routes = Vec::new();
        if !d.disable_sign_up_post {
            routes.push(route(Method::POST, paths::SIGN_UP, route_ids::SIGN_UP));
        }
        if !d.disable_sign_in_post {
            routes.push(route(Method::POST, paths::SIGN_IN, route_ids::SIGN_IN));
        }
        if !d.disable_email_exists_get {
            routes.push(route(
                Method::GET,
                paths::EMAIL_EXISTS,
                route_ids::EMAIL_EXISTS,
            ));
            routes.push(route(
                Method::GET,
                paths::EMAIL_EXISTS_OLD,
                route_ids::EMAIL_EXISTS_OLD,
            ));
        }
        if !d.disable_generate_password_reset_token_post {
            routes.push(route(
                Method::POST,
                paths::GENERATE_PASSWORD_RESET_TOKEN,
                route_ids::GENERATE_PASSWORD_RESET_TOKEN,
            ));
        }
        if !d.disable_password_reset_post {
            routes.push(route(
                Method::POST,
                paths::PASSWORD_RESET,
                route_ids::PASSWORD_RESET,
            ));
        }
        if !d.disable_login_methods_get {
            routes.push(route(
                Method::GET,
                paths::LOGIN_METHODS,
                route_ids::LOGIN_METHODS,
            ));
        }
        routes
    }

    async fn handle(&self, api_id: &str, context: &ApiContext<'_>) -> Result<SdkResponse> {
        api::handle(self, api_id, context).await
    }

    fn first_factors(&self) -> Vec<&'static str> {
        vec![factor_ids::EMAILPASSWORD]
    }
}
