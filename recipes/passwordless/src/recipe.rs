//! The recipe as the SDK sees it: its routes, and the state shared by its handlers (the
//! configuration, deliveries and limits).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::Method;
use supertokens::cdi::passwordless::CreatedCode;
use supertokens::{
    ApiContext, ApiRoute, InitContext, NormalisedAppInfo, Recipe, RecipeBuilder, Result,
    SdkResponse, SuperTokens, SuperTokensError,
};

use crate::RECIPE_ID;
use crate::api;
use crate::config::{
    DisabledApis, FlowType, NormalisedPasswordlessConfig, PasswordlessConfig, enabled_factors,
    normalise,
};
use crate::implementation::{CoreFunctions, DefaultApis};
use crate::interface::{Contact, PasswordlessApis, PasswordlessFunctions};
use crate::limits::{SendDecision, SendSlot, budget_key};
use crate::templates::{
    PasswordlessLoginEmailInput, PasswordlessLoginSmsInput, passwordless_login_email,
    passwordless_login_sms,
};

/// Route ids handed back to [`Recipe::handle`].
pub(crate) mod route_ids {
    pub(crate) const CREATE_CODE: &str = "create_code";
    pub(crate) const RESEND_CODE: &str = "resend_code";
    pub(crate) const CONSUME_CODE: &str = "consume_code";
    pub(crate) const EMAIL_EXISTS: &str = "email_exists";
    pub(crate) const PHONE_NUMBER_EXISTS: &str = "phone_number_exists";
    pub(crate) const LOGIN_METHODS: &str = "login_methods";
}

/// FDI paths (below the API base path, after the optional tenant segment).
pub mod paths {
    /// Create a device and send its first code.
    pub const CREATE_CODE: &str = "/signinup/code";
    /// Send another code for a device.
    pub const RESEND_CODE: &str = "/signinup/code/resend";
    /// Sign in with a code or link.
    pub const CONSUME_CODE: &str = "/signinup/code/consume";
    /// Email-exists check.
    pub const EMAIL_EXISTS: &str = "/passwordless/email/exists";
    /// Deprecated email-exists path (shared with emailpassword: the `rid` header picks).
    pub const EMAIL_EXISTS_OLD: &str = "/signup/email/exists";
    /// Phone-number-exists check, as supertokens-web-js calls it.
    pub const PHONE_NUMBER_EXISTS: &str = "/passwordless/phonenumber/exists";
    /// Deprecated phone-number-exists path.
    pub const PHONE_NUMBER_EXISTS_OLD: &str = "/signup/phonenumber/exists";
    /// The same two paths in the camel case some docs and older SDKs use.
    pub const PHONE_NUMBER_EXISTS_CAMEL: [&str; 2] = [
        "/passwordless/phoneNumber/exists",
        "/signup/phoneNumber/exists",
    ];
    /// Login methods of the tenant (multitenancy).
    pub const LOGIN_METHODS: &str = "/loginmethods";
}

/// Whether a send may go ahead under the send budget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendPermit {
    /// Go ahead; give the slot back with [`PasswordlessRecipe::release_send`] if the send
    /// does not happen (`None` when the budget is off).
    Granted(Option<SendSlot>),
    /// The contact's budget is spent.
    Denied {
        /// When a slot frees up.
        retry_after: Duration,
    },
}

/// Why a code could not be delivered (the delivery's error text; never the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DeliveryFailure(pub String);

/// The passwordless recipe.
pub struct PasswordlessRecipe {
    app_info: NormalisedAppInfo,
    config: NormalisedPasswordlessConfig,
    functions: Arc<dyn PasswordlessFunctions>,
    apis: Arc<dyn PasswordlessApis>,
    disabled: DisabledApis,
}

impl fmt::Debug for PasswordlessRecipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordlessRecipe")
            .field("config", &self.config)
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// The passwordless recipe for `recipe_list`. Configuration mistakes (such as a missing
/// delivery for the contact method) surface from `supertokens::init`, naming the field.
pub fn init(config: PasswordlessConfig) -> Box<dyn RecipeBuilder> {
    supertokens::recipe_builder(
        config,
        |config: PasswordlessConfig, context: &InitContext| {
            PasswordlessRecipe::new(&config, context)
        },
    )
}

