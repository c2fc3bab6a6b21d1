//! The recipe as the SDK sees it: its routes, and the state its handlers and its claim
//! share (functions, email lookup, delivery).

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use http::Method;
use supertokens::{
    ApiContext, ApiRoute, InitContext, NormalisedAppInfo, Querier, Recipe, RecipeBuilder, Result,
    SdkResponse, SuperTokens, SuperTokensError,
};
use supertokens_delivery::email::{EmailDelivery, EmailDeliveryError, EmailMessage};
use supertokens_session::{ClaimRegistry, SessionContainer};

use crate::RECIPE_ID;
use crate::api;
use crate::claims::{EmailVerificationClaim, VerifiedClaim};
use crate::config::{
    DisabledApis, EmailLookup, EmailLookupResult, EmailTemplate, EmailVerificationConfig,
    EmailVerificationMode,
};
use crate::email::{EmailVerificationEmailInput, email_verification_email};
use crate::implementation::apis::unknown_user_error;
use crate::implementation::{CoreFunctions, DefaultApis};
use crate::interface::{EmailVerificationApis, EmailVerificationFunctions};

/// Route ids handed back to [`Recipe::handle`].
pub(crate) mod route_ids {
    pub(crate) const GENERATE_EMAIL_VERIFY_TOKEN: &str = "generate_email_verify_token";
    pub(crate) const VERIFY_EMAIL: &str = "verify_email";
    pub(crate) const IS_EMAIL_VERIFIED: &str = "is_email_verified";
}

/// FDI paths (below the API base path, after the optional tenant segment).
pub mod paths {
    /// Send a verification email (POST).
    pub const GENERATE_EMAIL_VERIFY_TOKEN: &str = "/user/email/verify/token";
    /// Verify with a token (POST), or ask whether the session's email is verified (GET).
    pub const EMAIL_VERIFY: &str = "/user/email/verify";
}

/// Who a verification email goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailVerificationRecipient {
    /// The user's (primary) id.
    pub user_id: String,
    /// The login method whose email is verified.
    pub recipe_user_id: String,
    /// The email to verify.
    pub email: String,
    /// The tenant (of the token and the link).
    pub tenant_id: String,
}

/// What the recipe and its `st-ev` claim share.
pub(crate) struct EmailVerificationCore {
    pub(crate) querier: Arc<Querier>,
    pub(crate) functions: Arc<dyn EmailVerificationFunctions>,
    pub(crate) lookup: Option<Arc<dyn EmailLookup>>,
}

impl EmailVerificationCore {
    /// node's `getEmailForRecipeUserId`: the app's lookup first (unless it answers unknown),
    /// then the email of the user's login method with this id, from the core.
    pub(crate) async fn email_for_recipe_user_id(
        &self,
        recipe_user_id: &str,
    ) -> Result<EmailLookupResult> {
        if let Some(lookup) = &self.lookup {
            let found = lookup.email_for_recipe_user_id(recipe_user_id).await?;
            if found != EmailLookupResult::UnknownUserIdError {
                return Ok(found);
            }
        }
        let Some(user) = supertokens::users::get_user_by_id(&self.querier, recipe_user_id).await?
        else {
            return Ok(EmailLookupResult::UnknownUserIdError);
        };
        Ok(
            match user
                .login_methods
                .iter()
                .find(|method| method.recipe_user_id == recipe_user_id)
            {
                Some(method) => match &method.email {
                    Some(email) => EmailLookupResult::Ok {
                        email: email.clone(),
                    },
                    None => EmailLookupResult::EmailDoesNotExistError,
                },
                None => EmailLookupResult::UnknownUserIdError,
            },
        )
    }
}

/// The email verification recipe.
pub struct EmailVerificationRecipe {
    app_info: NormalisedAppInfo,
    mode: EmailVerificationMode,
    core: Arc<EmailVerificationCore>,
    apis: Arc<dyn EmailVerificationApis>,
    email_delivery: Option<Arc<dyn EmailDelivery>>,
    email_template: Option<EmailTemplate>,
    disabled: DisabledApis,
}

impl fmt::Debug for EmailVerificationRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailVerificationRecipe")
            .field("mode", &self.mode)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// The email verification recipe for `recipe_list` (with the session recipe, in any order).
/// Configuration mistakes (a missing email delivery) surface from `supertokens::init`.
pub fn init(config: EmailVerificationConfig) -> Box<dyn RecipeBuilder> {
    supertokens::recipe_builder(config, EmailVerificationRecipe::new)
}

impl EmailVerificationRecipe {
    /// Validates the configuration, builds the recipe, and registers the `st-ev` claim with
    /// the session recipe of this `init` call (added to every new session); in `REQUIRED`
    /// mode also the global validator [`EmailVerificationClaim::is_verified`].
    pub fn new(config: EmailVerificationConfig, context: &InitContext) -> Result<Self> {
        config.validate()?;
        let mut functions: Arc<dyn EmailVerificationFunctions> =
            Arc::new(CoreFunctions::new(context.querier.clone()));
        if let Some(decorate) = &config.override_functions {
            functions = decorate(functions);
        }
        let mut apis: Arc<dyn EmailVerificationApis> = Arc::new(DefaultApis);
        if let Some(decorate) = &config.override_apis {
            apis = decorate(apis);
        }
        let core = Arc::new(EmailVerificationCore {
            querier: context.querier.clone(),
            functions,
            lookup: config.get_email_for_recipe_user_id,
        });
        let registry = context.shared::<ClaimRegistry>();
        registry.add_claim(Arc::new(VerifiedClaim { core: core.clone() }))?;
        if config.mode == EmailVerificationMode::Required {
            registry.add_claim_validator(Arc::new(EmailVerificationClaim::is_verified()));
        }
        Ok(Self {
            app_info: context.app_info.clone(),
            mode: config.mode,
            core,
            apis,
            email_delivery: config.email_delivery,
            email_template: config.email_template,
            disabled: config.disabled_apis,
        })
    }

