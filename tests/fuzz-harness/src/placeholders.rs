//! Live values for seeds: a body may name `$USER_ID`, a fresh session's `$ACCESS_TOKEN`,
//! `$REFRESH_TOKEN` or `$SESSION_HANDLE`, a fresh `$RESET_TOKEN` or `$EV_TOKEN` (email
//! verification) of the known user, or a fresh passwordless code's `$DEVICE_ID`,
//! `$PRE_AUTH_SESSION_ID`, `$USER_INPUT_CODE`, `$LINK_CODE` or `$CODE_ID`. Each group is made
//! (through the CDI) only when the body names one of its placeholders, so random inputs cost
//! nothing extra and seeds reach the paths that need a real token or code.

use http::Method;
use serde_json::{Value, json};

use crate::world::{KNOWN_EMAIL, PASSWORDLESS_EMAIL, World};

const SESSION: &[(&str, &str)] = &[
    ("$ACCESS_TOKEN", "/accessToken/token"),
    ("$REFRESH_TOKEN", "/refreshToken/token"),
    ("$SESSION_HANDLE", "/session/handle"),
];
const CODE: &[(&str, &str)] = &[
    ("$DEVICE_ID", "/deviceId"),
    ("$PRE_AUTH_SESSION_ID", "/preAuthSessionId"),
    ("$USER_INPUT_CODE", "/userInputCode"),
    ("$LINK_CODE", "/linkCode"),
    ("$CODE_ID", "/codeId"),
];

/// A request input (`[route] [flags] rest`) with the placeholders of `rest` replaced.
pub async fn substitute_rest(world: &World, data: &[u8]) -> Vec<u8> {
    match data.split_at_checked(2) {
        Some((selectors, rest)) if rest.contains(&b'$') => {
            let mut out = selectors.to_vec();
            out.extend(substitute(world, rest).await);
            out
        }
        _ => data.to_vec(),
    }
}

/// `body` with every placeholder it names replaced; unchanged when it names none (or a value
/// could not be made).
pub async fn substitute(world: &World, body: &[u8]) -> Vec<u8> {
    if !body.contains(&b'$') {
        return body.to_vec();
    }
    let Ok(text) = std::str::from_utf8(body) else {
        return body.to_vec();
    };
    let mut text = text.replace("$USER_ID", world.known_user_id());
    let user = || json!({ "userId": world.known_user_id(), "email": KNOWN_EMAIL });
    if names_any(&text, SESSION) {
        let session = json!({
            "userId": world.known_user_id(),
            "userDataInJWT": {},
            "userDataInDatabase": {},
            "enableAntiCsrf": false,
        });
        let created = world
            .cdi(Method::POST, "/recipe/session", Some(session))
            .await;
        text = fill(text, SESSION, &created.body);
    }
    if text.contains("$RESET_TOKEN") {
        let created = world
            .cdi(
                Method::POST,
                "/recipe/user/password/reset/token",
                Some(user()),
            )
            .await;
        text = fill(text, &[("$RESET_TOKEN", "/token")], &created.body);
    }
    if text.contains("$EV_TOKEN") {
        let created = world
            .cdi(
                Method::POST,
                "/recipe/user/email/verify/token",
                Some(user()),
            )
            .await;
        text = fill(text, &[("$EV_TOKEN", "/token")], &created.body);
    }
    if names_any(&text, CODE) {
        let created = world
            .cdi(
                Method::POST,
                "/recipe/signinup/code",
                Some(json!({ "email": PASSWORDLESS_EMAIL })),
            )
            .await;
        text = fill(text, CODE, &created.body);
    }
    text.into_bytes()
}

fn names_any(text: &str, names: &[(&str, &str)]) -> bool {
    names.iter().any(|(name, _)| text.contains(name))
}

fn fill(text: String, names: &[(&str, &str)], created: &Value) -> String {
    names.iter().fold(text, |text, (name, pointer)| {
        match created.pointer(pointer).and_then(Value::as_str) {
            Some(value) => text.replace(name, value),
            None => text,
        }
    })
}
