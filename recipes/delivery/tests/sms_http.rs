//! The HTTP SMS deliveries against local stand-in servers on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::any;
use base64::Engine as _;
use secrecy::SecretString;
use supertokens_delivery::sms::{
    Clock, Sender, SmsDelivery, SmsDeliveryError, SmsMessage, TwilioSettings, TwilioSmsDelivery,
    WebhookSettings, WebhookSmsDelivery, verify_webhook_signature,
};

const SID: &str = "AC00000000000000000000000000000001";
const TOKEN: &str = "tw-token-do-not-leak";
const CODE: &str = "482913";

/// One request as the stand-in saw it.
#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct StandIn {
    seen: Arc<Mutex<Vec<Recorded>>>,
    status: StatusCode,
    answer: &'static str,
    delay: Duration,
}

async fn record(
    State(state): State<StandIn>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    state.seen.lock().unwrap().push(Recorded {
        method,
        path: uri.path().to_owned(),
        headers,
        body,
    });
    tokio::time::sleep(state.delay).await;
    (
        state.status,
        [("content-type", "application/json")],
        state.answer,
    )
}

/// Starts a stand-in answering every request with `status` and `answer`; returns its base URL
/// and what it saw.
async fn stand_in(
    status: StatusCode,
    answer: &'static str,
    delay: Duration,
) -> (String, Arc<Mutex<Vec<Recorded>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let app = Router::new().fallback(any(record)).with_state(StandIn {
        seen: seen.clone(),
        status,
        answer,
        delay,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{address}"), seen)
}

fn twilio(base_url: &str, sender: Sender) -> TwilioSmsDelivery {
    TwilioSmsDelivery::new(TwilioSettings {
        base_url: base_url.to_owned(),
        timeout: Some(Duration::from_secs(5)),
        ..TwilioSettings::new(SID, SecretString::from(TOKEN), sender)
    })
    .unwrap()
}

fn message() -> SmsMessage {
    SmsMessage {
        to: "+14155550100".into(),
        body: format!("Your sign-in code is {CODE}"),
    }
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap()
}

#[tokio::test]
async fn twilio_request_has_the_message_api_shape() {
    let (url, seen) = stand_in(
        StatusCode::CREATED,
        r#"{"sid":"SM123","status":"queued"}"#,
        Duration::ZERO,
    )
    .await;
    twilio(&url, Sender::From("+15005550006".into()))
        .send(message())
        .await
        .unwrap();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(request.method, Method::POST);
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{SID}/Messages.json")
    );
    assert_eq!(
        request.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let credentials = request.headers["authorization"]
        .to_str()
        .unwrap()
        .strip_prefix("Basic ")
        .unwrap();
    let credentials = base64::engine::general_purpose::STANDARD
        .decode(credentials)
        .unwrap();
    assert_eq!(
        String::from_utf8(credentials).unwrap(),
        format!("{SID}:{TOKEN}")
    );
    assert_eq!(
        form(&request.body),
        [
            ("To".to_owned(), "+14155550100".to_owned()),
            ("From".to_owned(), "+15005550006".to_owned()),
            ("Body".to_owned(), format!("Your sign-in code is {CODE}")),
        ]
    );
}

#[tokio::test]
async fn twilio_messaging_service_and_path_prefix() {
    let (url, seen) = stand_in(StatusCode::OK, "{}", Duration::ZERO).await;
    twilio(
        &format!("{url}/gw/"),
        Sender::MessagingServiceSid("MG0001".into()),
    )
    .send(message())
    .await
    .unwrap();
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen[0].path,
        format!("/gw/2010-04-01/Accounts/{SID}/Messages.json")
    );
    let fields = form(&seen[0].body);
    assert!(fields.contains(&("MessagingServiceSid".to_owned(), "MG0001".to_owned())));
    assert!(!fields.iter().any(|(name, _)| name == "From"));
}

#[tokio::test]
async fn twilio_error_document_is_reported_without_the_body() {
    let (url, _seen) = stand_in(
        StatusCode::BAD_REQUEST,
        r#"{"code":21211,"message":"The 'To' number +14155550100 is not a valid phone number.","more_info":"https://www.twilio.com/docs/errors/21211","status":400}"#,
        Duration::ZERO,
    )
    .await;
    let error = twilio(&url, Sender::From("+15005550006".into()))
        .send(message())
        .await
        .unwrap_err();
    assert!(matches!(error, SmsDeliveryError::Send(_)), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("400"), "{text}");
    assert!(text.contains("21211"), "{text}");
    assert!(text.contains("is not a valid phone number"), "{text}");
    assert!(!text.contains(CODE), "{text}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[tokio::test]
async fn twilio_other_failures() {
    // Not JSON: the status alone.
    let (url, _seen) = stand_in(
        StatusCode::SERVICE_UNAVAILABLE,
        "<html>down</html>",
        Duration::ZERO,
    )
    .await;
    let text = twilio(&url, Sender::From("+15005550006".into()))
        .send(message())
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("503"), "{text}");

    // Redirects are refused, not followed (they would carry the credentials elsewhere).
    let (url, seen) = stand_in(StatusCode::FOUND, "{}", Duration::ZERO).await;
    let text = twilio(&url, Sender::From("+15005550006".into()))
        .send(message())
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("302"), "{text}");
    assert_eq!(seen.lock().unwrap().len(), 1);

    // Too slow.
    let (url, _seen) = stand_in(StatusCode::CREATED, "{}", Duration::from_secs(3)).await;
    let slow = TwilioSmsDelivery::new(TwilioSettings {
        base_url: url,
        timeout: Some(Duration::from_millis(200)),
        ..TwilioSettings::new(
            SID,
            SecretString::from(TOKEN),
            Sender::From("+15005550006".into()),
        )
    })
    .unwrap();
    let text = slow.send(message()).await.unwrap_err().to_string();
    assert!(text.contains("timed out"), "{text}");
}

#[tokio::test]
async fn twilio_connection_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let error = twilio(
        &format!("http://{address}"),
        Sender::From("+15005550006".into()),
    )
    .send(message())
    .await
    .unwrap_err();
    assert!(matches!(error, SmsDeliveryError::Send(_)), "{error:?}");
    let text = error.to_string();
    assert!(text.contains("cannot connect"), "{text}");
    assert!(text.contains(&address.to_string()), "{text}");
    assert!(!text.contains(CODE) && !text.contains(TOKEN), "{text}");
}

