//! Configuration of the recipe, and its normalised form.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use supertokens::multitenancy::factor_ids;
use supertokens::{Result, SuperTokensError};
use supertokens_delivery::email::{EmailDelivery, EmailMessage};
use supertokens_delivery::sms::{SmsDelivery, SmsMessage};
use supertokens_session::{Clock, SystemClock};

use crate::interface::{PasswordlessApis, PasswordlessFunctions};
use crate::limits::{InMemorySendLimiter, SendLimiter};
use crate::templates::{PasswordlessLoginEmailInput, PasswordlessLoginSmsInput};
use crate::validators::{default_email_validator, default_phone_number_validator};

/// How users are reached: what `POST /signinup/code` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContactMethod {
    /// Phone numbers only (codes and links go by SMS).
    Phone,
    /// Email addresses only.
    Email,
    /// Either; the frontend sends one of the two.
    EmailOrPhone,
}

impl ContactMethod {
    /// `PHONE`, `EMAIL` or `EMAIL_OR_PHONE`, as node spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "PHONE",
            Self::Email => "EMAIL",
            Self::EmailOrPhone => "EMAIL_OR_PHONE",
        }
    }

    /// Whether email addresses are accepted.
    pub fn allows_email(self) -> bool {
        matches!(self, Self::Email | Self::EmailOrPhone)
    }

    /// Whether phone numbers are accepted.
    pub fn allows_phone(self) -> bool {
        matches!(self, Self::Phone | Self::EmailOrPhone)
    }
}

/// What the user receives: a code to type, a magic link, or both. Sent to the frontend in
/// the create-code answer (`flowType`) so that it shows the matching screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FlowType {
    /// A one-time code to type (OTP).
    UserInputCode,
    /// A link that signs in when opened.
    MagicLink,
    /// Both: the message carries the code and the link.
    UserInputCodeAndMagicLink,
}

impl FlowType {
    /// `USER_INPUT_CODE`, `MAGIC_LINK` or `USER_INPUT_CODE_AND_MAGIC_LINK`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserInputCode => "USER_INPUT_CODE",
            Self::MagicLink => "MAGIC_LINK",
            Self::UserInputCodeAndMagicLink => "USER_INPUT_CODE_AND_MAGIC_LINK",
        }
    }

    /// Whether messages carry the code to type.
    pub fn sends_code(self) -> bool {
        matches!(self, Self::UserInputCode | Self::UserInputCodeAndMagicLink)
    }

    /// Whether messages carry the magic link.
    pub fn sends_link(self) -> bool {
        matches!(self, Self::MagicLink | Self::UserInputCodeAndMagicLink)
    }

    /// The flow type that matches a set of factor ids, as node derives it: only `link-*`
    /// → magic link; only `otp-*` → code; a mix → both.
    pub fn from_factors(factors: &[&str]) -> Self {
        if factors.iter().all(|factor| factor.starts_with("link")) {
            Self::MagicLink
        } else if factors.iter().all(|factor| factor.starts_with("otp")) {
            Self::UserInputCode
        } else {
            Self::UserInputCodeAndMagicLink
        }
    }
}

/// The first factors a contact method and flow type enable, in node's order
/// (`getEnabledPwlessFactors`).
pub fn enabled_factors(contact_method: ContactMethod, flow_type: FlowType) -> Vec<&'static str> {
    use factor_ids::{LINK_EMAIL, LINK_PHONE, OTP_EMAIL, OTP_PHONE};
    match (flow_type, contact_method) {
        (FlowType::MagicLink, ContactMethod::Email) => vec![LINK_EMAIL],
        (FlowType::MagicLink, ContactMethod::Phone) => vec![LINK_PHONE],
        (FlowType::MagicLink, ContactMethod::EmailOrPhone) => vec![LINK_EMAIL, LINK_PHONE],
        (FlowType::UserInputCode, ContactMethod::Email) => vec![OTP_EMAIL],
        (FlowType::UserInputCode, ContactMethod::Phone) => vec![OTP_PHONE],
        (FlowType::UserInputCode, ContactMethod::EmailOrPhone) => vec![OTP_EMAIL, OTP_PHONE],
        (FlowType::UserInputCodeAndMagicLink, ContactMethod::Email) => {
            vec![OTP_EMAIL, LINK_EMAIL]
        }
        (FlowType::UserInputCodeAndMagicLink, ContactMethod::Phone) => {
            vec![OTP_PHONE, LINK_PHONE]
        }
        (FlowType::UserInputCodeAndMagicLink, ContactMethod::EmailOrPhone) => {
            vec![OTP_EMAIL, OTP_PHONE, LINK_EMAIL, LINK_PHONE]
        }
    }
}