impl PasswordlessRecipe {
    /// Validates the configuration and builds the recipe.
    pub fn new(config: &PasswordlessConfig, context: &InitContext) -> Result<Self> {
        let normalised = normalise(config)?;
        let mut functions: Arc<dyn PasswordlessFunctions> =
            Arc::new(CoreFunctions::new(context.querier.clone()));
        if let Some(decorate) = &config.override_functions {
            functions = decorate(functions);
        }
        let mut apis: Arc<dyn PasswordlessApis> = Arc::new(DefaultApis);
        if let Some(decorate) = &config.override_apis {
            apis = decorate(apis);
        }
        Ok(Self {
            app_info: context.app_info.clone(),
            config: normalised,
            functions,
            apis,
            disabled: config.disabled_apis,
        })
    }

    /// The recipe of an initialised SDK; a configuration error when it is not in the
    /// recipe list.
    pub fn from_supertokens(supertokens: &SuperTokens) -> Result<Arc<Self>> {
        supertokens.recipe::<Self>().ok_or_else(|| {
            SuperTokensError::Config(
                "the passwordless recipe is not initialised: add supertokens_passwordless::init(..) \
                 to recipe_list"
                    .into(),
            )
        })
    }

    /// The (possibly overridden) functions.
    pub fn functions(&self) -> &Arc<dyn PasswordlessFunctions> {
        &self.functions
    }

    /// The (possibly overridden) APIs.
    pub fn apis(&self) -> &Arc<dyn PasswordlessApis> {
        &self.apis
    }

    /// The validated configuration.
    pub fn config(&self) -> &NormalisedPasswordlessConfig {
        &self.config
    }

    /// The app's identity.
    pub fn app_info(&self) -> &NormalisedAppInfo {
        &self.app_info
    }

