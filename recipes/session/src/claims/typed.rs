//! node's claim base classes: [`PrimitiveClaim`], [`BooleanClaim`], [`PrimitiveArrayClaim`],
//! and the [`ClaimValidator`] their validator constructors return.
//!
//! Refetch rules and failure reasons follow node (`primitiveClaim.ts`,
//! `primitiveArrayClaim.ts`):
//!
//! * refetch when the value is missing, or when a max age is set and the value was fetched
//!   more than max age ago;
//! * fail with `{"message":"value does not exist", <expectation>}` when it is still missing,
//!   `{"message":"expired","ageInSeconds":…,"maxAgeInSeconds":…}` when it is older than the
//!   max age, `{"message":"wrong value", <expectation>, "actualValue":…}` when it does not
//!   match.
//!
//! The expectation keys are node's: `expectedValue` (`has_value`), `expectedToInclude`
//! (`includes`, `includes_all`), `expectedToNotInclude` (`excludes`, `excludes_all`, and —
//! as in node — a missing value under `includes_any`), `expectedToIncludeAtLeastOneOf`
//! (`includes_any`).

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::{Map, Value};
use supertokens::Result;
use supertokens_cdi::session::JsonObject;

use super::claim::{ClaimFetchArgs, ClaimFetchInput, RegisteredClaim, SessionClaim, fn_claim};
use super::{SessionClaimValidator, seconds_json};
use crate::session_container::SessionContainer;

fn duration_ms(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// JavaScript's `===` on JSON primitives (numbers compare by value: `1` equals `1.0`).
fn same_primitive(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn contains(values: &[Value], wanted: &Value) -> bool {
    values.iter().any(|value| same_primitive(value, wanted))
}

/// What a [`ClaimValidator`] checks.
#[derive(Debug, Clone, PartialEq)]
enum Check {
    HasValue(Value),
    Includes(Value),
    Excludes(Value),
    IncludesAll(Vec<Value>),
    IncludesAny(Vec<Value>),
    ExcludesAll(Vec<Value>),
}

impl Check {
    /// The expectation key and value of the failure reasons (node's names), for a missing
    /// value and for a wrong one.
    fn expectation(&self, missing: bool) -> (&'static str, Value) {
        match self {
            Self::HasValue(value) => ("expectedValue", value.clone()),
            Self::Includes(value) => ("expectedToInclude", value.clone()),
            Self::Excludes(value) => ("expectedToNotInclude", value.clone()),
            Self::IncludesAll(values) => ("expectedToInclude", Value::from(values.clone())),
            // node reports a missing value of `includesAny` as `expectedToNotInclude`.
            Self::IncludesAny(values) if missing => {
                ("expectedToNotInclude", Value::from(values.clone()))
            }
            Self::IncludesAny(values) => {
                ("expectedToIncludeAtLeastOneOf", Value::from(values.clone()))
            }
            Self::ExcludesAll(values) => ("expectedToNotInclude", Value::from(values.clone())),
        }
    }

    fn holds(&self, actual: &Value) -> bool {
        let array = actual.as_array().map(Vec::as_slice);
        match self {
            Self::HasValue(expected) => same_primitive(actual, expected),
            Self::Includes(value) => array.is_some_and(|values| contains(values, value)),
            Self::Excludes(value) => array.is_some_and(|values| !contains(values, value)),
            Self::IncludesAll(wanted) => {
                array.is_some_and(|values| wanted.iter().all(|w| contains(values, w)))
            }
            Self::IncludesAny(wanted) => {
                array.is_some_and(|values| wanted.iter().any(|w| contains(values, w)))
            }
            Self::ExcludesAll(unwanted) => {
                array.is_some_and(|values| unwanted.iter().all(|u| !contains(values, u)))
            }
        }
    }
}

/// A validator of one claim: a check of its value, an optional max age, node's refetch
/// rule. Made by the typed claims' constructors (`has_value`, `includes`, …); adjust with
/// [`with_max_age`](Self::with_max_age) and [`with_id`](Self::with_id), then use it as
/// `Arc::new(validator)` wherever an `Arc<dyn SessionClaimValidator>` is wanted.
#[derive(Clone)]
pub struct ClaimValidator {
    claim: Arc<dyn SessionClaim>,
    id: String,
    max_age: Option<Duration>,
    check: Check,
}

impl fmt::Debug for ClaimValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimValidator")
            .field("claim", &self.claim.key())
            .field("id", &self.id)
            .field("max_age", &self.max_age)
            .field("check", &self.check)
            .finish()
    }
}