/// Checks an email address or phone number; `Some(message)` is shown to the user (sent as
/// `GENERAL_ERROR`).
#[async_trait]
pub trait ContactValidator: Send + Sync {
    /// The error message, or `None` when the value is acceptable. Emails arrive trimmed;
    /// phone numbers arrive as the frontend sent them.
    async fn validate(&self, value: &str, tenant_id: &str) -> Option<String>;
}

/// A validator made from a plain function.
struct FnValidator<F>(F);

#[async_trait]
impl<F> ContactValidator for FnValidator<F>
where
    F: Fn(&str, &str) -> Option<String> + Send + Sync,
{
    async fn validate(&self, value: &str, tenant_id: &str) -> Option<String> {
        (self.0)(value, tenant_id)
    }
}

/// A validator from a function of the value and the tenant id.
///
/// ```
/// let corp_only = supertokens_passwordless::validator(|email: &str, _tenant: &str| {
///     (!email.ends_with("@corp.example")).then(|| "Use your work email".to_owned())
/// });
/// # let _ = corp_only;
/// ```
pub fn validator<F>(validate: F) -> Arc<dyn ContactValidator>
where
    F: Fn(&str, &str) -> Option<String> + Send + Sync + 'static,
{
    Arc::new(FnValidator(validate))
}

/// Writes the sign-in email (replaces the built-in template).
pub type EmailTemplate = Arc<dyn Fn(&PasswordlessLoginEmailInput) -> EmailMessage + Send + Sync>;
/// Writes the sign-in text message (replaces the built-in template).
pub type SmsTemplate = Arc<dyn Fn(&PasswordlessLoginSmsInput) -> SmsMessage + Send + Sync>;
/// Turns the default functions into the app's (a decorator keeping the original).
pub type FunctionsOverride =
    Arc<dyn Fn(Arc<dyn PasswordlessFunctions>) -> Arc<dyn PasswordlessFunctions> + Send + Sync>;
/// Turns the default APIs into the app's (a decorator keeping the original).
pub type ApisOverride =
    Arc<dyn Fn(Arc<dyn PasswordlessApis>) -> Arc<dyn PasswordlessApis> + Send + Sync>;

/// Routes to leave out; a disabled route falls through to the app (404 unless it serves it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisabledApis {
    /// `POST /signinup/code`.
    pub disable_create_code_post: bool,
    /// `POST /signinup/code/resend`.
    pub disable_resend_code_post: bool,
    /// `POST /signinup/code/consume`.
    pub disable_consume_code_post: bool,
    /// `GET /passwordless/email/exists` and `GET /signup/email/exists`.
    pub disable_email_exists_get: bool,
    /// `GET /passwordless/phonenumber/exists` and `GET /signup/phonenumber/exists`.
    pub disable_phone_number_exists_get: bool,
    /// `GET /loginmethods`.
    pub disable_login_methods_get: bool,
}

/// Default minimum time between two codes for one device.
pub const DEFAULT_RESEND_COOLDOWN: Duration = Duration::from_secs(30);
/// Default number of codes one email address or phone number may be sent per window.
pub const DEFAULT_MAX_SENDS_PER_CONTACT: u32 = 5;
/// Default length of the sliding window of the send budget.
pub const DEFAULT_SEND_WINDOW: Duration = Duration::from_secs(3600);

/// Limits on sending codes, against abuse of the app as a mail or SMS cannon (and of the
/// app's SMS bill).
///
/// * **Resend cooldown**: a device gets no new code sooner than `resend_cooldown` after
///   its newest one. The time of the newest code comes from the core's code list, so the
///   cooldown holds across app instances; it is compared with the recipe's clock, so keep
///   the app's and the core's clocks in sync (NTP). `Duration::ZERO` turns it off.
/// * **Send budget**: an email address or phone number is sent at most
///   `max_sends_per_contact` codes (new sign-ins and resends alike) in any window of
///   `send_window`. Sends are counted *before* delivery, so a flood is cut off even while
///   deliveries are slow; a failed delivery gives its slot back. `0` turns it off.
///
/// The budget is counted by a [`SendLimiter`]. The default, [`InMemorySendLimiter`], counts
/// per process: with several app instances behind a load balancer each instance has its own
/// budget, so deployments with more than one instance should plug in a shared limiter
/// (e.g. on Redis or their database) through `limiter`.
#[derive(Clone)]
pub struct SendLimits {
    /// Minimum time between two codes for the same device; default 30 s.
    pub resend_cooldown: Duration,
    /// Codes per email address / phone number per window; default 5; 0 = unlimited.
    pub max_sends_per_contact: u32,
    /// Length of the sliding window; default 1 hour.
    pub send_window: Duration,
    /// Counts the sends; default an [`InMemorySendLimiter`] on the recipe's clock.
    pub limiter: Option<Arc<dyn SendLimiter>>,
}

