//! Log setup: `tracing` events to stdout, as text or one JSON object per line, filtered by
//! `log_level` (or by `RUST_LOG` when that is set, for finer per-module control).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

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

/// Installs the global subscriber. Fails only if one is already installed.
pub fn init(level: LogLevel, format: LogFormat) -> anyhow::Result<()> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(directives) if !directives.trim().is_empty() => {
            EnvFilter::builder().parse_lossy(directives)
        }
        _ => EnvFilter::new(level.directive()),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout);
    let result = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stdout().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
    };
    result.map_err(|error| anyhow::anyhow!("cannot install the log subscriber: {error}"))
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
