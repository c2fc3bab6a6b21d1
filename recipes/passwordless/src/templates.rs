//! The built-in sign-in email and text message. Apps replace them with
//! [`PasswordlessConfig::email_template`](crate::PasswordlessConfig::email_template) /
//! [`sms_template`](crate::PasswordlessConfig::sms_template); deliveries come from
//! [`supertokens_delivery`].
//!
//! Codes and links are credentials: the inputs' `Debug` hides them, and the recipe never logs
//! them.

use std::fmt;

use supertokens_delivery::email::layout::{HtmlEmail, link_button, paragraph};
use supertokens_delivery::email::{EmailMessage, escape_html};
use supertokens_delivery::sms::SmsMessage;

/// What the sign-in email is written from (node's `PASSWORDLESS_LOGIN` email input).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordlessLoginEmailInput {
    /// The app's name (from `app_info`).
    pub app_name: String,
    /// The recipient.
    pub email: String,
    /// The code to type, when the flow type sends one.
    pub user_input_code: Option<String>,
    /// The magic link, when the flow type sends one:
    /// `<websiteDomain><websiteBasePath>/verify?preAuthSessionId=…&tenantId=…#<linkCode>`.
    pub url_with_link_code: Option<String>,
    /// How long the code and link stay valid, in milliseconds.
    pub code_lifetime_ms: i64,
    /// The device's public id.
    pub pre_auth_session_id: String,
    /// The tenant.
    pub tenant_id: String,
    /// Whether this sign-in is a first factor (always true: this SDK has no MFA).
    pub is_first_factor: bool,
}

/// What the sign-in text message is written from (node's `PASSWORDLESS_LOGIN` SMS input).
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordlessLoginSmsInput {
    /// The app's name (from `app_info`).
    pub app_name: String,
    /// The recipient, E.164.
    pub phone_number: String,
    /// The code to type, when the flow type sends one.
    pub user_input_code: Option<String>,
    /// The magic link, when the flow type sends one.
    pub url_with_link_code: Option<String>,
    /// How long the code and link stay valid, in milliseconds.
    pub code_lifetime_ms: i64,
    /// The device's public id.
    pub pre_auth_session_id: String,
    /// The tenant.
    pub tenant_id: String,
    /// Whether this sign-in is a first factor (always true: this SDK has no MFA).
    pub is_first_factor: bool,
}

fn redacted(value: &Option<String>) -> Option<&'static str> {
    value.as_ref().map(|_| "<redacted>")
}

impl fmt::Debug for PasswordlessLoginEmailInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordlessLoginEmailInput")
            .field("app_name", &self.app_name)
            .field("email", &self.email)
            .field("user_input_code", &redacted(&self.user_input_code))
            .field("url_with_link_code", &redacted(&self.url_with_link_code))
            .field("code_lifetime_ms", &self.code_lifetime_ms)
            .field("pre_auth_session_id", &self.pre_auth_session_id)
            .field("tenant_id", &self.tenant_id)
            .field("is_first_factor", &self.is_first_factor)
            .finish()
    }
}

impl fmt::Debug for PasswordlessLoginSmsInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordlessLoginSmsInput")
            .field("app_name", &self.app_name)
            .field("phone_number", &self.phone_number)
            .field("user_input_code", &redacted(&self.user_input_code))
            .field("url_with_link_code", &redacted(&self.url_with_link_code))
            .field("code_lifetime_ms", &self.code_lifetime_ms)
            .field("pre_auth_session_id", &self.pre_auth_session_id)
            .field("tenant_id", &self.tenant_id)
            .field("is_first_factor", &self.is_first_factor)
            .finish()
    }
}

/// A lifetime in words: `15 minutes`, `1 hour`, `45 seconds` (rounded up to the unit).
pub fn lifetime_text(lifetime_ms: i64) -> String {
    let ms = lifetime_ms.max(0);
    let plural =
        |count: i64, unit: &str| format!("{count} {unit}{}", if count == 1 { "" } else { "s" });
    if ms < 60_000 {
        plural((ms + 999) / 1000, "second")
    } else if ms % 3_600_000 == 0 {
        plural(ms / 3_600_000, "hour")
    } else {
        plural((ms + 59_999) / 60_000, "minute")
    }
}

