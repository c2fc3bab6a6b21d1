//! Timing loops for the hot crypto paths (`cargo bench -p supertokens-crypto`).
//!
//! Plain `std::time::Instant` loops, no bench framework. Prints RS256 sign and verify in µs
//! and argon2id verification at the OWASP policy in ms.

use std::hint::black_box;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use supertokens_crypto::{
    OsRandom, PasswordHashingPolicy, RefreshTokenCipher, SigningKey, sha256_hex, verify_jwt,
    verify_password,
};

/// Runs `f` for about `budget` (at least `min_iters` times) and returns the mean time per call.
fn time<T>(
    budget: Duration,
    min_iters: u32,
    mut f: impl FnMut() -> Result<T, Box<dyn std::error::Error>>,
) -> Result<Duration, Box<dyn std::error::Error>> {
    // Warm-up.
    black_box(f()?);
    let start = Instant::now();
    let mut iters = 0u32;
    while iters < min_iters || start.elapsed() < budget {
        black_box(f()?);
        iters += 1;
    }
    Ok(start.elapsed() / iters)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let key = SigningKey::generate("d-1700000000000")?;
    let keys = [key.verifying_key()];
    let Value::Object(payload) = json!({
        "sub": "fa7a0841-b533-4478-95a5-0f8d8f6e2b7a",
        "rsub": "fa7a0841-b533-4478-95a5-0f8d8f6e2b7a",
        "tId": "public",
        "exp": 1_700_003_600u64,
        "iat": 1_700_000_000u64,
        "sessionHandle": "0d3b4c7e-1f2a-4b5c-8d9e-0a1b2c3d4e5f",
        "refreshTokenHash1": sha256_hex(b"rt"),
        "parentRefreshTokenHash1": null,
        "antiCsrfToken": null,
        "iss": "https://api.example.com/auth",
    }) else {
        return Err("payload is not an object".into());
    };
    let payload: Map<String, Value> = payload;
    let token = key.sign_jwt(&payload)?;

    let budget = Duration::from_millis(1500);
    let sign = time(budget, 50, || Ok(key.sign_jwt(&payload)?))?;
    let verify = time(budget, 200, || Ok(verify_jwt(&token, &keys)?))?;
    println!(
        "RS256 sign (2048-bit, v5 access token):   {:8.1} µs",
        micros(sign)
    );
    println!(
        "RS256 verify:                             {:8.1} µs",
        micros(verify)
    );

    let cipher = RefreshTokenCipher::from_hex_key(&RefreshTokenCipher::generate_key(&OsRandom))?;
    let plaintext = br#"{"sessionHandle":"0d3b4c7e-1f2a-4b5c-8d9e-0a1b2c3d4e5f","userId":"u","parentRefreshTokenHash1":null,"nonce":"n","antiCsrfToken":null,"tenantId":null}"#;
    let sealed = cipher.seal(plaintext, &OsRandom)?;
    let seal = time(Duration::from_millis(300), 100, || {
        Ok(cipher.seal(plaintext, &OsRandom)?)
    })?;
    let open = time(
        Duration::from_millis(300),
        100,
        || Ok(cipher.open(&sealed)?),
    )?;
    println!(
        "AES-256-GCM refresh token seal:           {:8.1} µs",
        micros(seal)
    );
    println!(
        "AES-256-GCM refresh token open:           {:8.1} µs",
        micros(open)
    );

    let hash = PasswordHashingPolicy::owasp_default().hash("correct horse battery", &OsRandom)?;
    let argon = time(Duration::from_secs(3), 10, || {
        Ok(verify_password("correct horse battery", &hash)?)
    })?;
    println!(
        "argon2id verify (m=19456, t=2, p=1):      {:8.2} ms",
        argon.as_secs_f64() * 1e3
    );
    Ok(())
}
