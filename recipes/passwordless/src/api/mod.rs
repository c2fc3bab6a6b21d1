//! The FDI routes: each reads its input as node does (400 `{"message"}` for malformed input,
//! `GENERAL_ERROR` for an invalid email or phone number), calls the (possibly overridden)
//! API, and writes the outcome.

mod consume_code;
mod create_code;
mod exists;
mod login_methods;
mod resend_code;
pub mod user_shape;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::{Map, Value};
use supertokens::{ApiContext, Result, SdkResponse, SuperTokensError};
use supertokens_session::load_session_for_linking;

use crate::interface::ApiOptions;
use crate::recipe::{PasswordlessRecipe, route_ids};

/// Serves one of the recipe's routes.
pub(crate) async fn handle(
    recipe: &PasswordlessRecipe,
    api_id: &str,
    context: &ApiContext<'_>,
) -> Result<SdkResponse> {
    let options = ApiOptions {
        supertokens: context.supertokens,
        request: context.request,
        recipe,
    };
    let tenant_id = context.tenant_id.as_str();
    match api_id {
        route_ids::CREATE_CODE => create_code::handle(&options, tenant_id).await,
        route_ids::RESEND_CODE => resend_code::handle(&options, tenant_id).await,
        route_ids::CONSUME_CODE => consume_code::handle(&options, tenant_id).await,
        route_ids::EMAIL_EXISTS => exists::email(&options, tenant_id).await,
        route_ids::PHONE_NUMBER_EXISTS => exists::phone_number(&options, tenant_id).await,
        route_ids::LOGIN_METHODS => login_methods::handle(&options, tenant_id).await,
        other => Err(SuperTokensError::Internal(format!(
            "the passwordless recipe has no route {other:?}"
        ))),
    }
}

/// A body field as node reads it (`body.x !== undefined`; JSON `null` counts as absent here).
fn field<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|value| !value.is_null())
}

/// A body field that must be a string when present.
fn string_field<'a>(body: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>> {
    match field(body, name) {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(SuperTokensError::BadInput(format!(
            "{name} must be a string"
        ))),
    }
}

/// Bytes of a device id: the core issues the standard base64 of 32 random bytes.
const DEVICE_ID_BYTES: usize = 32;

/// Standard base64, padding optional when decoding (the core's decoder of device ids).
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A `deviceId` from the client, checked before it reaches the core: the standard base64 of
/// 32 bytes that creating the code returned, with or without its `=` (the core's rule, which
/// would otherwise refuse it with a 400). node leaves the check to the core.
fn check_device_id(device_id: &str) -> Result<()> {
    match STANDARD_LENIENT.decode(device_id.trim()) {
        Ok(bytes) if bytes.len() == DEVICE_ID_BYTES => Ok(()),
        _ => Err(SuperTokensError::BadInput(
            "deviceId is invalid: it must be the deviceId returned when the code was created \
             (the base64 of 32 bytes)"
                .into(),
        )),
    }
}

/// Node's lookup of the current session before create/resend/consume, for account linking (see
/// [`load_session_for_linking`]).
async fn load_session_if_needed(options: &ApiOptions<'_>, body: &Map<String, Value>) -> Result<()> {
    load_session_for_linking(options.supertokens, options.request, body, crate::RECIPE_ID).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_are_the_base64_of_32_bytes() {
        for good in [
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8= ",
            "//////////////////////////////////////////8=",
        ] {
            assert!(check_device_id(good).is_ok(), "{good:?}");
        }
        for bad in [
            "AAAA",
            "",
            "x",
            // 33 bytes, 31 bytes.
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            // URL-safe alphabet, a non-zero padding bit, two `=`.
            "-_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",
            "//////////////////////////////////////////9=",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAé=",
        ] {
            let error = check_device_id(bad).unwrap_err();
            assert!(
                matches!(&error, SuperTokensError::BadInput(message) if message.starts_with("deviceId is invalid")),
                "{bad:?}: {error:?}"
            );
        }
    }
}
