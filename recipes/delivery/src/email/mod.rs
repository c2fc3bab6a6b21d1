//! Email delivery: the [`EmailDelivery`] trait and three deliveries.
//!
//! * [`SmtpEmailDelivery`]: sends through an SMTP server (lettre, tokio, rustls).
//! * [`LogEmailDelivery`]: writes each email to the log at INFO. **Development only**: the
//!   bodies carry sign-in links and codes, so anyone who can read the logs can take over
//!   accounts.
//! * [`CapturingEmailDelivery`]: keeps emails in memory for tests.
//!
//! One delivery can serve every recipe (password reset, passwordless sign-in, email
//! verification): recipes build an [`EmailMessage`] from their own templates.

mod capture;
pub mod layout;
mod log;
mod smtp;

use std::fmt;

use async_trait::async_trait;

pub use self::capture::CapturingEmailDelivery;
pub use self::log::LogEmailDelivery;
pub use self::smtp::{SmtpEmailDelivery, SmtpSecurity, SmtpSettings};
pub use crate::error::EmailDeliveryError;

/// An email ready to send.
#[derive(Clone, PartialEq, Eq)]
pub struct EmailMessage {
    /// Recipient address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text_body: String,
    /// HTML body.
    pub html_body: String,
}

impl fmt::Debug for EmailMessage {
    // Bodies carry links and codes, which are credentials: only their sizes are shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailMessage")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field(
                "text_body",
                &format_args!("<{} bytes>", self.text_body.len()),
            )
            .field(
                "html_body",
                &format_args!("<{} bytes>", self.html_body.len()),
            )
            .finish()
    }
}

/// Sends emails. Implementations must be cheap to share (`Arc<dyn EmailDelivery>`).
#[async_trait]
pub trait EmailDelivery: Send + Sync {
    /// Sends one email.
    async fn send(&self, message: EmailMessage) -> Result<(), EmailDeliveryError>;
}

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape_html("<a href=\"x\">Tom & 'Jerry'</a>"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn debug_hides_bodies() {
        let message = EmailMessage {
            to: "a@b.co".into(),
            subject: "s".into(),
            text_body: "secret-link".into(),
            html_body: "secret-link".into(),
        };
        assert!(!format!("{message:?}").contains("secret"));
    }
}
