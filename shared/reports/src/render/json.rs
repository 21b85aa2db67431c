//! The machine-readable report: the [`Report`] in RFC 8785 canonical form.

use crate::error::ReportError;
use crate::evaluate::Report;

pub fn render(report: &Report) -> Result<Vec<u8>, ReportError> {
    attest_domain::canonical::to_vec(report).map_err(|e| ReportError::Render {
        output: "report.json",
        reason: e.to_string(),
    })
}
