//! The human-readable report as one self-contained HTML page (inline CSS, no scripts, no external
//! resources), from the Jinja template `templates/report.html.j2`. It is print-friendly too: page
//! size, margins, running header and "Page N of M" are in its `@page` rules.
//!
//! HTML auto-escaping is forced on (not left to the template's file name), so evidence text such as
//! a resource id `<script>` is shown, never interpreted. Bytes depend only on the report: the
//! report's collections are already ordered and the template reads no clock.

use attest_domain::Severity;
use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{context, AutoEscape, Environment, UndefinedBehavior, Value};

use crate::error::ReportError;
use crate::evaluate::{percent, Counts, Report};

pub const TEMPLATE_NAME: &str = "report.html.j2";
/// The template source; part of [`super::template_version`].
pub const TEMPLATE: &str = include_str!("../../templates/report.html.j2");

fn fail(e: impl std::fmt::Display) -> ReportError {
    ReportError::Render {
        output: "report.html",
        reason: e.to_string(),
    }
}

fn environment() -> Result<Environment<'static>, ReportError> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // A misspelt field must fail the render rather than print as an empty cell; `x.opt or ""`
    // stays allowed for the report's optional fields.
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_syntax(
        SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()
            .map_err(fail)?,
    );
    env.add_filter("percent", percent);
    // `NOT_ASSESSED` (the serialised enum) -> `NOT ASSESSED` (its label).
    env.add_filter("label", |value: String| value.replace('_', " "));
    env.add_filter("stamp", stamp);
    env.add_template(TEMPLATE_NAME, TEMPLATE).map_err(fail)?;
    Ok(env)
}

/// Minimal HTML escaping, for the one filter that builds markup itself.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

/// A timestamp that may break after its `T` in a narrow column (`2026-11-05T` / `12:34:56Z`)
/// rather than anywhere inside it.
fn stamp(text: String) -> Value {
    let html = match text.split_once('T') {
        Some((date, time)) => format!("{}T<wbr>{}", escape(date), escape(time)),
        None => escape(&text),
    };
    Value::from_safe_string(html)
}

/// Severities most severe first, as `[name, counts]` pairs.
pub(crate) fn severities_in_rank_order(report: &Report) -> Vec<(&'static str, &Counts)> {
    let mut rows: Vec<(Severity, &Counts)> = report
        .summary
        .by_severity
        .iter()
        .map(|(severity, counts)| (*severity, counts))
        .collect();
    rows.sort_by_key(|(severity, _)| severity.rank());
    rows.into_iter()
        .map(|(severity, counts)| (severity.as_str(), counts))
        .collect()
}

pub fn render(report: &Report) -> Result<Vec<u8>, ReportError> {
    let env = environment()?;
    let template = env.get_template(TEMPLATE_NAME).map_err(fail)?;
    let html = template
        .render(context! {
            report => Value::from(Serde(report)),
            by_severity => Value::from(Serde(severities_in_rank_order(report))),
        })
        .map_err(fail)?;
    Ok(html.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::evaluate;
    use crate::sample;

    #[test]
    fn evidence_text_is_escaped_not_interpreted() {
        let mut snapshot = sample::synthetic(3, 20);
        for item in &mut snapshot.evidence {
            // Timestamps go through the one filter that writes markup itself.
            item.observed_at = format!("{}<b>bold</b>", item.observed_at);
            if let Some(e) = &mut item.evaluation {
                e.subject.resource_id = "<script>alert(1)</script>".to_string();
            }
        }
        let html = String::from_utf8(render(&evaluate(&snapshot)).unwrap()).unwrap();
        assert!(
            !html.contains("<script>"),
            "a resource id was written as markup"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;"),
            "escaped text missing"
        );
        assert!(!html.contains("<b>"), "a timestamp was written as markup");
        assert!(html.contains("&lt;b&gt;bold"), "escaped timestamp missing");
    }

    #[test]
    fn page_carries_cover_summary_gap_and_evidence_hashes() {
        let snapshot = sample::from_events("PCI-DSS-3.2.1").unwrap();
        let report = evaluate(&snapshot);
        let html = String::from_utf8(render(&report).unwrap()).unwrap();
        for needle in [
            report.framework.name.as_str(),
            report.header.run_id.as_str(),
            report.header.generated_at.as_str(),
            report.header.catalogue_version.as_str(),
            report.header.template_version.as_str(),
            "GAP: no evidence in period",
            "Exceptions register",
            "EXC-2026-002",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(html.contains(&percent(report.summary.compliance_rate_bp)));
        for c in &report.controls {
            for e in &c.evidence {
                assert!(html.contains(&e.sha256), "missing hash of {}", e.key);
            }
        }
        // Self-contained: nothing fetched when the page is opened or printed.
        for external in ["src=", "<link", "url(", "@import", "<script"] {
            assert!(
                !html.contains(external),
                "external resource marker {external}"
            );
        }
    }
}
