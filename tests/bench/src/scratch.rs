#![allow(missing_docs, clippy::unwrap_used)]
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;
use std::time::Instant;

fn t<F: FnMut()>(name: &str, mut f: F) {
    for _ in 0..2000 {
        f();
    }
    let n = 40_000;
    let t0 = Instant::now();
    for _ in 0..n {
        f();
    }
    eprintln!(
        "{name}: {:.3} µs",
        t0.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

#[test]
#[ignore]
fn scratch() {
    let token = std::fs::read_to_string("/tmp/stcore/token")
        .unwrap()
        .trim()
        .to_owned();
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string("/tmp/stcore/jwks.json").unwrap()).unwrap();
    let k = &jwks["keys"][0];
    let key = DecodingKey::from_rsa_components(k["n"].as_str().unwrap(), k["e"].as_str().unwrap())
        .unwrap();
    let mut v = jsonwebtoken::Validation::new(Algorithm::RS256);
    v.validate_aud = false;
    t("decode (raw)", || {
        std::hint::black_box(
            jsonwebtoken::decode::<serde_json::Map<String, Value>>(&token, &key, &v).unwrap(),
        );
    });
    let (msg, sig) = token.rsplit_once('.').unwrap();
    t("crypto::verify", || {
        assert!(jsonwebtoken::crypto::verify(sig, msg.as_bytes(), &key, Algorithm::RS256).unwrap());
    });
    t("parse_jwt", || {
        std::hint::black_box(
            supertokens_session::access_token::parse_jwt_without_signature_verification(&token)
                .unwrap(),
        );
    });
    let parsed =
        supertokens_session::access_token::parse_jwt_without_signature_verification(&token)
            .unwrap();
    t("validate_structure", || {
        supertokens_session::access_token::validate_access_token_structure(&parsed.payload, 5)
            .unwrap();
    });
    t("access_token_info", || {
        std::hint::black_box(supertokens_session::access_token::access_token_info(
            &parsed,
        ));
    });
    t("verify_signature", || {
        assert!(supertokens_session::access_token::verify_signature(
            &parsed, &key
        ));
    });
    let der = {
        // SubjectPublicKeyInfo is not needed: aws-lc RSA_PKCS1_2048_8192_SHA256 takes an RSAPublicKey DER.
        let n = base64_decode(k["n"].as_str().unwrap());
        let e = base64_decode(k["e"].as_str().unwrap());
        rsa_public_key_der(&n, &e)
    };
    let der_key = DecodingKey::from_rsa_der(&der);
    t("crypto::verify with DER key", || {
        assert!(
            jsonwebtoken::crypto::verify(sig, msg.as_bytes(), &der_key, Algorithm::RS256).unwrap()
        );
    });
    let n = base64_decode(k["n"].as_str().unwrap());
    let e = base64_decode(k["e"].as_str().unwrap());
    let pk = aws_lc_rs::signature::RsaPublicKeyComponents {
        n: &n[..],
        e: &e[..],
    }
    .to_parsed_public_key(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256)
    .unwrap();
    let sigb = base64_decode(sig);
    t("aws-lc ParsedPublicKey verify_sig", || {
        pk.verify_sig(msg.as_bytes(), &sigb).unwrap();
    });
    t("base64 sig decode", || {
        std::hint::black_box(base64_decode(sig));
    });
    let (h, p) = msg.split_once('.').unwrap();
    t("base64 payload decode", || {
        std::hint::black_box(base64_decode(p));
    });
    let pb = base64_decode(p);
    t("json payload -> Map", || {
        std::hint::black_box(
            serde_json::from_slice::<serde_json::Map<String, Value>>(&pb).unwrap(),
        );
    });
    let hb = base64_decode(h);
    t("json header -> Map", || {
        std::hint::black_box(
            serde_json::from_slice::<serde_json::Map<String, Value>>(&hb).unwrap(),
        );
    });
    t("normalise payload chars", || {
        let s: String = p
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                o => o,
            })
            .collect();
        std::hint::black_box(s);
    });
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::AUTHORIZATION,
        http::HeaderValue::from_str(&format!("Bearer {token}")).unwrap(),
    );
    t("headermap clone", || {
        std::hint::black_box(headers.clone());
    });
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn der_len(len: usize, out: &mut Vec<u8>) {
    if len < 128 {
        out.push(len as u8);
    } else if len < 256 {
        out.extend([0x81, len as u8]);
    } else {
        out.extend([0x82, (len >> 8) as u8, len as u8]);
    }
}
fn der_int(bytes: &[u8], out: &mut Vec<u8>) {
    let mut b = bytes.to_vec();
    if b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    out.push(0x02);
    der_len(b.len(), out);
    out.extend(b);
}
fn rsa_public_key_der(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    der_int(n, &mut body);
    der_int(e, &mut body);
    let mut out = vec![0x30];
    der_len(body.len(), &mut out);
    out.extend(body);
    out
}

#[test]
#[ignore]
fn scratch_threads() {
    let token = std::fs::read_to_string("/tmp/stcore/token")
        .unwrap()
        .trim()
        .to_owned();
    let jwks: Value =
        serde_json::from_str(&std::fs::read_to_string("/tmp/stcore/jwks.json").unwrap()).unwrap();
    let k = &jwks["keys"][0];
    let n = base64_decode(k["n"].as_str().unwrap());
    let e = base64_decode(k["e"].as_str().unwrap());
    let (msg, sig) = token.rsplit_once('.').unwrap();
    let sigb = base64_decode(sig);
    let mk = || {
        aws_lc_rs::signature::RsaPublicKeyComponents {
            n: &n[..],
            e: &e[..],
        }
        .to_parsed_public_key(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256)
        .unwrap()
    };
    let shared = std::sync::Arc::new(mk());
    for threads in [1, 2] {
        for mode in ["shared", "own"] {
            let t0 = Instant::now();
            let n_ops = 30_000;
            std::thread::scope(|sc| {
                for _ in 0..threads {
                    let key = if mode == "shared" {
                        shared.clone()
                    } else {
                        std::sync::Arc::new(mk())
                    };
                    let (msg, sigb) = (msg, &sigb);
                    sc.spawn(move || {
                        for _ in 0..n_ops {
                            key.verify_sig(msg.as_bytes(), sigb).unwrap();
                        }
                    });
                }
            });
            eprintln!(
                "{threads} threads, {mode} key: {:.2} µs per op per thread",
                t0.elapsed().as_secs_f64() * 1e6 / n_ops as f64
            );
        }
    }
}
