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


def run(binary, args, env):
    return json.loads(subprocess.check_output([binary, *args], env=env, cwd=demo.ROOT).decode().strip().splitlines()[-1])


def main():
    out = os.path.join(demo.ROOT, "out", "bench")
    os.makedirs(out, exist_ok=True)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": demo.REGION})
    subprocess.check_call(["cargo", "build", "--quiet", *(["--release"] if RELEASE else []), "-p", "attest-report",
                           "--example", "report_scale"], cwd=demo.ROOT)
    binary = os.path.join(demo.TARGET, "release" if RELEASE else "debug", "examples", "report_scale")
    rows = []
    for states in SIZES:
        server, endpoint = demo.start_local_aws(out, f"moto-report-{states}")
        try:
            res = demo.provision(endpoint, "attest-rscale")
            env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, **res["_environments"]["ReportFunction"])
            seeded = run(binary, ["seed", str(states)], env)
            report = run(binary, ["report"], env)
        finally:
            server.terminate()
            server.wait()
        if report["status"] != "PUBLISHED":
            raise SystemExit(f"report at {states} states: {report}")
        rows.append((seeded, report))
        print(f"# {states} states: seeded {seeded['evidence_objects']} objects in {seeded['seed_seconds']:.1f} s; "
              f"report {report['seconds']:.1f} s", file=sys.stderr, flush=True)

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
    line("outputs written (MB)", [f"{sum(p[2] for p in r['puts']) / 1e6:.1f}" for _, r in rows])
    print("requests by kind")
    for k in kinds:
        line(f"  {k}", [r["requests"].get(k, 0) for _, r in rows])
    total = [sum(r["requests"].values()) for _, r in rows]
    line("requests, all kinds", total)
    line("requests per evidence item", [f"{t / r['evidence']:.3f}" for t, (_, r) in zip(total, rows)])
    line("ms per request (wall)", [f"{1000 * r['seconds'] / t:.2f}" for t, (_, r) in zip(total, rows)])
    print("mean time from send to response, ms (GetObject: 16 in flight, so queued at the server)")
    for k in kinds:
        line(f"  {k}", [f"{1000 * r['waits'].get(k, 0) / max(r['requests'].get(k, 0), 1):.1f}" for _, r in rows])
    line("peak RSS, VmHWM (MB)", [f"{r['peak_rss_mb']:.1f}" for _, r in rows])
    line("  after the snapshot step", [f"{r['puts'][0][3]:.1f}" for _, r in rows])
    line("  after rendering", [f"{r['puts'][1][3]:.1f}" for _, r in rows])
    line("peak heap of the run (MB)", [f"{r['heap_peak_mb']:.1f}" for _, r in rows])
    print("after the run, each step alone: peak heap above what was live (MB) / seconds")
    for i, (step, _, _) in enumerate(rows[0][1]["breakdown"]):
        line(f"  {step}", [f"{r['breakdown'][i][1]:.1f}/{r['breakdown'][i][2]:.2f}" for _, r in rows])
    print(json.dumps([{"seed": s, "report": r} for s, r in rows]), file=open(os.path.join(out, "report_scale.json"), "w"))


if __name__ == "__main__":
    main()
