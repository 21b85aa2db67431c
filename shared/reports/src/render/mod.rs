//! Every output of a report, rendered from the snapshot alone. Output order, names and bytes are
//! fixed for a given snapshot and [`template_version`]: no clock, no randomness, no hash-map order.

pub mod csv;
pub mod html;
pub mod json;
pub mod ocsf;
pub mod oscal;
pub mod pdf;

use crate::error::ReportError;
use crate::evaluate::{evaluate, Report};
use crate::snapshot::Snapshot;

/// Bump when the layout code of any renderer changes in a way that changes bytes. Templates are
/// covered by their content hash (see [`template_version`]); this covers the code around them.
pub const RENDERER_REVISION: &str = "renderers-1";

/// Everything whose change changes output bytes for the same snapshot: the renderer revision and
/// the content of each template and embedded font. Recorded in the snapshot and the manifest.
pub fn template_version() -> String {
    let mut material: Vec<u8> = Vec::new();
    material.extend_from_slice(RENDERER_REVISION.as_bytes());
    for part in template_parts() {
        material.push(0);
        material.extend_from_slice(part);
    }
    let digest = attest_domain::canonical::sha256_hex(&material);
    format!("sha256:{}", &digest[..16])
}

fn template_parts() -> Vec<&'static [u8]> {
    let mut parts: Vec<&'static [u8]> = vec![html::TEMPLATE.as_bytes()];
    parts.extend(pdf::FONT_FILES);
    parts
}

/// One rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// File name inside the bundle, e.g. `report.pdf`.
    pub name: &'static str,
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Render every output, in bundle order. Refuses a snapshot pinned to another template version:
/// re-rendering it here would not reproduce its bytes.
pub fn render_all(snapshot: &Snapshot) -> Result<Vec<Output>, ReportError> {
    let ours = template_version();
    if snapshot.header.template_version != ours {
        return Err(ReportError::BadSnapshot(format!(
            "pinned to template version {} but this build renders {ours}",
            snapshot.header.template_version
        )));
    }
    let report = evaluate(snapshot);
    render_report(snapshot, &report)
}

pub fn render_report(snapshot: &Snapshot, report: &Report) -> Result<Vec<Output>, ReportError> {
    Ok(vec![
        Output {
            name: "report.json",
            media_type: "application/json",
            bytes: json::render(report)?,
        },
        Output {
            name: "report.csv",
            media_type: "text/csv",
            bytes: csv::render(report)?,
        },
        Output {
            name: "report.html",
            media_type: "text/html",
            bytes: html::render(report)?,
        },
        Output {
            name: "report.pdf",
            media_type: "application/pdf",
            bytes: pdf::render(report)?,
        },
        Output {
            name: oscal::OUTPUT,
            media_type: "application/json",
            bytes: oscal::render(snapshot, report)?,
        },
        Output {
            name: ocsf::OUTPUT,
            media_type: "application/x-ndjson",
            bytes: ocsf::render(report)?,
        },
    ])
}
