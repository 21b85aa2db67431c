//! Report rendering at scale (`bench/report_pdf.py` runs it): evaluates the synthetic snapshot of
//! `CONTROLS` controls and `ROWS` evidence rows (default 200 and 15,000), writes `report.html`
//! and `report.pdf` into `OUT_DIR`, and prints one JSON line with sizes and per-stage seconds.
//!
//! `report_scale OUT_DIR [CONTROLS ROWS]`; `--pdf-only` skips writing the HTML (for timing the PDF
//! alone).
use std::time::Instant;

use attest_report_samples as sample;
use attest_reports::evaluate::evaluate;
use attest_reports::render::{html, pdf};

fn main() {
    if let Err(e) = run() {
        eprintln!("report_scale: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let pdf_only = args.iter().any(|a| a == "--pdf-only");
    args.retain(|a| a != "--pdf-only");
    let out = std::path::PathBuf::from(
        args.first()
            .ok_or("usage: report_scale OUT_DIR [CONTROLS ROWS] [--pdf-only]")?,
    );
    let controls: usize = args.get(1).map_or(Ok(200), |v| v.parse())?;
    let rows: usize = args.get(2).map_or(Ok(15_000), |v| v.parse())?;
    std::fs::create_dir_all(&out)?;

    let start = Instant::now();
    let snapshot = sample::synthetic(controls, rows);
    let report = evaluate(&snapshot);
    let evaluated = start.elapsed().as_secs_f64();

    let mut html_seconds = 0.0;
    let mut html_bytes = 0;
    if !pdf_only {
        let t = Instant::now();
        let bytes = html::render(&report)?;
        html_seconds = t.elapsed().as_secs_f64();
        html_bytes = bytes.len();
        std::fs::write(out.join("report.html"), bytes)?;
    }

    let t = Instant::now();
    let bytes = pdf::render(&report)?;
    let pdf_seconds = t.elapsed().as_secs_f64();
    std::fs::write(out.join("report.pdf"), &bytes)?;

    println!(
        "{{\"controls\":{controls},\"evidence_rows\":{},\"snapshot_and_evaluate_seconds\":{evaluated:.3},\"html_seconds\":{html_seconds:.3},\"html_bytes\":{html_bytes},\"pdf_seconds\":{pdf_seconds:.3},\"pdf_bytes\":{},\"total_seconds\":{:.3}}}",
        snapshot.evidence.len(),
        bytes.len(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
