//! `enumeration`: the long version of the user-enumeration timing test.
//!
//! The release core runs as its own process (realistic argon2id parameters, rate limits off
//! with `SUPERTOKENS_RATE_LIMITS_ENABLED=false`, else the samples would measure 429s); the
//! SDK (session, emailpassword, passwordless; its per-address limits and the passwordless
//! send budget off) runs in this process and is driven through `SuperTokens::handle` as an
//! adapter would. For each endpoint — sign-in with a wrong password (known email) vs any
//! password (unknown email), password reset token request, passwordless code creation —
//! `--samples` requests of each class are timed in one seeded random order after a
//! warm-up, and compared with `supertokens_tests::timing` (two-sample Kolmogorov–Smirnov
//! and Mann–Whitney U on the raw durations, plus the effect-size bound; see that module).
//!
//! ```text
//! cargo build --release -p supertokens-core
//! cargo run --release -p supertokens-bench -- enumeration --samples 5000
//! ```

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail, ensure};
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde_json::{Value, json};
use supertokens::{AppInfo, SdkRequest, SuperTokens, SuperTokensConfig};
use supertokens_emailpassword::{CapturingEmailDelivery, EmailPasswordConfig};
use supertokens_passwordless::{ContactMethod, FlowType, PasswordlessConfig, SendLimits};
use supertokens_session::SessionConfig;
use supertokens_tests::timing::{Class, Comparison, measure_interleaved};

use crate::PASSWORD;
use crate::daemon::{CoreArgs, DbKind, Deployment};
use crate::stats::Row;

/// Known accounts per recipe; requests cycle through them.
const KNOWN_ACCOUNTS: usize = 8;

/// One of the enumeration-relevant routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Endpoint {
    /// `POST /auth/signin` with a wrong password.
    Signin,
    /// `POST /auth/user/password/reset/token`.
    Reset,
    /// `POST /auth/signinup/code`.
    Passwordless,
}

impl Endpoint {
    fn recipe(self) -> &'static str {
        match self {
            Self::Signin | Self::Reset => "ep",
            Self::Passwordless => "pl",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::Signin => "sign-in (wrong password vs unknown email)",
            Self::Reset => "password reset token request",
            Self::Passwordless => "passwordless code creation",
        }
    }

    fn email(self, class: Class, i: usize) -> String {
        match class {
            Class::First => known_email(self.recipe(), i),
            Class::Second => format!("nouser-{}-{i:06}@example.com", self.recipe()),
        }
    }

    fn request(self, email: &str) -> SdkRequest {
        let (path, rid, body) = match self {
            Self::Signin => (
                "/auth/signin",
                "emailpassword",
                json!({"formFields": [
                    {"id": "email", "value": email},
                    {"id": "password", "value": "Wrong-password-123"},
                ]}),
            ),
            Self::Reset => (
                "/auth/user/password/reset/token",
                "emailpassword",
                json!({"formFields": [{"id": "email", "value": email}]}),
            ),
            Self::Passwordless => (
                "/auth/signinup/code",
                "passwordless",
                json!({"email": email}),
            ),
        };
        fdi_request(path, rid, &body)
    }
}

/// Same length as the unknown emails.
fn known_email(recipe: &str, i: usize) -> String {
    format!("known-{recipe}-{:07}@example.com", i % KNOWN_ACCOUNTS)
}

fn fdi_request(path: &str, rid: &str, body: &Value) -> SdkRequest {
    let mut headers = HeaderMap::new();
    headers.insert(
        HeaderName::from_static("fdi-version"),
        HeaderValue::from_static("3.1,4.0,4.1,4.2"),
    );
    if let Ok(rid) = HeaderValue::from_str(rid) {
        headers.insert(HeaderName::from_static("rid"), rid);
    }
    SdkRequest::new(Method::POST, path, headers).with_body(Bytes::from(body.to_string()))
}

/// Options of `enumeration`.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct EnumerationArgs {
    /// Samples per class (known / unknown email) and endpoint.
    #[arg(long, default_value_t = 5000)]
    pub(crate) samples: usize,
    /// Discarded warm-up requests per class and endpoint.
    #[arg(long, default_value_t = 200)]
    pub(crate) warm_up: usize,
    /// Seed of the interleaving (endpoint `k` uses `seed + k`).
    #[arg(long, default_value_t = 20_260_101)]
    pub(crate) seed: u64,
    /// Storage backend of the core.
    #[arg(long, value_enum, default_value = "sqlite")]
    pub(crate) db: DbKind,
    /// Endpoints to measure.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "signin,reset,passwordless"
    )]
    pub(crate) endpoints: Vec<Endpoint>,
}

/// Runs the comparison of every endpoint and returns one row each.
pub(crate) async fn run(core: &CoreArgs, args: &EnumerationArgs) -> Result<Vec<Row>> {
    ensure!(args.samples >= 20, "--samples must be at least 20");
    crate::load::wait_for_quiet(core.quiet_wait()).await?;
    let mut core = core.clone();
    core.core_env
        .push(("SUPERTOKENS_RATE_LIMITS_ENABLED".into(), "false".into()));
    let mut dep = Deployment::new(&core, args.db)?;
    let (proc, _) = dep.start(&core).await?;
    let result = measure(&core, args, proc.port()).await;
    if result.is_err() {
        eprintln!("core log:\n{}", proc.log_tail());
    }
    proc.stop().await?;
    result
}

