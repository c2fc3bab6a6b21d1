//! The password reset email. Deliveries (SMTP, log, capture) come from
//! [`supertokens_delivery::email`], shared with the other recipes.
//!
//! The recipe sends password reset emails from a background task: a slow or failing mail
//! server neither delays the answer nor changes it, so the answer does not reveal whether the
//! email belongs to an account. Failures are logged (without the link).

use std::fmt;

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
    let app_html = escape_html(app);
    let link_html = escape_html(link);
    let email_html = escape_html(&input.email);
    let html_body = format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Reset your {app_html} password</title></head>
<body style="margin:0;padding:24px;background:#f6f6f6;font-family:Helvetica,Arial,sans-serif;color:#222">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center">
<table role="presentation" width="480" cellpadding="0" cellspacing="0" style="background:#fff;border-radius:8px;padding:32px">
<tr><td>
<h1 style="font-size:20px;margin:0 0 16px">Reset your password</h1>
<p style="margin:0 0 16px;line-height:1.5">Someone asked to reset the password of your {app_html} account ({email_html}).</p>
<p style="margin:0 0 24px"><a href="{link_html}" style="display:inline-block;background:#ff9933;color:#fff;text-decoration:none;padding:12px 20px;border-radius:6px;font-weight:bold">Choose a new password</a></p>
<p style="margin:0 0 16px;line-height:1.5;font-size:13px;color:#555">If the button does not work, copy this link into your browser:<br><a href="{link_html}" style="color:#555;word-break:break-all">{link_html}</a></p>
<p style="margin:0;line-height:1.5;font-size:13px;color:#555">The link works once and expires soon. If you did not ask for this, ignore this email: your password stays as it is.</p>
</td></tr></table>
<p style="font-size:12px;color:#999;margin:16px 0 0">{app_html}</p>
</td></tr></table>
</body>
</html>
"#
    );
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
