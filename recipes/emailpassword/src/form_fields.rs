//! Reading and validating `formFields`, in node's order:
//!
//! 1. shape (400 `{"message"}`): present, an array of objects with a string `id` and a
//!    `value`, string values for `email` and `password`;
//! 2. the `email` value is trimmed;
//! 3. more items than the form has fields: 400 `Are you sending too many formFields?`;
//! 4. each configured field in order: absent, `""` or `null` on a required field gives
//!    `Field is not optional`; a present value runs the validator. Errors become `FIELD_ERROR`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{FORM_FIELD_EMAIL_ID, FORM_FIELD_PASSWORD_ID, NormalisedFormField};
use crate::validators::{FIELD_NOT_OPTIONAL, js_trim};

/// One `{"id", "value"}` item of `formFields`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct FormFieldValue {
    /// Field id.
    pub id: String,
    /// The value as sent (the `email` value trimmed).
    pub value: Value,
}

impl std::fmt::Debug for FormFieldValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("FormFieldValue");
        debug.field("id", &self.id);
        if self.id == FORM_FIELD_PASSWORD_ID {
            debug.field("value", &"<redacted>");
        } else {
            debug.field("value", &self.value);
        }
        debug.finish()
    }
}

/// One entry of a `FIELD_ERROR` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Field id.
    pub id: String,
    /// Message for the user.
    pub error: String,
}

impl FieldError {
    /// An error on one field.
    pub fn new(id: impl Into<String>, error: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            error: error.into(),
        }
    }
}

/// Why `formFields` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormFieldsError {
    /// Malformed input: 400 with this message.
    BadInput(String),
    /// Validation failures: 200 `FIELD_ERROR`.
    Fields(Vec<FieldError>),
}

/// Reads and validates `formFields` (the raw JSON value, `None` when absent) against a form.
pub async fn validate_form_fields(
    form: &[NormalisedFormField],
    raw: Option<&Value>,
    tenant_id: &str,
) -> Result<Vec<FormFieldValue>, FormFieldsError> {
    let inputs = parse_form_fields(raw)?;
    if inputs.len() > form.len() {
        return Err(bad("Are you sending too many formFields?"));
    }
    let mut errors = Vec::new();
    for field in form {
        let input = inputs.iter().find(|input| input.id == field.id);
        let present = input.is_some_and(|input| match &input.value {
            Value::String(text) => !text.is_empty(),
            Value::Null => false,
            _ => true,
        });
        match input {
            Some(input) if present => {
                if let Some(error) = field.validate.validate(&input.value, tenant_id).await {
                    errors.push(FieldError::new(&field.id, error));
                }
            }
            _ if !field.optional => errors.push(FieldError::new(&field.id, FIELD_NOT_OPTIONAL)),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(inputs)
    } else {
        Err(FormFieldsError::Fields(errors))
    }
}

/// Steps 1 and 2: the shape checks and the email trim.
pub fn parse_form_fields(raw: Option<&Value>) -> Result<Vec<FormFieldValue>, FormFieldsError> {
    let Some(raw) = raw else {
        return Err(bad("Missing input param: formFields"));
    };
    let Value::Array(items) = raw else {
        return Err(bad("formFields must be an array"));
    };
    let mut fields = Vec::with_capacity(items.len());
    for item in items {
        let Value::Object(object) = item else {
            return Err(bad("All elements of formFields must be an object"));
        };
        let (Some(Value::String(id)), Some(value)) = (object.get("id"), object.get("value")) else {
            return Err(bad(
                "All elements of formFields must contain an 'id' and 'value' field",
            ));
        };
        let is_builtin = id == FORM_FIELD_EMAIL_ID || id == FORM_FIELD_PASSWORD_ID;
        if is_builtin && !value.is_string() {
            return Err(bad(&format!("{id} value must be a string")));
        }
        let value = match value {
            Value::String(text) if id == FORM_FIELD_EMAIL_ID => {
                Value::String(js_trim(text).to_owned())
            }
            other => other.clone(),
        };
        fields.push(FormFieldValue {
            id: id.clone(),
            value,
        });
    }
    Ok(fields)
}

/// The string value of a field (`""` when absent or not a string).
pub fn field_str<'a>(fields: &'a [FormFieldValue], id: &str) -> &'a str {
    fields
        .iter()
        .find(|field| field.id == id)
        .and_then(|field| field.value.as_str())
        .unwrap_or_default()
}