impl ClaimValidator {
    fn new(claim: &ClaimCore, check: Check) -> Self {
        Self {
            id: claim.claim.key().to_owned(),
            claim: claim.claim.clone(),
            max_age: claim.default_max_age,
            check,
        }
    }

    /// Refetches values older than `max_age` and fails on them (`None`: any age is fine).
    /// The default is the claim's default max age.
    pub fn with_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }

    /// The id reported in `claimValidationErrors`; default the claim's key.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    /// The claim checked.
    pub fn claim(&self) -> &Arc<dyn SessionClaim> {
        &self.claim
    }

    /// The max age applied.
    pub fn max_age(&self) -> Option<Duration> {
        self.max_age
    }

    /// Whether the value is missing or older than the max age at `now_ms` (node's
    /// `shouldRefetch`).
    pub fn needs_refetch(&self, payload: &JsonObject, now_ms: i64) -> bool {
        if self.claim.value_from_payload(payload).is_none() {
            return true;
        }
        match (self.max_age, self.claim.last_refetch_time(payload)) {
            (Some(max_age), Some(fetched)) => fetched < now_ms.saturating_sub(duration_ms(max_age)),
            _ => false,
        }
    }

    /// Checks the payload at `now_ms`; the error is the reason sent to the frontend.
    pub fn check(&self, payload: &JsonObject, now_ms: i64) -> std::result::Result<(), Value> {
        let reason = |message: &str, missing: bool, actual: Option<&Value>| {
            let (key, expected) = self.check.expectation(missing);
            let mut reason = Map::new();
            reason.insert("message".into(), Value::from(message));
            reason.insert(key.into(), expected);
            if let Some(actual) = actual {
                reason.insert("actualValue".into(), actual.clone());
            }
            Value::Object(reason)
        };
        let Some(actual) = self.claim.value_from_payload(payload) else {
            return Err(reason("value does not exist", true, None));
        };
        if let (Some(max_age), Some(fetched)) =
            (self.max_age, self.claim.last_refetch_time(payload))
        {
            let age_ms = now_ms.saturating_sub(fetched);
            let max_age_ms = duration_ms(max_age);
            if age_ms > max_age_ms {
                let mut expired = Map::new();
                expired.insert("message".into(), Value::from("expired"));
                expired.insert("ageInSeconds".into(), seconds_json(age_ms));
                expired.insert("maxAgeInSeconds".into(), seconds_json(max_age_ms));
                return Err(Value::Object(expired));
            }
        }
        if self.check.holds(actual) {
            Ok(())
        } else {
            Err(reason("wrong value", false, Some(actual)))
        }
    }
}

#[async_trait]
impl SessionClaimValidator for ClaimValidator {
    fn id(&self) -> &str {
        &self.id
    }

    async fn should_refetch(&self, payload: &JsonObject, now_ms: i64) -> bool {
        self.needs_refetch(payload, now_ms)
    }

    async fn refetch(
        &self,
        session: &SessionContainer,
        payload: &JsonObject,
        now_ms: i64,
    ) -> Result<Option<JsonObject>> {
        session
            .fetch_claim_payload(self.claim.as_ref(), payload, now_ms)
            .await
    }

    async fn validate(&self, payload: &JsonObject, now_ms: i64) -> std::result::Result<(), Value> {
        self.check(payload, now_ms)
    }
}

/// What the typed claims share: the claim and its default max age.
#[derive(Clone)]
struct ClaimCore {
    claim: Arc<dyn SessionClaim>,
    default_max_age: Option<Duration>,
}

