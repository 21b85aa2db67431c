//! The printable report as PDF, written directly with `pdf-writer`: A4 pages, the DejaVu fonts
//! embedded (subset) with ToUnicode maps so text extracts, tables whose header rows repeat on every
//! page they continue onto, "Page N of M" on every page and bookmarks for each section and control.
//!
//! Byte-identical for the same report: no clock (the info dictionary's dates are the report's
//! `generated_at`), the document /ID is derived from the run id and template version, every
//! collection iterated is ordered, and streams are compressed with a fixed compression level.

mod font;
mod layout;

use pdf_writer::types::PageMode;
use pdf_writer::{Date, Filter, Finish, Pdf, Rect, Ref, Settings, TextStr};

use crate::error::ReportError;
use crate::evaluate::{percent, ControlOutcome, ControlResult, Report, Standing};
use font::{FontId, Fonts};
use layout::{
    Cell, Column, Composer, Laid, Rgb, Style, AMBER, CONTENT_WIDTH, GREEN, INK, MUTED, PAGE_HEIGHT,
    PAGE_WIDTH, PURPLE, RED,
};

/// The embedded font files, for [`super::template_version`].
pub const FONT_FILES: [&[u8]; 3] = [font::REGULAR_TTF, font::BOLD_TTF, font::MONO_TTF];

const TITLE: Style = Style::new(FontId::Bold, 22.0);
const SUBTITLE: Style = Style::new(FontId::Regular, 13.0);
const H1: Style = Style::new(FontId::Bold, 14.0);
const H2: Style = Style::new(FontId::Bold, 10.5);
const H3: Style = Style::new(FontId::Bold, 8.0);
const BODY: Style = Style::new(FontId::Regular, 8.5);
const NOTE: Style = Style::new(FontId::Regular, 7.5).color(MUTED);
const CELL: Style = Style::new(FontId::Regular, 6.5);
const CELL_BOLD: Style = Style::new(FontId::Bold, 6.5);
/// Hashes, keys and version ids: monospaced, so 32 hex digits always take the same width.
const CELL_MONO: Style = Style::new(FontId::Mono, 6.2);

fn fail(reason: impl Into<String>) -> ReportError {
    ReportError::Render {
        output: "report.pdf",
        reason: reason.into(),
    }
}

