//! [`SessionClaim`]: a value in the access token payload that can be fetched for a user.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Value, json};
use supertokens::{Result, SuperTokensError};
use supertokens_cdi::session::JsonObject;

use super::registry::ClaimRegistry;

/// Who a claim's value is fetched for, and the payload it goes into.
#[derive(Clone, Copy)]
pub struct ClaimFetchInput<'a> {
    /// The primary user id (`sub`).
    pub user_id: &'a str,
    /// The login method of the session (`rsub`).
    pub recipe_user_id: &'a str,
    /// The session's tenant.
    pub tenant_id: &'a str,
    /// The access token payload as it is now (at session creation: what was built so far).
    pub current_payload: &'a JsonObject,
    registry: &'a ClaimRegistry,
}

impl fmt::Debug for ClaimFetchInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimFetchInput")
            .field("user_id", &self.user_id)
            .field("recipe_user_id", &self.recipe_user_id)
            .field("tenant_id", &self.tenant_id)
            .finish_non_exhaustive()
    }
}

impl<'a> ClaimFetchInput<'a> {
    /// An input; `registry` resolves [`RegisteredClaim`]s (the session recipe passes its own).
    pub fn new(
        user_id: &'a str,
        recipe_user_id: &'a str,
        tenant_id: &'a str,
        current_payload: &'a JsonObject,
        registry: &'a ClaimRegistry,
    ) -> Self {
        Self {
            user_id,
            recipe_user_id,
            tenant_id,
            current_payload,
            registry,
        }
    }

    /// The claims the recipes of this SDK instance registered.
    pub fn registry(&self) -> &'a ClaimRegistry {
        self.registry
    }

    /// The owned form handed to function fetchers.
    pub fn to_args(&self) -> ClaimFetchArgs {
        ClaimFetchArgs {
            user_id: self.user_id.to_owned(),
            recipe_user_id: self.recipe_user_id.to_owned(),
            tenant_id: self.tenant_id.to_owned(),
            current_payload: self.current_payload.clone(),
        }
    }
}

/// [`ClaimFetchInput`] owned, for fetchers written as closures returning `async` blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimFetchArgs {
    /// The primary user id (`sub`).
    pub user_id: String,
    /// The login method of the session (`rsub`).
    pub recipe_user_id: String,
    /// The session's tenant.
    pub tenant_id: String,
    /// The access token payload as it is now.
    pub current_payload: JsonObject,
}

/// A claim: a key in the access token payload and a way to fetch its value for a user.
///
/// The payload entry is `{"v": <value>, "t": <epoch ms of the fetch>}` (node's
/// `SessionClaim`); the provided methods read and write it.
#[async_trait]
pub trait SessionClaim: Send + Sync {
    /// The key in the access token payload (e.g. `st-ev`, `st-role`).
    fn key(&self) -> &str;

    /// The current value for the user; `None` leaves the payload as it is (node's
    /// `undefined`: "do not add this claim").
    async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>>;

    /// Whether the claim only stands for one found in the [`ClaimRegistry`] by its key
    /// ([`RegisteredClaim`]); such claims cannot be registered themselves.
    fn resolves_through_registry(&self) -> bool {
        false
    }

    /// The value in a payload (`payload[key].v`), `None` when absent.
    fn value_from_payload<'p>(&self, payload: &'p JsonObject) -> Option<&'p Value> {
        payload.get(self.key())?.get("v")
    }

    /// When the value in a payload was fetched (`payload[key].t`, epoch ms).
    fn last_refetch_time(&self, payload: &JsonObject) -> Option<i64> {
        let time = payload.get(self.key())?.get("t")?;
        time.as_i64().or_else(|| {
            // node writes integers; a float is truncated (saturating, never a panic).
            #[allow(clippy::cast_possible_truncation)]
            time.as_f64().map(|ms| ms as i64)
        })
    }

    /// The payload update that sets the value, fetched at `now_ms`.
    fn payload_entry(&self, value: Value, now_ms: i64) -> JsonObject {
        let mut entry = JsonObject::new();
        entry.insert(self.key().to_owned(), json!({ "v": value, "t": now_ms }));
        entry
    }

    /// The payload update that removes the claim (merged, `null` deletes).
    fn removal_entry(&self) -> JsonObject {
        let mut entry = JsonObject::new();
        entry.insert(self.key().to_owned(), Value::Null);
        entry
    }

    /// Fetches the value and returns its payload entry (`{}` when there is none): what new
    /// sessions and `fetch_and_set_claim` merge into the payload (node's `build`).
    async fn build(&self, input: &ClaimFetchInput<'_>, now_ms: i64) -> Result<JsonObject> {
        Ok(match self.fetch_value(input).await? {
            Some(value) => self.payload_entry(value, now_ms),
            None => JsonObject::new(),
        })
    }
}

