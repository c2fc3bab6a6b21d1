//! Configuration of the recipe, and its normalised form.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use supertokens::{Result, SuperTokensError};

use crate::email::{EmailDelivery, EmailMessage, PasswordResetEmailInput};
use crate::interface::{EmailPasswordApis, EmailPasswordFunctions};
use crate::validators::{default_email_validator, default_password_validator};

/// Id of the email form field.
pub const FORM_FIELD_EMAIL_ID: &str = "email";
/// Id of the password form field.
pub const FORM_FIELD_PASSWORD_ID: &str = "password";

/// Checks the value of one form field; `Some(message)` is shown to the user.
///
/// The value is the JSON the frontend sent: a string for `email` and `password` (anything else
/// is rejected before validation), any JSON value for custom fields.
#[async_trait]
pub trait FieldValidator: Send + Sync {
    /// The error message, or `None` when the value is acceptable.
    async fn validate(&self, value: &Value, tenant_id: &str) -> Option<String>;
}

/// A validator made from a plain function of the value.
struct FnValidator<F>(F);

#[async_trait]
impl<F> FieldValidator for FnValidator<F>
where
    F: Fn(&Value, &str) -> Option<String> + Send + Sync,
{
    async fn validate(&self, value: &Value, tenant_id: &str) -> Option<String> {
        (self.0)(value, tenant_id)
    }
}

/// Accepts everything (node's `defaultValidator`).
struct AcceptAll;

#[async_trait]
impl FieldValidator for AcceptAll {
    async fn validate(&self, _value: &Value, _tenant_id: &str) -> Option<String> {
        None
    }
}

/// One field of the sign-up form.
#[derive(Clone)]
pub struct FormField {
    /// The field's id, as the frontend sends it (`email`, `password`, or a custom id).
    pub id: String,
    /// Its validator; `None` uses the default (email and password rules for those two, none
    /// for custom fields).
    pub validate: Option<Arc<dyn FieldValidator>>,
    /// Whether the field may be left out. `email` and `password` are never optional.
    pub optional: bool,
}

impl fmt::Debug for FormField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormField")
            .field("id", &self.id)
            .field("custom_validator", &self.validate.is_some())
            .field("optional", &self.optional)
            .finish()
    }
}

impl FormField {
    /// A required field with the default validator.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            validate: None,
            optional: false,
        }
    }

    /// Makes the field optional.
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Validates the field with a function of its JSON value and the tenant id.
    pub fn with_validator<F>(mut self, validate: F) -> Self
    where
        F: Fn(&Value, &str) -> Option<String> + Send + Sync + 'static,
    {
        self.validate = Some(Arc::new(FnValidator(validate)));
        self
    }

    /// Validates the field, which must be a string, with a function of its text. Other JSON
    /// values are refused with a message naming the field.
    pub fn with_str_validator<F>(mut self, validate: F) -> Self
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
        let id = self.id.clone();
        self.validate = Some(Arc::new(FnValidator(
            move |value: &Value, _tenant: &str| match value.as_str() {
                Some(text) => validate(text),
                None => Some(format!(
                    "Development bug: Please make sure the {id} field yields a string"
                )),
            },
        )));
        self
    }

    /// Validates the field with an async validator.
    pub fn with_async_validator(mut self, validate: Arc<dyn FieldValidator>) -> Self {
        self.validate = Some(validate);
        self
    }
}

/// Sign-up settings.
#[derive(Debug, Clone, Default)]
pub struct SignUpFeature {
    /// The sign-up form's fields. `email` and `password` are added when missing; list them to
    /// give them custom validators.
    pub form_fields: Vec<FormField>,
}

/// Turns the default functions into the app's (a decorator keeping the original).
pub type FunctionsOverride =
    Arc<dyn Fn(Arc<dyn EmailPasswordFunctions>) -> Arc<dyn EmailPasswordFunctions> + Send + Sync>;
/// Turns the default APIs into the app's (a decorator keeping the original).
pub type ApisOverride =
    Arc<dyn Fn(Arc<dyn EmailPasswordApis>) -> Arc<dyn EmailPasswordApis> + Send + Sync>;
/// Writes the password reset email.
pub type PasswordResetEmailRenderer =
    Arc<dyn Fn(&PasswordResetEmailInput) -> EmailMessage + Send + Sync>;

