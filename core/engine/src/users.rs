//! Users across recipes: lookups, listing, counting and deletion, and the CDI user object.

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use supertokens_cdi::user::{AuthRecipeUser, LoginMethod, WebauthnCredentials};
use supertokens_storage::{
    ListUsersQuery, RECIPE_EMAILPASSWORD, RECIPE_PASSWORDLESS, Storage, UserRecord,
};

use crate::error::{EngineError, Result};

/// Recipes whose users this core stores.
pub const KNOWN_RECIPES: &[&str] = &[RECIPE_EMAILPASSWORD, RECIPE_PASSWORDLESS];
/// Largest page `GET /users` returns.
pub const MAX_PAGE_SIZE: u32 = 500;
/// Page size when none is given.
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// Trims and lower-cases an email, as the core does on every input.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Builds the CDI user object of a stored user. `email_verified` is the email verification
/// state of (user id, its email); it is ignored for a user without email.
pub fn to_auth_recipe_user(record: &UserRecord, email_verified: bool) -> AuthRecipeUser {
    let login_method = LoginMethod {
        recipe_id: record.recipe_id.clone(),
        recipe_user_id: record.user_id.clone(),
        tenant_ids: record.tenant_ids.clone(),
        verified: email_verified && record.email.is_some(),
        time_joined: record.time_joined_ms,
        email: record.email.clone(),
        phone_number: record.phone_number.clone(),
        third_party: None,
    };
    AuthRecipeUser {
        id: record.user_id.clone(),
        is_primary_user: false,
        tenant_ids: record.tenant_ids.clone(),
        time_joined: record.time_joined_ms,
        emails: record.email.iter().cloned().collect(),
        phone_numbers: record.phone_number.iter().cloned().collect(),
        third_party: Vec::new(),
        webauthn: WebauthnCredentials::default(),
        login_methods: vec![login_method],
    }
}

/// The CDI user object of a stored user, with the email verification state of its login
/// method read from storage (one query, none for a user without email).
pub async fn auth_recipe_user(
    storage: &dyn Storage,
    record: &UserRecord,
) -> Result<AuthRecipeUser> {
    let verified = match &record.email {
        Some(email) => storage.is_email_verified(&record.user_id, email).await?,
        None => false,
    };
    Ok(to_auth_recipe_user(record, verified))
}

/// The CDI user objects of stored users, in the same order, with the email verification
/// state of every login method read in one query for the whole list.
pub async fn auth_recipe_users(
    storage: &dyn Storage,
    records: &[UserRecord],
) -> Result<Vec<AuthRecipeUser>> {
    let with_email: Vec<String> = records
        .iter()
        .filter(|record| record.email.is_some())
        .map(|record| record.user_id.clone())
        .collect();
    let verified: HashSet<(String, String)> = if with_email.is_empty() {
        HashSet::new()
    } else {
        storage
            .verified_emails_of_users(&with_email)
            .await?
            .into_iter()
            .collect()
    };
    Ok(records
        .iter()
        .map(|record| {
            let is_verified = record
                .email
                .as_ref()
                .is_some_and(|email| verified.contains(&(record.user_id.clone(), email.clone())));
            to_auth_recipe_user(record, is_verified)
        })
        .collect())
}

/// Which users a page request wants.
#[derive(Debug, Clone, Default)]
pub struct UserPageRequest {
    /// Comma-separated recipe ids, as sent on the wire.
    pub include_recipe_ids: Option<String>,
    /// Token from the previous page.
    pub pagination_token: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// `ASC` (default) or `DESC`.
    pub time_joined_order: Option<String>,
}

/// A page of users.
#[derive(Debug, Clone)]
pub struct UserPage {
    /// The users.
    pub users: Vec<AuthRecipeUser>,
    /// Token for the next page; `None` on the last one.
    pub next_pagination_token: Option<String>,
}

/// User lookups shared by every recipe.
#[derive(Clone)]
pub struct Users {
    storage: Arc<dyn Storage>,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Users").finish_non_exhaustive()
    }
}

