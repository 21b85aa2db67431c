#!/usr/bin/env python3
"""One report at scale against the local AWS server (issue 11): for each size, a fresh moto server
and stack, STATES buckets seeded as intake writes them (functions/report/examples/report_scale.rs:
STATES current states, 3 x STATES evaluations in the period, 0.9 x STATES before it), then one
report run of PCI-DSS-3.2.1 over the period, timed and with every AWS request counted by kind.
Seeding is a separate process and is not part of the figures, except its own column.

BENCH_REPORT_STATES sets the sizes (comma-separated state counts; default 100,1000, i.e. 1/1000
and 1/100 of issue 11's 100,000 states and 300,000 evaluations). Uses the dev profile build unless
BENCH_RELEASE=1."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import demo  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_REPORT_STATES", "100,1000").split(",")]
FULL = 100_000
# BENCH_RELEASE=1: the release profile (a release build of the SDK crates takes much longer).
RELEASE = os.environ.get("BENCH_RELEASE") == "1"
# BENCH_REPORT_FROM=out/bench/report_scale.json: print the table of an earlier run, run nothing.
REPRINT = os.environ.get("BENCH_REPORT_FROM")
# BENCH_REPORT_WRAP="perf record -g -o out/bench/perf.data": a command the measured report process
# runs under (a profiler), split on spaces.
WRAP = os.environ.get("BENCH_REPORT_WRAP", "").split()


def run(binary, args, env, wrap=()):
    return json.loads(subprocess.check_output([*wrap, binary, *args], env=env, cwd=demo.ROOT).decode().strip().splitlines()[-1])


def main():
    out = os.path.join(demo.ROOT, "out", "bench")
    os.makedirs(out, exist_ok=True)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": demo.REGION})
    if not REPRINT:
        subprocess.check_call(["cargo", "build", "--quiet", *(["--release"] if RELEASE else []), "-p", "attest-report",
                               "--example", "report_scale"], cwd=demo.ROOT)
    binary = os.path.join(demo.TARGET, "release" if RELEASE else "debug", "examples", "report_scale")
    rows = []
    for states in SIZES if not REPRINT else []:
        server, endpoint = demo.start_local_aws(out, f"moto-report-{states}")
        try:
            res = demo.provision(endpoint, "attest-rscale")
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, **res["_environments"]["ReportFunction"])
            seeded = run(binary, ["seed", str(states)], env)
            report = run(binary, ["report"], env, WRAP)
        finally:
            server.terminate()
            server.wait()
        if report["status"] != "PUBLISHED":
            raise SystemExit(f"report at {states} states: {report}")
        rows.append((seeded, report))
        print(f"# {states} states: seeded {seeded['evidence_objects']} objects in {seeded['seed_seconds']:.1f} s; "
              f"report {report['seconds']:.1f} s", file=sys.stderr, flush=True)

    if REPRINT:
        rows = [(x["seed"], x["report"]) for x in json.load(open(REPRINT))]
    else:
        print(json.dumps([{"seed": s, "report": r} for s, r in rows]), file=open(os.path.join(out, "report_scale.json"), "w"))
    kinds = sorted({k for _, r in rows for k in r["requests"]})
    print(f"# report of PCI-DSS-3.2.1 over 2026-11; {'release' if RELEASE else 'dev'} profile, local moto server (one request at a time); "
          f"item sizes: current {rows[0][0]['current_item_bytes']} B, history {rows[0][0]['history_item_bytes']} B, "
          f"evidence {rows[0][0]['evidence_bytes']} B")
    head = f"{'':<30}" + "".join(f"{'1/' + str(FULL // s[0]['states']) if FULL % s[0]['states'] == 0 else s[0]['states']:>12}" for s in rows)
    print(head)

    def line(label, values):
        print(f"{label:<30}" + "".join(f"{v:>12}" for v in values))

    line("states in scope", [s["states"] for s, _ in rows])
    line("evaluations in the period", [s["evaluations_in_period"] for s, _ in rows])
    line("evaluations before it", [s["evaluations_before"] for s, _ in rows])
    line("evidence items in the report", [r["evidence"] for _, r in rows])
    line("seeding (s, not measured)", [f"{s['seed_seconds']:.1f}" for s, _ in rows])
    line("report run (s)", [f"{r['seconds']:.2f}" for _, r in rows])
    line("ms per evidence item", [f"{1000 * r['seconds'] / r['evidence']:.2f}" for _, r in rows])
    line("  snapshot step (s)", [f"{r['puts'][0][0]:.2f}" for _, r in rows])
    line("  render step (s)", [f"{r['puts'][1][0] - r['puts'][0][0]:.2f}" for _, r in rows])
    line("  publish + verify (s)", [f"{r['seconds'] - r['puts'][1][0]:.2f}" for _, r in rows])
    line("CPU of the report process (s)", [f"{r['cpu_seconds']:.2f}" for _, r in rows])
    line("  CPU ms per evidence item", [f"{1000 * r['cpu_seconds'] / r['evidence']:.2f}" for _, r in rows])
    line("outputs written (MB)", [f"{sum(p[2] for p in r['puts']) / 1e6:.1f}" for _, r in rows])
    print("requests by kind")
    for k in kinds:
        line(f"  {k}", [r["requests"].get(k, 0) for _, r in rows])
    total = [sum(r["requests"].values()) for _, r in rows]
    line("requests, all kinds", total)
    line("requests per evidence item", [f"{t / r['evidence']:.3f}" for t, (_, r) in zip(total, rows)])
    line("ms per request (wall)", [f"{1000 * r['seconds'] / t:.2f}" for t, (_, r) in zip(total, rows)])
    print(f"mean time from send to response, ms (GetObject: {GET_IN_FLIGHT} in flight, so queued at the server)")
    for k in kinds:
        line(f"  {k}", [f"{1000 * r['waits'].get(k, 0) / max(r['requests'].get(k, 0), 1):.1f}" for _, r in rows])
    line("peak RSS, VmHWM (MB)", [f"{r['peak_rss_mb']:.1f}" for _, r in rows])
    line("  KB per evidence item", [f"{1024 * r['peak_rss_mb'] / r['evidence']:.1f}" for _, r in rows])
    line("  after the snapshot step", [f"{r['puts'][0][3]:.1f}" for _, r in rows])
    line("  after rendering", [f"{r['puts'][1][3]:.1f}" for _, r in rows])
    line("peak heap of the run (MB)", [f"{r['heap_peak_mb']:.1f}" for _, r in rows])
    print("after the run, each step alone: peak heap above what was live (MB) / seconds")
    for i, (step, _, _) in enumerate(rows[0][1]["breakdown"]):
        line(f"  {step}", [f"{r['breakdown'][i][1]:.1f}/{r['breakdown'][i][2]:.2f}" for _, r in rows])
    if len(rows) >= 2:
        project(rows)


# Documented rates and latencies the projection uses (sources in BENCHMARKS.md).
S3_GET_PER_S = 5_500          # GET/HEAD per second per partitioned prefix (the whole bucket, conservatively)
DDB_TABLE_RRU_PER_S = 12_000  # a new on-demand table, before it has seen a higher peak
DDB_PARTITION_RRU_PER_S = 3_000
S3_GET_LATENCY_S = 0.020      # small objects: median "in the tens of milliseconds"; the low end
DDB_LATENCY_S = 0.005         # "single-digit millisecond"
PAGE = 1 << 20                # a Query page holds at most 1 MB
GET_IN_FLIGHT = 64            # shared/report-workflow/src/snapshot.rs OBJECT_CONCURRENCY
QUERY_IN_FLIGHT = 64          # the first report's latest-before Queries, also OBJECT_CONCURRENCY


def project(rows):
    """Fit count = a + b x states on the two largest sizes and project to 100,000 states."""
    (s1, r1), (s2, r2) = rows[-2], rows[-1]
    n1, n2 = s1["states"], s2["states"]

    def fit(v1, v2):
        b = (v2 - v1) / (n2 - n1)
        return v1 + b * (FULL - n1)

    evidence = fit(r1["evidence"], r2["evidence"])
    get = fit(r1["requests"]["s3:GetObject"], r2["requests"]["s3:GetObject"])
    table_q = fit(r1["requests"]["dynamodb:Query (table)"], r2["requests"]["dynamodb:Query (table)"])
    # Index queries are one page each at these sizes; at full size every 1 MB of rows is a page.
    state_bytes = FULL * s2["current_item_bytes"]
    history_bytes = 3 * FULL * s2["history_item_bytes"]
    index_q = r2["requests"]["dynamodb:Query (index)"] + state_bytes // PAGE + history_bytes // PAGE
    fixed = sum(v for k, v in r2["requests"].items() if k not in
                ("s3:GetObject", "dynamodb:Query (table)", "dynamodb:Query (index)"))
    total = get + table_q + index_q + fixed
    # Read units: one strongly consistent item under 4 KB per latest-before Query; index pages are
    # eventually consistent, half a unit per 4 KB.
    rru = table_q + (state_bytes + history_bytes) / 4096 / 2
    rate_s3 = get / S3_GET_PER_S
    rate_ddb = rru / DDB_TABLE_RRU_PER_S
    rate_ddb_partition = (state_bytes + history_bytes) / 4096 / 2 / DDB_PARTITION_RRU_PER_S + table_q / DDB_TABLE_RRU_PER_S
    lat_get = get * S3_GET_LATENCY_S / GET_IN_FLIGHT
    lat_table = table_q * DDB_LATENCY_S / QUERY_IN_FLIGHT
    cpu = fit(r1["cpu_seconds"], r2["cpu_seconds"])
    rss = fit(r1["peak_rss_mb"], r2["peak_rss_mb"])
    rss_snapshot = fit(r1["puts"][0][3], r2["puts"][0][3])
    print(f"\nprojected to {FULL:,} states, {3 * FULL:,} evaluations in the period "
          f"(linear fit on the two largest sizes; rates and latencies as documented, see BENCHMARKS.md)")
    proj = [
        ("evidence items", f"{evidence:,.0f}"),
        ("s3:GetObject", f"{get:,.0f}"),
        ("dynamodb:Query (table), one per changed state", f"{table_q:,.0f}"),
        ("dynamodb:Query (index), 1 MB pages", f"{index_q:,.0f}"),
        ("other requests (fixed)", f"{fixed:,.0f}"),
        ("requests, all kinds", f"{total:,.0f}"),
        ("requests per evidence item", f"{total / evidence:.3f}"),
        ("DynamoDB read units", f"{rru:,.0f}"),
        ("at the rate limits: S3 GETs at 5,500/s (s)", f"{rate_s3:,.0f}"),
        ("at the rate limits: DynamoDB at 12,000 RRU/s (s)", f"{rate_ddb:,.0f}"),
        ("  index pages from one partition, 3,000 RRU/s (s)", f"{rate_ddb_partition:,.0f}"),
        (f"as the code runs: GETs {GET_IN_FLIGHT} in flight at 20 ms (s)", f"{lat_get:,.0f}"),
        (f"as the code runs: table Queries {QUERY_IN_FLIGHT} in flight, 5 ms (s)", f"{lat_table:,.0f}"),
        (f"CPU of the report process, {'release' if RELEASE else 'dev'} profile here (s)", f"{cpu:,.0f}"),
        ("peak RSS (MB)", f"{rss:,.0f}"),
        ("  of which after the snapshot step (MB)", f"{rss_snapshot:,.0f}"),
    ]
    for label, value in proj:
        print(f"  {label:<58}{value:>14}")


if __name__ == "__main__":
    main()
