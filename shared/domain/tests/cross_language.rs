//! Attest's RFC 8785 bytes against an independent implementation in another language: Python's
//! `rfc8785` package (pinned in requirements-dev.txt), run by `scripts/check_rfc8785.py` over every
//! sample event's canonical form and every finding's evidence document.

use attest_domain::{canonical, normalize_event, Catalogue};

/// The pinned Python that `make test` exports. Unset means the check cannot run, which must fail
/// loudly rather than pass without checking anything.
fn attest_python() -> String {
    match std::env::var("ATTEST_PYTHON") {
        Ok(python) if !python.is_empty() => python,
        _ => panic!(
            "ATTEST_PYTHON is not set: run this test via `make test`, which creates .venv with \
             rfc8785 and exports ATTEST_PYTHON (or set ATTEST_PYTHON=$PWD/.venv/bin/python)"
        ),
    }
}

#[test]
fn every_sample_events_evidence_matches_pythons_rfc8785() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap();
    let catalogue = Catalogue::embedded().unwrap();
    let mut paths: Vec<_> = std::fs::read_dir(root.join("events"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 11, "only {} sample events", paths.len());
    let mut cases = String::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let event = normalize_event(&bytes, &catalogue).unwrap();
        let refused = event.refused.len();
        let evidence: Vec<String> = event
            .findings
            .into_iter()
            .map(|f| String::from_utf8(f.evidence.bytes).unwrap())
            .collect();
        let canonical = String::from_utf8(canonical::canonicalize_json(&bytes).unwrap()).unwrap();
        let case = serde_json::json!({"event": path, "canonical": canonical, "evidence": evidence, "refused": refused});
        cases.push_str(&case.to_string());
        cases.push('\n');
    }
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("rfc8785-cases.jsonl");
    std::fs::write(&file, cases).unwrap();

    let out = std::process::Command::new(attest_python())
        .arg(root.join("scripts/check_rfc8785.py"))
        .arg(&file)
        .output()
        .expect("run scripts/check_rfc8785.py");
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        report.contains(&format!(
            "{} events, 22 evidence documents, 0 mismatched",
            paths.len()
        )),
        "{report}"
    );
}
