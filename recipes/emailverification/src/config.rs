//! Configuration of the recipe.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use supertokens::{Result, SuperTokensError};
use supertokens_delivery::email::{EmailDelivery, EmailMessage};

use crate::email::EmailVerificationEmailInput;
use crate::interface::{EmailVerificationApis, EmailVerificationFunctions};

/// Whether sessions of unverified users are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailVerificationMode {
    /// `REQUIRED`: every `get_session` checks `st-ev` (a global claim validator), so protected
    /// routes answer 403 invalid claim until the email is verified (routes may opt out).
    Required,
    /// `OPTIONAL`: sessions carry `st-ev`, but only routes that ask check it.
    Optional,
}

impl EmailVerificationMode {
    /// `REQUIRED` or `OPTIONAL`, as node spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "REQUIRED",
            Self::Optional => "OPTIONAL",
        }
    }
}

/// The email of a login method, as found by [`EmailLookup`] (node's
/// `getEmailForRecipeUserId` result).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailLookupResult {
    /// The email to verify.
    Ok {
        /// The email.
        email: String,
    },
    /// The login method has no email (e.g. a phone number): it counts as verified.
    EmailDoesNotExistError,
    /// The id is unknown (here: the built-in lookup is tried next).
    UnknownUserIdError,
}

/// Finds the email of a login method, for users the core does not know (or whose email
/// lives elsewhere). Consulted before the built-in lookup (the login method's email in the
/// core); answering [`EmailLookupResult::UnknownUserIdError`] falls through to it.
#[async_trait]
pub trait EmailLookup: Send + Sync {
    /// The email of `recipe_user_id`.
    async fn email_for_recipe_user_id(&self, recipe_user_id: &str) -> Result<EmailLookupResult>;
}

type LookupFuture = Pin<Box<dyn Future<Output = Result<EmailLookupResult>> + Send>>;

struct FnLookup(Arc<dyn Fn(String) -> LookupFuture + Send + Sync>);

#[async_trait]
impl EmailLookup for FnLookup {
    async fn email_for_recipe_user_id(&self, recipe_user_id: &str) -> Result<EmailLookupResult> {
        (self.0)(recipe_user_id.to_owned()).await
    }
}

/// An [`EmailLookup`] from an async function of the recipe user id.
///
/// ```
/// use supertokens_emailverification::{EmailLookupResult, email_lookup};
/// let lookup = email_lookup(|recipe_user_id: String| async move {
///     Ok(match recipe_user_id.strip_prefix("legacy-") {
///         Some(name) => EmailLookupResult::Ok { email: format!("{name}@legacy.example") },
///         None => EmailLookupResult::UnknownUserIdError,
///     })
/// });
/// # let _ = lookup;
/// ```
pub fn email_lookup<F, Fut>(lookup: F) -> Arc<dyn EmailLookup>
where
    F: Fn(String) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<EmailLookupResult>> + Send + 'static,
{
    Arc::new(FnLookup(Arc::new(move |id| {
        Box::pin(lookup(id)) as LookupFuture
    })))
}

/// Writes the verification email (replaces the built-in template).
pub type EmailTemplate = Arc<dyn Fn(&EmailVerificationEmailInput) -> EmailMessage + Send + Sync>;
/// Turns the default functions into the app's (a decorator keeping the original).
pub type FunctionsOverride = Arc<
    dyn Fn(Arc<dyn EmailVerificationFunctions>) -> Arc<dyn EmailVerificationFunctions>
        + Send
        + Sync,
>;
/// Turns the default APIs into the app's (a decorator keeping the original).
pub type ApisOverride =
    Arc<dyn Fn(Arc<dyn EmailVerificationApis>) -> Arc<dyn EmailVerificationApis> + Send + Sync>;

/// Routes to leave out; a disabled route falls through to the app (404 unless it serves it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisabledApis {
    /// `POST /user/email/verify/token`.
    pub disable_generate_email_verify_token_post: bool,
    /// `POST /user/email/verify`.
    pub disable_verify_email_post: bool,
    /// `GET /user/email/verify`.
    pub disable_is_email_verified_get: bool,
}

/// What the app may configure. Start from [`EmailVerificationConfig::new`].
#[derive(Clone)]
pub struct EmailVerificationConfig {
    /// `REQUIRED` or `OPTIONAL`.
    pub mode: EmailVerificationMode,
    /// Sends the verification emails (required: `SmtpEmailDelivery`, or `LogEmailDelivery`
    /// in development).
    pub email_delivery: Option<Arc<dyn EmailDelivery>>,
    /// Writes the verification email; default [`email_verification_email`](crate::email::email_verification_email).
    pub email_template: Option<EmailTemplate>,
    /// Finds emails before the built-in lookup (node's `getEmailForRecipeUserId`).
    pub get_email_for_recipe_user_id: Option<Arc<dyn EmailLookup>>,
    /// Decorates the functions that talk to the core.
    pub override_functions: Option<FunctionsOverride>,
    /// Decorates the FDI route handlers.
    pub override_apis: Option<ApisOverride>,
    /// Routes to leave out.
    pub disabled_apis: DisabledApis,
}

impl EmailVerificationConfig {
    /// A configuration with this mode and nothing else set (add an email delivery).
    pub fn new(mode: EmailVerificationMode) -> Self {
        Self {
            mode,
            email_delivery: None,
            email_template: None,
            get_email_for_recipe_user_id: None,
            override_functions: None,
            override_apis: None,
            disabled_apis: DisabledApis::default(),
        }
    }

    /// Checks what `init` cannot do without.
    pub(crate) fn validate(&self) -> Result<()> {
        if self.email_delivery.is_none() {
            return Err(SuperTokensError::Config(
                "emailverification: email_delivery is required: configure SmtpEmailDelivery \
                 (or LogEmailDelivery in development)"
                    .into(),
            ));
        }
        Ok(())
    }
}

impl fmt::Debug for EmailVerificationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailVerificationConfig")
            .field("mode", &self.mode)
            .field("email_delivery", &self.email_delivery.is_some())
            .field("email_template", &self.email_template.is_some())
            .field(
                "get_email_for_recipe_user_id",
                &self.get_email_for_recipe_user_id.is_some(),
            )
            .field("override_functions", &self.override_functions.is_some())
            .field("override_apis", &self.override_apis.is_some())
            .field("disabled_apis", &self.disabled_apis)
            .finish()
    }
}