impl Users {
    /// Users backed by this storage.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self { storage }
    }

    /// The user with this id.
    pub async fn by_id(&self, user_id: &str) -> Result<Option<AuthRecipeUser>> {
        match self.storage.user_by_id(user_id).await? {
            Some(record) => Ok(Some(self.auth_recipe_user(&record).await?)),
            None => Ok(None),
        }
    }

    /// The CDI user object of a stored user (see [`auth_recipe_user`]).
    pub async fn auth_recipe_user(&self, record: &UserRecord) -> Result<AuthRecipeUser> {
        auth_recipe_user(self.storage.as_ref(), record).await
    }

    /// Users matching an email and/or phone number: all that match any of them when
    /// `union` is true, only those that match every one given otherwise.
    pub async fn by_account_info(
        &self,
        tenant_id: &str,
        email: Option<&str>,
        phone_number: Option<&str>,
        union: bool,
    ) -> Result<Vec<AuthRecipeUser>> {
        let mut matches: Vec<UserRecord> = Vec::new();
        let email = email.map(normalise_email);
        let phone = phone_number.map(str::trim);
        if let Some(email) = &email {
            matches.extend(self.storage.users_by_email(tenant_id, email).await?);
        }
        if let Some(phone) = phone {
            for user in self.storage.users_by_phone_number(tenant_id, phone).await? {
                if !matches.iter().any(|known| known.user_id == user.user_id) {
                    matches.push(user);
                }
            }
        }
        if !union {
            matches.retain(|user| {
                email
                    .as_ref()
                    .is_none_or(|email| user.email.as_deref() == Some(email.as_str()))
                    && phone.is_none_or(|phone| user.phone_number.as_deref() == Some(phone))
            });
        }
        matches.sort_by(|a, b| {
            a.time_joined_ms
                .cmp(&b.time_joined_ms)
                .then(a.user_id.cmp(&b.user_id))
        });
        auth_recipe_users(self.storage.as_ref(), &matches).await
    }

    /// A page of users of a tenant.
    pub async fn page(&self, tenant_id: &str, request: &UserPageRequest) -> Result<UserPage> {
        let limit = request.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if limit == 0 || limit > MAX_PAGE_SIZE {
            return Err(EngineError::bad_request(format!(
                "limit must be between 1 and {MAX_PAGE_SIZE}"
            )));
        }
        let newest_first = match request.time_joined_order.as_deref() {
            None | Some("ASC") => false,
            Some("DESC") => true,
            Some(other) => {
                return Err(EngineError::bad_request(format!(
                    "timeJoinedOrder can be either ASC OR DESC, not {other:?}"
                )));
            }
        };
        let recipe_ids = parse_recipe_ids(request.include_recipe_ids.as_deref())?;
        let after = request
            .pagination_token
            .as_deref()
            .map(decode_pagination_token)
            .transpose()?;
        let query = ListUsersQuery {
            tenant_id: Some(tenant_id.to_owned()),
            recipe_ids,
            newest_first,
            after,
            limit: limit + 1,
        };
        let mut records = self.storage.list_users(&query).await?;
        let next_pagination_token = if records.len() > limit as usize {
            records.truncate(limit as usize);
            records
                .last()
                .map(|last| encode_pagination_token(last.time_joined_ms, &last.user_id))
        } else {
            None
        };
        Ok(UserPage {
            users: auth_recipe_users(self.storage.as_ref(), &records).await?,
            next_pagination_token,
        })
    }

    /// Number of users of a tenant (or of all tenants).
    pub async fn count(
        &self,
        tenant_id: Option<&str>,
        include_recipe_ids: Option<&str>,
    ) -> Result<u64> {
        let recipe_ids = parse_recipe_ids(include_recipe_ids)?;
        Ok(self.storage.count_users(tenant_id, &recipe_ids).await?)
    }

    /// Deletes a user with everything kept under its id: sessions, reset and email
    /// verification tokens, verified emails, metadata and role assignments. Deleting an
    /// unknown user is not an error (what is kept under the id still goes).
    pub async fn remove(&self, user_id: &str) -> Result<()> {
        self.storage.delete_user(user_id).await?;
        Ok(())
    }
}

fn parse_recipe_ids(text: Option<&str>) -> Result<Vec<String>> {
    let Some(text) = text.filter(|text| !text.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .map(|id| {
            if KNOWN_RECIPES.contains(&id) {
                Ok(id.to_owned())
            } else {
                Err(EngineError::bad_request(format!(
                    "Unknown recipe ID: {id}; known ones are {}",
                    KNOWN_RECIPES.join(", ")
                )))
            }
        })
        .collect()
}

fn encode_pagination_token(time_joined_ms: i64, user_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{user_id};{time_joined_ms}"))
}

fn decode_pagination_token(token: &str) -> Result<(i64, String)> {
    let invalid = || EngineError::bad_request("invalid pagination token");
    let bytes = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let (user_id, time_joined) = text.rsplit_once(';').ok_or_else(invalid)?;
    let time_joined = time_joined.parse::<i64>().map_err(|_| invalid())?;
    Ok((time_joined, user_id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pagination_tokens_round_trip_and_reject_garbage() {
        let token = encode_pagination_token(1700, "a;b");
        assert_eq!(
            decode_pagination_token(&token).unwrap(),
            (1700, "a;b".to_owned())
        );
        assert!(decode_pagination_token("%%%").is_err());
        assert!(decode_pagination_token(&URL_SAFE_NO_PAD.encode("no-separator")).is_err());
    }

    #[test]
    fn recipe_ids_are_validated() {
        assert_eq!(
            parse_recipe_ids(Some("emailpassword")).unwrap(),
            vec!["emailpassword"]
        );
        assert!(parse_recipe_ids(Some("thirdparty-x")).is_err());
        assert!(parse_recipe_ids(None).unwrap().is_empty());
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(normalise_email("  Alice@Example.COM "), "alice@example.com");
    }
}
