//! The default validators, with supertokens-node's exact messages (the prebuilt UI shows them),
//! and the JavaScript string semantics they depend on.
//!
//! Node checks emails and passwords with JavaScript regular expressions and `String.length`;
//! they are reproduced here by hand so that edge cases agree: lengths count UTF-16 code
//! units, `\s` and `trim()` use JavaScript's whitespace set, and `.` does not match line
//! terminators (so a password containing a newline has "no letter" for node's pattern).

use serde_json::Value;

/// An email that does not match node's pattern.
pub const EMAIL_INVALID: &str = "Email is invalid";
/// Password shorter than 8 UTF-16 code units.
pub const PASSWORD_TOO_SHORT: &str =
    "Password must contain at least 8 characters, including a number";
/// Password of 100 UTF-16 code units or more.
pub const PASSWORD_TOO_LONG: &str = "Password's length must be lesser than 100 characters";
/// Password without an ASCII letter.
pub const PASSWORD_NO_LETTER: &str = "Password must contain at least one alphabet";
/// Password without an ASCII digit.
pub const PASSWORD_NO_DIGIT: &str = "Password must contain at least one number";
/// A required field is missing, empty or null.
pub const FIELD_NOT_OPTIONAL: &str = "Field is not optional";
/// The sign-up error for a taken email.
pub const EMAIL_ALREADY_EXISTS: &str = "This email already exists. Please sign in instead.";

/// Node's default email validator: `Email is invalid` unless the value matches its pattern.
pub fn default_email_validator(value: &Value) -> Option<String> {
    match value.as_str() {
        None => Some("Development bug: Please make sure the email field yields a string".into()),
        Some(email) if is_valid_email(email) => None,
        Some(_) => Some(EMAIL_INVALID.into()),
    }
}

/// Node's default password validator: 8 to 99 characters with a letter and a digit.
pub fn default_password_validator(value: &Value) -> Option<String> {
    let Some(password) = value.as_str() else {
        return Some("Development bug: Please make sure the password field yields a string".into());
    };
    password_policy_error(password).map(str::to_owned)
}

/// The message of the first password rule `password` breaks, if any.
pub fn password_policy_error(password: &str) -> Option<&'static str> {
    let length = js_length(password);
    if length < 8 {
        return Some(PASSWORD_TOO_SHORT);
    }
    if length >= 100 {
        return Some(PASSWORD_TOO_LONG);
    }
    // Node tests `^.*[A-Za-z]+.*$` and `^.*[0-9]+.*$`: `.` stops at line terminators.
    let single_line = !password.chars().any(is_line_terminator);
    if !(single_line && password.chars().any(|c| c.is_ascii_alphabetic())) {
        return Some(PASSWORD_NO_LETTER);
    }
    if !(single_line && password.chars().any(|c| c.is_ascii_digit())) {
        return Some(PASSWORD_NO_DIGIT);
    }
    None
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
    let Some(inner) = local
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return false;
    };
    !inner.is_empty() && !inner.chars().any(is_line_terminator)
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

/// `String.prototype.length`: UTF-16 code units.
pub fn js_length(text: &str) -> usize {
    text.encode_utf16().count()
}

/// `String.prototype.trim()`.
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
    use serde_json::json;

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
        assert_eq!(default_email_validator(&json!("a@b.co")), None);
        assert_eq!(
            default_email_validator(&json!("nope")).as_deref(),
            Some(EMAIL_INVALID)
        );
        assert!(
            default_email_validator(&json!(5))
                .unwrap()
                .starts_with("Development bug")
        );
    }

    #[test]
    fn password_rules_and_messages() {
        let check = |p: &str| password_policy_error(p);
        assert_eq!(check("abc1234"), Some(PASSWORD_TOO_SHORT));
        assert_eq!(check(""), Some(PASSWORD_TOO_SHORT));
        assert_eq!(check("abcd1234"), None);
        assert_eq!(check(&format!("a1{}", "x".repeat(97))), None); // 99
        assert_eq!(
            check(&format!("a1{}", "x".repeat(98))), // 100
            Some(PASSWORD_TOO_LONG)
        );
        assert_eq!(check("12345678"), Some(PASSWORD_NO_LETTER));
        assert_eq!(check("abcdefgh"), Some(PASSWORD_NO_DIGIT));
        assert_eq!(check("ééééééé1"), Some(PASSWORD_NO_LETTER));
        // `.` does not cross a newline in node's pattern.
        assert_eq!(check("abcd\n1234"), Some(PASSWORD_NO_LETTER));
        // Lengths are UTF-16 code units: four emoji are eight units.
        assert_eq!(
            check("😀😀😀😀").map(|_| ()),
            Some(()),
            "no letter, but long enough"
        );
        assert_eq!(check("😀😀😀😀"), Some(PASSWORD_NO_LETTER));
        assert_eq!(check("😀😀😀a"), Some(PASSWORD_TOO_SHORT)); // 7 units
        assert_eq!(
            default_password_validator(&json!("abc")).as_deref(),
            Some(PASSWORD_TOO_SHORT)
        );
        assert!(
            default_password_validator(&json!(12345678))
                .unwrap()
                .starts_with("Development bug")
        );
    }

    #[test]
    fn trim_uses_javascript_whitespace() {
        assert_eq!(js_trim(" \t\n a@b.co \u{FEFF}\u{3000}"), "a@b.co");
        // U+0085 is whitespace for Rust but not for JavaScript.
        assert_eq!(js_trim("\u{0085}a"), "\u{0085}a");
        assert_eq!(js_length("😀"), 2);
    }
}