/// Routes to leave out; a disabled route falls through to the app (404 unless it serves it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DisabledApis {
    /// `POST /signup`.
    pub disable_sign_up_post: bool,
    /// `POST /signin`.
    pub disable_sign_in_post: bool,
    /// `GET /emailpassword/email/exists` and `GET /signup/email/exists`.
    pub disable_email_exists_get: bool,
    /// `POST /user/password/reset/token`.
    pub disable_generate_password_reset_token_post: bool,
    /// `POST /user/password/reset`.
    pub disable_password_reset_post: bool,
    /// `GET /loginmethods`.
    pub disable_login_methods_get: bool,
}

/// Configuration of the emailpassword recipe.
#[derive(Clone, Default)]
pub struct EmailPasswordConfig {
    /// Sign-up form.
    pub sign_up_feature: SignUpFeature,
    /// Where password reset emails go. Without one, no email is sent and a warning is logged
    /// for each request; use [`LogEmailDelivery`](crate::LogEmailDelivery) in development.
    pub email_delivery: Option<Arc<dyn EmailDelivery>>,
    /// Replaces the built-in password reset email.
    pub password_reset_email: Option<PasswordResetEmailRenderer>,
    /// Decorates the functions that talk to the core.
    pub override_functions: Option<FunctionsOverride>,
    /// Decorates the FDI route handlers.
    pub override_apis: Option<ApisOverride>,
    /// Routes to leave out.
    pub disabled_apis: DisabledApis,
}

impl fmt::Debug for EmailPasswordConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmailPasswordConfig")
            .field("sign_up_feature", &self.sign_up_feature)
            .field("email_delivery", &self.email_delivery.is_some())
            .field("password_reset_email", &self.password_reset_email.is_some())
            .field("override_functions", &self.override_functions.is_some())
            .field("override_apis", &self.override_apis.is_some())
            .field("disabled_apis", &self.disabled_apis)
            .finish()
    }
}

/// A form field after normalisation: a validator is always present.
#[derive(Clone)]
pub struct NormalisedFormField {
    /// Field id.
    pub id: String,
    /// Validator.
    pub validate: Arc<dyn FieldValidator>,
    /// Whether the field may be absent.
    pub optional: bool,
}

impl fmt::Debug for NormalisedFormField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NormalisedFormField")
            .field("id", &self.id)
            .field("optional", &self.optional)
            .finish_non_exhaustive()
    }
}

/// The forms of the recipe, derived from the sign-up form as node does.
#[derive(Debug, Clone)]
pub struct NormalisedForms {
    /// Sign-up: the configured fields plus `email` and `password`.
    pub sign_up: Vec<NormalisedFormField>,
    /// Sign-in: `email` (sign-up validator) and `password` (no rule beyond being present).
    pub sign_in: Vec<NormalisedFormField>,
    /// Password reset token request: `email`.
    pub generate_password_reset_token: Vec<NormalisedFormField>,
    /// Password reset: `password` (sign-up validator).
    pub password_reset: Vec<NormalisedFormField>,
}

impl NormalisedForms {
    /// The sign-up form's password validator (also the password policy for updates).
    pub fn password_validator(&self) -> Arc<dyn FieldValidator> {
        self.sign_up
            .iter()
            .find(|field| field.id == FORM_FIELD_PASSWORD_ID)
            .map(|field| field.validate.clone())
            .unwrap_or_else(|| default_validator(FORM_FIELD_PASSWORD_ID))
    }
}

fn default_validator(id: &str) -> Arc<dyn FieldValidator> {
    match id {
        FORM_FIELD_EMAIL_ID => Arc::new(FnValidator(|value: &Value, _: &str| {
            default_email_validator(value)
        })),
        FORM_FIELD_PASSWORD_ID => Arc::new(FnValidator(|value: &Value, _: &str| {
            default_password_validator(value)
        })),
        _ => Arc::new(AcceptAll),
    }
}

