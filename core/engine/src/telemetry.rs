//! The business metrics the engine records, through the `metrics` facade: whatever recorder
//! the process installed (the daemon's Prometheus exporter) receives them, and without one
//! they cost nothing. Labels are fixed words, never user data, so the number of series stays
//! bounded.

use supertokens_cdi::emailpassword::{SignInResponse, SignUpResponse};
use supertokens_cdi::session::RefreshSessionResponse;

use crate::error::{EngineError, Result};

/// Counter of email/password sign-ins by `outcome`: `ok`, `wrong_credentials`,
/// `rate_limited` (refused by the account's rate limit, answered 429).
pub const SIGN_IN_TOTAL: &str = "supertokens_sign_in_total";
/// Counter of email/password sign-ups by `outcome`: `ok`, `email_already_exists`,
/// `rate_limited`.
pub const SIGN_UP_TOTAL: &str = "supertokens_sign_up_total";
/// Counter of session refreshes by `outcome`: `ok`, `unauthorised`, `token_theft_detected`.
pub const SESSION_REFRESH_TOTAL: &str = "supertokens_session_refresh_total";
/// Counter of refresh-token reuses taken for token theft.
pub const TOKEN_THEFT_DETECTIONS_TOTAL: &str = "supertokens_token_theft_detections_total";

/// Every outcome label of [`SIGN_IN_TOTAL`].
pub const SIGN_IN_OUTCOMES: &[&str] = &["ok", "wrong_credentials", "rate_limited"];
/// Every outcome label of [`SIGN_UP_TOTAL`].
pub const SIGN_UP_OUTCOMES: &[&str] = &["ok", "email_already_exists", "rate_limited"];
/// Every outcome label of [`SESSION_REFRESH_TOTAL`].
pub const SESSION_REFRESH_OUTCOMES: &[&str] = &["ok", "unauthorised", "token_theft_detected"];

/// Counts a finished sign-in; failures (bad input, storage errors) are not outcomes.
pub(crate) fn sign_in(result: &Result<SignInResponse>) {
    let outcome = match result {
        Ok(SignInResponse::Ok { .. }) => "ok",
        Ok(SignInResponse::WrongCredentialsError) => "wrong_credentials",
        Err(EngineError::RateLimited { .. }) => "rate_limited",
        #[allow(unreachable_patterns)] // outcomes added later are counted once named here
        Ok(_) | Err(_) => return,
    };
    metrics::counter!(SIGN_IN_TOTAL, "outcome" => outcome).increment(1);
}

/// Counts a finished sign-up.
pub(crate) fn sign_up(result: &Result<SignUpResponse>) {
    let outcome = match result {
        Ok(SignUpResponse::Ok { .. }) => "ok",
        Ok(SignUpResponse::EmailAlreadyExistsError) => "email_already_exists",
        Err(EngineError::RateLimited { .. }) => "rate_limited",
        #[allow(unreachable_patterns)]
        Ok(_) | Err(_) => return,
    };
    metrics::counter!(SIGN_UP_TOTAL, "outcome" => outcome).increment(1);
}

/// Counts a finished refresh, and a theft detection as such.
pub(crate) fn session_refresh(result: &Result<RefreshSessionResponse>) {
    let outcome = match result {
        Ok(RefreshSessionResponse::Ok(_)) => "ok",
        Ok(RefreshSessionResponse::Unauthorised { .. }) => "unauthorised",
        Ok(RefreshSessionResponse::TokenTheftDetected { .. }) => {
            metrics::counter!(TOKEN_THEFT_DETECTIONS_TOTAL).increment(1);
            "token_theft_detected"
        }
        #[allow(unreachable_patterns)]
        Ok(_) | Err(_) => return,
    };
    metrics::counter!(SESSION_REFRESH_TOTAL, "outcome" => outcome).increment(1);
}
