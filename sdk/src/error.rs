//! Errors of the SDK. Expected outcomes (wrong password, email taken) are values in recipe
//! responses; these are the failures.

/// Result alias of the SDK.
pub type Result<T, E = SuperTokensError> = std::result::Result<T, E>;

/// Why an SDK operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SuperTokensError {
    /// The configuration given to `init` is invalid; the message names the field.
    #[error("invalid SuperTokens configuration: {0}")]
    Config(String),
    /// The request is malformed; answered with 400 `{"message": …}`.
    #[error("{0}")]
    BadInput(String),
    /// No core host could be reached.
    #[error("the SuperTokens core is unreachable: {0}")]
    CoreUnreachable(String),
    /// The core answered with a non-200 status.
    #[error("the SuperTokens core answered {status} for {path}: {message}")]
    Core {
        /// HTTP status of the core's answer.
        status: u16,
        /// The CDI path called.
        path: String,
        /// The core's message.
        message: String,
    },
    /// The core refused the request for now (its `429`, e.g. too many sign-in attempts on
    /// one account); answered with the FDI's `429`, the core's `Retry-After` and
    /// `{"message": …}`.
    #[error("the SuperTokens core asks to retry {path} in {retry_after_seconds} s")]
    RateLimited {
        /// The CDI path called, without its query.
        path: String,
        /// Whole seconds to wait (the core's `Retry-After`; 1 when it gave none).
        retry_after_seconds: u64,
    },
    /// A session problem, turned into 401/403 by the session recipe.
    #[error("session error: {0:?}")]
    Session(SessionError),
    /// Anything else (a bug, an unexpected core answer).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Session failures that become the FDI's 401/403 answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// 401 `try refresh token`: the access token is expired or invalid; tokens are kept.
    TryRefreshToken {
        /// Why (for logs).
        message: String,
    },
    /// 401 `unauthorised`: no session, or it ended. `clear_tokens` says whether the
    /// response removes the client's tokens.
    Unauthorised {
        /// Why (for logs).
        message: String,
        /// Remove the tokens from the client.
        clear_tokens: bool,
    },
    /// 401 `token theft detected`: a superseded refresh token was reused.
    TokenTheftDetected {
        /// The session concerned.
        session_handle: String,
        /// Its user.
        user_id: String,
        /// Its recipe user.
        recipe_user_id: String,
    },
    /// 403 `invalid claim`: a claim validator failed.
    InvalidClaims {
        /// `[{"id": …, "reason": …}]`.
        claim_validation_errors: Vec<serde_json::Value>,
    },
}

impl From<SessionError> for SuperTokensError {
    fn from(error: SessionError) -> Self {
        Self::Session(error)
    }
}