/// The built-in sign-in email: subject, plain text and HTML, with the code and/or the link,
/// the app name and the lifetime.
pub fn passwordless_login_email(input: &PasswordlessLoginEmailInput) -> EmailMessage {
    let app = &input.app_name;
    let lifetime = lifetime_text(input.code_lifetime_ms);
    let code = input.user_input_code.as_deref();
    let link = input.url_with_link_code.as_deref();
    // The subject shows up in logs and notifications: it never carries the code.
    let subject = match code {
        Some(_) => format!("Your {app} sign-in code"),
        None => format!("Sign in to {app}"),
    };

    let mut text =
        format!("Hello,\n\nSomeone asked to sign in to {app} with this email address.\n\n");
    if let Some(code) = code {
        text.push_str(&format!("Your sign-in code is: {code}\n\n"));
    }
    if let Some(link) = link {
        let lead = if code.is_some() {
            "Or open this link"
        } else {
            "Open this link to sign in"
        };
        text.push_str(&format!("{lead}:\n{link}\n\n"));
    }
    text.push_str(&format!(
        "It expires in {lifetime} and works once. If you did not ask for this, ignore this \
         email: nobody can sign in without it.\n\n{app}\n"
    ));

    let mut body_html = paragraph(&format!(
        "Someone asked to sign in to {app} with this email address."
    ));
    if let Some(code) = code {
        body_html.push_str(&format!(
            "<p style=\"margin:0 0 8px;line-height:1.5\">Your sign-in code is:</p>\n\
             <p style=\"margin:0 0 24px;font-size:32px;font-weight:bold;letter-spacing:6px;font-family:Menlo,Consolas,monospace\">{}</p>\n",
            escape_html(code)
        ));
    }
    if let Some(link) = link {
        let label = if code.is_some() {
            "Or sign in with one click"
        } else {
            "Sign in"
        };
        body_html.push_str(&link_button(link, label));
    }
    let html = HtmlEmail {
        app_name: app,
        title: &format!("Sign in to {app}"),
        heading: &format!("Sign in to {app}"),
        body_html: &body_html,
        footnote: &format!(
            "It expires in {lifetime} and works once. If you did not ask for this, ignore this \
             email: nobody can sign in without it."
        ),
    }
    .render();
    EmailMessage {
        to: input.email.clone(),
        subject,
        text_body: text,
        html_body: html,
    }
}

