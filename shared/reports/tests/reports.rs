//! Report logic on the sample events and on synthetic data: results, exceptions, gaps, and that
//! every output is byte-identical when rendered twice.

use attest_reports::evaluate::{evaluate, Standing};
use attest_reports::render::render_all;
use attest_reports::sample;
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
    for framework in ["PCI-DSS-3.2.1", "SOC2", "CIS-AWS-1.4", "HIPAA", "GDPR", "CIS-AWS-3.0"] {
        let report = evaluate(&sample::from_events(framework).unwrap());
        for x in &report.exceptions {
            let r = report
                .controls
                .iter()
                .flat_map(|c| &c.resources)
                .find(|r| r.state_id == x.state_id)
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
