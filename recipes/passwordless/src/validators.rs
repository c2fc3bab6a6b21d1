//! The default validators and normalisation of emails and phone numbers, with
//! supertokens-node's messages (the prebuilt UI shows them).
//!
//! * Emails: trimmed (JavaScript's `trim()`), then checked against node's email pattern;
//!   the core lower-cases them when it stores them.
//! * Phone numbers: parsed with the `phonenumber` crate (Google's libphonenumber metadata)
//!   **without a default region**, so numbers must be international (`+…`); they must be
//!   valid numbers for their country, and are stored in E.164 (`+14155550123`).
//!
//! The email pattern, its normalisation and JavaScript's `trim()` come from [`supertokens::validation`], shared
//! with the other recipes, and are re-exported here.

use phonenumber::Mode;
pub use supertokens::validation::{
    EMAIL_INVALID, default_email_validator, is_valid_email, js_trim, normalise_email,
};

/// A phone number that does not parse as a valid international number.
pub const PHONE_NUMBER_INVALID: &str = "Phone number is invalid";

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_normalised() {
        // The pattern itself is tested with `supertokens::validation`.
        assert_eq!(default_email_validator("a@b.co"), None);
        assert_eq!(
            default_email_validator("a@b").as_deref(),
            Some(EMAIL_INVALID)
        );
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