async fn measure(core: &CoreArgs, args: &EnumerationArgs, port: u16) -> Result<Vec<Row>> {
    let app = App::start(port, &core.api_key).await?;
    let mut rows = Vec::new();
    for (k, endpoint) in args.endpoints.iter().copied().enumerate() {
        let seed = args.seed.wrapping_add(k as u64);
        eprintln!(
            "== enumeration {}: {} samples per class after {} warm-up, seed {seed}",
            endpoint.label(),
            args.samples,
            args.warm_up
        );
        let st = &app.st;
        let samples = measure_interleaved(args.samples, args.warm_up, seed, |class, i| {
            let request = endpoint.request(&endpoint.email(class, i));
            async move {
                let response = st
                    .handle(&request)
                    .await
                    .ok_or_else(|| anyhow!("the SDK does not serve {endpoint:?}"))?;
                ensure!(
                    response.status.as_u16() == 200,
                    "{endpoint:?} answered {}: {}",
                    response.status,
                    String::from_utf8_lossy(&response.body)
                );
                Ok(())
            }
        })
        .await?;
        let comparison = Comparison::of(&samples.first, &samples.second);
        eprintln!("   {}", comparison.summary());
        rows.push(row(endpoint, args, core, &comparison));
    }
    Ok(rows)
}

fn row(endpoint: Endpoint, args: &EnumerationArgs, core: &CoreArgs, c: &Comparison) -> Row {
    let us = |seconds: f64| seconds * 1e6;
    Row {
        benchmark: format!("enumeration: {}", endpoint.label()),
        setup: format!(
            "{} per class after {} warm-up, interleaved (seed {}), {}, {}",
            args.samples,
            args.warm_up,
            args.seed,
            args.db.name(),
            core.argon2_label()
        ),
        result: format!(
            "median known {:.1} µs / unknown {:.1} µs (Δ {:+.1} µs); 10%-trimmed mean Δ {:+.1} µs; \
             KS D = {:.4}, p = {:.3}; Mann–Whitney z = {:+.2}, p = {:.3}; A = {:.3}",
            us(c.median_first),
            us(c.median_second),
            us(c.median_first - c.median_second),
            us(c.trimmed_mean_first - c.trimmed_mean_second),
            c.ks_distance,
            c.ks_p,
            c.mann_whitney_z,
            c.mann_whitney_p,
            c.vargha_delaney_a
        ),
        target: "indistinguishable: not (p < 0.001 and (D ≥ 0.1 or A outside 0.5 ± 0.06))".into(),
        ok: !c.distinguishable(),
    }
}

/// The SDK against the spawned core, with known accounts in both recipes.
struct App {
    st: Arc<SuperTokens>,
}

impl App {
    async fn start(port: u16, api_key: &str) -> Result<Self> {
        let outbox = CapturingEmailDelivery::new();
        let st = supertokens::init(SuperTokensConfig {
            app_info: AppInfo {
                app_name: "Enumeration bench".into(),
                api_domain: "http://localhost:3001".into(),
                website_domain: "http://localhost:3000".into(),
                api_base_path: None,
                website_base_path: None,
            },
            connection_uri: format!("http://127.0.0.1:{port}"),
            api_key: Some(api_key.to_owned()),
            recipe_list: vec![
                supertokens_session::init(SessionConfig::default()),
                supertokens_emailpassword::init(EmailPasswordConfig {
                    email_delivery: Some(Arc::new(outbox.clone())),
                    ..Default::default()
                }),
                supertokens_passwordless::init(PasswordlessConfig {
                    email_delivery: Some(Arc::new(outbox.clone())),
                    limits: SendLimits::unlimited(),
                    ..PasswordlessConfig::new(
                        ContactMethod::Email,
                        FlowType::UserInputCodeAndMagicLink,
                    )
                }),
            ],
            rate_limits: supertokens::RateLimitConfig::disabled(),
        })
        .map_err(|error| anyhow!("initialising the SDK: {error}"))?;
        let app = Self { st };
        for i in 0..KNOWN_ACCOUNTS {
            app.sign_up(&known_email("ep", i)).await?;
            app.passwordless_sign_up(&known_email("pl", i), &outbox)
                .await?;
        }
        Ok(app)
    }

    async fn call(&self, request: &SdkRequest) -> Result<Value> {
        let response = self
            .st
            .handle(request)
            .await
            .context("an SDK route was not served")?;
        Ok(serde_json::from_slice(&response.body)?)
    }

    async fn sign_up(&self, email: &str) -> Result<()> {
        let body = json!({"formFields": [
            {"id": "email", "value": email},
            {"id": "password", "value": PASSWORD},
        ]});
        let reply = self
            .call(&fdi_request("/auth/signup", "emailpassword", &body))
            .await?;
        ensure!(reply["status"] == "OK", "sign-up of {email}: {reply}");
        Ok(())
    }

    async fn passwordless_sign_up(
        &self,
        email: &str,
        outbox: &CapturingEmailDelivery,
    ) -> Result<()> {
        let before = outbox.messages().len();
        let created = self.call(&Endpoint::Passwordless.request(email)).await?;
        ensure!(created["status"] == "OK", "code for {email}: {created}");
        let message = outbox
            .wait_for(before + 1, Duration::from_secs(10))
            .await
            .and_then(|mut messages| messages.pop())
            .context("no sign-in email")?;
        let Some(at) = message.text_body.find("code is: ") else {
            bail!("no code in the sign-in email");
        };
        let code: String = message.text_body[at + "code is: ".len()..]
            .chars()
            .take(6)
            .collect();
        let body = json!({
            "deviceId": created["deviceId"],
            "preAuthSessionId": created["preAuthSessionId"],
            "userInputCode": code,
        });
        let consumed = self
            .call(&fdi_request(
                "/auth/signinup/code/consume",
                "passwordless",
                &body,
            ))
            .await?;
        ensure!(
            consumed["status"] == "OK",
            "consume for {email}: {consumed}"
        );
        Ok(())
    }
}
