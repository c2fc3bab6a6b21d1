//! Injectable randomness and the token/identifier generators built on it.

use std::sync::Mutex;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{RngCore, SeedableRng, TryRngCore};

/// A source of cryptographically secure random bytes.
///
/// The engine holds one as `Arc<dyn RandomSource>`: [`OsRandom`] in production,
/// [`DeterministicRandom`] in tests that need reproducible output.
pub trait RandomSource: Send + Sync {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]);
}

impl<T: RandomSource + ?Sized> RandomSource for &T {
    fn fill(&self, dest: &mut [u8]) {
        (**self).fill(dest);
    }
}

impl<T: RandomSource + ?Sized> RandomSource for std::sync::Arc<T> {
    fn fill(&self, dest: &mut [u8]) {
        (**self).fill(dest);
    }
}

impl<T: RandomSource + ?Sized> RandomSource for Box<T> {
    fn fill(&self, dest: &mut [u8]) {
        (**self).fill(dest);
    }
}

/// The operating system's CSPRNG (`getrandom`).
///
/// If the OS cannot deliver randomness at all the process aborts via a panic inside `rand`;
/// carrying on without randomness would be worse.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, dest: &mut [u8]) {
        rand::rngs::OsRng.unwrap_err().fill_bytes(dest);
    }
}

/// A seeded, reproducible generator (ChaCha12 via `rand::rngs::StdRng`). **Tests only**: its
/// output is predictable from the seed.
#[derive(Debug)]
pub struct DeterministicRandom {
    rng: Mutex<rand::rngs::StdRng>,
}

impl DeterministicRandom {
    /// A generator seeded with `seed`; equal seeds give equal byte streams.
    pub fn new(seed: u64) -> Self {
        Self {
            rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)),
        }
    }
}

impl RandomSource for DeterministicRandom {
    fn fill(&self, dest: &mut [u8]) {
        // A poisoned lock only means another test thread panicked; the generator is still usable.
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.fill_bytes(dest);
    }
}

/// `n` random bytes.
pub fn random_bytes(rng: &dyn RandomSource, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    rng.fill(&mut buf);
    buf
}

/// An opaque URL-safe token: `n_bytes` random bytes as base64url without padding
/// (alphabet `A-Z a-z 0-9 - _`, never `=`, `/` or `+`).
pub fn random_token(rng: &dyn RandomSource, n_bytes: usize) -> String {
    let mut buf = random_bytes(rng, n_bytes);
    let token = URL_SAFE_NO_PAD.encode(&buf);
    zeroize::Zeroize::zeroize(&mut buf);
    token
}

/// A random (version 4) UUID, lower-case and hyphenated, e.g. for session handles.
pub fn random_uuid_v4(rng: &dyn RandomSource) -> String {
    let mut bytes = [0u8; 16];
    rng.fill(&mut bytes);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A time-ordered (version 7) UUID, lower-case and hyphenated: the first 48 bits are
/// `unix_ms`, the rest (74 bits) random. For ids that are not secrets and are created at a
/// high rate, so that they go to the end of an index instead of a random page of it.
pub fn random_uuid_v7(rng: &dyn RandomSource, unix_ms: i64) -> String {
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes);
    let millis = u64::try_from(unix_ms).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A string of `len` uniformly distributed decimal digits (for one-time codes).
pub fn random_numeric_code(rng: &dyn RandomSource, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 32];
    while out.len() < len {
        rng.fill(&mut buf);
        // Rejection sampling: 250 is the largest multiple of 10 not above 256, so `b % 10` is
        // uniform for b < 250.
        for &b in buf.iter().filter(|&&b| b < 250) {
            if out.len() == len {
                break;
            }
            out.push(char::from(b'0' + b % 10));
        }
    }
    zeroize::Zeroize::zeroize(&mut buf);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_random_fills() {
        let a = random_bytes(&OsRandom, 32);
        let b = random_bytes(&OsRandom, 32);
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn deterministic_is_reproducible() {
        let a = DeterministicRandom::new(7);
        let b = DeterministicRandom::new(7);
        assert_eq!(random_bytes(&a, 16), random_bytes(&b, 16));
        assert_ne!(
            random_bytes(&a, 16),
            random_bytes(&DeterministicRandom::new(8), 16)
        );
    }

    #[test]
    fn token_is_url_safe() {
        let t = random_token(&OsRandom, 32);
        assert_eq!(t.len(), 43);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn uuid_v4_shape() {
        let rng: std::sync::Arc<dyn RandomSource> = std::sync::Arc::new(OsRandom);
        let u = random_uuid_v4(&rng);
        let parsed = uuid::Uuid::parse_str(&u).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(u, u.to_lowercase());
        assert_eq!(u.len(), 36);
    }

    #[test]
    fn uuid_v7_shape_and_order() {
        let rng = DeterministicRandom::new(3);
        let u = random_uuid_v7(&rng, 1_700_000_000_000);
        let parsed = uuid::Uuid::parse_str(&u).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(u, u.to_lowercase());
        // The text sorts by time, whatever the random part.
        let later = random_uuid_v7(&rng, 1_700_000_000_001);
        assert!(later > u, "{later} > {u}");
        assert_ne!(random_uuid_v7(&rng, 1_700_000_000_000), u);
        // Before the epoch: the smallest time, never a panic.
        assert!(random_uuid_v7(&rng, -5).starts_with("00000000-0000-7"));
    }

    #[test]
    fn numeric_code() {
        let c = random_numeric_code(&OsRandom, 6);
        assert_eq!(c.len(), 6);
        assert!(c.chars().all(|c| c.is_ascii_digit()));
        assert_eq!(random_numeric_code(&OsRandom, 0), "");
        assert_eq!(random_numeric_code(&OsRandom, 100).len(), 100);
    }
}
