#!/usr/bin/env bash
# Fails when a crate on the SDK side (sdk, recipes, integrations) depends on anything under
# core/ other than the wire types, or pulls in the database driver.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for package in $(cargo metadata --no-deps --format-version 1 \
    | python3 -c 'import json,sys; m=json.load(sys.stdin); print("\n".join(p["name"] for p in m["packages"] if "/core/" not in p["manifest_path"] and "/tests/" not in p["manifest_path"] and "/examples/" not in p["manifest_path"]))'); do
  tree=$(cargo tree -p "$package" -e normal --prefix none --format '{p}')
  for forbidden in supertokens-core supertokens-core-engine supertokens-core-http supertokens-storage supertokens-crypto sqlx argon2; do
    if grep -q "^$forbidden v" <<<"$tree"; then
      echo "dependency graph violation: $package depends on $forbidden" >&2
      status=1
    fi
  done
  echo "$package: ok"
done
exit $status
