//! End-to-end tests of the core over HTTP: one test binary, a module per area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod e2e {
    mod actix_adapter;
    mod axum_adapter;
    mod cdi_contract;
    mod database_faults;
    mod emailpassword;
    mod emailverification_metadata_roles_cdi;
    mod emailverification_recipe;
    mod faults_concurrent_refresh;
    mod faults_postgres_restart;
    mod faults_signup_kill;
    mod faults_support;
    mod faults_two_cores;
    mod multitenancy_cdi;
    mod multitenancy_recipes;
    mod observability;
    mod observability_process;
    mod passwordless_cdi;
    mod passwordless_recipe;
    mod rate_limits_core;
    mod rate_limits_sdk;
    mod recipe_support;
    mod restart_and_sharing;
    mod sdk_support;
    mod security_access_tokens;
    mod security_cookies;
    mod security_enumeration;
    mod session_claims;
    mod session_recipe;
    mod usermetadata_recipe;
    mod userroles_recipe;
}
