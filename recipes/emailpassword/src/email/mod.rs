//! The password reset email. Deliveries (SMTP, log, capture) come from
//! [`supertokens_delivery::email`], shared with the other recipes.
//!
//! The recipe sends password reset emails from a background task: a slow or failing mail
//! server neither delays the answer nor changes it, so the answer does not reveal whether the
//! email belongs to an account. Failures are logged (without the link).

use std::fmt;

use supertokens_delivery::email::layout::{HtmlEmail, link_button, paragraph};
pub use supertokens_delivery::email::{
    CapturingEmailDelivery, EmailDelivery, EmailDeliveryError, EmailMessage, LogEmailDelivery,
    SmtpEmailDelivery, SmtpSecurity, SmtpSettings, escape_html,
};

/// What the password reset email is written from.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordResetEmailInput {
    /// The app's name (from `app_info`).
    pub app_name: String,
    /// The recipient.
    pub email: String,
    /// The user's id.
    pub user_id: String,
    /// The emailpassword login method whose password is reset.
    pub recipe_user_id: String,
    /// The tenant.
    pub tenant_id: String,
    /// `<websiteDomain><websiteBasePath>/reset-password?token=…&tenantId=…`.
    pub password_reset_link: String,
}

impl fmt::Debug for PasswordResetEmailInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordResetEmailInput")
            .field("app_name", &self.app_name)
            .field("email", &self.email)
            .field("user_id", &self.user_id)
            .field("recipe_user_id", &self.recipe_user_id)
            .field("tenant_id", &self.tenant_id)
            .field("password_reset_link", &"<redacted>")
            .finish()
    }
}

/// The built-in password reset email (plain text and HTML, with the app name and the link).
pub fn password_reset_email(input: &PasswordResetEmailInput) -> EmailMessage {
    let app = &input.app_name;
    let link = &input.password_reset_link;
    let text_body = format!(
        "Hello,\n\n\
         Someone asked to reset the password of your {app} account ({email}).\n\n\
         To choose a new password, open this link:\n{link}\n\n\
         The link works once and expires soon. If you did not ask for this, ignore this \
         email: your password stays as it is.\n\n\
         {app}\n",
        email = input.email,
    );
    let body_html = format!(
        "{}{}",
        paragraph(&format!(
            "Someone asked to reset the password of your {app} account ({}).",
            input.email
        )),
        link_button(link, "Choose a new password"),
    );
    let html_body = HtmlEmail {
        app_name: app,
        title: &format!("Reset your {app} password"),
        heading: "Reset your password",
        body_html: &body_html,
        footnote: "The link works once and expires soon. If you did not ask for this, ignore \
                   this email: your password stays as it is.",
    }
    .render();
    EmailMessage {
        to: input.email.clone(),
        subject: format!("Reset your {app} password"),
        text_body,
        html_body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PasswordResetEmailInput {
        PasswordResetEmailInput {
            app_name: "Acme <Shop>".into(),
            email: "a@b.co".into(),
            user_id: "u".into(),
            recipe_user_id: "u".into(),
            tenant_id: "public".into(),
            password_reset_link: "https://acme.test/auth/reset-password?token=abc&tenantId=public"
                .into(),
        }
    }

    #[test]
    fn reset_email_carries_the_app_name_and_link() {
        let message = password_reset_email(&input());
        assert_eq!(message.to, "a@b.co");
        assert_eq!(message.subject, "Reset your Acme <Shop> password");
        assert!(message.text_body.contains("Acme <Shop>"));
        assert!(
            message
                .text_body
                .contains("https://acme.test/auth/reset-password?token=abc&tenantId=public")
        );
        assert!(message.html_body.contains("Acme &lt;Shop&gt;"));
        assert!(message.html_body.contains(
            "href=\"https://acme.test/auth/reset-password?token=abc&amp;tenantId=public\""
        ));
        assert!(!message.html_body.contains("<Shop>"));
    }

    #[test]
    fn debug_hides_links() {
        let text = format!("{:?} {:?}", input(), password_reset_email(&input()));
        assert!(!text.contains("token=abc"), "{text}");
    }
}
