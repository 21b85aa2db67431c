//! One CSV row per (control, resource), plus one row for each control without resources, so a
//! spreadsheet user sees gaps and not-assessed controls as rows rather than as absences.

use crate::error::ReportError;
use crate::evaluate::Report;

const HEADER: [&str; 20] = [
    "framework",
    "control_id",
    "control_title",
    "control_outcome",
    "gap",
    "account",
    "region",
    "resource_type",
    "resource_id",
    "rule_id",
    "status",
    "standing",
    "severity",
    "observed_at",
    "first_detected",
    "exception",
    "carried",
    "evidence_age_days",
    "stale",
    // 1-based position of the resource's evidence in the control's audit sample, if drawn.
    "audit_sample",
];

fn fail(e: impl std::fmt::Display) -> ReportError {
    ReportError::Render {
        output: "report.csv",
        reason: e.to_string(),
    }
}

pub fn render(report: &Report) -> Result<Vec<u8>, ReportError> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(HEADER).map_err(fail)?;
    for control in &report.controls {
        let lead = [
            report.framework.id.as_str(),
            control.control_id.as_str(),
            control.title.as_str(),
            control.outcome.label(),
            if control.gap { "true" } else { "false" },
        ];
        if control.resources.is_empty() {
            let mut row: Vec<&str> = lead.to_vec();
            row.extend(std::iter::repeat_n("", HEADER.len() - lead.len()));
            out.write_record(&row).map_err(fail)?;
        }
        for r in &control.resources {
            let age = r.evidence_age_days.to_string();
            let drawn = control
                .sample
                .items
                .iter()
                .position(|s| s.sha256 == r.evidence_sha256)
                .map(|i| (i + 1).to_string())
                .unwrap_or_default();
            let mut row: Vec<&str> = lead.to_vec();
            row.extend([
                r.evaluation.subject.account.as_str(),
                r.evaluation.subject.region.as_str(),
                r.evaluation.subject.resource_type.as_str(),
                r.evaluation.subject.resource_id.as_str(),
                r.evaluation.subject.rule_id.as_str(),
                r.evaluation.status.as_str(),
                r.standing.label(),
                r.evaluation.severity.as_str(),
                r.observed_at.as_str(),
                r.first_detected.as_deref().unwrap_or(""),
                r.exception.as_deref().unwrap_or(""),
                if r.carried { "true" } else { "false" },
                age.as_str(),
                if r.stale { "true" } else { "false" },
                drawn.as_str(),
            ]);
            out.write_record(&row).map_err(fail)?;
        }
    }
    out.into_inner().map_err(fail)
}
