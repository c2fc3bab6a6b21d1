//! The tenants of one app: their settings (first factors, required secondary factors,
//! configuration overrides) and which users are in which tenant.
//!
//! `public` always exists; it is stored only once configured. Other tenants start with no
//! first factor enabled (`[]`), as in the Java core. Which tenants exist, and the settings in
//! force for each ([`TenantSettings`]: the app's configuration with the tenant's
//! `coreConfig` over it), are cached, so that resolving the tenant of a request and its
//! settings costs no query: a tenant this process does not know is looked up in storage
//! before it is declared unknown, a change made through this process is in force for the
//! next request, and [`Tenants::refresh`] (run by [`crate::Apps`]' background sync) picks up
//! other cores' changes and forgets tenants they removed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::{Map, Value};
use supertokens_cdi::multitenancy::{
    AssociateUserResponse, DisassociateUserResponse, TenantConfig, TenantInput, ThirdPartyConfig,
};
use supertokens_storage::{AddUserToTenantOutcome, Storage, TenantRecord};

use crate::clock::Clock;
use crate::config::TenantSettings;
use crate::error::{EngineError, Result};

/// The public app and the public tenant.
pub const PUBLIC: &str = "public";
/// Longest tenant id (it is stored in 64-character columns).
pub const MAX_TENANT_ID_LEN: usize = 64;
/// Tenant ids that would be mistaken for paths.
const RESERVED_TENANT_IDS: &[&str] = &["recipe", "config", "users", "hello"];

/// Trims and lower-cases a tenant id and checks it: `[a-z0-9-]`, at most 64 characters, not
/// `appid-…` and not a reserved word.
pub fn normalise_tenant_id(raw: &str) -> Result<String> {
    let id = raw.trim().to_lowercase();
    if id.is_empty() {
        return Err(EngineError::bad_request(
            "tenantId should not be an empty String",
        ));
    }
    if RESERVED_TENANT_IDS.contains(&id.as_str()) {
        return Err(EngineError::bad_request(format!(
            "Cannot use '{id}' as a tenantId"
        )));
    }
    if id.starts_with("appid-") {
        return Err(EngineError::bad_request(
            "tenantId must not start with 'appid-'",
        ));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(EngineError::bad_request(
            "tenantId can only contain letters, numbers and hyphens",
        ));
    }
    if id.len() > MAX_TENANT_ID_LEN {
        return Err(EngineError::bad_request(format!(
            "tenantId can be at most {MAX_TENANT_ID_LEN} characters long"
        )));
    }
    Ok(id)
}

/// Checks the factor lists of an input: no duplicates, and no empty list of required
/// secondary factors (`null` means none).
pub fn check_factors(input: &TenantInput) -> Result<()> {
    for (name, list) in [
        ("firstFactors", &input.first_factors),
        (
            "requiredSecondaryFactors",
            &input.required_secondary_factors,
        ),
    ] {
        if let Some(Some(list)) = list {
            let unique: HashSet<&String> = list.iter().collect();
            if unique.len() != list.len() {
                return Err(EngineError::bad_request(format!(
                    "{name} input should not contain duplicate values"
                )));
            }
        }
    }
    if matches!(&input.required_secondary_factors, Some(Some(list)) if list.is_empty()) {
        return Err(EngineError::bad_request(
            "requiredSecondaryFactors cannot be empty. Set null instead to remove all required \
             secondary factors.",
        ));
    }
    Ok(())
}

/// `stored` with `patch` merged in: each key of `patch` replaces the stored one, and `null`
/// removes it.
pub fn merge_config(stored: &Map<String, Value>, patch: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = stored.clone();
    for (key, value) in patch {
        if value.is_null() {
            merged.remove(key);
        } else {
            merged.insert(key.clone(), value.clone());
        }
    }
    merged
}

/// What this process knows of the tenants other than `public`.
#[derive(Default)]
struct Cache {
    /// The settings in force for each known tenant.
    tenants: HashMap<String, TenantSettings>,
    /// Bumped by every change made through this process and by every refresh, so that a
    /// lookup that read storage before it does not put back what it read.
    generation: u64,
}

/// The tenants of one app.
pub struct Tenants {
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    /// The app's settings: the public tenant's, and the base of every other tenant's.
    app: TenantSettings,
    cache: RwLock<Cache>,
    /// Serialises this process's changes of tenants and refreshes of the cache.
    changes: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Tenants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenants")
            .field("app", &self.app)
            .finish_non_exhaustive()
    }
}

