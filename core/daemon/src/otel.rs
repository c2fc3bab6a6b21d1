//! OpenTelemetry trace export (cargo feature `otel`): every request span, with its request
//! id, method and route, and the events logged inside it, goes to an OTLP/HTTP collector in
//! batches, from a thread of its own so that a slow collector never slows requests down.

use anyhow::Context;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::registry::LookupSpan;

use crate::config::OtelSettings;

/// Name of the instrumentation scope of the exported spans.
const TRACER_NAME: &str = "supertokens-core";

/// The layer that turns spans into OpenTelemetry spans, and the provider to flush at exit.
/// Spans and events down to info level are exported, whatever the log level.
pub fn layer<S>(
    settings: &OtelSettings,
) -> anyhow::Result<(Box<dyn Layer<S> + Send + Sync>, SdkTracerProvider)>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync + 'static,
{
    let exporter = SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(settings.traces_url())
        .build()
        .context("cannot build the OTLP trace exporter (otel_exporter_otlp_endpoint)")?;
    let provider = SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(
            Resource::builder()
                .with_service_name(settings.service_name.clone())
                .build(),
        )
        .build();
    let tracer = provider.tracer(TRACER_NAME);
    let layer = tracing_opentelemetry::layer()
        .with_tracer(tracer)
        .with_filter(LevelFilter::INFO)
        .boxed();
    Ok((layer, provider))
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;
    use std::time::Duration;

    use tracing_subscriber::layer::SubscriberExt;

    use super::*;

    /// One HTTP request as received: request line, headers (lower-cased names), body.
    struct Received {
        request_line: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    }

    /// A collector stand-in: answers 200 to every request and hands each one over.
    fn tiny_collector() -> (String, mpsc::Receiver<Received>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                reader.read_line(&mut request_line).unwrap();
                let mut headers = Vec::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    let (name, value) = line.split_once(':').unwrap();
                    headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
                }
                let length = headers
                    .iter()
                    .find(|(name, _)| name == "content-length")
                    .map_or(0, |(_, value)| value.parse::<usize>().unwrap());
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                    .unwrap();
                let _ = sender.send(Received {
                    request_line: request_line.trim_end().to_owned(),
                    headers,
                    body,
                });
            }
        });
        (format!("http://{address}"), receiver)
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|window| window == needle.as_bytes())
    }

    #[test]
    fn request_spans_are_exported_over_otlp_http() {
        let (endpoint, received) = tiny_collector();
        let settings = OtelSettings {
            endpoint,
            service_name: "supertokens-core-under-test".to_owned(),
        };
        let (layer, provider) = layer(&settings).unwrap();
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::error_span!(
                "request",
                request_id = "req-otel-42",
                method = "POST",
                route = "/recipe/signin"
            );
            span.in_scope(|| tracing::info!("inside the request"));
        });
        provider.shutdown().unwrap();

        let request = received.recv_timeout(Duration::from_secs(30)).unwrap();
        assert_eq!(request.request_line, "POST /v1/traces HTTP/1.1");
        assert!(
            request
                .headers
                .iter()
                .any(|(name, value)| name == "content-type" && value == "application/x-protobuf"),
            "{:?}",
            request.headers
        );
        for expected in [
            "supertokens-core-under-test",
            "request",
            "req-otel-42",
            "/recipe/signin",
            "inside the request",
        ] {
            assert!(contains(&request.body, expected), "{expected} not exported");
        }
    }
}