/// Validates the sign-up form and derives the other forms; errors name the field.
pub fn normalise_forms(sign_up: &SignUpFeature) -> Result<NormalisedForms> {
    let mut fields: Vec<NormalisedFormField> = Vec::new();
    for (index, field) in sign_up.form_fields.iter().enumerate() {
        let name = format!("sign_up_feature.form_fields[{index}]");
        if field.id.trim().is_empty() {
            return Err(SuperTokensError::Config(format!(
                "{name}.id must not be empty"
            )));
        }
        if fields.iter().any(|known| known.id == field.id) {
            return Err(SuperTokensError::Config(format!(
                "{name}.id: the field {:?} is listed twice",
                field.id
            )));
        }
        let builtin = field.id == FORM_FIELD_EMAIL_ID || field.id == FORM_FIELD_PASSWORD_ID;
        if builtin && field.optional {
            return Err(SuperTokensError::Config(format!(
                "{name}.optional: the {} field cannot be optional",
                field.id
            )));
        }
        fields.push(NormalisedFormField {
            id: field.id.clone(),
            validate: field
                .validate
                .clone()
                .unwrap_or_else(|| default_validator(&field.id)),
            optional: field.optional,
        });
    }
    for id in [FORM_FIELD_PASSWORD_ID, FORM_FIELD_EMAIL_ID] {
        if !fields.iter().any(|field| field.id == id) {
            fields.push(NormalisedFormField {
                id: id.to_owned(),
                validate: default_validator(id),
                optional: false,
            });
        }
    }
    let pick = |id: &str| -> Vec<NormalisedFormField> {
        fields
            .iter()
            .filter(|field| field.id == id)
            .map(|field| NormalisedFormField {
                optional: false,
                ..field.clone()
            })
            .collect()
    };
    let sign_in = fields
        .iter()
        .filter(|field| field.id == FORM_FIELD_EMAIL_ID || field.id == FORM_FIELD_PASSWORD_ID)
        .map(|field| NormalisedFormField {
            id: field.id.clone(),
            validate: if field.id == FORM_FIELD_EMAIL_ID {
                field.validate.clone()
            } else {
                Arc::new(AcceptAll)
            },
            optional: false,
        })
        .collect();
    Ok(NormalisedForms {
        generate_password_reset_token: pick(FORM_FIELD_EMAIL_ID),
        password_reset: pick(FORM_FIELD_PASSWORD_ID),
        sign_in,
        sign_up: fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(fields: &[NormalisedFormField]) -> Vec<&str> {
        fields.iter().map(|field| field.id.as_str()).collect()
    }

    #[test]
    fn defaults_add_email_and_password() {
        let forms = normalise_forms(&SignUpFeature::default()).unwrap();
        assert_eq!(ids(&forms.sign_up), ["password", "email"]);
        assert_eq!(ids(&forms.sign_in), ["password", "email"]);
        assert_eq!(ids(&forms.generate_password_reset_token), ["email"]);
        assert_eq!(ids(&forms.password_reset), ["password"]);
    }

    #[test]
    fn custom_fields_keep_their_order_and_optionality() {
        let forms = normalise_forms(&SignUpFeature {
            form_fields: vec![
                FormField::new("name"),
                FormField::new("email"),
                FormField::new("age").optional(),
            ],
        })
        .unwrap();
        assert_eq!(ids(&forms.sign_up), ["name", "email", "age", "password"]);
        assert!(forms.sign_up[2].optional);
        assert_eq!(ids(&forms.sign_in), ["email", "password"]);
    }

    #[tokio::test]
    async fn sign_in_keeps_the_email_validator_but_not_the_password_one() {
        let forms = normalise_forms(&SignUpFeature {
            form_fields: vec![
                FormField::new("email").with_str_validator(|email: &str| {
                    (!email.ends_with("@corp.com")).then(|| "corp only".to_owned())
                }),
                FormField::new("password").with_str_validator(|_: &str| Some("never".into())),
            ],
        })
        .unwrap();
        let email = &forms.sign_in[0];
        assert_eq!(
            email
                .validate
                .validate(&Value::from("a@b.com"), "public")
                .await
                .as_deref(),
            Some("corp only")
        );
        let password = &forms.sign_in[1];
        assert_eq!(
            password
                .validate
                .validate(&Value::from("x"), "public")
                .await,
            None
        );
        assert_eq!(
            forms
                .password_validator()
                .validate(&Value::from("x"), "public")
                .await
                .as_deref(),
            Some("never")
        );
    }

    #[test]
    fn mistakes_name_the_field() {
        let error = |fields: Vec<FormField>| {
            normalise_forms(&SignUpFeature {
                form_fields: fields,
            })
            .unwrap_err()
            .to_string()
        };
        assert!(error(vec![FormField::new(" ")]).contains("sign_up_feature.form_fields[0].id"));
        let twice = error(vec![FormField::new("name"), FormField::new("name")]);
        assert!(
            twice.contains("sign_up_feature.form_fields[1].id") && twice.contains("twice"),
            "{twice}"
        );
        let optional = error(vec![
            FormField::new("a"),
            FormField::new("email").optional(),
        ]);
        assert!(
            optional.contains("sign_up_feature.form_fields[1].optional"),
            "{optional}"
        );
    }
}
