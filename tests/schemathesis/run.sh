#!/usr/bin/env bash
# Runs schemathesis (pinned in requirements.txt) against the release core, which serves its
# own OpenAPI document at /openapi.json: every operation is called with generated valid and
# invalid inputs, and the run fails on any 5xx or any response that breaks the document
# (status, content type, headers, body schema), on an API key that is not enforced, and on
# a method the document does not list that is not answered with 405.
#
# The core runs on a throw-away SQLite file on a free loopback port with an API key; it is
# stopped when the script exits. Reports and the core's log go to target/schemathesis/.
#
# Defaults are a bounded, reproducible run (fixed seed) that takes a few minutes on 2 cores.
# A longer, random run:
#   SCHEMATHESIS_MAX_EXAMPLES=500 SCHEMATHESIS_SEED=random bash tests/schemathesis/run.sh
# Extra arguments go to `schemathesis run`, e.g. `--include-path /recipe/signup`.
set -euo pipefail
cd "$(dirname "$0")/../.."

here=tests/schemathesis
venv=$here/.venv
out=target/schemathesis
core_bin=${SUPERTOKENS_CORE_BIN:-target/release/supertokens-core}
max_examples=${SCHEMATHESIS_MAX_EXAMPLES:-100}
seed=${SCHEMATHESIS_SEED:-20261123}
api_key="schemathesis-api-key-0123456789"

# A venv with exactly the pinned packages (reinstalled when requirements.txt changes).
if ! cmp -s "$here/requirements.txt" "$venv/installed-requirements.txt" 2>/dev/null; then
  echo "installing schemathesis into $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/installed-requirements.txt"
fi

if [[ ! -x $core_bin ]]; then
  echo "building the release core"
  cargo build --release -p supertokens-core
fi

rm -rf "$out"
mkdir -p "$out"
data=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base_url="http://127.0.0.1:$port"

# Cheap password hashing: the run is about the API, not about hashing cost.
SUPERTOKENS_HOST=127.0.0.1 \
SUPERTOKENS_PORT=$port \
SUPERTOKENS_DATABASE_URL="sqlite://$data/core.db" \
SUPERTOKENS_API_KEYS=$api_key \
SUPERTOKENS_ARGON2_MEMORY_KB=64 \
SUPERTOKENS_ARGON2_ITERATIONS=1 \
SUPERTOKENS_LOG_LEVEL=WARN \
  "$core_bin" >"$out/core.log" 2>&1 &
core_pid=$!

stop_core() {
  if kill -0 "$core_pid" 2>/dev/null; then
    kill "$core_pid" 2>/dev/null || true
    wait "$core_pid" 2>/dev/null || true
  fi
  rm -rf "$data"
}
trap stop_core EXIT

for _ in $(seq 1 60); do
  if curl -fsS "$base_url/hello" >/dev/null 2>&1; then
    break
  fi
  if ! kill -0 "$core_pid" 2>/dev/null; then
    echo "the core exited during start:" >&2
    cat "$out/core.log" >&2
    exit 1
  fi
  sleep 0.5
done
curl -fsS "$base_url/hello" >/dev/null || {
  echo "the core did not answer /hello within 30 s:" >&2
  cat "$out/core.log" >&2
  exit 1
}

seed_args=(--seed "$seed")
if [[ $seed == random ]]; then
  seed_args=()
fi

status=0
"$venv/bin/schemathesis" run "$base_url/openapi.json" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --header "api-key: $api_key" \
  --max-examples "$max_examples" \
  "${seed_args[@]}" \
  --workers 2 \
  --generation-database none \
  --suppress-health-check too_slow,filter_too_much \
  --request-timeout 30 \
  --report junit,har \
  --report-dir "$out" \
  --no-color \
  "$@" || status=$?

if [[ $status -ne 0 ]]; then
  echo "schemathesis found problems (exit $status); reports in $out, the core's log in $out/core.log" >&2
  grep -E "ERROR|panicked" "$out/core.log" | tail -n 40 >&2 || true
fi
exit $status
