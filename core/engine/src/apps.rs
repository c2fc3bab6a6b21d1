//! Every app of the process: one [`Core`] per app, each over a storage of its own.
//!
//! Design: an app's users, sessions, signing keys, codes, tokens, metadata and roles live in
//! a database of the app's own (a file, a PostgreSQL schema or a MySQL database next to the
//! main one; see [`supertokens_storage::apps`]), and its [`Core`] is built over it with the
//! process's configuration plus the app's overrides. Isolation therefore holds by
//! construction: no query of one app can reach another's rows, a token signed with one
//! app's keys is unknown to every other app, and removing an app is dropping its database.
//! (The alternative, an `app_id` column in every table, would put every query one missed
//! filter away from a cross-app leak.)
//!
//! The list of apps, with their overrides, is kept in the public app's storage, so several
//! cores sharing one database agree on it: a core that does not know an app id reads the
//! list before answering "unknown app", and [`Apps::sync`] (every
//! [`REGISTRY_SYNC_INTERVAL`]) picks up other cores' changes of overrides and removals. The
//! cores of apps are built on first use; the password hashing threads are shared by all.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::{Map, Value};
use supertokens_cdi::multitenancy::{AppWithTenants, TenantInput};
use supertokens_crypto::random::RandomSource;
use supertokens_storage::{AppRecord, AppStorages, MAX_APP_ID_LEN, Storage};

use crate::error::{EngineError, Result};
use crate::multitenancy::{PUBLIC, check_factors, merge_config};
use crate::passwords::PasswordHasher;
use crate::{Core, CoreParts};

/// How often the list of apps (and each app's tenants) is re-read, to see other cores'
/// changes, as the Java core's `SyncCoreConfigWithDb` job does.
pub const REGISTRY_SYNC_INTERVAL: Duration = Duration::from_secs(60);

/// Trims and lower-cases an app id and checks it: `[a-z0-9-]`, at most
/// [`MAX_APP_ID_LEN`] characters, not `appid-…`.
pub fn normalise_app_id(raw: &str) -> Result<String> {
    let id = raw.trim().to_lowercase();
    if id.is_empty() {
        return Err(EngineError::bad_request(
            "appId should not be an empty String",
        ));
    }
    if id.starts_with("appid-") {
        return Err(EngineError::bad_request(
            "appId must not start with 'appid-'",
        ));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(EngineError::bad_request(
            "appId can only contain letters, numbers and hyphens",
        ));
    }
    if id.len() > MAX_APP_ID_LEN {
        return Err(EngineError::bad_request(format!(
            "appId can be at most {MAX_APP_ID_LEN} characters long"
        )));
    }
    Ok(id)
}

/// The cores of every app.
pub struct Apps {
    public: Arc<Core>,
    storages: Arc<dyn AppStorages>,
    rng: Arc<dyn RandomSource>,
    loaded: RwLock<HashMap<String, Arc<Core>>>,
    /// Serialises loading, creating, changing and removing apps (never requests).
    changes: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for Apps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apps")
            .field("loaded", &self.loaded_ids())
            .finish_non_exhaustive()
    }
}

impl Apps {
    /// The apps around the public app's core; the others' storages come from `storages`,
    /// their configuration is the public core's with their overrides.
    pub fn new(
        public: Arc<Core>,
        storages: Arc<dyn AppStorages>,
        rng: Arc<dyn RandomSource>,
    ) -> Self {
        Self {
            public,
            storages,
            rng,
            loaded: RwLock::new(HashMap::new()),
            changes: tokio::sync::Mutex::new(()),
        }
    }

    /// The public app's core.
    pub fn public(&self) -> &Arc<Core> {
        &self.public
    }

    fn registry(&self) -> &dyn Storage {
        self.public.storage.as_ref()
    }

    fn loaded_core(&self, app_id: &str) -> Option<Arc<Core>> {
        match self.loaded.read() {
            Ok(loaded) => loaded.get(app_id).cloned(),
            Err(poisoned) => poisoned.into_inner().get(app_id).cloned(),
        }
    }

    fn set_loaded(&self, app_id: &str, core: Option<Arc<Core>>) -> Option<Arc<Core>> {
        let mut loaded = match self.loaded.write() {
            Ok(loaded) => loaded,
            Err(poisoned) => poisoned.into_inner(),
        };
        match core {
            Some(core) => loaded.insert(app_id.to_owned(), core),
            None => loaded.remove(app_id),
        }
    }