impl Default for SendLimits {
    fn default() -> Self {
        Self {
            resend_cooldown: DEFAULT_RESEND_COOLDOWN,
            max_sends_per_contact: DEFAULT_MAX_SENDS_PER_CONTACT,
            send_window: DEFAULT_SEND_WINDOW,
            limiter: None,
        }
    }
}

impl SendLimits {
    /// No cooldown and no budget (tests, or apps that limit elsewhere).
    pub fn unlimited() -> Self {
        Self {
            resend_cooldown: Duration::ZERO,
            max_sends_per_contact: 0,
            send_window: DEFAULT_SEND_WINDOW,
            limiter: None,
        }
    }
}

impl fmt::Debug for SendLimits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendLimits")
            .field("resend_cooldown", &self.resend_cooldown)
            .field("max_sends_per_contact", &self.max_sends_per_contact)
            .field("send_window", &self.send_window)
            .field("custom_limiter", &self.limiter.is_some())
            .finish()
    }
}

/// Configuration of the passwordless recipe. Build it with [`PasswordlessConfig::new`] and
/// set the fields you need:
///
/// ```
/// # use std::sync::Arc;
/// use supertokens_passwordless::{ContactMethod, FlowType, PasswordlessConfig};
/// use supertokens_delivery::email::LogEmailDelivery;
/// let config = PasswordlessConfig {
///     // Development only: codes go to the log.
///     email_delivery: Some(Arc::new(LogEmailDelivery)),
///     ..PasswordlessConfig::new(ContactMethod::Email, FlowType::UserInputCodeAndMagicLink)
/// };
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct PasswordlessConfig {
    /// Email, phone, or either.
    pub contact_method: ContactMethod,
    /// Code, link, or both.
    pub flow_type: FlowType,
    /// Sends sign-in emails; required when `contact_method` accepts emails.
    pub email_delivery: Option<Arc<dyn EmailDelivery>>,
    /// Sends sign-in text messages; required when `contact_method` accepts phone numbers.
    pub sms_delivery: Option<Arc<dyn SmsDelivery>>,
    /// Replaces the default email validator (node's pattern, `Email is invalid`).
    pub validate_email: Option<Arc<dyn ContactValidator>>,
    /// Replaces the default phone number validator (international numbers that
    /// libphonenumber's metadata considers valid, `Phone number is invalid`).
    pub validate_phone_number: Option<Arc<dyn ContactValidator>>,
    /// Replaces the built-in sign-in email.
    pub email_template: Option<EmailTemplate>,
    /// Replaces the built-in sign-in text message.
    pub sms_template: Option<SmsTemplate>,
    /// Resend cooldown and send budget.
    pub limits: SendLimits,
    /// Decorates the functions that talk to the core.
    pub override_functions: Option<FunctionsOverride>,
    /// Decorates the FDI route handlers.
    pub override_apis: Option<ApisOverride>,
    /// Routes to leave out.
    pub disabled_apis: DisabledApis,
    /// The clock for the limits; default the system clock. Tests inject a manual one.
    pub clock: Option<Arc<dyn Clock>>,
}

impl PasswordlessConfig {
    /// A configuration with everything but the contact method and flow type defaulted. The
    /// delivery for the contact method must still be set.
    pub fn new(contact_method: ContactMethod, flow_type: FlowType) -> Self {
        Self {
            contact_method,
            flow_type,
            email_delivery: None,
            sms_delivery: None,
            validate_email: None,
            validate_phone_number: None,
            email_template: None,
            sms_template: None,
            limits: SendLimits::default(),
            override_functions: None,
            override_apis: None,
            disabled_apis: DisabledApis::default(),
            clock: None,
        }
    }
}

impl fmt::Debug for PasswordlessConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordlessConfig")
            .field("contact_method", &self.contact_method)
            .field("flow_type", &self.flow_type)
            .field("email_delivery", &self.email_delivery.is_some())
            .field("sms_delivery", &self.sms_delivery.is_some())
            .field("validate_email", &self.validate_email.is_some())
            .field(
                "validate_phone_number",
                &self.validate_phone_number.is_some(),
            )
            .field("email_template", &self.email_template.is_some())
            .field("sms_template", &self.sms_template.is_some())
            .field("limits", &self.limits)
            .field("override_functions", &self.override_functions.is_some())
            .field("override_apis", &self.override_apis.is_some())
            .field("disabled_apis", &self.disabled_apis)
            .field("clock", &self.clock.is_some())
            .finish()
    }
}