    /// The first factors this recipe provides (`otp-email`, `link-phone`, …).
    pub fn enabled_factors(&self) -> Vec<&'static str> {
        enabled_factors(self.config.contact_method, self.config.flow_type)
    }

    /// `<websiteDomain><websiteBasePath>/verify?preAuthSessionId=<id>&tenantId=<t>#<linkCode>`.
    pub fn magic_link(
        &self,
        pre_auth_session_id: &str,
        link_code: &str,
        tenant_id: &str,
    ) -> String {
        let page = self.app_info.website_link(
            "/verify",
            &[
                ("preAuthSessionId", pre_auth_session_id),
                ("tenantId", tenant_id),
            ],
        );
        format!("{page}#{link_code}")
    }

    /// Renders and delivers a code: by SMS for a phone number, by email otherwise, with the
    /// code and/or link the flow type calls for. Waits for the delivery; its failure is
    /// returned (the caller decides what to undo).
    pub async fn send_code(
        &self,
        contact: &Contact,
        code: &CreatedCode,
        flow_type: FlowType,
        tenant_id: &str,
    ) -> std::result::Result<(), DeliveryFailure> {
        let user_input_code = flow_type.sends_code().then(|| code.user_input_code.clone());
        let url_with_link_code = flow_type
            .sends_link()
            .then(|| self.magic_link(&code.pre_auth_session_id, &code.link_code, tenant_id));
        match contact {
            Contact::PhoneNumber(phone_number) => {
                let input = PasswordlessLoginSmsInput {
                    app_name: self.app_info.app_name.clone(),
                    phone_number: phone_number.clone(),
                    user_input_code,
                    url_with_link_code,
                    code_lifetime_ms: code.code_lifetime,
                    pre_auth_session_id: code.pre_auth_session_id.clone(),
                    tenant_id: tenant_id.to_owned(),
                    is_first_factor: true,
                };
                let message = match &self.config.sms_template {
                    Some(render) => render(&input),
                    None => passwordless_login_sms(&input),
                };
                let delivery = self.config.sms_delivery.as_ref().ok_or_else(|| {
                    DeliveryFailure("no sms_delivery is configured for passwordless".into())
                })?;
                delivery
                    .send(message)
                    .await
                    .map_err(|error| DeliveryFailure(error.to_string()))
            }
            Contact::Email(email) => {
                let input = PasswordlessLoginEmailInput {
                    app_name: self.app_info.app_name.clone(),
                    email: email.clone(),
                    user_input_code,
                    url_with_link_code,
                    code_lifetime_ms: code.code_lifetime,
                    pre_auth_session_id: code.pre_auth_session_id.clone(),
                    tenant_id: tenant_id.to_owned(),
                    is_first_factor: true,
                };
                let message = match &self.config.email_template {
                    Some(render) => render(&input),
                    None => passwordless_login_email(&input),
                };
                let delivery = self.config.email_delivery.as_ref().ok_or_else(|| {
                    DeliveryFailure("no email_delivery is configured for passwordless".into())
                })?;
                delivery
                    .send(message)
                    .await
                    .map_err(|error| DeliveryFailure(error.to_string()))
            }
        }
    }

    /// Counts a send against the contact's budget (always granted when the budget is off).
    pub async fn acquire_send(&self, contact: &Contact) -> Result<SendPermit> {
        let Some(budget) = &self.config.send_budget else {
            return Ok(SendPermit::Granted(None));
        };
        Ok(
            match budget
                .limiter
                .acquire(&budget_key(contact), budget.max_sends, budget.window)
                .await?
            {
                SendDecision::Allowed(slot) => SendPermit::Granted(Some(slot)),
                SendDecision::Denied { retry_after } => SendPermit::Denied { retry_after },
            },
        )
    }

    /// Gives a budget slot back (the send did not happen). Failures are logged, not returned:
    /// the request has already failed for another reason.
    pub async fn release_send(&self, slot: Option<&SendSlot>) {
        if let (Some(budget), Some(slot)) = (&self.config.send_budget, slot)
            && let Err(error) = budget.limiter.release(slot).await
        {
            tracing::warn!(%error, "passwordless: could not give a send budget slot back");
        }
    }

    /// Undoes a send whose delivery failed: revokes the code (the core deletes the device
    /// when it was its last code) and gives the budget slot back. Logs at WARN, without the
    /// code or link.
    pub async fn undo_send(
        &self,
        failure: &DeliveryFailure,
        code: &CreatedCode,
        slot: Option<&SendSlot>,
        tenant_id: &str,
    ) {
        tracing::warn!(
            error = %failure,
            pre_auth_session_id = %code.pre_auth_session_id,
            tenant_id,
            "passwordless: the sign-in code could not be delivered; it was revoked"
        );
        if let Err(error) = self.functions.revoke_code(&code.code_id, tenant_id).await {
            tracing::warn!(
                %error,
                pre_auth_session_id = %code.pre_auth_session_id,
                "passwordless: could not revoke an undelivered code"
            );
        }
        self.release_send(slot).await;
    }
}

#[async_trait]
impl Recipe for PasswordlessRecipe {
    fn recipe_id(&self) -> &'static str {
        RECIPE_ID
    }

    fn routes(&self) -> Vec<ApiRoute> {
        let route = ApiRoute::tenant_scoped;
        let d = &self.disabled;
        let mut routes = Vec::new();
        if !d.disable_create_code_post {
            routes.push(route(
                Method::POST,
                paths::CREATE_CODE,
                route_ids::CREATE_CODE,
            ));
        }
        if !d.disable_resend_code_post {
            routes.push(route(
                Method::POST,
                paths::RESEND_CODE,
                route_ids::RESEND_CODE,
            ));
        }
        if !d.disable_consume_code_post {
            routes.push(route(
                Method::POST,
                paths::CONSUME_CODE,
                route_ids::CONSUME_CODE,
            ));
        }
        if !d.disable_email_exists_get {
            for path in [paths::EMAIL_EXISTS, paths::EMAIL_EXISTS_OLD] {
                routes.push(route(Method::GET, path, route_ids::EMAIL_EXISTS));
            }
        }
        if !d.disable_phone_number_exists_get {
            for path in [paths::PHONE_NUMBER_EXISTS, paths::PHONE_NUMBER_EXISTS_OLD]
                .into_iter()
                .chain(paths::PHONE_NUMBER_EXISTS_CAMEL)
            {
                routes.push(route(Method::GET, path, route_ids::PHONE_NUMBER_EXISTS));
            }
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
        self.enabled_factors()
    }
}
