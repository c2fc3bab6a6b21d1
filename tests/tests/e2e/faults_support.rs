//! Shared pieces of the fault and load tests (`faults_*`): the scale knob, the core binary,
//! a PostgreSQL database guard, and the CDI calls the loads are made of.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use supertokens_tests::PostgresDatabase;
use supertokens_tests::process::{CdiAnswer, CdiClient, CoreProcessOptions};

/// The core daemon built by this crate.
pub(crate) const CORE_BINARY: &str = env!("CARGO_BIN_EXE_core-under-test");
/// Password of every user the loads create.
pub(crate) const PASSWORD: &str = "pw-fault-123456";

/// `FAULT_TEST_SCALE` (default 1): multiplies burst sizes, load lengths and client counts.
/// The quick versions (scale 1) run in CI; see tests/README.md for the long ones.
pub(crate) fn scale() -> usize {
    std::env::var("FAULT_TEST_SCALE")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .unwrap_or(1)
        .max(1)
}

/// Options of a core child process of these tests.
pub(crate) fn core_options(database_url: &str) -> CoreProcessOptions {
    CoreProcessOptions::new(CORE_BINARY, database_url)
}

/// A fresh database on the shared PostgreSQL server, dropped when this guard is dropped,
/// also when the test panics.
pub(crate) struct DatabaseGuard {
    database: Option<PostgresDatabase>,
    name: String,
    url: String,
}

impl DatabaseGuard {
    pub(crate) async fn create() -> Self {
        let database = PostgresDatabase::create().await.unwrap();
        Self {
            name: database.name.clone(),
            url: database.url.clone(),
            database: Some(database),
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for DatabaseGuard {
    fn drop(&mut self) {
        let Some(database) = self.database.take() else {
            return;
        };
        // Drop runs inside the test's runtime: drop the database from a thread of its own.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(anyhow::Error::from)
                .and_then(|runtime| runtime.block_on(database.drop_database()))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop the test database {}", self.name);
        }
    }
}

/// A session as its client holds it: the latest tokens it was given.
#[derive(Debug, Clone)]
pub(crate) struct ClientSession {
    pub(crate) user_id: String,
    pub(crate) handle: String,
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
}

impl ClientSession {
    /// The session of a create or refresh answer.
    pub(crate) fn from_answer(user_id: &str, answer: &CdiAnswer) -> Self {
        let body = &answer.body;
        Self {
            user_id: user_id.to_owned(),
            handle: body["session"]["handle"].as_str().unwrap().to_owned(),
            access_token: body["accessToken"]["token"].as_str().unwrap().to_owned(),
            refresh_token: body["refreshToken"]["token"].as_str().unwrap().to_owned(),
        }
    }

    /// Takes the tokens of an OK refresh answer.
    pub(crate) fn refreshed(&mut self, answer: &CdiAnswer) {
        *self = Self::from_answer(&self.user_id, answer);
    }

    /// Takes the new access token an OK verify answer may carry.
    pub(crate) fn verified(&mut self, answer: &CdiAnswer) {
        if let Some(token) = answer.body["accessToken"]["token"].as_str() {
            token.clone_into(&mut self.access_token);
        }
    }
}

pub(crate) async fn sign_up(client: &CdiClient, email: &str) -> anyhow::Result<CdiAnswer> {
    client
        .post(
            "/public/recipe/signup",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await
}

pub(crate) async fn sign_in(client: &CdiClient, email: &str) -> anyhow::Result<CdiAnswer> {
    client
        .post(
            "/public/recipe/signin",
            &json!({"email": email, "password": PASSWORD}),
        )
        .await
}

pub(crate) async fn create_session(client: &CdiClient, user_id: &str) -> anyhow::Result<CdiAnswer> {
    client
        .post(
            "/public/recipe/session",
            &json!({"userId": user_id, "userDataInJWT": {}, "userDataInDatabase": {},
                    "enableAntiCsrf": false}),
        )
        .await
}

pub(crate) async fn verify(
    client: &CdiClient,
    access_token: &str,
    check_database: bool,
) -> anyhow::Result<CdiAnswer> {
    client
        .post(
            "/recipe/session/verify",
            &json!({"accessToken": access_token, "doAntiCsrfCheck": false,
                    "enableAntiCsrf": false, "checkDatabase": check_database}),
        )
        .await
}

pub(crate) async fn refresh(client: &CdiClient, refresh_token: &str) -> anyhow::Result<CdiAnswer> {
    client
        .post(
            "/recipe/session/refresh",
            &json!({"refreshToken": refresh_token, "enableAntiCsrf": false}),
        )
        .await
}

/// The session handles of a user.
pub(crate) async fn session_handles(client: &CdiClient, user_id: &str) -> Vec<String> {
    let answer = client
        .get(&format!("/public/recipe/session/user?userId={user_id}"))
        .await
        .unwrap();
    assert!(answer.is_ok(), "{answer:?}");
    answer.body["sessionHandles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|handle| handle.as_str().unwrap().to_owned())
        .collect()
}

/// Every user of the public tenant, paged through `GET /users`: user id → emails.
pub(crate) async fn all_users(client: &CdiClient) -> Vec<(String, Vec<String>)> {
    let mut users = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            Some(token) => format!("/users?limit=500&paginationToken={}", encode(token)),
            None => "/users?limit=500".to_owned(),
        };
        let answer = client.get(&path).await.unwrap();
        assert!(answer.is_ok(), "{answer:?}");
        for user in answer.body["users"].as_array().unwrap() {
            let emails = user["emails"]
                .as_array()
                .map(|emails| {
                    emails
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            users.push((user["id"].as_str().unwrap().to_owned(), emails));
        }
        match answer.body["nextPaginationToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => return users,
        }
    }
}

/// Emails held by more than one user.
pub(crate) fn duplicated_emails(users: &[(String, Vec<String>)]) -> Vec<String> {
    let mut holders: HashMap<&str, usize> = HashMap::new();
    for (_, emails) in users {
        for email in emails {
            *holders.entry(email).or_default() += 1;
        }
    }
    let mut duplicated: Vec<String> = holders
        .into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(email, _)| email.to_owned())
        .collect();
    duplicated.sort();
    duplicated
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// Polls `probe` every 100 ms until it returns true; the time it took, or `None` after
/// `limit`.
pub(crate) async fn wait_until<F, Fut>(limit: Duration, mut probe: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while started.elapsed() < limit {
        if probe().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}
