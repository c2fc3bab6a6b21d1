//! Rebuilds the crate when a migration changes (the migrations are embedded by
//! `sqlx::migrate!`).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
