//! Replays the committed corpus of every target (`tests/fuzz/corpus/<target>/`) through the
//! harness, so CI checks that no input the fuzzer kept (or a crash it once found and that was
//! fixed) panics or fails its oracle, without running a fuzzer; and checks the hand-written
//! seeds against what each must give.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::{Path, PathBuf};

use serde_json::json;
use supertokens_fuzz_harness::seeds::{self, Expect, Seed};
use supertokens_fuzz_harness::world::{World, WorldKind};
use supertokens_fuzz_harness::{TARGETS, access_token, cdi, config, fdi};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn replay(target: &str) {
    let (_, run) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no target {target}"));
    let files = corpus_files(target);
    assert!(
        files.len() >= 5,
        "{target}: the committed corpus has only {} files",
        files.len()
    );
    for file in &files {
        let data = std::fs::read(file).unwrap();
        // A panic names the target, the route and the input; add the file.
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: {} failed", file.display());
    }
}

#[test]
fn cdi_request_corpus_replays() {
    replay("cdi_request");
}

#[test]
fn fdi_request_corpus_replays() {
    replay("fdi_request");
}

#[test]
fn access_token_corpus_replays() {
    replay("access_token");
}

#[test]
fn cookies_corpus_replays() {
    replay("cookies");
}

#[test]
fn config_corpus_replays() {
    replay("config");
}

#[test]
fn every_target_has_a_fuzz_target_file() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    for (target, _) in TARGETS {
        let file = fuzz.join("fuzz_targets").join(format!("{target}.rs"));
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        assert!(text.contains(&format!("supertokens_fuzz_harness::{target}(")));
    }
}

fn status_ok(status: u16, body: &serde_json::Value) -> bool {
    status == 200 && body.get("status") == Some(&json!("OK"))
}

/// What is wrong with a seed's answer, if anything.
fn check(seed: &Seed, status: u16, body: &serde_json::Value) -> Option<String> {
    let wrong = match seed.expect {
        Expect::Ok => !status_ok(status, body),
        Expect::Status(expected) => status != expected,
        Expect::NoFinding | Expect::SessionAccepted => false,
    };
    wrong.then(|| {
        format!(
            "seed {} ({:?}): got {status} {body}",
            seed.name, seed.expect
        )
    })
}

#[test]
fn cdi_seeds_reach_their_routes() {
    let world = World::build(WorldKind::Cdi);
    let seeds = seeds::cdi();
    assert!(
        seeds.len() >= cdi::ROUTES.len(),
        "a seed for every CDI route"
    );
    for route in cdi::ROUTES {
        let selector = cdi::selector(&route.0, route.1).unwrap();
        assert!(
            seeds
                .iter()
                .any(|seed| seed.data.first() == Some(&selector)),
            "no seed for {} {}",
            route.0,
            route.1
        );
    }
    let mut wrong = Vec::new();
    for seed in &seeds {
        let outcome = cdi::run_in(&world, &seed.data);
        cdi::judge(&seed.data, &outcome);
        wrong.extend(check(seed, outcome.response.status, &outcome.response.body));
    }
    assert!(wrong.is_empty(), "cdi_request:\n{}", wrong.join("\n"));
}

#[test]
fn fdi_seeds_reach_their_routes() {
    let world = World::build(WorldKind::Fdi);
    let sdk = world.sdk().unwrap();
    let seeds = seeds::fdi(sdk);
    let routes = fdi::routes(sdk);
    for (index, route) in routes.iter().enumerate() {
        // Old aliases of a path share their handler with the current one.
        let covered = seeds
            .iter()
            .any(|seed| seed.data.first() == Some(&(index as u8)))
            || routes.iter().enumerate().any(|(other, alias)| {
                other != index
                    && alias.recipe_id == route.recipe_id
                    && alias.method == route.method
                    && seeds
                        .iter()
                        .any(|seed| seed.data.first() == Some(&(other as u8)))
                    && (route.path.contains("exists") && alias.path.contains("exists"))
            });
        assert!(covered, "no seed for {route:?}");
    }
    let mut wrong = Vec::new();
    for seed in &seeds {
        let outcome = fdi::run_in(&world, &seed.data);
        fdi::judge(&seed.data, &outcome);
        let response = outcome
            .response
            .unwrap_or_else(|| panic!("seed {} is not an SDK route", seed.name));
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
        wrong.extend(check(seed, response.status.as_u16(), &body));
    }
    assert!(wrong.is_empty(), "fdi_request:\n{}", wrong.join("\n"));
}

