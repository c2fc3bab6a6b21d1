//! Authenticated encryption of refresh tokens (AES-256-GCM).
//!
//! A refresh token is opaque to the SDKs, so the format is this core's own:
//! `base64url-no-pad(nonce(12) ‖ ciphertext ‖ tag(16))`. Java-issued tokens are not readable.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::{Zeroize as _, Zeroizing};

use crate::error::{CryptoError, Result};
use crate::random::RandomSource;

/// Key length of the cipher, in bytes.
pub const KEY_LEN: usize = 32;
/// Length of the GCM authentication tag, in bytes.
const TAG_LEN: usize = 16;

/// Seals and opens refresh tokens with one AES-256-GCM key.
///
/// The raw key is wiped as soon as aws-lc has expanded it; aws-lc wipes its own key schedule
/// when the cipher is dropped.
pub struct RefreshTokenCipher {
    key: LessSafeKey,
}

impl fmt::Debug for RefreshTokenCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshTokenCipher")
            .field("key", &"<redacted>")
            .finish()
    }
}

impl RefreshTokenCipher {
    /// A cipher using `key`. The copy passed in is wiped; the caller wipes its own (arrays are
    /// `Copy`).
    ///
    /// Fails only if aws-lc cannot set up the key (it accepts every 32-byte AES key).
    pub fn new(mut key: [u8; KEY_LEN]) -> Result<Self> {
        let unbound = UnboundKey::new(&AES_256_GCM, &key);
        key.zeroize();
        let unbound =
            unbound.map_err(|_| CryptoError::InvalidKey("AES-256-GCM key rejected".into()))?;
        Ok(Self {
            key: LessSafeKey::new(unbound),
        })
    }

    /// A new random key as 64 lower-case hex characters, for the caller to store.
    pub fn generate_key(rng: &dyn RandomSource) -> String {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill(key.as_mut());
        hex::encode(key.as_ref())
    }

    /// A cipher from a key written by [`Self::generate_key`] (64 hex characters).
    pub fn from_hex_key(hex_key: &str) -> Result<Self> {
        let mut key = [0u8; KEY_LEN];
        if let Err(e) = hex::decode_to_slice(hex_key.trim(), &mut key) {
            key.zeroize();
            return Err(CryptoError::InvalidKey(format!(
                "refresh token key must be {} hex characters: {e}",
                KEY_LEN * 2
            )));
        }
        Self::new(key)
    }

    /// Encrypts `plaintext` under a fresh random nonce; returns
    /// `base64url-no-pad(nonce ‖ ciphertext ‖ tag)`.
    pub fn seal(&self, plaintext: &[u8], rng: &dyn RandomSource) -> Result<String> {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill(&mut nonce);
        let mut buf = Zeroizing::new(Vec::with_capacity(NONCE_LEN + plaintext.len() + TAG_LEN));
        buf.extend_from_slice(plaintext);
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut *buf)
            .map_err(|_| CryptoError::Encryption)?;
        let mut out = Vec::with_capacity(NONCE_LEN + buf.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&buf);
        Ok(URL_SAFE_NO_PAD.encode(out))
    }

    /// Decrypts a token made by [`Self::seal`]. Bad base64, a too-short input or a failed
    /// authentication (wrong key, tampering) all give [`CryptoError::InvalidCiphertext`].
    pub fn open(&self, token: &str) -> Result<Vec<u8>> {
        let mut data = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| CryptoError::InvalidCiphertext)?;
        if data.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::InvalidCiphertext);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce.copy_from_slice(&data[..NONCE_LEN]);
        let plaintext_len = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::empty(),
                &mut data[NONCE_LEN..],
            )
            .map_err(|_| CryptoError::InvalidCiphertext)?
            .len();
        data.copy_within(NONCE_LEN..NONCE_LEN + plaintext_len, 0);
        data.truncate(plaintext_len);
        Ok(data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::{DeterministicRandom, OsRandom};

    fn cipher() -> RefreshTokenCipher {
        RefreshTokenCipher::from_hex_key(&RefreshTokenCipher::generate_key(&OsRandom)).unwrap()
    }

    #[test]
    fn roundtrip() {
        let c = cipher();
        for msg in [
            &b""[..],
            b"x",
            br#"{"sessionHandle":"abc","userId":"u"}"#,
            &[0u8; 1000],
        ] {
            let token = c.seal(msg, &OsRandom).unwrap();
            assert!(
                token
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
            assert_eq!(c.open(&token).unwrap(), msg);
        }
    }

    #[test]
    fn nonces_differ() {
        let c = cipher();
        assert_ne!(
            c.seal(b"same", &OsRandom).unwrap(),
            c.seal(b"same", &OsRandom).unwrap()
        );
    }

    #[test]
    fn tamper_is_an_error() {
        let c = cipher();
        let token = c.seal(b"secret payload", &OsRandom).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for i in [0, NONCE_LEN, raw.len() - 1] {
            let mut bad = raw.clone();
            bad[i] ^= 0x01;
            assert!(matches!(
                c.open(&URL_SAFE_NO_PAD.encode(&bad)),
                Err(CryptoError::InvalidCiphertext)
            ));
        }
        // Truncated tag.
        let short = URL_SAFE_NO_PAD.encode(&raw[..raw.len() - 1]);
        assert!(c.open(&short).is_err());
        // Another key.
        assert!(matches!(
            cipher().open(&token),
            Err(CryptoError::InvalidCiphertext)
        ));
    }

    #[test]
    fn garbage_is_an_error() {
        let c = cipher();
        for bad in ["", "!!!", "AAAA", "a.b.V2", &"A".repeat(37), "YWJj="] {
            assert!(
                matches!(c.open(bad), Err(CryptoError::InvalidCiphertext)),
                "{bad}"
            );
        }
    }

    #[test]
    fn hex_keys() {
        let k = RefreshTokenCipher::generate_key(&DeterministicRandom::new(1));
        assert_eq!(k.len(), 64);
        assert!(
            k.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        let a = RefreshTokenCipher::from_hex_key(&k).unwrap();
        let b = RefreshTokenCipher::from_hex_key(&k.to_uppercase()).unwrap();
        assert_eq!(b.open(&a.seal(b"hi", &OsRandom).unwrap()).unwrap(), b"hi");
        for bad in ["", "zz", &k[..62], &format!("{k}00"), &"g".repeat(64)] {
            assert!(matches!(
                RefreshTokenCipher::from_hex_key(bad),
                Err(CryptoError::InvalidKey(_))
            ));
        }
    }

    #[test]
    fn debug_redacts() {
        let s = format!("{:?}", RefreshTokenCipher::new([7u8; 32]).unwrap());
        assert!(s.contains("redacted") && !s.contains('7'), "{s}");
    }
}