    fn loaded_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = match self.loaded.read() {
            Ok(loaded) => loaded.keys().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().keys().cloned().collect(),
        };
        ids.sort_unstable();
        ids
    }

    /// The cores built so far, `public` first.
    pub fn loaded_cores(&self) -> Vec<Arc<Core>> {
        let mut cores = vec![Arc::clone(&self.public)];
        cores.extend(
            self.loaded_ids()
                .iter()
                .filter_map(|id| self.loaded_core(id)),
        );
        cores
    }

    /// The core of an app (an id as it comes in a path, already lower-cased), built on
    /// first use; `None` when there is no such app.
    pub async fn core(&self, app_id: &str) -> Result<Option<Arc<Core>>> {
        if app_id == PUBLIC {
            return Ok(Some(Arc::clone(&self.public)));
        }
        if let Some(core) = self.loaded_core(app_id) {
            return Ok(Some(core));
        }
        if normalise_app_id(app_id).ok().as_deref() != Some(app_id) {
            return Ok(None);
        }
        let _guard = self.changes.lock().await;
        if let Some(core) = self.loaded_core(app_id) {
            return Ok(Some(core));
        }
        let Some(record) = self.registry().app(app_id).await? else {
            return Ok(None);
        };
        let core = self.build(app_id, record.core_config, None).await?;
        self.set_loaded(app_id, Some(Arc::clone(&core)));
        Ok(Some(core))
    }

    /// Builds an app's core over `storage` (opened when `None`).
    async fn build(
        &self,
        app_id: &str,
        overrides: Map<String, Value>,
        storage: Option<Arc<dyn Storage>>,
    ) -> Result<Arc<Core>> {
        let config = self
            .public
            .config
            .with_app_overrides(&overrides)
            .map_err(|error| EngineError::bad_request(format!("Invalid core config: {error}")))?;
        let hasher = if config.password_hashing == self.public.hasher.policy() {
            Arc::clone(&self.public.hasher)
        } else {
            Arc::new(
                PasswordHasher::on_pool(
                    Arc::clone(self.public.hasher.pool()),
                    config.password_hashing,
                    Arc::clone(&self.rng),
                )
                .await?,
            )
        };
        let storage = match storage {
            Some(storage) => storage,
            None => self.storages.open(app_id).await?,
        };
        let core = Core::with_parts(CoreParts {
            app_id: app_id.to_owned(),
            storage,
            config,
            overrides,
            clock: Arc::clone(&self.public.clock),
            rng: Arc::clone(&self.rng),
            hasher,
        })
        .await?;
        Ok(Arc::new(core))
    }

    /// Creates an app, or updates it: `coreConfig` is merged into its overrides (a `null`
    /// removes one) and the factors apply to its public tenant. Returns whether it was
    /// created. The public app's configuration comes from the config file and cannot be
    /// changed here.
    pub async fn create_or_update_app(&self, app_id: &str, input: &TenantInput) -> Result<bool> {
        let app_id = normalise_app_id(app_id)?;
        check_factors(input)?;
        let factors = TenantInput {
            core_config: None,
            ..input.clone()
        };
        if app_id == PUBLIC {
            if input.core_config.as_ref().is_some_and(|c| !c.is_empty()) {
                return Err(EngineError::bad_request("Cannot modify base config"));
            }
            self.public
                .tenants
                .create_or_update(PUBLIC, &factors)
                .await?;
            return Ok(false);
        }
        let (core, created) = {
            let _guard = self.changes.lock().await;
            let existing = self.registry().app(&app_id).await?;
            let stored = existing
                .as_ref()
                .map(|app| app.core_config.clone())
                .unwrap_or_default();
            let overrides = match &input.core_config {
                Some(patch) => merge_config(&stored, patch),
                None => stored.clone(),
            };
            // Refused before anything is stored.
            self.public
                .config
                .with_app_overrides(&overrides)
                .map_err(|error| {
                    EngineError::bad_request(format!("Invalid core config: {error}"))
                })?;
            let loaded = self.loaded_core(&app_id);
            let core = match &loaded {
                Some(core) if core.overrides == overrides => Arc::clone(core),
                _ => {
                    let storage = loaded.as_ref().map(|core| Arc::clone(&core.storage));
                    self.build(&app_id, overrides.clone(), storage).await?
                }
            };
            let record = AppRecord {
                app_id: app_id.clone(),
                core_config: overrides.clone(),
                created_at_ms: self.public.clock.now_ms(),
            };
            let created = match &existing {
                None => {
                    let inserted = self.registry().insert_app(&record).await?;
                    if !inserted {
                        // Created by another core meanwhile: this request updates it.
                        self.registry().update_app(&record).await?;
                    }
                    inserted
                }
                Some(_) => {
                    if stored != overrides {
                        self.registry().update_app(&record).await?;
                    }
                    false
                }
            };
            self.set_loaded(&app_id, Some(Arc::clone(&core)));
            (core, created)
        };
        if created {
            tracing::info!(%app_id, "app created");
        }
        if factors.first_factors.is_some() || factors.required_secondary_factors.is_some() {
            core.tenants.create_or_update(PUBLIC, &factors).await?;
        }
        Ok(created)
    }

    /// Creates or updates a tenant of an app; for `public` this updates the app (its
    /// `coreConfig` is the app's). Returns whether the tenant was created.
    pub async fn create_or_update_tenant(
        &self,
        core: &Core,
        tenant_id: &str,
        input: &TenantInput,
    ) -> Result<bool> {
        if tenant_id == PUBLIC {
            self.create_or_update_app(&core.app_id, input).await?;
            return Ok(false);
        }
        core.tenants.create_or_update(tenant_id, input).await
    }

    /// Every app with its tenants, `public` first, then by id.
    pub async fn list(&self) -> Result<Vec<AppWithTenants>> {
        let mut apps = vec![AppWithTenants {
            app_id: PUBLIC.to_owned(),
            tenants: self.public.tenants.list(&self.public.overrides).await?,
        }];
        for record in self.registry().apps().await? {
            let Some(core) = self.core(&record.app_id).await? else {
                continue;
            };
            apps.push(AppWithTenants {
                tenants: core.tenants.list(&core.overrides).await?,
                app_id: record.app_id,
            });
        }
        Ok(apps)
    }

    /// Removes an app with all its data (its database is dropped); requests to it are then
    /// answered as for an unknown app. The app must have no tenant other than `public`.
    /// Returns whether it existed.
    pub async fn remove_app(&self, app_id: &str) -> Result<bool> {
        let app_id = normalise_app_id(app_id)?;
        if app_id == PUBLIC {
            return Err(EngineError::forbidden("The public app cannot be deleted"));
        }
        let Some(core) = self.core(&app_id).await? else {
            return Ok(false);
        };
        let _guard = self.changes.lock().await;
        if core
            .tenants
            .list(&core.overrides)
            .await?
            .iter()
            .any(|tenant| tenant.tenant_id != PUBLIC)
        {
            return Err(EngineError::forbidden(
                "Please delete all tenants except the public tenant for this app before calling \
                 the delete API",
            ));
        }
        let existed = self.registry().delete_app(&app_id).await?;
        self.set_loaded(&app_id, None);
        core.storage.close().await;
        self.storages.destroy(&app_id).await?;
        tracing::info!(%app_id, "app removed with its data");
        Ok(existed)
    }

    /// Re-reads the list of apps: forgets apps removed by other cores, rebuilds the cores of
    /// apps whose overrides changed, and refreshes every loaded app's tenants.
    pub async fn sync(&self) -> Result<()> {
        let registry: HashMap<String, Map<String, Value>> = self
            .registry()
            .apps()
            .await?
            .into_iter()
            .map(|app| (app.app_id, app.core_config))
            .collect();
        {
            let _guard = self.changes.lock().await;
            for app_id in self.loaded_ids() {
                let Some(core) = self.loaded_core(&app_id) else {
                    continue;
                };
                match registry.get(&app_id) {
                    None => {
                        self.set_loaded(&app_id, None);
                        core.storage.close().await;
                    }
                    Some(overrides) if *overrides != core.overrides => {
                        let storage = Some(Arc::clone(&core.storage));
                        match self.build(&app_id, overrides.clone(), storage).await {
                            Ok(rebuilt) => {
                                self.set_loaded(&app_id, Some(rebuilt));
                            }
                            Err(error) => {
                                tracing::warn!(%app_id, %error, "cannot apply the app's new configuration");
                            }
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        for core in self.loaded_cores() {
            core.tenants.refresh().await?;
        }
        Ok(())
    }

    /// Spawns the background work on the current tokio runtime: prepares the public app's
    /// signing key at once, then runs every loaded app's cleanup each cleanup interval (first
    /// run one interval after start) and [`Apps::sync`] every [`REGISTRY_SYNC_INTERVAL`].
    /// Failures are logged and retried at the next tick.
    pub fn spawn_background(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let apps = Arc::clone(self);
        tokio::spawn(async move {
            let public = Arc::clone(&apps.public);
            if let Err(error) = public.keys.ensure_current(public.clock.now_ms()).await {
                tracing::warn!(%error, "could not prepare the signing key; retrying on first use");
            }
            let mut cleanup = tokio::time::interval(public.config.cleanup.interval);
            cleanup.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            cleanup.tick().await;
            let mut sync = tokio::time::interval(REGISTRY_SYNC_INTERVAL);
            sync.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            sync.tick().await;
            loop {
                tokio::select! {
                    _ = cleanup.tick() => {
                        for core in apps.loaded_cores() {
                            match core.run_cleanup().await {
                                Ok(report) => {
                                    tracing::info!(app_id = %core.app_id, ?report, "cleanup finished")
                                }
                                Err(error) => tracing::warn!(
                                    app_id = %core.app_id, %error,
                                    "cleanup failed; retrying at the next tick"
                                ),
                            }
                        }
                    }
                    _ = sync.tick() => {
                        if let Err(error) = apps.sync().await {
                            tracing::warn!(%error, "could not re-read the apps; retrying at the next tick");
                        }
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_ids_are_normalised_and_checked() {
        assert_eq!(normalise_app_id(" App-1 ").unwrap(), "app-1");
        for (bad, needle) in [
            ("", "empty"),
            ("appid-x", "must not start with 'appid-'"),
            ("a.b", "letters, numbers and hyphens"),
            (&"a".repeat(49), "at most 48"),
        ] {
            let error = normalise_app_id(bad).unwrap_err().to_string();
            assert!(error.contains(needle), "{error:?} lacks {needle:?}");
        }
    }
}