#[test]
fn access_token_seeds_are_judged() {
    let world = World::build(WorldKind::Fdi);
    for seed in seeds::access_token() {
        let (token, verdicts) = access_token::run_in(&world, &seed.data);
        access_token::judge(&seed.data, &token, &verdicts);
        if seed.expect == Expect::SessionAccepted {
            assert!(verdicts.genuine && verdicts.core_crypto && verdicts.sdk_signature);
            assert_eq!(verdicts.sdk_sessions, ["user-1", "user-1"], "{}", seed.name);
        } else if !verdicts.genuine {
            assert!(verdicts.sdk_sessions.is_empty() && !verdicts.core_session);
        }
    }
}

#[test]
fn cookie_seeds_pass() {
    for seed in seeds::cookies() {
        supertokens_fuzz_harness::cookies(&seed.data);
    }
    let request = supertokens_fuzz_harness::cookies::request(
        b"cookie: sAccessToken=a\ncookie: sAccessToken=b; x=1\nsRefreshToken=%41",
    );
    assert_eq!(request.cookies("sAccessToken"), ["a", "b"]);
    assert_eq!(request.cookie("sRefreshToken").as_deref(), Some("A"));
}

#[test]
fn config_seeds_load_as_expected() {
    for seed in seeds::config() {
        let result = config::run(&seed.data);
        if seed.expect == Expect::Ok {
            assert!(
                result.is_ok(),
                "config seed {}: {:?}",
                seed.name,
                result.err()
            );
        }
        supertokens_fuzz_harness::config(&seed.data);
    }
    let error = config::run(b"port: [3567\n").unwrap_err();
    assert!(!error.problems().is_empty());
}

/// The findings of `tests/fuzz/README.md`, fixed: each input gives a 400 that says what is
/// wrong (F1, F2, F4), or an error that does not show the file (F3).
#[test]
fn fixed_findings_stay_fixed() {
    let world = World::build(WorldKind::Fdi);
    let sdk = world.sdk().unwrap();
    let fdi_seed = |name: &str| {
        seeds::fdi(sdk)
            .into_iter()
            .find(|seed| seed.name == name)
            .unwrap_or_else(|| panic!("no FDI seed {name}"))
    };
    let fdi_answer = |name: &str| {
        let seed = fdi_seed(name);
        let outcome = fdi::run_in(&world, &seed.data);
        fdi::judge(&seed.data, &outcome);
        let response = outcome.response.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        (response.status.as_u16(), body, outcome.core_statuses)
    };
    // F1: an unknown tenant in the path (the first-factor check; a core call the core
    // refuses with 400) and in the query.
    for name in [
        "signin-unknown-tenant",
        "email-exists-unknown-tenant",
        "loginmethods-unknown-tenant",
    ] {
        let (status, body, core_statuses) = fdi_answer(name);
        assert_eq!(
            (status, body),
            (400, json!({"message": "Tenant not found: nosuchtenant"})),
            "{name}"
        );
        if name == "email-exists-unknown-tenant" {
            assert!(core_statuses.contains(&400), "{core_statuses:?}");
        }
    }
    // F2: the SDK checks the deviceId before calling the core.
    let (status, body, core_statuses) = fdi_answer("code-resend-bad-device");
    assert_eq!(status, 400, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("deviceId is invalid"),
        "{body}"
    );
    assert!(
        core_statuses.iter().all(|status| *status == 200),
        "{core_statuses:?}"
    );

    // F3: the typo's file is not echoed, and the oracle would see it.
    let typo = b"api_keys:key-one-at-least-20-chars-secret\n";
    assert_eq!(
        config::api_keys_in(&String::from_utf8_lossy(typo)),
        ["key-one-at-least-20-chars-secret"]
    );
    let error = config::run(typo).unwrap_err().to_string();
    assert!(!error.contains("20-chars-secret"), "{error}");
    assert!(
        error.contains("must be a YAML mapping of keys to values"),
        "{error}"
    );
    supertokens_fuzz_harness::config(b"api_keys:UUUUUUUtoi_keys:UUUUUUUtorrh\n2");

    // F4: sent now, and refused at once with the bound.
    let cdi_world = World::build(WorldKind::Cdi);
    for seed in seeds::cdi()
        .into_iter()
        .filter(|seed| seed.name.starts_with("passwordhash-import-costly"))
    {
        let outcome = cdi::run_in(&cdi_world, &seed.data);
        cdi::judge(&seed.data, &outcome);
        assert_eq!(outcome.response.status, 400, "{}", seed.name);
        let message = outcome.response.body.to_string();
        assert!(
            message.contains("the largest accepted for imported hashes"),
            "{}: {message}",
            seed.name
        );
    }
}
