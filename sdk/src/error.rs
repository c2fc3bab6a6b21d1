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
    /// The core answered with a non-200 status. A `400` refuses a value of the request and
    /// is answered as the client's mistake (see [`SuperTokensError::client_error_message`]);
    /// any other status is a server error.
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

/// The start of the core's `400` for an app or tenant it does not have (the Java core's
/// wording, which this project's core keeps): `AppId or tenantId not found => … not found:
/// (<connectionURIDomain>, <appId>, <tenantId>)`.
const UNKNOWN_APP_OR_TENANT: &str = "AppId or tenantId not found";

impl SuperTokensError {
    /// The message of the FDI's `400 {"message": …}` when the failure is the client's doing,
    /// `None` when it is the server's (a 500).
    ///
    /// The client's: [`BadInput`](Self::BadInput), and a core `400`, which refuses a value the
    /// request carried (a malformed `deviceId`, a tenant the app does not have: `Tenant not
    /// found: <tenantId>`). The server's: every other core status (a `401` for a wrong API
    /// key is the SDK's configuration), and the core's `400` for an unknown app, or for the
    /// `public` tenant, which only the connection URI can name.
    pub fn client_error_message(&self) -> Option<String> {
        match self {
            Self::BadInput(message) => Some(message.clone()),
            Self::Core {
                status: 400,
                message,
                ..
            } => match message.strip_prefix(UNKNOWN_APP_OR_TENANT) {
                None => Some(message.clone()),
                Some(rest) => {
                    unknown_tenant(rest).map(|tenant| format!("Tenant not found: {tenant}"))
                }
            },
            _ => None,
        }
    }
}

/// The tenant of the core's unknown-app-or-tenant message (`… (domain, app, tenant)`), unless
/// it is `public`: then the app is the unknown one.
fn unknown_tenant(rest: &str) -> Option<&str> {
    let (_, triple) = rest.rsplit_once('(')?;
    let tenant = triple
        .trim_end()
        .strip_suffix(')')?
        .rsplit(',')
        .next()?
        .trim();
    (!tenant.is_empty() && !tenant.eq_ignore_ascii_case("public")).then_some(tenant)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn core(status: u16, message: &str) -> SuperTokensError {
        SuperTokensError::Core {
            status,
            path: "/nosuchtenant/recipe/signin".into(),
            message: message.into(),
        }
    }

    #[test]
    fn client_errors_are_bad_input_and_core_400s_about_the_request() {
        assert_eq!(
            SuperTokensError::BadInput("Please provide a deviceId".into())
                .client_error_message()
                .as_deref(),
            Some("Please provide a deviceId")
        );
        assert_eq!(
            core(400, "Input encoding error in deviceId")
                .client_error_message()
                .as_deref(),
            Some("Input encoding error in deviceId")
        );
        let unknown = |app: &str, tenant: &str| {
            core(
                400,
                &format!(
                    "AppId or tenantId not found => Tenant with the following \
                     connectionURIDomain, appId and tenantId combination not found: \
                     (, {app}, {tenant})"
                ),
            )
            .client_error_message()
        };
        assert_eq!(
            unknown("public", "nosuchtenant").as_deref(),
            Some("Tenant not found: nosuchtenant")
        );
        assert_eq!(
            unknown("shop", "t-1").as_deref(),
            Some("Tenant not found: t-1")
        );
        // The public tenant always exists: its app is the unknown one (the connection URI's).
        assert_eq!(unknown("nosuchapp", "public"), None);
        assert_eq!(
            core(400, "AppId or tenantId not found").client_error_message(),
            None
        );
    }

    #[test]
    fn server_errors_are_not_the_clients() {
        for error in [
            core(401, "Invalid API key"),
            core(403, "Only the public tenant may call this API"),
            core(404, "Not found"),
            core(500, "Internal error"),
            SuperTokensError::Internal("bug".into()),
            SuperTokensError::CoreUnreachable("down".into()),
            SuperTokensError::Config("bad".into()),
            SuperTokensError::RateLimited {
                path: "/recipe/signin".into(),
                retry_after_seconds: 1,
            },
        ] {
            assert_eq!(error.client_error_message(), None, "{error:?}");
        }
    }
}
