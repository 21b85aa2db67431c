#!/usr/bin/env python3
"""Report PDF at scale (issue 5): our renderer against WeasyPrint on the same report.

The report is the synthetic snapshot of 200 controls and 15,000 evidence rows
(`attest_reports::sample::synthetic`). In one run this script:

  a) builds `report_scale` (bench/src/bin/report_scale.rs) in release and runs it twice; each run
     evaluates the snapshot and writes report.html and report.pdf. Wall time and peak RSS are
     measured per process (os.wait4), the two PDFs compared byte for byte, pages counted (PDFium);
  b) runs WeasyPrint (pinned in bench/requirements-weasyprint.txt, installed into
     bench/.venv-weasyprint on first use) on that same report.html twice, measured the same way,
     and compares its two PDFs; then twice more with SOURCE_DATE_EPOCH set (the two at once, not
     timed) to see whether that makes its output reproducible;

and prints the table and the targets: at least 20x faster than WeasyPrint, under 256 MB peak,
byte-identical across runs. Our time is the whole process (snapshot, evaluation, HTML and PDF),
WeasyPrint's only HTML -> PDF, so the comparison does not favour us. Results also go to
out/bench/report_pdf.json.

    .venv/bin/python bench/report_pdf.py        (bench/run.sh calls it)
"""
import calendar
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

import pypdfium2 as pdfium

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(os.path.expanduser("~"), ".cache", "attest", "target"))
VENV = os.path.join(ROOT, "bench", ".venv-weasyprint")
REQUIREMENTS = os.path.join(ROOT, "bench", "requirements-weasyprint.txt")
OUT = os.path.join(ROOT, "out", "bench", "report")
CONTROLS = os.environ.get("BENCH_REPORT_CONTROLS", "200")
ROWS = os.environ.get("BENCH_REPORT_ROWS", "15000")
# The synthetic report's recorded time (shared/report-samples): what SOURCE_DATE_EPOCH should pin.
GENERATED_AT = "2026-12-01T06:00:00Z"

TARGET_SPEEDUP = 20.0
TARGET_PEAK_MB = 256.0


