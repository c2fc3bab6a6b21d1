//! The verification email. Apps replace the built-in one with
//! [`EmailVerificationConfig::email_template`](crate::EmailVerificationConfig::email_template);
//! deliveries (SMTP, log, capture) come from [`supertokens_delivery::email`], shared with
//! the other recipes.
//!
//! The link carries a token (a credential): the input's `Debug` hides it, and the recipe
//! never logs it.

use std::fmt;

use supertokens_delivery::email::layout::{HtmlEmail, link_button, paragraph};
pub use supertokens_delivery::email::{
    CapturingEmailDelivery, EmailDelivery, EmailDeliveryError, EmailMessage, LogEmailDelivery,
    SmtpEmailDelivery, SmtpSecurity, SmtpSettings,
};

/// What the verification email is written from (node's `EMAIL_VERIFICATION` email input).
#[derive(Clone, PartialEq, Eq)]
pub struct EmailVerificationEmailInput {
    /// The app's name (from `app_info`).
    pub app_name: String,
    /// The recipient: the email being verified.
    pub email: String,
    /// The user's (primary) id.
    pub user_id: String,
    /// The login method whose email is verified.
    pub recipe_user_id: String,
    /// The tenant.
    pub tenant_id: String,
    /// `<websiteDomain><websiteBasePath>/verify-email?token=…&tenantId=…`.
    pub email_verify_link: String,
}

impl fmt::Debug for EmailVerificationEmailInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailVerificationEmailInput")
            .field("app_name", &self.app_name)
            .field("email", &self.email)
            .field("user_id", &self.user_id)
            .field("recipe_user_id", &self.recipe_user_id)
            .field("tenant_id", &self.tenant_id)
            .field("email_verify_link", &"<redacted>")
            .finish()
    }
}

/// The built-in verification email (plain text and HTML, with the app name and the link).
pub fn email_verification_email(input: &EmailVerificationEmailInput) -> EmailMessage {
    let app = &input.app_name;
    let link = &input.email_verify_link;
    let text_body = format!(
        "Hello,\n\n\
         Please confirm that {email} is your email address for {app} by opening this link:\n\
         {link}\n\n\
         The link expires soon. If you did not create an account with {app}, ignore this \
         email.\n\n\
         {app}\n",
        email = input.email,
    );
    let body_html = format!(
        "{}{}",
        paragraph(&format!(
            "Please confirm that {} is your email address for {app}.",
            input.email
        )),
        link_button(link, "Verify email"),
    );
    let html_body = HtmlEmail {
        app_name: app,
        title: &format!("Verify your email for {app}"),
        heading: "Verify your email",
        body_html: &body_html,
        footnote: &format!(
            "The link expires soon. If you did not create an account with {app}, ignore this email."
        ),
    }
    .render();
    EmailMessage {
        to: input.email.clone(),
        subject: format!("Verify your email for {app}"),
        text_body,
        html_body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> EmailVerificationEmailInput {
        EmailVerificationEmailInput {
            app_name: "Acme <Shop>".into(),
            email: "a@b.co".into(),
            user_id: "u".into(),
            recipe_user_id: "u".into(),
            tenant_id: "public".into(),
            email_verify_link: "https://acme.test/auth/verify-email?token=abc&tenantId=public"
                .into(),
        }
    }

    #[test]
    fn email_carries_the_app_name_and_link() {
        let message = email_verification_email(&input());
        assert_eq!(message.to, "a@b.co");
        assert_eq!(message.subject, "Verify your email for Acme <Shop>");
        assert!(
            message
                .text_body
                .contains("https://acme.test/auth/verify-email?token=abc&tenantId=public")
        );
        assert!(message.html_body.contains("Acme &lt;Shop&gt;"));
        assert!(message.html_body.contains(
            "href=\"https://acme.test/auth/verify-email?token=abc&amp;tenantId=public\""
        ));
        assert!(!message.html_body.contains("<Shop>"));
    }

    #[test]
    fn debug_hides_links() {
        let text = format!("{:?} {:?}", input(), email_verification_email(&input()));
        assert!(!text.contains("token=abc"), "{text}");
    }
}
