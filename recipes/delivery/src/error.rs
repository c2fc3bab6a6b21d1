//! Why a message could not be delivered.

/// Why an email could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailDeliveryError {
    /// The delivery's settings are invalid; the message names the setting.
    #[error("invalid email delivery settings: {0}")]
    Config(String),
    /// The message could not be built (e.g. an invalid recipient address).
    #[error("the email could not be built: {0}")]
    Message(String),
    /// The mail server refused the message or could not be reached.
    #[error("the email could not be sent: {0}")]
    Send(String),
}

/// Why a text message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsDeliveryError {
    /// The delivery's settings are invalid; the message names the setting.
    #[error("invalid SMS delivery settings: {0}")]
    Config(String),
    /// The message could not be built (e.g. an invalid phone number).
    #[error("the text message could not be built: {0}")]
    Message(String),
    /// The gateway refused the message or could not be reached.
    #[error("the text message could not be sent: {0}")]
    Send(String),
}