impl Tenants {
    /// The tenants kept in this storage, in an app whose own settings are `app`.
    pub fn new(storage: Arc<dyn Storage>, clock: Arc<dyn Clock>, app: TenantSettings) -> Self {
        Self {
            storage,
            clock,
            app,
            cache: RwLock::new(Cache::default()),
            changes: tokio::sync::Mutex::new(()),
        }
    }

    fn read_cache(&self) -> std::sync::RwLockReadGuard<'_, Cache> {
        match self.cache.read() {
            Ok(cache) => cache,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn write_cache(&self) -> std::sync::RwLockWriteGuard<'_, Cache> {
        match self.cache.write() {
            Ok(cache) => cache,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The settings of a stored tenant: the app's with the tenant's overrides. Stored
    /// overrides were checked when written; should one be invalid anyway, the app's values
    /// apply and a warning says which tenant to fix.
    fn settings_of(&self, record: &TenantRecord) -> TenantSettings {
        if record.tenant_id == PUBLIC {
            return self.app;
        }
        self.app
            .with_overrides(&record.core_config)
            .unwrap_or_else(|error| {
                tracing::warn!(
                    tenant_id = %record.tenant_id, %error,
                    "the tenant's stored coreConfig is invalid; the app's values apply"
                );
                self.app
            })
    }

    /// The generation of the cache, taken before reading storage for [`Tenants::observe`].
    fn generation(&self) -> u64 {
        self.read_cache().generation
    }

    /// Caches what was read from storage, unless this process changed the cache since
    /// `generation` (what was read may then be older than what is cached).
    fn observe(&self, generation: u64, records: &[TenantRecord]) {
        let settings: Vec<(String, TenantSettings)> = records
            .iter()
            .filter(|record| record.tenant_id != PUBLIC)
            .map(|record| (record.tenant_id.clone(), self.settings_of(record)))
            .collect();
        let mut cache = self.write_cache();
        if cache.generation == generation {
            cache.tenants.extend(settings);
        }
    }

    /// Records a change made through this process (`None`: the tenant was removed).
    fn changed(&self, tenant_id: &str, settings: Option<TenantSettings>) {
        let mut cache = self.write_cache();
        cache.generation = cache.generation.wrapping_add(1);
        match settings {
            Some(settings) => cache.tenants.insert(tenant_id.to_owned(), settings),
            None => cache.tenants.remove(tenant_id),
        };
    }

    fn cached(&self, tenant_id: &str) -> Option<TenantSettings> {
        self.read_cache().tenants.get(tenant_id).copied()
    }

    /// Whether the tenant exists (`public` always does). Unknown ids are looked up in
    /// storage first, so tenants made by other cores are found.
    pub async fn exists(&self, tenant_id: &str) -> Result<bool> {
        Ok(self.lookup(tenant_id).await?.is_some())
    }

    /// The settings in force for requests addressed to the tenant: the app's configuration
    /// with the tenant's `coreConfig` over it (`public` and unknown tenants: the app's). A
    /// tenant this process does not know is read from storage once.
    pub async fn settings(&self, tenant_id: &str) -> Result<TenantSettings> {
        Ok(self.lookup(tenant_id).await?.unwrap_or(self.app))
    }

    /// The settings of an existing tenant, `None` when there is no such tenant.
    async fn lookup(&self, tenant_id: &str) -> Result<Option<TenantSettings>> {
        if tenant_id == PUBLIC {
            return Ok(Some(self.app));
        }
        if let Some(settings) = self.cached(tenant_id) {
            return Ok(Some(settings));
        }
        let generation = self.generation();
        let Some(record) = self.storage.tenant(tenant_id).await? else {
            return Ok(None);
        };
        let settings = self.settings_of(&record);
        self.observe(generation, std::slice::from_ref(&record));
        Ok(Some(settings))
    }

    /// The longest passwordless code lifetime in force in the app (its own or a tenant's),
    /// after re-reading the tenants: expired devices swept with it are expired in every
    /// tenant.
    pub async fn longest_code_lifetime(&self) -> Result<Duration> {
        self.refresh().await?;
        let cache = self.read_cache();
        Ok(cache
            .tenants
            .values()
            .map(|settings| settings.passwordless_code_lifetime)
            .fold(self.app.passwordless_code_lifetime, Duration::max))
    }

    /// Re-reads which tenants exist and their settings.
    pub async fn refresh(&self) -> Result<()> {
        let _guard = self.changes.lock().await;
        let stored = self.storage.tenants().await?;
        let tenants: HashMap<String, TenantSettings> = stored
            .iter()
            .filter(|record| record.tenant_id != PUBLIC)
            .map(|record| (record.tenant_id.clone(), self.settings_of(record)))
            .collect();
        let mut cache = self.write_cache();
        cache.generation = cache.generation.wrapping_add(1);
        cache.tenants = tenants;
        Ok(())
    }

    /// The tenant's configuration; `app_overrides` is the app's `coreConfig`, shown as the
    /// public tenant's.
    pub async fn get(
        &self,
        tenant_id: &str,
        app_overrides: &Map<String, Value>,
    ) -> Result<Option<TenantConfig>> {
        let generation = self.generation();
        let stored = self.storage.tenant(tenant_id).await?;
        if let Some(record) = &stored {
            self.observe(generation, std::slice::from_ref(record));
        }
        Ok(match stored {
            Some(record) => Some(to_config(record, app_overrides)),
            None if tenant_id == PUBLIC => Some(public_default(app_overrides)),
            None => None,
        })
    }

    /// Every tenant, `public` first, then by id.
    pub async fn list(&self, app_overrides: &Map<String, Value>) -> Result<Vec<TenantConfig>> {
        let generation = self.generation();
        let stored = self.storage.tenants().await?;
        self.observe(generation, &stored);
        let mut tenants = Vec::with_capacity(stored.len() + 1);
        if !stored.iter().any(|tenant| tenant.tenant_id == PUBLIC) {
            tenants.push(public_default(app_overrides));
        }
        let (public, others): (Vec<TenantRecord>, Vec<TenantRecord>) = stored
            .into_iter()
            .partition(|tenant| tenant.tenant_id == PUBLIC);
        for record in public.into_iter().chain(others) {
            tenants.push(to_config(record, app_overrides));
        }
        Ok(tenants)
    }

    /// Creates or updates a tenant; returns whether it was created. Absent fields keep their
    /// value (a new tenant other than `public` starts with `firstFactors: []`);
    /// `coreConfig` is merged into the stored one and must hold only tenant keys (see
    /// [`crate::config::TENANT_CONFIG_KEYS`]); the new settings are in force for the next
    /// request. For `public`, `coreConfig` is the app's and is not handled here: callers pass
    /// it to [`crate::Apps`].
    pub async fn create_or_update(&self, tenant_id: &str, input: &TenantInput) -> Result<bool> {
        check_factors(input)?;
        let _guard = self.changes.lock().await;
        let is_public = tenant_id == PUBLIC;
        if is_public && input.core_config.as_ref().is_some_and(|c| !c.is_empty()) {
            return Err(EngineError::bad_request(
                "the public tenant's coreConfig is the app's configuration; set it with \
                 PUT /recipe/multitenancy/app/v2",
            ));
        }
        let existing = self.storage.tenant(tenant_id).await?;
        let created = existing.is_none() && !is_public;
        let mut record = existing.clone().unwrap_or_else(|| TenantRecord {
            tenant_id: tenant_id.to_owned(),
            first_factors: (!is_public).then(Vec::new),
            required_secondary_factors: None,
            core_config: Map::new(),
            created_at_ms: self.clock.now_ms(),
        });
        if let Some(first_factors) = &input.first_factors {
            record.first_factors.clone_from(first_factors);
        }
        if let Some(required) = &input.required_secondary_factors {
            record.required_secondary_factors.clone_from(required);
        }
        let settings = match &input.core_config {
            Some(patch) if !is_public => {
                record.core_config = merge_config(&record.core_config, patch);
                self.app
                    .with_overrides(&record.core_config)
                    .map_err(|error| {
                        EngineError::bad_request(format!("Invalid core config: {error}"))
                    })?
            }
            _ => self.settings_of(&record),
        };
        if existing.is_none() {
            if !self.storage.insert_tenant(&record).await? {
                // Made by a concurrent request: this one updates it.
                self.storage.update_tenant(&record).await?;
            }
        } else if existing.as_ref() != Some(&record) {
            self.storage.update_tenant(&record).await?;
        }
        if !is_public {
            self.changed(tenant_id, Some(settings));
        }
        Ok(created)
    }

    /// Removes a tenant other than `public` with everything kept under it; its users stay
    /// in the app. Returns whether it existed.
    pub async fn remove(&self, tenant_id: &str) -> Result<bool> {
        if tenant_id == PUBLIC {
            return Err(EngineError::forbidden(
                "Cannot delete public tenant, use remove app API instead",
            ));
        }
        let _guard = self.changes.lock().await;
        let existed = self.storage.delete_tenant(tenant_id).await?;
        self.changed(tenant_id, None);
        Ok(existed)
    }

    /// Puts an existing user of the app in the tenant.
    pub async fn associate(&self, tenant_id: &str, user_id: &str) -> Result<AssociateUserResponse> {
        let user_id = require_user_id(user_id)?;
        Ok(
            match self.storage.add_user_to_tenant(tenant_id, user_id).await? {
                AddUserToTenantOutcome::Added => AssociateUserResponse::Ok {
                    was_already_associated: false,
                },
                AddUserToTenantOutcome::AlreadyAssociated => AssociateUserResponse::Ok {
                    was_already_associated: true,
                },
                AddUserToTenantOutcome::UnknownUser => AssociateUserResponse::UnknownUserIdError,
                AddUserToTenantOutcome::EmailTaken => {
                    AssociateUserResponse::EmailAlreadyExistsError
                }
                AddUserToTenantOutcome::PhoneNumberTaken => {
                    AssociateUserResponse::PhoneNumberAlreadyExistsError
                }
            },
        )
    }

    /// Takes a user (or what a free-form user id has) out of the tenant: its sessions,
    /// email verification tokens and roles there go too. The user stays in the app, even
    /// when this was its last tenant.
    pub async fn disassociate(
        &self,
        tenant_id: &str,
        user_id: &str,
    ) -> Result<DisassociateUserResponse> {
        let user_id = require_user_id(user_id)?;
        Ok(DisassociateUserResponse::Ok {
            was_associated: self
                .storage
                .remove_user_from_tenant(tenant_id, user_id)
                .await?,
        })
    }
}

fn require_user_id(user_id: &str) -> Result<&str> {
    let user_id = user_id.trim();
    if user_id.is_empty() {
        return Err(EngineError::bad_request(
            "Field name 'recipeUserId' cannot be an empty String",
        ));
    }
    Ok(user_id)
}

fn public_default(app_overrides: &Map<String, Value>) -> TenantConfig {
    TenantConfig {
        tenant_id: PUBLIC.to_owned(),
        third_party: ThirdPartyConfig::default(),
        first_factors: None,
        required_secondary_factors: None,
        core_config: app_overrides.clone(),
    }
}

fn to_config(record: TenantRecord, app_overrides: &Map<String, Value>) -> TenantConfig {
    let core_config = if record.tenant_id == PUBLIC {
        app_overrides.clone()
    } else {
        record.core_config
    };
    TenantConfig {
        tenant_id: record.tenant_id,
        third_party: ThirdPartyConfig::default(),
        first_factors: record.first_factors,
        required_secondary_factors: record.required_secondary_factors,
        core_config,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_are_normalised_and_checked() {
        assert_eq!(normalise_tenant_id(" Acme-1 ").unwrap(), "acme-1");
        for (bad, needle) in [
            ("", "empty"),
            ("recipe", "Cannot use 'recipe'"),
            ("appid-x", "must not start with 'appid-'"),
            ("a_b", "letters, numbers and hyphens"),
            (&"a".repeat(65), "at most 64"),
        ] {
            let error = normalise_tenant_id(bad).unwrap_err().to_string();
            assert!(error.contains(needle), "{error:?} lacks {needle:?}");
        }
    }

    #[test]
    fn factor_lists_are_checked() {
        let input = |first: Option<Option<Vec<&str>>>, required: Option<Option<Vec<&str>>>| {
            let owned = |list: Option<Option<Vec<&str>>>| {
                list.map(|list| list.map(|l| l.into_iter().map(str::to_owned).collect()))
            };
            TenantInput {
                first_factors: owned(first),
                required_secondary_factors: owned(required),
                core_config: None,
            }
        };
        assert!(check_factors(&input(Some(Some(vec![])), Some(None))).is_ok());
        assert!(check_factors(&input(Some(Some(vec!["a", "a"])), None)).is_err());
        assert!(check_factors(&input(None, Some(Some(vec![])))).is_err());
        assert!(check_factors(&input(None, Some(Some(vec!["totp"])))).is_ok());
    }

    #[test]
    fn config_merges_and_null_removes() {
        let object = |v: Value| match v {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let merged = merge_config(
            &object(serde_json::json!({"a": 1, "b": 2})),
            &object(serde_json::json!({"a": null, "c": 3, "d": null})),
        );
        assert_eq!(Value::Object(merged), serde_json::json!({"b": 2, "c": 3}));
    }
}