/// The send budget after normalisation.
#[derive(Clone)]
pub struct SendBudget {
    /// Sends per contact per window (never 0).
    pub max_sends: u32,
    /// The sliding window.
    pub window: Duration,
    /// The limiter counting them.
    pub limiter: Arc<dyn SendLimiter>,
}

impl fmt::Debug for SendBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SendBudget")
            .field("max_sends", &self.max_sends)
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

/// The configuration after validation: every default filled in.
#[derive(Clone)]
pub struct NormalisedPasswordlessConfig {
    /// Email, phone, or either.
    pub contact_method: ContactMethod,
    /// Code, link, or both.
    pub flow_type: FlowType,
    /// Present whenever the contact method accepts emails.
    pub email_delivery: Option<Arc<dyn EmailDelivery>>,
    /// Present whenever the contact method accepts phone numbers.
    pub sms_delivery: Option<Arc<dyn SmsDelivery>>,
    /// Email validator.
    pub validate_email: Arc<dyn ContactValidator>,
    /// Phone number validator.
    pub validate_phone_number: Arc<dyn ContactValidator>,
    /// The app's email template, if any.
    pub email_template: Option<EmailTemplate>,
    /// The app's SMS template, if any.
    pub sms_template: Option<SmsTemplate>,
    /// Resend cooldown (`None` = off).
    pub resend_cooldown: Option<Duration>,
    /// Send budget (`None` = off).
    pub send_budget: Option<SendBudget>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl fmt::Debug for NormalisedPasswordlessConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalisedPasswordlessConfig")
            .field("contact_method", &self.contact_method)
            .field("flow_type", &self.flow_type)
            .field("email_delivery", &self.email_delivery.is_some())
            .field("sms_delivery", &self.sms_delivery.is_some())
            .field("email_template", &self.email_template.is_some())
            .field("sms_template", &self.sms_template.is_some())
            .field("resend_cooldown", &self.resend_cooldown)
            .field("send_budget", &self.send_budget)
            .finish_non_exhaustive()
    }
}

/// Validates the configuration; errors name the field.
pub fn normalise(config: &PasswordlessConfig) -> Result<NormalisedPasswordlessConfig> {
    let contact = config.contact_method;
    if contact.allows_email() && config.email_delivery.is_none() {
        return Err(SuperTokensError::Config(format!(
            "passwordless: email_delivery is required when contact_method is {} (use \
             supertokens_delivery::email::SmtpEmailDelivery, or LogEmailDelivery in development)",
            contact.as_str()
        )));
    }
    if contact.allows_phone() && config.sms_delivery.is_none() {
        return Err(SuperTokensError::Config(format!(
            "passwordless: sms_delivery is required when contact_method is {} (configure an \
             SmsDelivery from supertokens_delivery::sms)",
            contact.as_str()
        )));
    }
    let limits = &config.limits;
    if limits.max_sends_per_contact > 0 && limits.send_window.is_zero() {
        return Err(SuperTokensError::Config(
            "passwordless: limits.send_window must be longer than zero when \
             limits.max_sends_per_contact is set (use 0 sends to turn the budget off)"
                .into(),
        ));
    }
    let clock: Arc<dyn Clock> = config
        .clock
        .clone()
        .unwrap_or_else(|| Arc::new(SystemClock));
    let send_budget = (limits.max_sends_per_contact > 0).then(|| SendBudget {
        max_sends: limits.max_sends_per_contact,
        window: limits.send_window,
        limiter: limits
            .limiter
            .clone()
            .unwrap_or_else(|| Arc::new(InMemorySendLimiter::new(clock.clone()))),
    });
    Ok(NormalisedPasswordlessConfig {
        contact_method: contact,
        flow_type: config.flow_type,
        email_delivery: config.email_delivery.clone(),
        sms_delivery: config.sms_delivery.clone(),
        validate_email: config
            .validate_email
            .clone()
            .unwrap_or_else(|| validator(|value, _| default_email_validator(value))),
        validate_phone_number: config
            .validate_phone_number
            .clone()
            .unwrap_or_else(|| validator(|value, _| default_phone_number_validator(value))),
        email_template: config.email_template.clone(),
        sms_template: config.sms_template.clone(),
        resend_cooldown: (!limits.resend_cooldown.is_zero()).then_some(limits.resend_cooldown),
        send_budget,
        clock,
    })
}

