//! SMTP delivery against a tiny SMTP server on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::time::Duration;

use secrecy::SecretString;
use supertokens_emailpassword::email::password_reset_email;
use supertokens_emailpassword::{
    EmailDelivery, PasswordResetEmailInput, SmtpEmailDelivery, SmtpSecurity, SmtpSettings,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// What the sink saw of one message.
#[derive(Debug)]
struct Received {
    auth: Option<String>,
    mail_from: String,
    rcpt_to: String,
    data: String,
}

/// Accepts one SMTP connection, records one message, answers everything with success.
async fn smtp_sink() -> (u16, oneshot::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, receiver) = oneshot::channel();
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink ESMTP ready\r\n").await.unwrap();
        let mut received = Received {
            auth: None,
            mail_from: String::new(),
            rcpt_to: String::new(),
            data: String::new(),
        };
        let mut sender = Some(sender);
        while let Ok(Some(line)) = lines.next_line().await {
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                b"250-sink\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
            } else if upper.starts_with("AUTH") {
                received.auth = Some(line.clone());
                b"235 2.7.0 accepted\r\n"
            } else if upper.starts_with("MAIL FROM") {
                received.mail_from = line.clone();
                b"250 ok\r\n"
            } else if upper.starts_with("RCPT TO") {
                received.rcpt_to = line.clone();
                b"250 ok\r\n"
            } else if upper == "DATA" {
                write.write_all(b"354 end with .\r\n").await.unwrap();
                while let Ok(Some(data)) = lines.next_line().await {
                    if data == "." {
                        break;
                    }
                    received.data.push_str(&data);
                    received.data.push('\n');
                }
                if let Some(sender) = sender.take() {
                    let _ = sender.send(std::mem::replace(
                        &mut received,
                        Received {
                            auth: None,
                            mail_from: String::new(),
                            rcpt_to: String::new(),
                            data: String::new(),
                        },
                    ));
                }
                b"250 queued\r\n"
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                break;
            } else {
                b"250 ok\r\n"
            };
            write.write_all(reply).await.unwrap();
        }
    });
    (port, receiver)
}

/// Undoes quoted-printable (soft line breaks and `=XX`), enough to read the bodies.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn settings(port: u16) -> SmtpSettings {
    SmtpSettings {
        host: "127.0.0.1".into(),
        port,
        username: Some("mailer".into()),
        password: Some(SecretString::from("s3cret-pass")),
        from_name: "Acme".into(),
        from_address: "no-reply@acme.test".into(),
        security: SmtpSecurity::None,
        timeout: Some(Duration::from_secs(5)),
    }
}

#[tokio::test]
async fn smtp_delivery_sends_the_reset_link() {
    let (port, received) = smtp_sink().await;
    let delivery = SmtpEmailDelivery::new(settings(port)).unwrap();
    let link = "http://localhost:3000/auth/reset-password?token=tok-123_ABC&tenantId=public";
    let message = password_reset_email(&PasswordResetEmailInput {
        app_name: "Acme".into(),
        email: "alice@example.com".into(),
        user_id: "u1".into(),
        recipe_user_id: "u1".into(),
        tenant_id: "public".into(),
        password_reset_link: link.into(),
    });
    delivery.send(message).await.unwrap();
    let received = tokio::time::timeout(Duration::from_secs(5), received)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        received.auth.as_deref(),
        Some("AUTH PLAIN AG1haWxlcgBzM2NyZXQtcGFzcw==")
    );
    assert!(
        received.mail_from.contains("<no-reply@acme.test>"),
        "{received:?}"
    );
    assert!(
        received.rcpt_to.contains("<alice@example.com>"),
        "{received:?}"
    );
    assert!(received.data.contains("Subject: Reset your Acme password"));
    assert!(received.data.contains("From: Acme <no-reply@acme.test>"));
    assert!(received.data.contains("multipart/alternative"));
    let decoded = decode_quoted_printable(&received.data);
    assert!(decoded.contains(link), "{}", received.data);
    assert!(decoded.contains(&format!("href=\"{}\"", link.replace('&', "&amp;"))));
    assert!(received.data.contains("text/html"));
}

#[tokio::test]
async fn smtp_failures_are_errors_not_panics() {
    // A port nobody listens on.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let delivery = SmtpEmailDelivery::new(settings(port)).unwrap();
    let error = delivery
        .send(supertokens_emailpassword::EmailMessage {
            to: "alice@example.com".into(),
            subject: "s".into(),
            text_body: "t".into(),
            html_body: "h".into(),
        })
        .await
        .unwrap_err();
    assert!(error.to_string().contains("could not be sent"), "{error}");
    let error = delivery
        .send(supertokens_emailpassword::EmailMessage {
            to: "not an address".into(),
            subject: "s".into(),
            text_body: "t".into(),
            html_body: "h".into(),
        })
        .await
        .unwrap_err();
    assert!(error.to_string().contains("recipient"), "{error}");
}