type FetchFuture<T> = Pin<Box<dyn Future<Output = Result<Option<T>>> + Send>>;

struct FnClaim<T> {
    key: String,
    fetch: Arc<dyn Fn(ClaimFetchArgs) -> FetchFuture<T> + Send + Sync>,
}

#[async_trait]
impl<T: Serialize + Send + 'static> SessionClaim for FnClaim<T> {
    fn key(&self) -> &str {
        &self.key
    }

    async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
        match (self.fetch)(input.to_args()).await? {
            Some(value) => serde_json::to_value(value).map(Some).map_err(|error| {
                SuperTokensError::Internal(format!(
                    "the value of the {} claim is not JSON: {error}",
                    self.key
                ))
            }),
            None => Ok(None),
        }
    }
}

/// A claim whose value comes from an async function of the user (any serialisable type).
///
/// ```
/// use supertokens_session::claims::{ClaimFetchArgs, fn_claim};
/// let plan = fn_claim("plan", |args: ClaimFetchArgs| async move {
///     Ok(Some(if args.user_id.starts_with("vip") { "pro" } else { "free" }))
/// });
/// assert_eq!(plan.key(), "plan");
/// ```
pub fn fn_claim<T, F, Fut>(key: impl Into<String>, fetch: F) -> Arc<dyn SessionClaim>
where
    T: Serialize + Send + 'static,
    F: Fn(ClaimFetchArgs) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<T>>> + Send + 'static,
{
    Arc::new(FnClaim::<T> {
        key: key.into(),
        fetch: Arc::new(move |args| Box::pin(fetch(args)) as FetchFuture<T>),
    })
}

/// A claim known by its key only: fetching it uses the claim a recipe registered under that
/// key in the [`ClaimRegistry`] of the session's SDK instance. This is what the public
/// validators of recipe claims (`UserRoleClaim::includes("admin")`,
/// `EmailVerificationClaim::is_verified()`) hold, so they can be written before `init` and
/// work with whichever SDK instance verifies the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisteredClaim {
    key: String,
}

impl RegisteredClaim {
    /// The claim registered under `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Self { key: key.into() }
    }
}

#[async_trait]
impl SessionClaim for RegisteredClaim {
    fn key(&self) -> &str {
        &self.key
    }

    async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
        let claim = input.registry().claim(&self.key).ok_or_else(|| {
            SuperTokensError::Config(format!(
                "no recipe in recipe_list provides the {} claim (is its recipe initialised?)",
                self.key
            ))
        })?;
        if claim.resolves_through_registry() {
            return Err(SuperTokensError::Internal(format!(
                "the {} claim resolves to itself",
                self.key
            )));
        }
        claim.fetch_value(input).await
    }

    fn resolves_through_registry(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn entries_have_node_shape() {
        let registry = ClaimRegistry::default();
        let claim = fn_claim("plan", |args: ClaimFetchArgs| async move {
            Ok((args.tenant_id == "public").then_some("pro"))
        });
        let payload = JsonObject::new();
        let input = ClaimFetchInput::new("u", "r", "public", &payload, &registry);
        let built = claim.build(&input, 1_234).await.unwrap();
        assert_eq!(
            Value::Object(built.clone()),
            json!({"plan": {"v": "pro", "t": 1_234}})
        );
        assert_eq!(claim.value_from_payload(&built), Some(&json!("pro")));
        assert_eq!(claim.last_refetch_time(&built), Some(1_234));
        assert_eq!(Value::Object(claim.removal_entry()), json!({"plan": null}));
        let other = ClaimFetchInput::new("u", "r", "t1", &payload, &registry);
        assert!(claim.build(&other, 1).await.unwrap().is_empty());
        assert_eq!(claim.value_from_payload(&payload), None);
        assert_eq!(claim.last_refetch_time(&payload), None);
    }

    #[tokio::test]
    async fn registered_claims_resolve_through_the_registry() {
        let registry = ClaimRegistry::default();
        let payload = JsonObject::new();
        let input = ClaimFetchInput::new("u", "r", "public", &payload, &registry);
        let handle = RegisteredClaim::new("st-x");
        let error = handle.fetch_value(&input).await.unwrap_err();
        assert!(error.to_string().contains("st-x"), "{error}");
        registry
            .register_claim(fn_claim("st-x", |_args: ClaimFetchArgs| async {
                Ok(Some(7))
            }))
            .unwrap();
        assert_eq!(handle.fetch_value(&input).await.unwrap(), Some(json!(7)));
        assert!(
            registry
                .register_claim(Arc::new(RegisteredClaim::new("st-y")))
                .is_err()
        );
    }
}