struct FixedClock(u64);

impl Clock for FixedClock {
    fn unix_seconds(&self) -> u64 {
        self.0
    }
}

#[tokio::test]
async fn webhook_requests_are_signed_and_verifiable() {
    let (url, seen) = stand_in(StatusCode::NO_CONTENT, "", Duration::ZERO).await;
    let delivery = WebhookSmsDelivery::new(WebhookSettings {
        url: format!("{url}/sms"),
        secret: SecretString::from("whsec-shared"),
        timeout: None,
    })
    .unwrap()
    .with_clock(Arc::new(FixedClock(1_767_225_600)));
    delivery.send(message()).await.unwrap();

    let seen = seen.lock().unwrap().clone();
    let request = &seen[0];
    assert_eq!(request.method, Method::POST);
    assert_eq!(request.path, "/sms");
    assert_eq!(request.headers["content-type"], "application/json");
    let timestamp = request.headers["x-webhook-timestamp"].to_str().unwrap();
    assert_eq!(timestamp, "1767225600");
    let signature = request.headers["x-webhook-signature"].to_str().unwrap();
    assert!(signature.starts_with("v1="), "{signature}");
    assert!(verify_webhook_signature(
        "whsec-shared",
        timestamp,
        &request.body,
        signature
    ));
    assert!(!verify_webhook_signature(
        "wrong",
        timestamp,
        &request.body,
        signature
    ));
    assert!(!verify_webhook_signature(
        "whsec-shared",
        "1767225601",
        &request.body,
        signature
    ));
    let json: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"to": "+14155550100", "body": format!("Your sign-in code is {CODE}")})
    );
}

#[tokio::test]
async fn webhook_failures() {
    let (url, _seen) = stand_in(StatusCode::UNAUTHORIZED, "{}", Duration::ZERO).await;
    let delivery = WebhookSmsDelivery::new(WebhookSettings {
        url,
        secret: SecretString::from("whsec-shared"),
        timeout: None,
    })
    .unwrap();
    let text = delivery.send(message()).await.unwrap_err().to_string();
    assert!(text.contains("401"), "{text}");
    assert!(
        !text.contains(CODE) && !text.contains("whsec-shared"),
        "{text}"
    );
}
