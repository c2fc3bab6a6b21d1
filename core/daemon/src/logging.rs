//! Log setup: `tracing` events to stdout, as text or one JSON object per line, filtered by
//! `log_level` (or by `RUST_LOG` when that is set, for finer per-module control). Every line
//! written while a request is served carries the request's span (request id, method, route;
//! see `supertokens_core_http::observability`). Builds with the `otel` feature can also
//! export the spans to an OpenTelemetry collector.

use std::io::IsTerminal;

use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::OtelSettings;

/// The Java core's log levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Everything down to debug events.
    Debug,
    /// Start, stop and notable events.
    Info,
    /// Problems that do not stop a request.
    Warn,
    /// Failures.
    Error,
    /// Nothing at all.
    None,
}

impl LogLevel {
    /// Parses `DEBUG`, `INFO`, `WARN`, `ERROR` or `NONE`, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_uppercase().as_str() {
            "DEBUG" => Some(Self::Debug),
            "INFO" => Some(Self::Info),
            "WARN" | "WARNING" => Some(Self::Warn),
            "ERROR" => Some(Self::Error),
            "NONE" | "OFF" => Some(Self::None),
            _ => None,
        }
    }

    /// The `tracing` filter directive of this level.
    pub fn directive(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
            Self::None => "off",
        }
    }
}

/// Shape of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (coloured when stdout is a terminal).
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

impl LogFormat {
    /// Parses `text` or `json`, in any case.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Some(Self::Text),
            "json" => Some(Self::Json),
            _ => None,
        }
    }
}

/// What [`init`] leaves running: the trace exporter, flushed by [`Telemetry::shutdown`].
#[derive(Debug, Default)]
pub struct Telemetry {
    #[cfg(feature = "otel")]
    tracer_provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still buffered and stops the exporter. Blocks: call it outside the
    /// async runtime's worker threads (e.g. in `spawn_blocking`).
    pub fn shutdown(self) {
        #[cfg(feature = "otel")]
        if let Some(provider) = self.tracer_provider
            && let Err(error) = provider.shutdown()
        {
            eprintln!("supertokens-core: could not flush the exported traces: {error}");
        }
    }
}

/// Installs the global subscriber: log lines to stdout and, when `otel` is given (builds
/// with the `otel` feature), request spans to an OpenTelemetry collector. Fails if a
/// subscriber is already installed or the exporter cannot be built.
pub fn init(
    level: LogLevel,
    format: LogFormat,
    otel: Option<&OtelSettings>,
) -> anyhow::Result<Telemetry> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            EnvFilter::builder().parse_lossy(directives)
        }
        _ => EnvFilter::new(level.directive()),
    };
    let ansi = std::io::stdout().is_terminal();
    #[cfg_attr(not(feature = "otel"), allow(unused_mut))]
    let mut layers = vec![
        fmt_layer(format, std::io::stdout, ansi)
            .with_filter(filter)
            .boxed(),
    ];
    #[cfg_attr(not(feature = "otel"), allow(unused_mut))]
    let mut telemetry = Telemetry::default();
    #[cfg(feature = "otel")]
    if let Some(settings) = otel {
        let (layer, provider) = crate::otel::layer(settings)?;
        layers.push(layer);
        telemetry.tracer_provider = Some(provider);
    }
    #[cfg(not(feature = "otel"))]
    if otel.is_some() {
        anyhow::bail!("trace export needs a build with --features otel");
    }
    tracing_subscriber::registry()
        .with(layers)
        .try_init()
        .map_err(|error| anyhow::anyhow!("cannot install the log subscriber: {error}"))?;
    Ok(telemetry)
}

/// A subscriber that writes log lines as the daemon does, at `level`, to `writer`, for tests
/// that read what the core logs (install it with `tracing::subscriber::set_default`).
pub fn subscriber_with_writer<W>(
    level: LogLevel,
    format: LogFormat,
    writer: W,
) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::registry()
        .with(fmt_layer(format, writer, false).with_filter(EnvFilter::new(level.directive())))
}

/// The log line layer. Text lines name the request span with its fields
/// (`request{request_id=… method=POST route=/recipe/signin}: …`); JSON lines carry them
/// under `span`.
fn fmt_layer<S, W>(format: LogFormat, writer: W, ansi: bool) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let layer = tracing_subscriber::fmt::layer().with_writer(writer);
    match format {
        LogFormat::Text => layer.with_ansi(ansi).boxed(),
        LogFormat::Json => layer
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_in_any_case() {
        assert_eq!(LogLevel::parse("debug"), Some(LogLevel::Debug));
        assert_eq!(LogLevel::parse(" Info "), Some(LogLevel::Info));
        assert_eq!(LogLevel::parse("NONE"), Some(LogLevel::None));
        assert_eq!(LogLevel::parse("verbose"), None);
        assert_eq!(LogLevel::None.directive(), "off");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(LogFormat::parse("JSON"), Some(LogFormat::Json));
        assert_eq!(LogFormat::parse("text"), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse("xml"), None);
    }
}