def ensure_weasyprint():
    """Create bench/.venv-weasyprint with the pinned WeasyPrint, once per requirements change."""
    with open(REQUIREMENTS, "rb") as f:
        wanted = hashlib.sha256(f.read()).hexdigest()
    marker = os.path.join(VENV, ".installed")
    if os.path.exists(marker) and open(marker).read().strip() == wanted:
        return
    print(f"installing {REQUIREMENTS} into {os.path.relpath(VENV, ROOT)} ...", flush=True)
    subprocess.check_call([sys.executable, "-m", "venv", VENV])
    # Keep the venv out of git without touching the repository's .gitignore.
    with open(os.path.join(VENV, ".gitignore"), "w") as f:
        f.write("*\n")
    pip = os.path.join(VENV, "bin", "pip")
    subprocess.check_call([pip, "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS])
    with open(marker, "w") as f:
        f.write(wanted + "\n")


def measure(cmd, env=None):
    """Run cmd; return (wall seconds, peak RSS in MB of that process, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{stderr[-4000:]}")
    # ru_maxrss is in kilobytes on Linux.
    return seconds, usage.ru_maxrss / 1024.0, stdout


def pages(path):
    doc = pdfium.PdfDocument(path)
    try:
        return len(doc)
    finally:
        doc.close()


def same_bytes(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def main():
    os.makedirs(OUT, exist_ok=True)
    subprocess.check_call(["cargo", "build", "--quiet", "--release", "-p", "attest-bench", "--bin", "report_scale"], cwd=ROOT)
    ensure_weasyprint()
    binary = os.path.join(TARGET, "release", "report_scale")
    weasyprint = os.path.join(VENV, "bin", "weasyprint")
    version = subprocess.check_output([weasyprint, "--version"]).decode().strip()

    # (a) ours, twice.
    ours = []
    for run in (1, 2):
        folder = os.path.join(OUT, f"attest-{run}")
        seconds, peak, stdout = measure([binary, folder, CONTROLS, ROWS])
        stages = json.loads(stdout.strip().splitlines()[-1])
        ours.append({"seconds": seconds, "peak_mb": peak, "stages": stages, "pdf": os.path.join(folder, "report.pdf")})
        print(f"attest run {run}: {seconds:.2f} s, {peak:.1f} MB peak; in-process: PDF {stages['pdf_seconds']:.2f} s, HTML {stages['html_seconds']:.2f} s", flush=True)
    ours_identical = same_bytes(ours[0]["pdf"], ours[1]["pdf"])
    ours_pages = pages(ours[0]["pdf"])
    html = os.path.join(OUT, "attest-1", "report.html")

    # (b) WeasyPrint on the same HTML, twice, without SOURCE_DATE_EPOCH.
    plain_env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    theirs = []
    for run in (1, 2):
        pdf = os.path.join(OUT, f"weasyprint-{run}.pdf")
        seconds, peak, _ = measure([weasyprint, html, pdf], env=plain_env)
        theirs.append({"seconds": seconds, "peak_mb": peak, "pdf": pdf})
        print(f"WeasyPrint run {run}: {seconds:.1f} s, {peak:.1f} MB peak", flush=True)
    theirs_identical = same_bytes(theirs[0]["pdf"], theirs[1]["pdf"])
    theirs_pages = pages(theirs[0]["pdf"])

    # WeasyPrint twice more with SOURCE_DATE_EPOCH, concurrently (identity only, not timed).
    epoch = str(calendar.timegm(time.strptime(GENERATED_AT, "%Y-%m-%dT%H:%M:%SZ")))
    sde_env = dict(plain_env, SOURCE_DATE_EPOCH=epoch)
    sde_pdfs = [os.path.join(OUT, f"weasyprint-sde-{run}.pdf") for run in (1, 2)]
    procs = [subprocess.Popen([weasyprint, html, pdf], env=sde_env, cwd=ROOT, stderr=subprocess.DEVNULL) for pdf in sde_pdfs]
    if any(p.wait() != 0 for p in procs):
        sys.exit("WeasyPrint with SOURCE_DATE_EPOCH failed")
    sde_identical = same_bytes(*sde_pdfs)
    print(f"WeasyPrint with SOURCE_DATE_EPOCH={epoch}: two runs {'identical' if sde_identical else 'differ'}", flush=True)

    ours_seconds = sum(r["seconds"] for r in ours) / 2
    theirs_seconds = sum(r["seconds"] for r in theirs) / 2
    ours_peak = max(r["peak_mb"] for r in ours)
    theirs_peak = max(r["peak_mb"] for r in theirs)
    speedup = theirs_seconds / ours_seconds

    def yes(flag):
        return "yes" if flag else "no"

    print()
    print(f"# report PDF at scale: synthetic {CONTROLS} controls, {ROWS} evidence rows; mean of 2 runs each, wall time per process")
    header = f"{'tool':<34} {'pages':>6} {'seconds':>9} {'peak MB':>9}  {'identical across runs':<34} {'speed-up vs WeasyPrint':>22}"
    print(header)
    print(f"{'attest (pdf-writer, report_scale)':<34} {ours_pages:>6} {ours_seconds:>9.2f} {ours_peak:>9.1f}  {yes(ours_identical):<34} {speedup:>21.1f}x")
    theirs_identity = f"{yes(theirs_identical)}; with SOURCE_DATE_EPOCH: {yes(sde_identical)}"
    print(f"{version:<34} {theirs_pages:>6} {theirs_seconds:>9.2f} {theirs_peak:>9.1f}  {theirs_identity:<34} {1.0:>21.1f}x")
    print()
    checks = [
        (f"at least {TARGET_SPEEDUP:g}x faster than WeasyPrint", f"{speedup:.1f}x", speedup >= TARGET_SPEEDUP),
        (f"peak memory under {TARGET_PEAK_MB:g} MB", f"{ours_peak:.1f} MB", ours_peak < TARGET_PEAK_MB),
        ("byte-identical across runs", yes(ours_identical), ours_identical),
    ]
    for name, value, met in checks:
        print(f"target: {name:<40} {value:>10}  {'met' if met else 'NOT MET'}")

    with open(os.path.join(ROOT, "out", "bench", "report_pdf.json"), "w") as f:
        json.dump({
            "controls": int(CONTROLS), "evidence_rows": int(ROWS),
            "attest": {"pages": ours_pages, "runs": [{k: v for k, v in r.items() if k != "pdf"} for r in ours], "identical": ours_identical},
            "weasyprint": {"version": version, "pages": theirs_pages, "runs": [{k: v for k, v in r.items() if k != "pdf"} for r in theirs],
                           "identical": theirs_identical, "identical_with_source_date_epoch": sde_identical},
            "speedup": speedup,
        }, f, indent=2)
    # Like the other benchmarks, a missed target is reported, not an error.
    return 0


if __name__ == "__main__":
    sys.exit(main())