    /// The recipe of an initialised SDK; a configuration error when it is not in the
    /// recipe list.
    pub fn from_supertokens(supertokens: &SuperTokens) -> Result<Arc<Self>> {
        supertokens.recipe::<Self>().ok_or_else(|| {
            SuperTokensError::Config(
                "the emailverification recipe is not initialised: add \
                 supertokens_emailverification::init(..) to recipe_list"
                    .into(),
            )
        })
    }

    /// `REQUIRED` or `OPTIONAL`.
    pub fn mode(&self) -> EmailVerificationMode {
        self.mode
    }

    /// The (possibly overridden) functions.
    pub fn functions(&self) -> &Arc<dyn EmailVerificationFunctions> {
        &self.core.functions
    }

    /// The (possibly overridden) APIs.
    pub fn apis(&self) -> &Arc<dyn EmailVerificationApis> {
        &self.apis
    }

    /// The app's identity.
    pub fn app_info(&self) -> &NormalisedAppInfo {
        &self.app_info
    }

    /// The email of a login method: the configured lookup first (unless it answers
    /// unknown), then the login method's email in the core.
    pub async fn email_for_recipe_user_id(
        &self,
        recipe_user_id: &str,
    ) -> Result<EmailLookupResult> {
        self.core.email_for_recipe_user_id(recipe_user_id).await
    }

    /// `<websiteDomain><websiteBasePath>/verify-email?token=<token>&tenantId=<tenant>`.
    pub fn email_verify_link(&self, token: &str, tenant_id: &str) -> String {
        self.app_info.website_link(
            "/verify-email",
            &[("token", token), ("tenantId", tenant_id)],
        )
    }

    /// The verification email for this input (the app's template, or the built-in one).
    pub fn render_email(&self, input: &EmailVerificationEmailInput) -> EmailMessage {
        match &self.email_template {
            Some(render) => render(input),
            None => email_verification_email(input),
        }
    }

    /// Renders and delivers the verification email with this token's link. Waits for the
    /// delivery and returns its failure.
    pub async fn send_email(
        &self,
        recipient: &EmailVerificationRecipient,
        token: &str,
    ) -> std::result::Result<(), EmailDeliveryError> {
        let input = EmailVerificationEmailInput {
            app_name: self.app_info.app_name.clone(),
            email: recipient.email.clone(),
            user_id: recipient.user_id.clone(),
            recipe_user_id: recipient.recipe_user_id.clone(),
            tenant_id: recipient.tenant_id.clone(),
            email_verify_link: self.email_verify_link(token, &recipient.tenant_id),
        };
        let message = self.render_email(&input);
        let delivery = self.email_delivery.as_ref().ok_or_else(|| {
            EmailDeliveryError::Config(
                "no email_delivery is configured for emailverification".into(),
            )
        })?;
        delivery.send(message).await
    }

    /// Sets the session's `st-ev` claim to whether its login method's current email is
    /// verified (a login method without an email counts as verified). A user the core does
    /// not know answers 401 `unauthorised`, clearing the tokens.
    pub async fn refresh_session_claim(&self, session: &SessionContainer) -> Result<()> {
        let recipe_user_id = session.recipe_user_id();
        let verified = match self.email_for_recipe_user_id(recipe_user_id).await? {
            EmailLookupResult::Ok { email } => {
                self.functions()
                    .is_email_verified(recipe_user_id, &email)
                    .await?
            }
            EmailLookupResult::EmailDoesNotExistError => true,
            EmailLookupResult::UnknownUserIdError => return Err(unknown_user_error()),
        };
        session
            .set_claim_value(&EmailVerificationClaim, verified.into())
            .await
    }
}

#[async_trait]
impl Recipe for EmailVerificationRecipe {
    fn recipe_id(&self) -> &'static str {
        RECIPE_ID
    }

    fn routes(&self) -> Vec<ApiRoute> {
        let route = ApiRoute::tenant_scoped;
        let d = &self.disabled;
        let mut routes = Vec::new();
        if !d.disable_generate_email_verify_token_post {
            routes.push(route(
                Method::POST,
                paths::GENERATE_EMAIL_VERIFY_TOKEN,
                route_ids::GENERATE_EMAIL_VERIFY_TOKEN,
            ));
        }
        if !d.disable_verify_email_post {
            routes.push(route(
                Method::POST,
                paths::EMAIL_VERIFY,
                route_ids::VERIFY_EMAIL,
            ));
        }
        if !d.disable_is_email_verified_get {
            routes.push(route(
                Method::GET,
                paths::EMAIL_VERIFY,
                route_ids::IS_EMAIL_VERIFIED,
            ));
        }
        routes
    }

    async fn handle(&self, api_id: &str, context: &ApiContext<'_>) -> Result<SdkResponse> {
        api::handle(self, api_id, context).await
    }
}