/// The built-in sign-in text message: short, with the code and/or the link.
pub fn passwordless_login_sms(input: &PasswordlessLoginSmsInput) -> SmsMessage {
    let app = &input.app_name;
    let lifetime = lifetime_text(input.code_lifetime_ms);
    let body = match (
        input.user_input_code.as_deref(),
        input.url_with_link_code.as_deref(),
    ) {
        (Some(code), Some(link)) => format!(
            "{code} is your {app} sign-in code, or sign in with {link} . Expires in {lifetime}."
        ),
        (Some(code), None) => {
            format!("{code} is your {app} sign-in code. Expires in {lifetime}.")
        }
        (None, Some(link)) => format!("Sign in to {app}: {link} . Expires in {lifetime}."),
        (None, None) => format!("Sign in to {app}. Expires in {lifetime}."),
    };
    SmsMessage {
        to: input.phone_number.clone(),
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str =
        "https://acme.test/auth/verify?preAuthSessionId=p-1&tenantId=public#secret-link-code";

    fn email(code: Option<&str>, link: Option<&str>) -> PasswordlessLoginEmailInput {
        PasswordlessLoginEmailInput {
            app_name: "Acme <Shop> & Co".into(),
            email: "a@b.co".into(),
            user_input_code: code.map(str::to_owned),
            url_with_link_code: link.map(str::to_owned),
            code_lifetime_ms: 900_000,
            pre_auth_session_id: "p-1".into(),
            tenant_id: "public".into(),
            is_first_factor: true,
        }
    }

    fn sms(code: Option<&str>, link: Option<&str>) -> PasswordlessLoginSmsInput {
        PasswordlessLoginSmsInput {
            app_name: "Acme".into(),
            phone_number: "+16502530000".into(),
            user_input_code: code.map(str::to_owned),
            url_with_link_code: link.map(str::to_owned),
            code_lifetime_ms: 600_000,
            pre_auth_session_id: "p-1".into(),
            tenant_id: "public".into(),
            is_first_factor: true,
        }
    }

    #[test]
    fn emails_carry_what_the_flow_type_sends() {
        let code_only = passwordless_login_email(&email(Some("123456"), None));
        assert_eq!(code_only.to, "a@b.co");
        assert_eq!(code_only.subject, "Your Acme <Shop> & Co sign-in code");
        assert!(code_only.text_body.contains("Your sign-in code is: 123456"));
        assert!(code_only.html_body.contains(">123456<"));
        assert!(!code_only.text_body.contains("http"));
        assert!(!code_only.html_body.contains("href=\"https"));
        assert!(code_only.text_body.contains("15 minutes"));

        let link_only = passwordless_login_email(&email(None, Some(LINK)));
        assert_eq!(link_only.subject, "Sign in to Acme <Shop> & Co");
        assert!(link_only.text_body.contains(LINK));
        assert!(!link_only.text_body.contains("code is"));
        assert!(link_only.html_body.contains(
            "href=\"https://acme.test/auth/verify?preAuthSessionId=p-1&amp;tenantId=public#secret-link-code\""
        ));

        let both = passwordless_login_email(&email(Some("123456"), Some(LINK)));
        assert!(both.text_body.contains("123456") && both.text_body.contains(LINK));
        assert!(both.html_body.contains("123456") && both.html_body.contains("secret-link-code"));
    }

    #[test]
    fn html_is_escaped() {
        let message = passwordless_login_email(&email(Some("<b>1</b>"), Some(LINK)));
        assert!(message.html_body.contains("Acme &lt;Shop&gt; &amp; Co"));
        assert!(!message.html_body.contains("<Shop>"));
        assert!(message.html_body.contains("&lt;b&gt;1&lt;/b&gt;"));
        assert!(message.text_body.contains("Acme <Shop> & Co"));
    }

    #[test]
    fn text_messages_are_short() {
        let code = passwordless_login_sms(&sms(Some("123456"), None));
        assert_eq!(code.to, "+16502530000");
        assert_eq!(
            code.body,
            "123456 is your Acme sign-in code. Expires in 10 minutes."
        );
        let link = passwordless_login_sms(&sms(None, Some(LINK)));
        assert!(link.body.contains(LINK) && !link.body.contains("code."));
        let both = passwordless_login_sms(&sms(Some("123456"), Some(LINK)));
        assert!(both.body.starts_with("123456") && both.body.contains(LINK));
        assert!(both.body.len() < 200);
    }

    #[test]
    fn debug_hides_codes_and_links() {
        let text = format!(
            "{:?} {:?} {:?} {:?}",
            email(Some("123456"), Some(LINK)),
            sms(Some("123456"), Some(LINK)),
            passwordless_login_email(&email(Some("123456"), Some(LINK))),
            passwordless_login_sms(&sms(Some("123456"), Some(LINK))),
        );
        assert!(
            !text.contains("123456") && !text.contains("secret"),
            "{text}"
        );
    }

    #[test]
    fn lifetimes_in_words() {
        assert_eq!(lifetime_text(900_000), "15 minutes");
        assert_eq!(lifetime_text(60_000), "1 minute");
        assert_eq!(lifetime_text(90_000), "2 minutes");
        assert_eq!(lifetime_text(3_600_000), "1 hour");
        assert_eq!(lifetime_text(7_200_000), "2 hours");
        assert_eq!(lifetime_text(1_500), "2 seconds");
    }
}