fn bad(message: &str) -> FormFieldsError {
    FormFieldsError::BadInput(message.to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::{FormField, SignUpFeature, normalise_forms};
    use crate::validators::*;

    fn forms() -> crate::config::NormalisedForms {
        normalise_forms(&SignUpFeature {
            form_fields: vec![
                FormField::new("name").with_str_validator(|name: &str| {
                    (name.len() > 5).then(|| "Name too long".to_owned())
                }),
                FormField::new("age").optional().with_validator(|value, _| {
                    (!value.is_number()).then(|| "Age must be a number".to_owned())
                }),
            ],
        })
        .unwrap()
    }

    async fn sign_up(raw: Value) -> Result<Vec<FormFieldValue>, FormFieldsError> {
        validate_form_fields(&forms().sign_up, Some(&raw), "public").await
    }

    fn fields(errors: &[(&str, &str)]) -> FormFieldsError {
        FormFieldsError::Fields(
            errors
                .iter()
                .map(|(id, e)| FieldError::new(*id, *e))
                .collect(),
        )
    }

    #[tokio::test]
    async fn malformed_form_fields_are_400s() {
        let form = forms().sign_in;
        assert_eq!(
            validate_form_fields(&form, None, "public").await,
            Err(bad("Missing input param: formFields"))
        );
        for (raw, message) in [
            (json!({}), "formFields must be an array"),
            (json!("x"), "formFields must be an array"),
            (json!(null), "formFields must be an array"),
            (json!([1]), "All elements of formFields must be an object"),
            (
                json!([null]),
                "All elements of formFields must be an object",
            ),
            (json!([[]]), "All elements of formFields must be an object"),
            (
                json!([{"value": "x"}]),
                "All elements of formFields must contain an 'id' and 'value' field",
            ),
            (
                json!([{"id": 1, "value": "x"}]),
                "All elements of formFields must contain an 'id' and 'value' field",
            ),
            (
                json!([{"id": "email"}]),
                "All elements of formFields must contain an 'id' and 'value' field",
            ),
            (
                json!([{"id": "email", "value": 1}]),
                "email value must be a string",
            ),
            (
                json!([{"id": "password", "value": null}]),
                "password value must be a string",
            ),
            (
                json!([
                    {"id": "email", "value": "a@b.co"},
                    {"id": "password", "value": "x"},
                    {"id": "extra", "value": "x"},
                ]),
                "Are you sending too many formFields?",
            ),
        ] {
            assert_eq!(
                validate_form_fields(&form, Some(&raw), "public").await,
                Err(bad(message)),
                "{raw}"
            );
        }
    }

    #[tokio::test]
    async fn shape_errors_come_before_the_count() {
        let raw = json!([
            {"id": "email", "value": "a@b.co"},
            {"id": "password", "value": "x"},
            {"id": "x", "value": "1"},
            {"id": "password", "value": 3},
        ]);
        assert_eq!(
            validate_form_fields(&forms().sign_in, Some(&raw), "public").await,
            Err(bad("password value must be a string"))
        );
    }

    #[tokio::test]
    async fn missing_empty_and_null_fields_are_not_optional() {
        assert_eq!(
            sign_up(json!([])).await,
            Err(fields(&[
                ("name", FIELD_NOT_OPTIONAL),
                ("password", FIELD_NOT_OPTIONAL),
                ("email", FIELD_NOT_OPTIONAL),
            ]))
        );
        assert_eq!(
            sign_up(json!([
                {"id": "email", "value": "   "},
                {"id": "password", "value": ""},
                {"id": "name", "value": null},
            ]))
            .await,
            Err(fields(&[
                ("name", FIELD_NOT_OPTIONAL),
                ("password", FIELD_NOT_OPTIONAL),
                ("email", FIELD_NOT_OPTIONAL),
            ]))
        );
    }

    #[tokio::test]
    async fn default_validators_run_with_their_messages() {
        let cases = [
            ("abc", PASSWORD_TOO_SHORT),
            ("12345678", PASSWORD_NO_LETTER),
            ("abcdefgh", PASSWORD_NO_DIGIT),
        ];
        for (password, message) in cases {
            assert_eq!(
                sign_up(json!([
                    {"id": "email", "value": "bad-email"},
                    {"id": "password", "value": password},
                    {"id": "name", "value": "bob"},
                ]))
                .await,
                Err(fields(&[("password", message), ("email", EMAIL_INVALID)]))
            );
        }
        let long = format!("a1{}", "b".repeat(98));
        assert_eq!(
            sign_up(json!([
                {"id": "email", "value": "a@b.co"},
                {"id": "password", "value": long},
                {"id": "name", "value": "bob"},
            ]))
            .await,
            Err(fields(&[("password", PASSWORD_TOO_LONG)]))
        );
    }

    #[tokio::test]
    async fn custom_fields_run_their_validators_only_when_present() {
        let valid = sign_up(json!([
            {"id": "email", "value": "  A@b.co \n"},
            {"id": "password", "value": "abcd1234"},
            {"id": "name", "value": "bob"},
        ]))
        .await
        .unwrap();
        assert_eq!(valid[0].value, json!("A@b.co"), "email trimmed, case kept");
        assert_eq!(
            sign_up(json!([
                {"id": "email", "value": "a@b.co"},
                {"id": "password", "value": "abcd1234"},
                {"id": "name", "value": "bobby-long"},
                {"id": "age", "value": "ten"},
            ]))
            .await,
            Err(fields(&[
                ("name", "Name too long"),
                ("age", "Age must be a number")
            ]))
        );
        assert!(
            sign_up(json!([
                {"id": "email", "value": "a@b.co"},
                {"id": "password", "value": "abcd1234"},
                {"id": "name", "value": "bob"},
                {"id": "age", "value": 10},
            ]))
            .await
            .is_ok()
        );
        // Non-string custom values are accepted and reach the validator.
        assert_eq!(
            sign_up(json!([
                {"id": "email", "value": "a@b.co"},
                {"id": "password", "value": "abcd1234"},
                {"id": "name", "value": {"first": "bob"}},
            ]))
            .await,
            Err(fields(&[(
                "name",
                "Development bug: Please make sure the name field yields a string"
            )]))
        );
    }

    #[tokio::test]
    async fn sign_in_checks_email_format_and_password_presence_only() {
        let form = forms().sign_in;
        let check = |raw: Value| {
            let form = form.clone();
            async move { validate_form_fields(&form, Some(&raw), "public").await }
        };
        assert!(
            check(json!([
                {"id": "email", "value": "a@b.co"},
                {"id": "password", "value": "x"},
            ]))
            .await
            .is_ok()
        );
        assert_eq!(
            check(json!([
                {"id": "email", "value": "nope"},
                {"id": "password", "value": ""},
            ]))
            .await,
            Err(fields(&[
                ("password", FIELD_NOT_OPTIONAL),
                ("email", EMAIL_INVALID)
            ]))
        );
        // Unknown ids within the count are ignored (node does the same).
        assert_eq!(
            check(json!([
                {"id": "email", "value": "a@b.co"},
                {"id": "other", "value": "x"},
            ]))
            .await,
            Err(fields(&[("password", FIELD_NOT_OPTIONAL)]))
        );
    }

    #[tokio::test]
    async fn reset_forms() {
        let forms = forms();
        assert_eq!(
            validate_form_fields(
                &forms.generate_password_reset_token,
                Some(
                    &json!([{"id": "email", "value": "a@b.co"}, {"id": "password", "value": "x"}])
                ),
                "public"
            )
            .await,
            Err(bad("Are you sending too many formFields?"))
        );
        assert_eq!(
            validate_form_fields(
                &forms.generate_password_reset_token,
                Some(&json!([{"id": "email", "value": "x"}])),
                "public"
            )
            .await,
            Err(fields(&[("email", EMAIL_INVALID)]))
        );
        assert_eq!(
            validate_form_fields(
                &forms.password_reset,
                Some(&json!([{"id": "password", "value": "short1"}])),
                "public"
            )
            .await,
            Err(fields(&[("password", PASSWORD_TOO_SHORT)]))
        );
    }

    #[test]
    fn passwords_are_redacted_in_debug() {
        let text = format!(
            "{:?}",
            FormFieldValue {
                id: "password".into(),
                value: json!("hunter22")
            }
        );
        assert!(!text.contains("hunter22"), "{text}");
    }
}
