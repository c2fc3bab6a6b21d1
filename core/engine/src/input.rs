//! Checks of free-form input shared by the recipes: each failure is a 400 that names the
//! field and says what to fix. Limits follow the narrowest backend (MySQL column widths), so
//! that every backend accepts the same input.

use crate::error::{EngineError, Result};
use crate::users::normalise_email;

/// Longest user id accepted, in characters.
pub const MAX_USER_ID_CHARS: usize = 128;
/// Longest email accepted, in characters.
pub const MAX_EMAIL_CHARS: usize = 255;
/// Longest role or permission name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 255;

fn too_long(field: &str, max: usize) -> EngineError {
    EngineError::bad_request(format!(
        "Field name '{field}' is too long: at most {max} characters are allowed"
    ))
}

/// A user id as given (not trimmed: ids are free-form), non-empty and not too long.
pub(crate) fn user_id(user_id: &str) -> Result<&str> {
    if user_id.is_empty() {
        return Err(EngineError::bad_request(
            "Field name 'userId' cannot be an empty String",
        ));
    }
    if user_id.chars().count() > MAX_USER_ID_CHARS {
        return Err(too_long("userId", MAX_USER_ID_CHARS));
    }
    Ok(user_id)
}

/// An email, normalised (trimmed, lower-cased), non-empty and not too long.
pub(crate) fn email(email: &str) -> Result<String> {
    let email = normalise_email(email);
    if email.is_empty() {
        return Err(EngineError::bad_request(
            "Field name 'email' cannot be an empty String",
        ));
    }
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(too_long("email", MAX_EMAIL_CHARS));
    }
    Ok(email)
}

/// A role name (`field` = `role`) or permission name (`permission`), trimmed, non-empty and
/// not too long.
pub(crate) fn name<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        return Err(EngineError::bad_request(format!(
            "Field name '{field}' cannot be an empty String"
        )));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(too_long(field, MAX_NAME_CHARS));
    }
    Ok(value)
}

/// A list of permission names (the `permissions` field), each trimmed, non-empty and not
/// too long.
pub(crate) fn permissions(permissions: &[String]) -> Result<Vec<String>> {
    permissions
        .iter()
        .map(|permission| {
            let permission = permission.trim();
            if permission.is_empty() {
                return Err(EngineError::bad_request(
                    "Field name 'permissions' cannot contain an empty string",
                ));
            }
            if permission.chars().count() > MAX_NAME_CHARS {
                return Err(too_long("permissions", MAX_NAME_CHARS));
            }
            Ok(permission.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn inputs_are_checked_with_clear_messages() {
        assert_eq!(user_id(" u ").unwrap(), " u ");
        assert_eq!(
            message(user_id("")),
            "Field name 'userId' cannot be an empty String"
        );
        assert!(message(user_id(&"x".repeat(129))).contains("at most 128 characters"));
        assert_eq!(email(" A@B.co ").unwrap(), "a@b.co");
        assert_eq!(
            message(email("  ")),
            "Field name 'email' cannot be an empty String"
        );
        assert_eq!(name("role", " admin ").unwrap(), "admin");
        assert_eq!(
            message(name("role", " ")),
            "Field name 'role' cannot be an empty String"
        );
        assert_eq!(
            permissions(&[" read ".into(), "write".into()]).unwrap(),
            vec!["read", "write"]
        );
        assert_eq!(
            message(permissions(&["read".into(), "".into()])),
            "Field name 'permissions' cannot contain an empty string"
        );
        assert!(message(name("role", &"é".repeat(256))).contains("'role' is too long"));
    }
}
