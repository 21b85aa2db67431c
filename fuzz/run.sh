#!/usr/bin/env bash
# `make fuzz`: every fuzz target for FUZZ_SECONDS (default 60) with cargo-fuzz (libFuzzer) on the
# nightly toolchain, then the RFC 8785 differential over the canonical_json corpus. Installs the
# nightly toolchain and a pinned cargo-fuzz if missing. Exits 1 if any target crashed or the
# differential found a difference not listed in docs/reliability.md. See docs/reliability.md.
#
# Environment: FUZZ_SECONDS, FUZZ_TARGETS (space-separated subset), ATTEST_PYTHON (a Python with
# `rfc8785`; the Makefile gives .venv's), FUZZ_DIR (corpora, seeds and logs; outside the clone).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

CARGO_FUZZ_VERSION=0.13.2
tools=${ATTEST_TOOLS:-$HOME/.cache/attest/tools}
fuzz_dir=${FUZZ_DIR:-$HOME/.cache/attest/fuzz}
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-normalize_event ijson canonical_json catalogue_load controls_load exception_register verify_bundle}
# The fuzz build has its own flags (sanitizer, coverage); kept apart from the test build's cache.
export CARGO_TARGET_DIR=${FUZZ_TARGET_DIR:-$HOME/.cache/attest/target-fuzz}
export PATH="$tools/bin:$PATH"

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if [[ "$(cargo-fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    cargo install --locked cargo-fuzz --version "$CARGO_FUZZ_VERSION" --root "$tools"
fi

cargo +nightly run --quiet --release --example seeds -- "$fuzz_dir/seeds"
mkdir -p "$fuzz_dir/logs"

summary=()
crashed=()
for target in $targets; do
    corpus="$fuzz_dir/corpus/$target"
    log="$fuzz_dir/logs/$target.log"
    mkdir -p "$corpus"
    echo "== $target: ${seconds}s (log $log)"
    status=ok
    # New inputs go to the first folder; the seeds are read only.
    if ! cargo +nightly fuzz run "$target" "$corpus" "$fuzz_dir/seeds/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1; then
        status=CRASH
        crashed+=("$target")
        grep -E "panicked at|ERROR: libFuzzer|SUMMARY|Test unit written" "$log" || tail -20 "$log"
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    files=$(find "$corpus" -type f | wc -l)
    summary+=("$(printf '%-20s %10s execs %6s corpus files  %s' "$target" "${executions:-?}" "$files" "$status")")
done

differential=skipped
if [[ " $targets " == *" canonical_json "* ]]; then
    python=${ATTEST_PYTHON:-python3}
    cases="$fuzz_dir/logs/canonical_cases.jsonl"
    cargo +nightly run --quiet --release --example canonical_cases -- \
        "$fuzz_dir/corpus/canonical_json" "$fuzz_dir/seeds/canonical_json" >"$cases"
    if "$python" "$here/rfc8785_differential.py" "$cases"; then
        differential=ok
    else
        differential=DIFFERENT
    fi
fi

echo
echo "== fuzz summary ($seconds s per target, $(date -u +%Y-%m-%d))"
printf '%s\n' "${summary[@]}"
echo "rfc8785 differential: $differential"
if ((${#crashed[@]})); then
    echo "crashed: ${crashed[*]} (inputs under $here/artifacts/)" >&2
    exit 1
fi
[[ "$differential" != DIFFERENT ]]