/// Deflate at a fixed level: same input, same bytes.
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Deflates each stream, spread over the available cores (compression is most of the time a
/// large report takes). Each stream is compressed on its own, so the bytes do not depend on the
/// number of threads, and the results come back in input order.
fn deflate_all(streams: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    let per_worker = streams.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = streams
            .chunks(per_worker)
            .map(|part| scope.spawn(move || part.iter().map(|s| deflate(s)).collect::<Vec<_>>()))
            .collect();
        let mut out = Vec::with_capacity(streams.len());
        for handle in handles {
            // Deflating bytes cannot fail; a panic there is a bug, passed on as one.
            out.extend(
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        out
    })
}

pub fn render(report: &Report) -> Result<Vec<u8>, ReportError> {
    let (start, end) = report.header.period.rfc3339_ends();
    let fonts = Fonts::load()?;
    let mut c = Composer::new(
        fonts,
        deflate_all,
        format!(
            "Attest compliance report · {} · {} to {}",
            report.framework.id, start, end
        ),
        format!("Run {}", report.header.run_id),
        format!(
            "Generated at {} · template {}",
            report.header.generated_at, report.header.template_version
        ),
    );
    cover(&mut c, report);
    summary(&mut c, report);
    non_compliant(&mut c, report);
    late_evidence(&mut c, report);
    exceptions(&mut c, report);
    c.page_break();
    c.heading("Controls", H1, Some(0), 60.0);
    for control in &report.controls {
        control_section(&mut c, control);
        audit_sample(&mut c, &report.header.run_id, control);
    }
    write(report, c.finish())
}

// ---- content ---------------------------------------------------------------------------------

/// `2026-11-05T12:34:56.789Z` as two lines (date, time) for narrow columns; anything else as is.
fn stamp(text: &str) -> String {
    match text.split_once('T') {
        Some((date, time)) if date.len() == 10 && !time.is_empty() => format!("{date}T\n{time}"),
        _ => text.to_string(),
    }
}

fn outcome_color(outcome: ControlOutcome) -> Rgb {
    match outcome {
        ControlOutcome::Pass => GREEN,
        ControlOutcome::Fail => RED,
        ControlOutcome::Partial => AMBER,
        ControlOutcome::NotAssessed => MUTED,
    }
}

fn standing_color(standing: Standing) -> Rgb {
    match standing {
        Standing::Pass => GREEN,
        Standing::Fail => RED,
        Standing::Exception => PURPLE,
        Standing::NotApplicable | Standing::NotAssessed | Standing::Archived => MUTED,
    }
}

fn cover(c: &mut Composer, report: &Report) {
    let (start, end) = report.header.period.rfc3339_ends();
    c.move_to_y(PAGE_HEIGHT - 150.0);
    c.heading("Compliance report", TITLE, Some(0), 120.0);
    c.space(4.0);
    c.paragraph(
        &format!("{} {}", report.framework.name, report.framework.version),
        SUBTITLE,
        0.0,
    );
    c.space(28.0);
    let s = &report.summary;
    let facts = [
        (
            "Framework",
            format!(
                "{} (id {}, version {})",
                report.framework.name, report.framework.id, report.framework.version
            ),
        ),
        ("Period", format!("{start} to {end} (end excluded)")),
        ("Generated at", report.header.generated_at.clone()),
        ("Run id", report.header.run_id.clone()),
        ("Catalogue version", report.header.catalogue_version.clone()),
        ("Template version", report.header.template_version.clone()),
        ("Report schema", report.schema.to_string()),
        ("Compliance rate", percent(s.compliance_rate_bp)),
        ("Coverage", percent(s.coverage_bp)),
    ];
    c.facts(&facts, BODY.bold(), BODY, 120.0);
    c.space(24.0);
    c.paragraph(
        "Every evidence object listed in this report is named by its S3 key, version id and \
         SHA-256. Download an object and run `attest hash FILE`: the printed hash must equal the \
         one listed here.",
        NOTE,
        0.0,
    );
    c.page_break();
}

fn counts_row(name: &str, counts: &crate::evaluate::Counts) -> Vec<Cell> {
    vec![
        Cell::new(name),
        Cell::new(counts.passed.to_string()),
        Cell::new(counts.failed.to_string()),
        Cell::new(counts.exceptions.to_string()),
        Cell::new(counts.not_assessed.to_string()),
        Cell::new(counts.not_applicable.to_string()),
    ]
}

fn counts_columns(first: &'static str) -> [Column; 6] {
    let n = (CONTENT_WIDTH - 171.0) / 5.0;
    [
        Column::new(first, 171.0, CELL),
        Column::new("Passed", n, CELL).right(),
        Column::new("Failed", n, CELL).right(),
        Column::new("Exceptions", n, CELL).right(),
        Column::new("Not assessed", n, CELL).right(),
        Column::new("Not applicable", n, CELL).right(),
    ]
}

fn summary(c: &mut Composer, report: &Report) {
    let s = &report.summary;
    c.heading("Summary", H1, Some(0), 120.0);
    let figures = [
        (
            "Compliance rate (passed / assessed controls)",
            percent(s.compliance_rate_bp),
        ),
        (
            "Coverage (assessed / in-scope controls)",
            percent(s.coverage_bp),
        ),
        ("Controls in scope", s.controls_in_scope.to_string()),
        ("Passed", s.passed.to_string()),
        ("Failed", s.failed.to_string()),
        ("Partial", s.partial.to_string()),
        ("Not assessed", s.not_assessed.to_string()),
        ("of which gaps (no evidence in period)", s.gaps.to_string()),
        ("Evidence items", s.evidence_items.to_string()),
        (
            "Exceptions in force / expired",
            format!("{} / {}", s.exceptions_in_force, s.exceptions_expired),
        ),
        ("Standings carried into the period", s.carried.to_string()),
        ("of which stale", s.stale.to_string()),
        (
            "Late evidence for earlier reports",
            s.late_evidence.to_string(),
        ),
    ];
    let columns = [
        Column::new("Figure", 230.0, CELL),
        Column::new("Value", 80.0, CELL_BOLD).right(),
    ];
    c.table(
        "Key figures",
        &columns,
        figures
            .iter()
            .map(|(name, value)| vec![Cell::new(*name), Cell::new(value.clone())]),
    );

    c.heading("Resources by standing", H2, Some(1), 40.0);
    c.table(
        "Resources by standing",
        &counts_columns("Resources"),
        [counts_row("All resources", &s.resources)],
    );
    c.heading("Resources by severity", H2, Some(1), 40.0);
    c.table(
        "Resources by severity",
        &counts_columns("Severity"),
        super::html::severities_in_rank_order(report)
            .into_iter()
            .map(|(name, counts)| counts_row(name, counts)),
    );
    c.heading("Resources by resource type", H2, Some(1), 40.0);
    c.table(
        "Resources by resource type",
        &counts_columns("Resource type"),
        s.by_resource_type
            .iter()
            .map(|(name, counts)| counts_row(name, counts)),
    );

    c.heading("Controls", H2, Some(1), 40.0);
    let columns = [
        Column::new("Control", 58.0, CELL_BOLD).chars().lines(2),
        Column::new("Title", 221.0, CELL).lines(2),
        Column::new("Outcome", 72.0, CELL_BOLD),
        Column::new("Pass", 40.0, CELL).right(),
        Column::new("Fail", 40.0, CELL).right(),
        Column::new("Exc.", 40.0, CELL).right(),
        Column::new("Evidence", CONTENT_WIDTH - 471.0, CELL).right(),
    ];
    c.table(
        "Controls",
        &columns,
        report.controls.iter().map(|x| {
            let outcome = if x.gap {
                Cell::styled("GAP", CELL_BOLD.color(RED))
            } else {
                Cell::styled(x.outcome.label(), CELL_BOLD.color(outcome_color(x.outcome)))
            };
            vec![
                Cell::new(x.control_id.clone()),
                Cell::new(x.title.clone()),
                outcome,
                Cell::new(x.counts.passed.to_string()),
                Cell::new(x.counts.failed.to_string()),
                Cell::new(x.counts.exceptions.to_string()),
                Cell::new(x.evidence.len().to_string()),
            ]
        }),
    );
}

fn non_compliant(c: &mut Composer, report: &Report) {
    c.page_break();
    c.heading("Non-compliant resources", H1, Some(0), 60.0);
    if report.non_compliant.is_empty() {
        c.paragraph("None.", BODY, 0.0);
        return;
    }
    c.paragraph(
        &format!(
            "{} resources fail at the end of the period, most severe first, then longest-standing.",
            report.non_compliant.len()
        ),
        BODY,
        0.0,
    );
    c.space(4.0);
    let columns = [
        Column::new("Severity", 60.0, CELL),
        Column::new("Resource type", 84.0, CELL),
        Column::new("Resource id", 84.0, CELL),
        Column::new("Account, region", 57.0, CELL),
        Column::new("Rule", CONTENT_WIDTH - 397.0, CELL),
        Column::new("First detected", 56.0, CELL),
        Column::new("Last observed", 56.0, CELL),
    ];
    c.table(
        "Non-compliant resources",
        &columns,
        report.non_compliant.iter().map(|r| {
            vec![
                Cell::new(r.evaluation.severity.as_str()),
                Cell::new(r.evaluation.subject.resource_type.clone()),
                Cell::new(r.evaluation.subject.resource_id.clone()),
                Cell::new(format!(
                    "{}\n{}",
                    r.evaluation.subject.account, r.evaluation.subject.region
                )),
                Cell::new(r.evaluation.subject.rule_id.clone()),
                Cell::new(stamp(r.first_detected.as_deref().unwrap_or(""))),
                Cell::new(stamp(&r.observed_at)),
            ]
        }),
    );
}

fn late_evidence(c: &mut Composer, report: &Report) {
    c.heading("Late evidence", H1, Some(0), 60.0);
    if report.late_evidence.is_empty() {
        c.paragraph("None.", BODY, 0.0);
        return;
    }
    c.paragraph(
        "Evaluations observed in an earlier report's period that arrived after that report was \
         published; `attest report FRAMEWORK --amend RUN_ID` re-issues that period with them.",
        BODY,
        0.0,
    );
    c.space(4.0);
    c.table(
        "Late evidence",
        &evidence_columns("Missed by run"),
        report.late_evidence.iter().map(|e| {
            vec![
                Cell::new(stamp(&e.observed_at)),
                Cell::new(e.summary.clone()),
                Cell::new(e.key.clone()),
                Cell::new(e.late_for.clone().unwrap_or_default()),
                Cell::new(e.sha256.clone()),
            ]
        }),
    );
}

/// Observed at, summary, key, a fourth column, SHA-256: the evidence tables' layout.
fn evidence_columns(fourth: &'static str) -> [Column; 5] {
    [
        Column::new("Observed at", 56.0, CELL),
        Column::new("Summary", CONTENT_WIDTH - 394.0, CELL).lines(4),
        // 37 monospaced characters a line: a 109-character evidence key takes three lines.
        Column::new("Key", 144.0, CELL_MONO).chars().lines(4),
        Column::new(fourth, 69.0, CELL_MONO).chars().lines(4),
        // 32 hex digits a line: a SHA-256 always takes exactly two.
        Column::new("SHA-256", 125.0, CELL_MONO).chars().lines(2),
    ]
}

fn exceptions(c: &mut Composer, report: &Report) {
    c.heading("Exceptions register", H1, Some(0), 60.0);
    if report.exceptions.is_empty() {
        c.paragraph("None.", BODY, 0.0);
        return;
    }
    c.paragraph(
        "Accepted exceptions count as neither pass nor fail while in force; an expired exception \
         counts as a failure.",
        BODY,
        0.0,
    );
    c.space(4.0);
    let columns = [
        Column::new("Id", 58.0, CELL_BOLD),
        Column::new("Owner", 70.0, CELL),
        Column::new("Rationale", 118.0, CELL).lines(4),
        Column::new("Expires", 55.0, CELL),
        Column::new("State", 44.0, CELL_BOLD),
        Column::new("Rule", 76.0, CELL),
        Column::new("Resource, controls", CONTENT_WIDTH - 421.0, CELL).lines(4),
    ];
    c.table(
        "Exceptions register",
        &columns,
        report.exceptions.iter().map(|x| {
            let state = if x.state == "IN_FORCE" {
                Cell::styled("IN FORCE", CELL_BOLD.color(PURPLE))
            } else {
                Cell::styled(x.state.replace('_', " "), CELL_BOLD.color(RED))
            };
            vec![
                Cell::new(x.id.clone()),
                Cell::new(x.owner.clone()),
                Cell::new(x.rationale.clone()),
                Cell::new(stamp(&x.expires)),
                state,
                Cell::new(x.rule_id.clone()),
                Cell::new(format!("{}\n{}", x.resource_id, x.controls.join(", "))),
            ]
        }),
    );
}

fn control_section(c: &mut Composer, control: &ControlResult) {
    c.space(8.0);
    c.heading(
        &format!("{} {}", control.control_id, control.title),
        H2,
        Some(1),
        70.0,
    );
    c.paragraph(
        &format!("Outcome: {}", control.outcome.label()),
        BODY.bold().color(outcome_color(control.outcome)),
        0.0,
    );
    if control.gap {
        c.boxed("GAP: no evidence in period", BODY.bold().color(RED), RED);
    }
    let k = &control.counts;
    c.paragraph(
        &format!(
            "Resources: {} passed, {} failed, {} exceptions, {} not assessed, {} not applicable. \
             Evidence items: {}.",
            k.passed,
            k.failed,
            k.exceptions,
            k.not_assessed,
            k.not_applicable,
            control.evidence.len()
        ),
        NOTE,
        0.0,
    );
    if !control.resources.is_empty() {
        c.space(3.0);
        c.heading("Resources", H3, None, 30.0);
        let columns = [
            Column::new("Standing", 58.0, CELL_BOLD),
            Column::new("Severity", 60.0, CELL),
            Column::new("Resource", 110.0, CELL),
            Column::new("Account, region", 57.0, CELL),
            Column::new("Rule, status", CONTENT_WIDTH - 397.0, CELL),
            Column::new("Observed at", 56.0, CELL).lines(4),
            Column::new("First detected", 56.0, CELL),
        ];
        c.table(
            &format!("Resources for {}", control.control_id),
            &columns,
            control.resources.iter().map(|r| {
                let standing = match &r.exception {
                    Some(id) => format!("{}\n{id}", r.standing.label()),
                    None => r.standing.label().to_string(),
                };
                vec![
                    Cell::styled(standing, CELL_BOLD.color(standing_color(r.standing))),
                    Cell::new(r.evaluation.severity.as_str()),
                    Cell::new(format!(
                        "{}\n{}",
                        r.evaluation.subject.resource_type, r.evaluation.subject.resource_id
                    )),
                    Cell::new(format!(
                        "{}\n{}",
                        r.evaluation.subject.account, r.evaluation.subject.region
                    )),
                    Cell::new(format!(
                        "{}\n{}",
                        r.evaluation.subject.rule_id,
                        r.evaluation.status.as_str()
                    )),
                    Cell::new(observed(r)),
                    Cell::new(stamp(r.first_detected.as_deref().unwrap_or(""))),
                ]
            }),
        );
    }
    if !control.remediation.is_empty() {
        c.heading("Remediation", H3, None, 20.0);
        for note in &control.remediation {
            c.bullet(note, NOTE.color(INK));
        }
        c.space(4.0);
    }
    c.heading("Evidence", H3, None, 30.0);
    if control.evidence.is_empty() {
        c.paragraph("No evidence in the period.", NOTE, 0.0);
        return;
    }
    c.table(
        &format!("Evidence for {}", control.control_id),
        &evidence_columns("Version id"),
        control.evidence.iter().map(|e| {
            let when = match (&e.late_for, e.before_period) {
                (Some(_), _) => format!("{}\nlate", stamp(&e.observed_at)),
                (None, true) => format!("{}\ncarried", stamp(&e.observed_at)),
                (None, false) => stamp(&e.observed_at),
            };
            vec![
                Cell::new(when),
                Cell::new(e.summary.clone()),
                Cell::new(e.key.clone()),
                Cell::new(e.version_id.clone().unwrap_or_else(|| "none".to_string())),
                Cell::new(e.sha256.clone()),
            ]
        }),
    );
}

/// A resource's observation time, marked when carried into the period (with its age) or stale.
fn observed(r: &crate::evaluate::ResourceResult) -> String {
    let mut text = stamp(&r.observed_at);
    if r.carried {
        text.push_str(&format!("\ncarried, {} d", r.evidence_age_days));
    }
    if r.stale {
        text.push_str("\nSTALE");
    }
    text
}

fn audit_sample(c: &mut Composer, report_run: &str, control: &ControlResult) {
    if control.sample.items.is_empty() {
        return;
    }
    c.heading("Audit sample", H3, None, 30.0);
    c.paragraph(
        &format!(
            "{} of {} evidence items, drawn by the smallest SHA-256 of {report_run}|{}|SHA-256.",
            control.sample.items.len(),
            control.sample.population,
            control.control_id
        ),
        NOTE,
        0.0,
    );
    let columns = [
        Column::new("#", 20.0, CELL).right(),
        Column::new("Key", CONTENT_WIDTH - 145.0, CELL_MONO)
            .chars()
            .lines(4),
        Column::new("SHA-256", 125.0, CELL_MONO).chars().lines(2),
    ];
    c.table(
        &format!("Audit sample for {}", control.control_id),
        &columns,
        control.sample.items.iter().enumerate().map(|(i, e)| {
            vec![
                Cell::new((i + 1).to_string()),
                Cell::new(e.key.clone()),
                Cell::new(e.sha256.clone()),
            ]
        }),
    );
}

// ---- PDF objects -----------------------------------------------------------------------------

/// `2026-12-01T06:00:00Z` (or with fractional seconds) as a PDF date; `None` if not in that form.
fn pdf_date(text: &str) -> Option<Date> {
    let field = |range: std::ops::Range<usize>| text.get(range)?.parse::<u16>().ok();
    let year = field(0..4)?;
    let part = |range| field(range).and_then(|v| u8::try_from(v).ok());
    Some(
        Date::new(year)
            .month(part(5..7)?)
            .day(part(8..10)?)
            .hour(part(11..13)?)
            .minute(part(14..16)?)
            .second(part(17..19)?)
            .utc_offset_hour(0),
    )
}

fn write(report: &Report, laid: Laid) -> Result<Vec<u8>, ReportError> {
    let (start, end) = report.header.period.rfc3339_ends();
    let Laid {
        pages,
        fonts,
        outline,
    } = laid;
    let mut next_id = 0;
    let mut alloc = || {
        next_id += 1;
        Ref::new(next_id)
    };
    let catalog_ref = alloc();
    let tree_ref = alloc();
    let info_ref = alloc();
    let outline_ref = alloc();
    let font_refs: Vec<[Ref; 5]> = FontId::ALL
        .iter()
        .map(|_| [alloc(), alloc(), alloc(), alloc(), alloc()])
        .collect();
    let page_refs: Vec<(Ref, Ref, Ref)> =
        pages.iter().map(|_| (alloc(), alloc(), alloc())).collect();
    let item_refs: Vec<Ref> = outline.iter().map(|_| alloc()).collect();

    let mut pdf = Pdf::with_settings_and_capacity(Settings { pretty: false }, 1 << 20);
    for ((_, font), refs) in fonts.iter().zip(&font_refs) {
        font.write(&mut pdf, *refs)?;
    }

    pdf.pages(tree_ref)
        .kids(page_refs.iter().map(|(page, _, _)| *page))
        .count(i32::try_from(page_refs.len()).map_err(|_| fail("too many pages"))?);
    for (streams, (page_ref, body_ref, footer_ref)) in pages.into_iter().zip(&page_refs) {
        let mut page = pdf.page(*page_ref);
        page.parent(tree_ref)
            .media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .contents_array([*body_ref, *footer_ref]);
        let mut resources = page.resources();
        let mut dict = resources.fonts();
        for (id, refs) in FontId::ALL.iter().zip(&font_refs) {
            dict.pair(id.resource_name(), refs[0]);
        }
        dict.finish();
        resources.finish();
        page.finish();
        pdf.stream(*body_ref, &streams.body)
            .filter(Filter::FlateDecode);
        pdf.stream(*footer_ref, &streams.footer)
            .filter(Filter::FlateDecode);
    }

    write_outline(&mut pdf, outline_ref, &outline, &item_refs, &page_refs);

    let title = format!(
        "Compliance report: {} {}, {} to {}",
        report.framework.name, report.framework.version, start, end
    );
    let mut info = pdf.document_info(info_ref);
    info.title(TextStr(&title))
        .subject(TextStr(&format!("Run {}", report.header.run_id)))
        .creator(TextStr("Attest"))
        .producer(TextStr("Attest (pdf-writer)"));
    if let Some(date) = pdf_date(&report.header.generated_at) {
        info.creation_date(date).modified_date(date);
    }
    info.finish();

    let mut catalog = pdf.catalog(catalog_ref);
    catalog.pages(tree_ref).page_mode(PageMode::UseOutlines);
    if !outline.is_empty() {
        catalog.outlines(outline_ref);
    }
    catalog.finish();

    // Derived from what identifies the report, so re-rendering gives the same ID.
    let digest = attest_domain::canonical::sha256_hex(
        format!(
            "{}|{}|report.pdf",
            report.header.run_id, report.header.template_version
        )
        .as_bytes(),
    );
    let id = digest.as_bytes()[..32].to_vec();
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

/// Bookmarks: top-level sections, controls under "Controls", control subsections under each.
fn write_outline(
    pdf: &mut Pdf,
    outline_ref: Ref,
    entries: &[layout::OutlineEntry],
    refs: &[Ref],
    pages: &[(Ref, Ref, Ref)],
) {
    if entries.is_empty() {
        return;
    }
    // Parent of each entry: the nearest earlier entry one level up.
    let parents: Vec<Option<usize>> = (0..entries.len())
        .map(|i| (0..i).rev().find(|&j| entries[j].level < entries[i].level))
        .collect();
    // Children of each entry; the last slot holds the top-level entries.
    let root = entries.len();
    let mut siblings_of: Vec<Vec<usize>> = vec![Vec::new(); entries.len() + 1];
    for (i, p) in parents.iter().enumerate() {
        siblings_of[p.unwrap_or(root)].push(i);
    }
    let top = &siblings_of[root];
    let mut outline = pdf.outline(outline_ref);
    if let (Some(first), Some(last)) = (top.first(), top.last()) {
        outline.first(refs[*first]).last(refs[*last]);
    }
    outline.count(top.len() as i32);
    outline.finish();

    for (i, entry) in entries.iter().enumerate() {
        let group = &siblings_of[parents[i].unwrap_or(root)];
        let position = group.iter().position(|&j| j == i).unwrap_or(0);
        let kids = &siblings_of[i];
        let mut item = pdf.outline_item(refs[i]);
        item.title(TextStr(&entry.title));
        item.parent(parents[i].map_or(outline_ref, |p| refs[p]));
        if position > 0 {
            item.prev(refs[group[position - 1]]);
        }
        if let Some(&next) = group.get(position + 1) {
            item.next(refs[next]);
        }
        if let (Some(first), Some(last)) = (kids.first(), kids.last()) {
            // Negative count: closed, so 200 controls do not flood the bookmarks panel.
            item.first(refs[*first])
                .last(refs[*last])
                .count(-(kids.len() as i32));
        }
        if let Some((page, _, _)) = pages.get(entry.page) {
            item.dest().page(*page).xyz(0.0, entry.top, None);
        }
    }
}
