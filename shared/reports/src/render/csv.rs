//! One CSV row per (control, resource), plus one row for each control without resources, so a
//! spreadsheet user sees gaps and not-assessed controls as rows rather than as absences.
//!
//! Text that came from outside (titles, accounts, regions, resource and rule ids, exception
//! reasons) is written through [`text_cell`]: a cell a spreadsheet would read as a formula gets a
//! leading `'`, as OWASP's CSV injection guidance recommends. Only this file's cells change: the
//! JSON report, the evidence and the snapshot keep the original strings.

use std::borrow::Cow;

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

/// First characters that make Excel, LibreOffice Calc or Google Sheets treat a cell as a formula
/// (OWASP, "CSV Injection": `=`, `+`, `-`, `@`, tab and carriage return).
const FORMULA_TRIGGERS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A free-text cell, neutralised if a spreadsheet would evaluate it.
fn text_cell(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

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
            text_cell(&report.framework.id),
            text_cell(&control.control_id),
            text_cell(&control.title),
            Cow::Borrowed(control.outcome.label()),
            Cow::Borrowed(if control.gap { "true" } else { "false" }),
        ];
        if control.resources.is_empty() {
            let mut row: Vec<Cow<str>> = lead.to_vec();
            row.extend(std::iter::repeat_n(
                Cow::Borrowed(""),
                HEADER.len() - lead.len(),
            ));
            out.write_record(row.iter().map(|c| c.as_bytes()))
                .map_err(fail)?;
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
            let subject = &r.evaluation.subject;
            let mut row: Vec<Cow<str>> = lead.to_vec();
            row.extend([
                text_cell(&subject.account),
                text_cell(&subject.region),
                text_cell(&subject.resource_type),
                text_cell(&subject.resource_id),
                text_cell(&subject.rule_id),
                Cow::Borrowed(r.evaluation.status.as_str()),
                Cow::Borrowed(r.standing.label()),
                Cow::Borrowed(r.evaluation.severity.as_str()),
                text_cell(&r.observed_at),
                text_cell(r.first_detected.as_deref().unwrap_or("")),
                text_cell(r.exception.as_deref().unwrap_or("")),
                Cow::Borrowed(if r.carried { "true" } else { "false" }),
                Cow::Borrowed(age.as_str()),
                Cow::Borrowed(if r.stale { "true" } else { "false" }),
                Cow::Borrowed(drawn.as_str()),
            ]);
            out.write_record(row.iter().map(|c| c.as_bytes()))
                .map_err(fail)?;
        }
    }
    out.into_inner().map_err(fail)
}
