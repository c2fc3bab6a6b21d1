//! Input checks the recipes share, with supertokens-node's messages (the prebuilt UI shows
//! them), and the JavaScript string semantics they depend on.
//!
//! Node checks input with JavaScript regular expressions, `String.length` and `trim()`;
//! they are reproduced here by hand so that edge cases agree: lengths count UTF-16 code
//! units, `\s` and `trim()` use JavaScript's whitespace set, and `.` does not match line
//! terminators.

/// An email that does not match node's pattern.
pub const EMAIL_INVALID: &str = "Email is invalid";

/// Node's default email validator: `Email is invalid` unless `email` matches its pattern
/// ([`is_valid_email`]).
pub fn default_email_validator(email: &str) -> Option<String> {
    (!is_valid_email(email)).then(|| EMAIL_INVALID.to_owned())
}

/// Whether `email` matches node's email pattern:
///
/// ```text
/// ^(([^<>()\[\]\\.,;:\s@"]+(\.[^<>()\[\]\\.,;:\s@"]+)*)|(".+"))@((\[[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\])|(([a-zA-Z\-0-9]+\.)+[a-zA-Z]{2,}))$
/// ```
pub fn is_valid_email(email: &str) -> bool {
    // The domain alternatives contain no `@`, so the separator is the last one.
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    (is_dot_atom(local) || is_quoted_local(local)) && (is_ip_literal(domain) || is_hostname(domain))
}

fn is_dot_atom(local: &str) -> bool {
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| !"<>()[]\\.,;:@\"".contains(c) && !is_js_whitespace(c))
    })
}

fn is_quoted_local(local: &str) -> bool {
    local
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .is_some_and(|inner| !inner.is_empty() && !inner.chars().any(is_line_terminator))
}

fn is_ip_literal(domain: &str) -> bool {
    let Some(inner) = domain
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
    else {
        return false;
    };
    let parts: Vec<&str> = inner.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .all(|part| (1..=3).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit()))
}

fn is_hostname(domain: &str) -> bool {
    let Some((labels, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    tld.len() >= 2
        && tld.bytes().all(|b| b.is_ascii_alphabetic())
        && labels.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// An email as the core stores it: trimmed ([`js_trim`]) and lower-cased.
pub fn normalise_email(email: &str) -> String {
    js_trim(email).to_lowercase()
}

/// `String.prototype.length`: UTF-16 code units.
pub fn js_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `String.prototype.trim()`: JavaScript's whitespace set, which differs from Rust's.
pub fn js_trim(text: &str) -> &str {
    text.trim_matches(is_js_whitespace)
}

/// JavaScript's `\s`: WhiteSpace and LineTerminator code points.
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{0009}' | '\u{000B}' | '\u{000C}' | '\u{0020}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    ) || is_line_terminator(c)
}

/// JavaScript's line terminators (what `.` does not match).
pub fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_nodes_pattern() {
        for valid in [
            "a@b.co",
            "john.doe@example.com",
            "a+tag@sub.example.org",
            "UPPER@EXAMPLE.COM",
            "\"quoted local\"@example.com",
            "\"a@b\"@example.com",
            "user@[192.168.0.1]",
            "user@[1.2.3.4]",
            "x@a-b.c-d.io",
            "ünïcode@example.com",
        ] {
            assert!(is_valid_email(valid), "{valid} should be valid");
        }
        for invalid in [
            "",
            "plain",
            "@example.com",
            "@x.com",
            "a@",
            "a@b",
            "a@b.c",
            "a@b.c1",
            "a@.com",
            "a@b..com",
            ".a@b.com",
            "a.@b.com",
            "a..b@c.com",
            "a b@c.com",
            "a\u{00A0}b@c.com",
            "a\u{FEFF}b@c.com",
            "a,b@c.com",
            "a(b@c.com",
            "a@b@c.com",
            "\"\"@example.com",
            "\"a\nb\"@example.com",
            "a@[1.2.3]",
            "a@[1.2.3.4444]",
            "a@exa_mple.com",
            "a@ex ample.com",
            "a@éxample.com",
        ] {
            assert!(!is_valid_email(invalid), "{invalid:?} should be invalid");
        }
    }

    #[test]
    fn email_validator_messages() {
        assert_eq!(default_email_validator("a@b.co"), None);
        assert_eq!(
            default_email_validator("a@b").as_deref(),
            Some(EMAIL_INVALID)
        );
    }

    #[test]
    fn trim_uses_javascript_whitespace() {
        assert_eq!(js_trim(" \t\n a@b.co \u{FEFF}\u{3000}"), "a@b.co");
        // U+0085 is whitespace for Rust but not for JavaScript.
        assert_eq!(js_trim("\u{0085}a"), "\u{0085}a");
        assert_eq!(js_length("😀"), 2);
        assert_eq!(
            normalise_email("  Alice@Example.COM\u{FEFF}"),
            "alice@example.com"
        );
    }
}
