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
pub const RENDERER_REVISION: &str = "renderers-3";

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

/// One output of the bundle: its file name, media type and renderer. Publishing renders and
/// stores them one at a time, so no more than one output is held in memory.
#[derive(Clone, Copy)]
pub struct OutputSpec {
    pub name: &'static str,
    pub media_type: &'static str,
    renderer: fn(&Snapshot, &Report) -> Result<Vec<u8>, ReportError>,
}

impl OutputSpec {
    pub fn render(&self, snapshot: &Snapshot, report: &Report) -> Result<Output, ReportError> {
        Ok(Output {
            name: self.name,
            media_type: self.media_type,
            bytes: (self.renderer)(snapshot, report)?,
        })
    }
}

/// Every output, in bundle order.
pub const OUTPUTS: [OutputSpec; 6] = [
    OutputSpec {
        name: "report.json",
        media_type: "application/json",
        renderer: |_, report| json::render(report),
    },
    OutputSpec {
        name: "report.csv",
        media_type: "text/csv",
        renderer: |_, report| csv::render(report),
    },
    OutputSpec {
        name: "report.html",
        media_type: "text/html",
        renderer: |_, report| html::render(report),
    },
    OutputSpec {
        name: "report.pdf",
        media_type: "application/pdf",
        renderer: |_, report| pdf::render(report),
    },
    OutputSpec {
        name: oscal::OUTPUT,
        media_type: "application/json",
        renderer: oscal::render,
    },
    OutputSpec {
        name: ocsf::OUTPUT,
        media_type: "application/x-ndjson",
        renderer: |_, report| ocsf::render(report),
    },
];

/// Refuses a snapshot pinned to another template version: re-rendering it here would not
/// reproduce its bytes.
pub fn check_template_version(snapshot: &Snapshot) -> Result<(), ReportError> {
    let ours = template_version();
    if snapshot.header.template_version != ours {
        return Err(ReportError::BadSnapshot(format!(
            "pinned to template version {} but this build renders {ours}",
            snapshot.header.template_version
        )));
    }
    Ok(())
}

/// Render every output, in bundle order (see [`check_template_version`]).
pub fn render_all(snapshot: &Snapshot) -> Result<Vec<Output>, ReportError> {
    check_template_version(snapshot)?;
    let report = evaluate(snapshot);
    render_report(snapshot, &report)
}

pub fn render_report(snapshot: &Snapshot, report: &Report) -> Result<Vec<Output>, ReportError> {
    OUTPUTS
        .iter()
        .map(|spec| spec.render(snapshot, report))
        .collect()
}
