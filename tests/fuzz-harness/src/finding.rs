//! How a target reports a bug: by panicking, which libFuzzer records as a crash (with the
//! input saved under `tests/fuzz/artifacts/<target>/`) and `cargo test` as a failure.

use std::fmt::Write as _;

/// Reports a bug found with `data` and stops. The message names the target, what was wrong
/// and the input (escaped, cut at 2 KiB).
#[allow(clippy::panic)] // panicking is how a fuzz target reports a finding
pub fn finding(target: &str, what: &str, data: &[u8]) -> ! {
    panic!(
        "fuzz finding in {target}: {what}\ninput ({} bytes): {}",
        data.len(),
        escaped(data)
    );
}

/// The input as an escaped string (printable ASCII kept), at most 2 KiB of it.
pub fn escaped(data: &[u8]) -> String {
    let mut text = String::new();
    for &byte in data.iter().take(2048) {
        match byte {
            b'\\' => text.push_str("\\\\"),
            b'"' => text.push_str("\\\""),
            b'\n' => text.push_str("\\n"),
            0x20..=0x7e => text.push(char::from(byte)),
            other => {
                let _ = write!(text, "\\x{other:02x}");
            }
        }
    }
    if data.len() > 2048 {
        text.push('…');
    }
    format!("\"{text}\"")
}

/// Stops when the harness itself cannot be set up (no core, no runtime): not a finding about
/// the input, but nothing can be fuzzed without it.
#[allow(clippy::panic)] // the harness has no caller to return an error to
pub fn setup_failed(what: &str, error: &dyn std::fmt::Display) -> ! {
    panic!("fuzz harness set-up failed: {what}: {error}");
}
