//! The default validators and normalisation of emails and phone numbers, with
//! supertokens-node's messages (the prebuilt UI shows them).
//!
//! * Emails: trimmed (JavaScript's `trim()`), then checked against node's email pattern;
//!   the core lower-cases them when it stores them.
//! * Phone numbers: parsed with the `phonenumber` crate (Google's libphonenumber metadata)
//!   **without a default region**, so numbers must be international (`+…`); they must be
//!   valid numbers for their country, and are stored in E.164 (`+14155550123`).

use phonenumber::Mode;

/// An email that does not match node's pattern.
pub const EMAIL_INVALID: &str = "Email is invalid";
/// A phone number that does not parse as a valid international number.
pub const PHONE_NUMBER_INVALID: &str = "Phone number is invalid";

/// Node's default email validator: `Email is invalid` unless `email` matches its pattern.
pub fn default_email_validator(email: &str) -> Option<String> {
    (!is_valid_email(email)).then(|| EMAIL_INVALID.to_owned())
}

/// Node's default phone validator: `Phone number is invalid` unless the number parses as an
/// international number and is valid for its country.
pub fn default_phone_number_validator(phone_number: &str) -> Option<String> {
    match phonenumber::parse(None, phone_number) {
        Ok(number) if number.is_valid() => None,
        _ => Some(PHONE_NUMBER_INVALID.to_owned()),
    }
}

/// A phone number in E.164 when it parses, otherwise trimmed (an app's own validator may
/// accept numbers libphonenumber does not parse; node keeps those as typed).
pub fn normalise_phone_number(phone_number: &str) -> String {
    match phonenumber::parse(None, phone_number) {
        Ok(number) => number.format().mode(Mode::E164).to_string(),
        Err(_) => js_trim(phone_number).to_owned(),
    }
}

/// An email as the core stores it: trimmed and lower-cased.
pub fn normalise_email(email: &str) -> String {
    js_trim(email).to_lowercase()
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
    let local_ok = is_dot_atom(local) || is_quoted(local);
    local_ok && (is_ip_literal(domain) || is_hostname(domain))
}

fn is_dot_atom(local: &str) -> bool {
    local.split('.').all(|atom| {
        !atom.is_empty()
            && atom
                .chars()
                .all(|c| !"<>()[]\\.,;:@\"".contains(c) && !is_js_whitespace(c))
    })
}

fn is_quoted(local: &str) -> bool {
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

/// `String.prototype.trim()`: JavaScript's whitespace set, which differs from Rust's.
pub fn js_trim(text: &str) -> &str {
    text.trim_matches(is_js_whitespace)
}

fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{0009}' | '\u{000B}' | '\u{000C}' | '\u{0020}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' | '\u{FEFF}'
    ) || is_line_terminator(c)
}

fn is_line_terminator(c: char) -> bool {
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
            "\"quoted local\"@example.com",
            "user@[192.168.0.1]",
        ] {
            assert_eq!(default_email_validator(valid), None, "{valid}");
        }
        for invalid in [
            "",
            "plain",
            "@x.com",
            "a@",
            "a@b",
            "a@b.c",
            "a..b@c.com",
            "a b@c.com",
            "a@b@c.com",
        ] {
            assert_eq!(
                default_email_validator(invalid).as_deref(),
                Some(EMAIL_INVALID),
                "{invalid:?}"
            );
        }
        assert_eq!(
            normalise_email("  Alice@Example.COM\u{FEFF}"),
            "alice@example.com"
        );
    }

    #[test]
    fn phone_numbers_are_international_valid_and_normalised_to_e164() {
        for (typed, e164) in [
            ("+1 (650) 253-0000", "+16502530000"),
            ("+16502530000", "+16502530000"),
            ("+44 20 7946 0958", "+442079460958"),
            ("  +33 1 42 68 53 00 ", "+33142685300"),
            ("+91 98765 43210", "+919876543210"),
        ] {
            assert_eq!(default_phone_number_validator(typed), None, "{typed}");
            assert_eq!(normalise_phone_number(typed), e164, "{typed}");
        }
        for invalid in [
            "",
            "hello",
            // National numbers need a region, and there is no default one.
            "(650) 253-0000",
            "6502530000",
            // Too short / unassigned.
            "+1 650",
            "+999 123456789",
            "+44 12",
        ] {
            assert_eq!(
                default_phone_number_validator(invalid).as_deref(),
                Some(PHONE_NUMBER_INVALID),
                "{invalid:?}"
            );
        }
        // What does not parse is kept trimmed (an app's validator may accept it).
        assert_eq!(normalise_phone_number("  not a number "), "not a number");
    }
}