impl fmt::Debug for ClaimCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim")
            .field("key", &self.claim.key())
            .field("default_max_age", &self.default_max_age)
            .finish()
    }
}

/// Delegates [`SessionClaim`] to the wrapped claim, so typed claims can be passed to
/// `fetch_and_set_claim`, `set_claim_value`, … directly.
macro_rules! typed_claim {
    ($name:ident) => {
        impl $name {
            /// A typed view of `claim` (no default max age).
            pub fn new(claim: Arc<dyn SessionClaim>) -> Self {
                Self(ClaimCore {
                    claim,
                    default_max_age: None,
                })
            }

            /// A claim whose value comes from an async function of the user (see
            /// [`fn_claim`]).
            pub fn from_fn<T, F, Fut>(key: impl Into<String>, fetch: F) -> Self
            where
                T: Serialize + Send + 'static,
                F: Fn(ClaimFetchArgs) -> Fut + Send + Sync + 'static,
                Fut: Future<Output = Result<Option<T>>> + Send + 'static,
            {
                Self::new(fn_claim(key, fetch))
            }

            /// The claim a recipe registered under `key` (see [`RegisteredClaim`]).
            pub fn registered(key: impl Into<String>) -> Self {
                Self::new(Arc::new(RegisteredClaim::new(key)))
            }

            /// The max age validators apply unless told otherwise (node's
            /// `defaultMaxAgeInSeconds`); default none.
            pub fn with_default_max_age(mut self, max_age: Option<Duration>) -> Self {
                self.0.default_max_age = max_age;
                self
            }

            /// The default max age of its validators.
            pub fn default_max_age(&self) -> Option<Duration> {
                self.0.default_max_age
            }

            /// The underlying claim.
            pub fn claim(&self) -> &Arc<dyn SessionClaim> {
                &self.0.claim
            }
        }

        #[async_trait]
        impl SessionClaim for $name {
            fn key(&self) -> &str {
                self.0.claim.key()
            }

            async fn fetch_value(&self, input: &ClaimFetchInput<'_>) -> Result<Option<Value>> {
                self.0.claim.fetch_value(input).await
            }

            fn resolves_through_registry(&self) -> bool {
                self.0.claim.resolves_through_registry()
            }
        }
    };
}

/// A claim holding one JSON primitive (string, number, boolean): node's `PrimitiveClaim`.
#[derive(Debug, Clone)]
pub struct PrimitiveClaim(ClaimCore);

typed_claim!(PrimitiveClaim);

impl PrimitiveClaim {
    /// The value in a payload.
    pub fn get_value(&self, payload: &JsonObject) -> Option<Value> {
        self.0.claim.value_from_payload(payload).cloned()
    }

    /// Requires the value to be `value`.
    pub fn has_value(&self, value: impl Into<Value>) -> ClaimValidator {
        ClaimValidator::new(&self.0, Check::HasValue(value.into()))
    }
}

/// A claim holding a boolean: node's `BooleanClaim`.
#[derive(Debug, Clone)]
pub struct BooleanClaim(ClaimCore);

typed_claim!(BooleanClaim);

impl BooleanClaim {
    /// The value in a payload (`None` when absent or not a boolean).
    pub fn get_value(&self, payload: &JsonObject) -> Option<bool> {
        self.0.claim.value_from_payload(payload)?.as_bool()
    }

    /// Requires the value to be `value`.
    pub fn has_value(&self, value: bool) -> ClaimValidator {
        ClaimValidator::new(&self.0, Check::HasValue(Value::Bool(value)))
    }

    /// Requires `true`.
    pub fn is_true(&self) -> ClaimValidator {
        self.has_value(true)
    }

    /// Requires `false`.
    pub fn is_false(&self) -> ClaimValidator {
        self.has_value(false)
    }
}

/// A claim holding an array of JSON primitives: node's `PrimitiveArrayClaim`.
#[derive(Debug, Clone)]
pub struct PrimitiveArrayClaim(ClaimCore);

typed_claim!(PrimitiveArrayClaim);

