//! What the HTTP deliveries share: URL checks, the client, error descriptions.

use std::error::Error as _;
use std::time::Duration;

use reqwest::{Client, Url};

use crate::error::SmsDeliveryError;

/// Time allowed for one request when the settings give none.
pub(super) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Most of an error answer read to describe it: gateways' error documents are small.
const MAX_ERROR_BODY_BYTES: usize = 16 * 1024;

/// Parses an `http`/`https` URL without credentials, for the setting `name`.
pub(super) fn parse_url(name: &str, value: &str) -> Result<Url, SmsDeliveryError> {
    let config = |message: String| SmsDeliveryError::Config(message);
    let url = Url::parse(value.trim())
        .map_err(|error| config(format!("{name} {value:?} is not a URL: {error}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(config(format!("{name} {value:?} must be an http(s) URL")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config(format!(
            "{name} must not carry credentials (user:password@); use the settings' secret"
        )));
    }
    Ok(url)
}

/// A client that never follows redirects (they would carry credentials or signed bodies
/// elsewhere) and gives up after `timeout`.
pub(super) fn client(timeout: Option<Duration>) -> Result<Client, SmsDeliveryError> {
    Client::builder()
        .timeout(timeout.unwrap_or(DEFAULT_TIMEOUT))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("supertokens-delivery/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|error| SmsDeliveryError::Config(format!("cannot build the HTTP client: {error}")))
}

/// Describes a failed request: what failed and its causes ("connection refused", "timed
/// out"), never the request's body.
pub(super) fn describe_request_error(endpoint: &str, error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut text = format!("{endpoint}: {what}");
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Reads at most [`MAX_ERROR_BODY_BYTES`] of an (error) answer's body.
pub(super) async fn read_limited(mut response: reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY_BYTES.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY_BYTES {
            break;
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(parse_url("url", "https://api.twilio.com").is_ok());
        assert!(parse_url("url", " http://127.0.0.1:8080/x ").is_ok());
        for bad in [
            "",
            "api.twilio.com",
            "ftp://x.y",
            "https://user:pw@x.y",
            "mailto:a@b.co",
        ] {
            let error = parse_url("sms url", bad).unwrap_err().to_string();
            assert!(error.contains("sms url"), "{bad}: {error}");
        }
    }
}