#[cfg(test)]
mod tests {
    use supertokens_delivery::email::CapturingEmailDelivery;
    use supertokens_delivery::sms::SmsDeliveryError;

    use super::*;

    struct NoSms;

    #[async_trait]
    impl SmsDelivery for NoSms {
        async fn send(&self, _message: SmsMessage) -> std::result::Result<(), SmsDeliveryError> {
            Ok(())
        }
    }

    fn error(config: &PasswordlessConfig) -> String {
        normalise(config).unwrap_err().to_string()
    }

    #[test]
    fn deliveries_are_required_for_the_contact_method() {
        let email = PasswordlessConfig::new(ContactMethod::Email, FlowType::MagicLink);
        assert!(
            error(&email).contains("email_delivery"),
            "{}",
            error(&email)
        );
        let phone = PasswordlessConfig::new(ContactMethod::Phone, FlowType::UserInputCode);
        assert!(error(&phone).contains("sms_delivery"), "{}", error(&phone));
        let either = PasswordlessConfig {
            email_delivery: Some(Arc::new(CapturingEmailDelivery::new())),
            ..PasswordlessConfig::new(ContactMethod::EmailOrPhone, FlowType::UserInputCode)
        };
        let message = error(&either);
        assert!(
            message.contains("sms_delivery") && message.contains("EMAIL_OR_PHONE"),
            "{message}"
        );
        let complete = PasswordlessConfig {
            sms_delivery: Some(Arc::new(NoSms)),
            ..either
        };
        let normalised = normalise(&complete).unwrap();
        assert_eq!(normalised.resend_cooldown, Some(DEFAULT_RESEND_COOLDOWN));
        assert_eq!(
            normalised
                .send_budget
                .as_ref()
                .map(|budget| budget.max_sends),
            Some(DEFAULT_MAX_SENDS_PER_CONTACT)
        );
        // Phone only: no email delivery needed.
        let phone_only = PasswordlessConfig {
            sms_delivery: Some(Arc::new(NoSms)),
            ..PasswordlessConfig::new(ContactMethod::Phone, FlowType::UserInputCode)
        };
        assert!(normalise(&phone_only).is_ok());
    }

    #[test]
    fn limits_are_checked_and_can_be_turned_off() {
        let base = PasswordlessConfig {
            email_delivery: Some(Arc::new(CapturingEmailDelivery::new())),
            ..PasswordlessConfig::new(ContactMethod::Email, FlowType::UserInputCode)
        };
        let zero_window = PasswordlessConfig {
            limits: SendLimits {
                send_window: Duration::ZERO,
                ..SendLimits::default()
            },
            ..base.clone()
        };
        assert!(error(&zero_window).contains("limits.send_window"));
        let off = normalise(&PasswordlessConfig {
            limits: SendLimits::unlimited(),
            ..base
        })
        .unwrap();
        assert!(off.resend_cooldown.is_none() && off.send_budget.is_none());
    }

    #[test]
    fn factors_and_flow_types() {
        assert_eq!(
            enabled_factors(ContactMethod::Email, FlowType::UserInputCode),
            ["otp-email"]
        );
        assert_eq!(
            enabled_factors(ContactMethod::Phone, FlowType::MagicLink),
            ["link-phone"]
        );
        assert_eq!(
            enabled_factors(
                ContactMethod::EmailOrPhone,
                FlowType::UserInputCodeAndMagicLink
            ),
            ["otp-email", "otp-phone", "link-email", "link-phone"]
        );
        assert_eq!(
            FlowType::from_factors(&["otp-email", "link-email"]),
            FlowType::UserInputCodeAndMagicLink
        );
        assert_eq!(
            FlowType::from_factors(&["otp-email"]),
            FlowType::UserInputCode
        );
        assert_eq!(FlowType::from_factors(&["link-phone"]), FlowType::MagicLink);
        assert_eq!(
            serde_json::to_value(FlowType::UserInputCodeAndMagicLink).unwrap(),
            "USER_INPUT_CODE_AND_MAGIC_LINK"
        );
        assert_eq!(
            serde_json::to_value(ContactMethod::EmailOrPhone).unwrap(),
            "EMAIL_OR_PHONE"
        );
    }

    #[test]
    fn debug_shows_no_secrets_or_closures() {
        let config = PasswordlessConfig::new(ContactMethod::Email, FlowType::MagicLink);
        let text = format!("{config:?}");
        assert!(text.contains("contact_method: Email"), "{text}");
    }
}