fn values<I, V>(items: I) -> Vec<Value>
where
    I: IntoIterator<Item = V>,
    V: Into<Value>,
{
    items.into_iter().map(Into::into).collect()
}

impl PrimitiveArrayClaim {
    /// The value in a payload (`None` when absent or not an array).
    pub fn get_value(&self, payload: &JsonObject) -> Option<Vec<Value>> {
        self.0
            .claim
            .value_from_payload(payload)?
            .as_array()
            .cloned()
    }

    /// Requires the array to contain `value`.
    pub fn includes(&self, value: impl Into<Value>) -> ClaimValidator {
        ClaimValidator::new(&self.0, Check::Includes(value.into()))
    }

    /// Requires the array not to contain `value`.
    pub fn excludes(&self, value: impl Into<Value>) -> ClaimValidator {
        ClaimValidator::new(&self.0, Check::Excludes(value.into()))
    }

    /// Requires the array to contain every one of `values`.
    pub fn includes_all<I, V>(&self, items: I) -> ClaimValidator
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        ClaimValidator::new(&self.0, Check::IncludesAll(values(items)))
    }

    /// Requires the array to contain at least one of `values`.
    pub fn includes_any<I, V>(&self, items: I) -> ClaimValidator
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        ClaimValidator::new(&self.0, Check::IncludesAny(values(items)))
    }

    /// Requires the array to contain none of `values`.
    pub fn excludes_all<I, V>(&self, items: I) -> ClaimValidator
    where
        I: IntoIterator<Item = V>,
        V: Into<Value>,
    {
        ClaimValidator::new(&self.0, Check::ExcludesAll(values(items)))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_000_000;

    fn payload(value: Value) -> JsonObject {
        let mut payload = JsonObject::new();
        payload.insert("k".into(), value);
        payload
    }

    fn fresh(value: &Value) -> JsonObject {
        payload(json!({"v": value, "t": NOW - 1_000}))
    }

    fn roles() -> PrimitiveArrayClaim {
        PrimitiveArrayClaim::registered("k")
    }

    #[test]
    fn has_value_reasons_match_node() {
        let claim = PrimitiveClaim::registered("k");
        let validator = claim.has_value("a");
        assert_eq!(validator.check(&fresh(&json!("a")), NOW), Ok(()));
        assert_eq!(
            validator.check(&fresh(&json!("b")), NOW),
            Err(json!({"message": "wrong value", "expectedValue": "a", "actualValue": "b"}))
        );
        assert_eq!(
            validator.check(&JsonObject::new(), NOW),
            Err(json!({"message": "value does not exist", "expectedValue": "a"}))
        );
        let flag = BooleanClaim::registered("k");
        assert_eq!(
            flag.is_true().check(&fresh(&json!(false)), NOW),
            Err(json!({"message": "wrong value", "expectedValue": true, "actualValue": false}))
        );
        assert_eq!(flag.is_false().check(&fresh(&json!(false)), NOW), Ok(()));
        assert_eq!(flag.get_value(&fresh(&json!(true))), Some(true));
        assert_eq!(claim.get_value(&fresh(&json!(3))), Some(json!(3)));
        // Numbers compare as JavaScript does.
        assert_eq!(claim.has_value(1).check(&fresh(&json!(1.0)), NOW), Ok(()));
    }

    #[test]
    fn array_reasons_match_node() {
        let claim = roles();
        let value = json!(["admin", "user"]);
        let ok = |validator: ClaimValidator| validator.check(&fresh(&value), NOW);
        assert_eq!(ok(claim.includes("admin")), Ok(()));
        assert_eq!(
            ok(claim.includes("root")),
            Err(
                json!({"message": "wrong value", "expectedToInclude": "root", "actualValue": value})
            )
        );
        assert_eq!(ok(claim.excludes("root")), Ok(()));
        assert_eq!(
            ok(claim.excludes("admin")),
            Err(
                json!({"message": "wrong value", "expectedToNotInclude": "admin", "actualValue": value})
            )
        );
        assert_eq!(ok(claim.includes_all(["admin", "user"])), Ok(()));
        assert_eq!(
            ok(claim.includes_all(["admin", "root"])),
            Err(
                json!({"message": "wrong value", "expectedToInclude": ["admin", "root"], "actualValue": value})
            )
        );
        assert_eq!(ok(claim.includes_any(["root", "user"])), Ok(()));
        assert_eq!(
            ok(claim.includes_any(["root", "x"])),
            Err(
                json!({"message": "wrong value", "expectedToIncludeAtLeastOneOf": ["root", "x"], "actualValue": value})
            )
        );
        assert_eq!(ok(claim.excludes_all(["root", "x"])), Ok(()));
        assert_eq!(
            ok(claim.excludes_all(["root", "user"])),
            Err(
                json!({"message": "wrong value", "expectedToNotInclude": ["root", "user"], "actualValue": value})
            )
        );
        let missing = JsonObject::new();
        assert_eq!(
            claim.includes("a").check(&missing, NOW),
            Err(json!({"message": "value does not exist", "expectedToInclude": "a"}))
        );
        assert_eq!(
            claim.includes_any(["a"]).check(&missing, NOW),
            Err(json!({"message": "value does not exist", "expectedToNotInclude": ["a"]}))
        );
        assert_eq!(
            claim.excludes_all(["a"]).check(&missing, NOW),
            Err(json!({"message": "value does not exist", "expectedToNotInclude": ["a"]}))
        );
        // A value that is not an array never satisfies an array check.
        assert!(claim.excludes("a").check(&fresh(&json!("b")), NOW).is_err());
        assert_eq!(claim.get_value(&fresh(&value)).unwrap().len(), 2);
    }

    #[test]
    fn max_age_refetches_and_expires() {
        let claim = roles().with_default_max_age(Some(Duration::from_secs(300)));
        let validator = claim.includes("admin");
        assert_eq!(validator.max_age(), Some(Duration::from_secs(300)));
        let at = |t: i64| payload(json!({"v": ["admin"], "t": t}));
        // Missing values are refetched, whatever the max age.
        assert!(validator.needs_refetch(&JsonObject::new(), NOW));
        assert!(!validator.needs_refetch(&at(NOW - 300_000), NOW));
        assert!(validator.needs_refetch(&at(NOW - 300_001), NOW));
        assert_eq!(validator.check(&at(NOW - 300_000), NOW), Ok(()));
        assert_eq!(
            validator.check(&at(NOW - 301_500), NOW),
            Err(json!({"message": "expired", "ageInSeconds": 301.5, "maxAgeInSeconds": 300}))
        );
        // Without a max age, old values are kept and accepted.
        let ageless = validator.clone().with_max_age(None);
        assert!(!ageless.needs_refetch(&at(0), NOW));
        assert_eq!(ageless.check(&at(0), NOW), Ok(()));
        // A payload without `t` is not refetched nor expired (as node).
        let timeless = payload(json!({"v": ["admin"]}));
        assert!(!validator.needs_refetch(&timeless, NOW));
        assert_eq!(validator.check(&timeless, NOW), Ok(()));
    }

    #[tokio::test]
    async fn ids_default_to_the_key() {
        let validator = roles().includes("a");
        assert_eq!(SessionClaimValidator::id(&validator), "k");
        let renamed = validator.with_id("roles-check");
        assert_eq!(SessionClaimValidator::id(&renamed), "roles-check");
        assert_eq!(renamed.claim().key(), "k");
        assert!(renamed.should_refetch(&JsonObject::new(), NOW).await);
        assert!(renamed.validate(&JsonObject::new(), NOW).await.is_err());
        assert!(format!("{renamed:?}").contains("roles-check"));
        assert!(roles().resolves_through_registry());
        assert_eq!(SessionClaim::key(&roles()), "k");
        let plan =
            PrimitiveClaim::from_fn("plan", |_args: ClaimFetchArgs| async { Ok(Some("pro")) });
        assert!(!plan.resolves_through_registry());
        assert_eq!(plan.default_max_age(), None);
    }
}
