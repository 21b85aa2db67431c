#!/usr/bin/env bash
# `make bench`: intake compute (attest vs the Node baseline, plain and with its DynamoDB item, vs the
# parse+hash floor) in one run, then the peak memory of the intake binary processing a 100-finding
# Security Hub event, the collection scale run, one report at scale and the report PDF against
# WeasyPrint, and the event-to-alert latency through the intake, alert and notify binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/attest/target}"
mkdir -p out/bench
seconds="${BENCH_SECONDS:-1}"
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); node $(node --version)"
cargo build --quiet --release -p attest-bench
# The Node baseline's one dependency (the AWS SDK's DynamoDB marshaller), pinned in its lock file.
npm ci --prefix bench/node --no-audit --no-fund --silent
# Both measurements pinned to the same core, one after the other.
taskset -c 0 node bench/node/baseline.js "$seconds" > out/bench/node.json
taskset -c 0 "$CARGO_TARGET_DIR/release/attest-bench" --seconds "$seconds" --node-results out/bench/node.json
echo
make --no-print-directory build
.venv/bin/python bench/intake_memory.py
.venv/bin/python bench/collect_scale.py
# One report at 1/1000 and 1/100 of issue 11's size (BENCH_REPORT_STATES sets the sizes).
.venv/bin/python bench/report_scale.py
# Report PDF at scale against WeasyPrint (issue 5); creates bench/.venv-weasyprint on first use.
.venv/bin/python bench/report_pdf.py
# Event-to-alert latency through the intake, alert and notify release binaries (issue 14).
cargo build --quiet --release -p attest-intake -p attest-alert -p attest-notify
.venv/bin/python bench/alert_latency.py "${BENCH_ALERT_SAMPLES:-1000}"
