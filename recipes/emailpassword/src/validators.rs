//! The default validators, with supertokens-node's exact messages (the prebuilt UI shows them).
//!
//! Node checks emails and passwords with JavaScript regular expressions and `String.length`;
//! they are reproduced by hand so that edge cases agree: lengths count UTF-16 code units,
//! `\s` and `trim()` use JavaScript's whitespace set, and `.` does not match line terminators
//! (so a password containing a newline has "no letter" for node's pattern). The email
//! pattern and those JavaScript string semantics live in [`supertokens::validation`],
//! shared with the other recipes, and are re-exported here.

use serde_json::Value;
pub use supertokens::validation::{
    EMAIL_INVALID, is_js_whitespace, is_line_terminator, is_valid_email, js_length, js_trim,
};

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
        Some(email) => supertokens::validation::default_email_validator(email),
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
}
