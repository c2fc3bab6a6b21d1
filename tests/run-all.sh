#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: lints, the Rust tests (storage
# conformance on SQLite, PostgreSQL and MariaDB included) and the compatibility tests with
# the official SuperTokens SDKs. Installs what the tests need first.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "database services"
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "PostgreSQL is not running; starting it"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! mariadb-admin -uroot -h127.0.0.1 ping >/dev/null 2>&1; then
  echo "MariaDB is not running; starting it"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi
for _ in $(seq 1 30); do
  pg_isready -h 127.0.0.1 -p 5432 -q && mariadb-admin -uroot -h127.0.0.1 ping >/dev/null 2>&1 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432 || { echo "PostgreSQL did not start" >&2; exit 1; }
mariadb-admin -uroot -h127.0.0.1 ping || { echo "MariaDB did not start" >&2; exit 1; }

step "node packages and Chromium"
(cd tests/node-compat && npm ci --no-audit --no-fund)
bash tests/browser/install.sh

step "format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p supertokens-core --features otel --all-targets -- -D warnings

step "dependency graph: the SDK side never depends on the core"
bash tests/check-dependency-graph.sh

step "Rust tests"
cargo test --workspace --no-fail-fast
cargo test -p supertokens-core --features otel

step "release build of the core and the example apps"
cargo build --release -p supertokens-core -p example-axum -p example-actix

step "schemathesis against the core's OpenAPI document"
bash tests/schemathesis/run.sh

step "official supertokens-node against our core"
(cd tests/node-compat && SUPERTOKENS_CORE_BIN="$PWD/../../target/release/supertokens-core" npm test)

step "official frontend SDKs in headless Chromium (node reference backend, example-axum, example-actix)"
(cd tests/browser && npm test)

step "all tests passed"
