#!/usr/bin/env bash
# The documented fuzz run: builds the cargo-fuzz targets and runs each for RUNS inputs
# (default 1,000,000), one after another, then prints a summary line per target from
# libFuzzer's final stats. New inputs that reach new code are added to corpus/<target>/;
# crashes land in artifacts/<target>/ and make the script exit non-zero.
#
#   tests/fuzz/run.sh                      # every target, 1,000,000 inputs each
#   RUNS=20000 tests/fuzz/run.sh cookies   # one target, a short run
#   SANITIZER=address tests/fuzz/run.sh    # with AddressSanitizer (slower; default: none)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). Works on the stable toolchain; with a
# sanitizer cargo-fuzz passes -Zsanitizer, so the script then sets RUSTC_BOOTSTRAP=1 (or use
# `FUZZ_TOOLCHAIN=nightly`).
# Logs go to tests/fuzz/logs/<target>.log. To reproduce a crash:
# tests/fuzz/target/<host>/release/<target> tests/fuzz/artifacts/<target>/<file>. Not part of CI (too slow); CI replays the corpus
# with `cargo test -p supertokens-fuzz-harness`.
set -euo pipefail

cd "$(dirname "$0")"
RUNS=${RUNS:-1000000}
SANITIZER=${SANITIZER:-none}
MAX_LEN=${MAX_LEN:-4096}
TIMEOUT=${TIMEOUT:-30}
ALL_TARGETS=(cdi_request fdi_request access_token cookies config)
if [[ $# -gt 0 ]]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is missing: cargo install cargo-fuzz" >&2
    exit 2
fi
toolchain=()
if [[ -n "${FUZZ_TOOLCHAIN:-}" ]]; then
    toolchain=("+${FUZZ_TOOLCHAIN}")
elif [[ "$SANITIZER" != none ]]; then
    export RUSTC_BOOTSTRAP=1
fi
# The fuzzed processes must not pick up a developer's core settings.
while IFS= read -r name; do unset "$name"; done < <(env | sed -n 's/^\(SUPERTOKENS_[A-Z0-9_]*\)=.*/\1/p')

fuzz_flags=(--sanitizer "$SANITIZER" --debug-assertions --release)
echo "building ${TARGETS[*]} (sanitizer: $SANITIZER)"
for target in "${TARGETS[@]}"; do
    cargo "${toolchain[@]}" fuzz build "${fuzz_flags[@]}" "$target"
done

host=$(rustc "${toolchain[@]}" -vV | sed -n 's/^host: //p')
bin_dir="target/$host/release"
mkdir -p logs
declare -a summary
status=0
for target in "${TARGETS[@]}"; do
    mkdir -p "corpus/$target" "artifacts/$target"
    log="logs/$target.log"
    before=$(find "corpus/$target" -type f | wc -l)
    start=$(date +%s)
    set +e
    # The binary cargo-fuzz built above, run directly: no rebuild in the middle of a campaign
    # and the wall time is the fuzzer's alone.
    "$bin_dir/$target" "corpus/$target" \
        -runs="$RUNS" -max_len="$MAX_LEN" -timeout="$TIMEOUT" -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="artifacts/$target/" >"$log" 2>&1
    code=$?
    set -e
    wall=$(( $(date +%s) - start ))
    after=$(find "corpus/$target" -type f | wc -l)
    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    executed=$(stat number_of_executed_units)
    per_sec=$(stat average_exec_per_sec)
    rss=$(stat peak_rss_mb)
    crashes=$(find "artifacts/$target" -type f | wc -l)
    if [[ $code -ne 0 ]]; then
        status=1
        echo "$target: the fuzzer stopped with exit code $code; see $log" >&2
        grep -m1 -A20 -E "panicked|ERROR: libFuzzer|fuzz finding" "$log" >&2 || true
    fi
    line="$target executed=${executed:-?} wall=${wall}s exec/s=${per_sec:-?} peak_rss_mb=${rss:-?} corpus=${before}->${after} artifacts=${crashes} exit=${code}"
    echo "$line"
    summary+=("$line")
done

echo
echo "summary ($(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)):"
printf '  %s\n' "${summary[@]}"
exit "$status"
