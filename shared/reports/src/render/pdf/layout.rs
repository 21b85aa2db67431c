//! Page composition: a cursor running down A4 pages, text wrapped to a width (cut with an ellipsis
//! past a line limit, so nothing ever overflows its column or the page), tables whose header row is
//! repeated on every page they continue onto, and the running header and "Page N of M" footer.
//!
//! Pages are created lazily (only when something is drawn on them), so a break at the end of a
//! page never leaves an empty page behind.

use pdf_writer::{Content, Settings, Str};

use super::font::{FontId, Fonts};

/// A4 portrait, in points.
pub const PAGE_WIDTH: f32 = 595.276;
pub const PAGE_HEIGHT: f32 = 841.89;
pub const MARGIN_X: f32 = 42.0;
pub const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;
/// Body text stays between these; the running header and footer sit outside them but well clear
/// of the paper edge (printers clip the outer quarter inch).
const BODY_TOP: f32 = PAGE_HEIGHT - 50.0;
const BODY_BOTTOM: f32 = 46.0;
const HEADER_BASELINE: f32 = PAGE_HEIGHT - 32.0;
const FOOTER_BASELINE: f32 = 28.0;

const CELL_PAD_X: f32 = 2.5;
const CELL_PAD_Y: f32 = 1.8;
/// Line pitch inside table cells.
pub const TABLE_LINE: f32 = 7.7;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

pub const INK: Rgb = Rgb(0.07, 0.07, 0.07);
pub const MUTED: Rgb = Rgb(0.36, 0.36, 0.38);
pub const GREEN: Rgb = Rgb(0.09, 0.40, 0.17);
pub const RED: Rgb = Rgb(0.64, 0.08, 0.08);
pub const AMBER: Rgb = Rgb(0.54, 0.35, 0.0);
pub const PURPLE: Rgb = Rgb(0.42, 0.24, 0.60);
const RULE: Rgb = Rgb(0.78, 0.79, 0.81);
const HEADER_FILL: Rgb = Rgb(0.90, 0.92, 0.94);
const STRIPE_FILL: Rgb = Rgb(0.965, 0.968, 0.975);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Style {
    pub font: FontId,
    pub size: f32,
    pub color: Rgb,
}

impl Style {
    pub const fn new(font: FontId, size: f32) -> Self {
        Style {
            font,
            size,
            color: INK,
        }
    }

    pub const fn color(self, color: Rgb) -> Self {
        Style { color, ..self }
    }

    pub const fn bold(self) -> Self {
        Style {
            font: FontId::Bold,
            ..self
        }
    }

    fn leading(self) -> f32 {
        self.size * 1.3
    }
}

/// How a cell's text may be broken across lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    /// At spaces, then after punctuation such as `/`, `-`, `:`; anywhere only as a last resort.
    Words,
    /// Anywhere, filling each line: for hashes, keys and ids, where a break at punctuation only
    /// adds lines.
    Chars,
}

pub struct Column {
    pub title: &'static str,
    pub width: f32,
    pub style: Style,
    pub wrap: Wrap,
    /// More lines than this are cut, the last one ending in an ellipsis.
    pub max_lines: usize,
    pub align_right: bool,
}

impl Column {
    pub const fn new(title: &'static str, width: f32, style: Style) -> Self {
        Column {
            title,
            width,
            style,
            wrap: Wrap::Words,
            max_lines: 3,
            align_right: false,
        }
    }

    pub const fn chars(self) -> Self {
        Column {
            wrap: Wrap::Chars,
            ..self
        }
    }

    pub const fn lines(self, max_lines: usize) -> Self {
        Column { max_lines, ..self }
    }

    pub const fn right(self) -> Self {
        Column {
            align_right: true,
            ..self
        }
    }
}

/// One table cell: its text, in the column's style unless overridden (e.g. a red FAIL).
pub struct Cell {
    pub text: String,
    pub style: Option<Style>,
}

impl Cell {
    pub fn new(text: impl Into<String>) -> Self {
        Cell {
            text: text.into(),
            style: None,
        }
    }

    pub fn styled(text: impl Into<String>, style: Style) -> Self {
        Cell {
            text: text.into(),
            style: Some(style),
        }
    }
}

/// A bookmark: section title, nesting level (0 = top), page index and the y of its top.
pub struct OutlineEntry {
    pub title: String,
    pub level: u8,
    pub page: usize,
    pub top: f32,
}

/// One page's content: its body, compressed when the page was finished, and its footer ("Page N
/// of M", known only at the end), compressed then. A PDF reader draws a page's streams in order
/// as one.
pub struct PageStreams {
    pub body: Vec<u8>,
    pub footer: Vec<u8>,
}

/// What the finished layout hands to the PDF writer.
pub struct Laid {
    pub pages: Vec<PageStreams>,
    pub fonts: Fonts,
    pub outline: Vec<OutlineEntry>,
}

/// Finished page bodies wait uncompressed until this many are ready, then are compressed together
/// (across the cores): a large report holds its pages compressed, not as drawn.
const PAGES_PER_BATCH: usize = 64;

pub struct Composer {
    fonts: Fonts,
    /// How page bodies are compressed (in batches, order kept).
    compress: fn(Vec<Vec<u8>>) -> Vec<Vec<u8>>,
    /// Finished pages' bodies, compressed.
    bodies: Vec<Vec<u8>>,
    /// Finished pages' bodies not compressed yet.
    pending: Vec<Vec<u8>>,
    page: Content,
    /// Anything drawn on `page` yet (a break on an untouched page is a no-op).
    page_used: bool,
    y: f32,
    /// Text state of `page`, so unchanged font and colour operators are not repeated.
    current_font: Option<(FontId, f32)>,
    current_fill: Option<Rgb>,
    header_left: String,
    header_right: String,
    footer_left: String,
    outline: Vec<OutlineEntry>,
}

fn new_content() -> Content {
    Content::with_settings(Settings { pretty: false })
}

/// Characters a line may break after when a word does not fit.
fn breaks_after(c: char) -> bool {
    matches!(
        c,
        '/' | '-' | '_' | ',' | ';' | ':' | '#' | '.' | '|' | '&' | '=' | '?' | ')'
    )
}

impl Composer {
    pub fn new(
        fonts: Fonts,
        compress: fn(Vec<Vec<u8>>) -> Vec<Vec<u8>>,
        header_left: String,
        header_right: String,
        footer_left: String,
    ) -> Self {
        Composer {
            fonts,
            compress,
            bodies: Vec::new(),
            pending: Vec::new(),
            page: new_content(),
            page_used: false,
            y: BODY_TOP,
            current_font: None,
            current_fill: None,
            header_left,
            header_right,
            footer_left,
            outline: Vec::new(),
        }
    }

    // ---- low-level drawing -------------------------------------------------------------------

    /// Marks the current page as used, drawing its running header first (not on the cover).
    fn touch(&mut self) {
        if self.page_used {
            return;
        }
        self.page_used = true;
        if self.page_count() > 0 {
            let style = Style::new(FontId::Regular, 7.0).color(MUTED);
            let left = self.fit_line(&self.header_left.clone(), style, CONTENT_WIDTH * 0.68);
            self.show(MARGIN_X, HEADER_BASELINE, style, &left);
            let right = self.header_right.clone();
            let width = self.fonts.get(style.font).text_width(&right, style.size);
            self.show(
                PAGE_WIDTH - MARGIN_X - width,
                HEADER_BASELINE,
                style,
                &right,
            );
            self.hline(
                MARGIN_X,
                PAGE_WIDTH - MARGIN_X,
                HEADER_BASELINE - 4.0,
                0.5,
                RULE,
            );
        }
    }

    fn set_fill(&mut self, color: Rgb) {
        if self.current_fill != Some(color) {
            self.page.set_fill_rgb(color.0, color.1, color.2);
            self.current_fill = Some(color);
        }
    }

    /// Draws one line of text with its baseline at `y`. Callers have fitted it to its width.
    fn show(&mut self, x: f32, y: f32, style: Style, text: &str) {
        if text.is_empty() {
            return;
        }
        let encoded = self.fonts.get(style.font).encode(text);
        self.set_fill(style.color);
        self.page.begin_text();
        if self.current_font != Some((style.font, style.size)) {
            self.page.set_font(style.font.resource_name(), style.size);
            self.current_font = Some((style.font, style.size));
        }
        self.page.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
        self.page.show(Str(&encoded));
        self.page.end_text();
    }

    fn fill_rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Rgb) {
        self.set_fill(color);
        self.page.rect(x, y, width, height);
        self.page.fill_nonzero();
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, color: Rgb) {
        self.page.set_stroke_rgb(color.0, color.1, color.2);
        self.page.set_line_width(width);
        self.page.move_to(x1, y);
        self.page.line_to(x2, y);
        self.page.stroke();
    }

    fn stroke_rect(&mut self, x: f32, y: f32, width: f32, height: f32, color: Rgb) {
        self.page.set_stroke_rgb(color.0, color.1, color.2);
        self.page.set_line_width(0.8);
        self.page.rect(x, y, width, height);
        self.page.stroke();
    }

    // ---- text fitting ------------------------------------------------------------------------

    /// `text` broken into lines no wider than `width`; past `max_lines` the last line is cut and
    /// ends in an ellipsis. Control characters are shown as spaces, except `\n`, a hard break.
    pub fn wrap(
        &mut self,
        text: &str,
        style: Style,
        width: f32,
        max_lines: usize,
        mode: Wrap,
    ) -> Vec<String> {
        let max_lines = max_lines.max(1);
        let mut lines: Vec<String> = Vec::new();
        let mut cut = false;
        for paragraph in text.split('\n') {
            if lines.len() > max_lines {
                cut = true;
                break;
            }
            let chars: Vec<char> = paragraph
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            let font = self.fonts.get(style.font);
            let widths: Vec<f32> = chars
                .iter()
                .map(|&c| font.char_width(c, style.size))
                .collect();
            if chars.is_empty() {
                lines.push(String::new());
                continue;
            }
            let mut start = 0;
            while start < chars.len() {
                if lines.len() > max_lines {
                    cut = true;
                    break;
                }
                let mut used = 0.0;
                let mut end = start;
                // Last break after a space, and after punctuation, with the width used so far.
                let mut last_space: Option<(usize, f32)> = None;
                let mut last_punct: Option<usize> = None;
                // Always take one character, so a glyph wider than the column cannot loop.
                while end < chars.len() && (end == start || used + widths[end] <= width) {
                    used += widths[end];
                    if mode == Wrap::Words && chars[end] == ' ' {
                        last_space = Some((end + 1, used));
                    } else if mode == Wrap::Words && breaks_after(chars[end]) {
                        last_punct = Some(end + 1);
                    }
                    end += 1;
                }
                if end < chars.len() && mode == Wrap::Words && chars[end] != ' ' {
                    // Between words if that fills most of the line (`NON_COMPLIANT` stays whole),
                    // otherwise after punctuation inside a long identifier.
                    end = match (last_space, last_punct) {
                        (Some((at, filled)), _) if filled >= width * 0.6 => at,
                        (space, Some(punct)) => punct.max(space.map_or(0, |(at, _)| at)),
                        (Some((at, _)), None) => at,
                        (None, None) => end,
                    };
                }
                let line: String = chars[start..end].iter().collect();
                lines.push(line.trim_end().to_string());
                start = end;
                if mode == Wrap::Words {
                    while start < chars.len() && chars[start] == ' ' {
                        start += 1;
                    }
                }
            }
        }
        if lines.len() > max_lines {
            cut = true;
            lines.truncate(max_lines);
        }
        if cut {
            if let Some(last) = lines.pop() {
                let ellipsized = self.with_ellipsis(&last, style, width);
                lines.push(ellipsized);
            }
        }
        lines
    }

    /// `text` shortened until it and a trailing ellipsis fit `width`.
    fn with_ellipsis(&mut self, text: &str, style: Style, width: f32) -> String {
        let font = self.fonts.get(style.font);
        let ellipsis = font.char_width('…', style.size);
        let mut kept: Vec<char> = text.chars().collect();
        let mut used: f32 = kept.iter().map(|&c| font.char_width(c, style.size)).sum();
        while !kept.is_empty() && used + ellipsis > width {
            if let Some(c) = kept.pop() {
                used -= font.char_width(c, style.size);
            }
        }
        let mut out: String = kept.into_iter().collect::<String>().trim_end().to_string();
        out.push('…');
        out
    }

    /// One line: the text itself if it fits, otherwise cut with an ellipsis.
    fn fit_line(&mut self, text: &str, style: Style, width: f32) -> String {
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if self.fonts.get(style.font).text_width(&clean, style.size) <= width {
            clean
        } else {
            self.with_ellipsis(&clean, style, width)
        }
    }

    // ---- flow ----------------------------------------------------------------------------------

    /// Starts a new page unless the current one is still empty.
    pub fn page_break(&mut self) {
        if !self.page_used {
            return;
        }
        let finished = std::mem::replace(&mut self.page, new_content());
        self.pending.push(finished.finish().into_vec());
        if self.pending.len() >= PAGES_PER_BATCH {
            self.compress_pending();
        }
        self.page_used = false;
        self.y = BODY_TOP;
        self.current_font = None;
        self.current_fill = None;
    }

    /// Makes sure `height` points fit below the cursor, breaking the page if not.
    fn room_for(&mut self, height: f32) {
        if self.y - height < BODY_BOTTOM {
            self.page_break();
        }
        self.touch();
    }

    pub fn space(&mut self, height: f32) {
        if self.page_used {
            self.y -= height;
        }
    }

    /// Moves the cursor down to `y` on the current page (used to place the cover's title block).
    pub fn move_to_y(&mut self, y: f32) {
        self.touch();
        self.y = self.y.min(y);
    }

    /// A heading kept together with at least `keep` points of what follows; bookmarked at
    /// `bookmark` nesting level if given.
    pub fn heading(&mut self, text: &str, style: Style, bookmark: Option<u8>, keep: f32) {
        let lines = self.wrap(text, style, CONTENT_WIDTH, 3, Wrap::Words);
        let height = lines.len() as f32 * style.leading();
        // Space above, unless the heading opens the page.
        let above = if self.page_used && self.y < BODY_TOP {
            style.size * 0.6
        } else {
            0.0
        };
        self.room_for(above + height + keep);
        if self.y < BODY_TOP {
            self.y -= above;
        }
        if let Some(level) = bookmark {
            self.outline.push(OutlineEntry {
                title: text.to_string(),
                level,
                page: self.page_count(),
                top: self.y + 2.0,
            });
        }
        for line in lines {
            self.y -= style.leading();
            self.show(MARGIN_X, self.y + style.size * 0.25, style, &line);
        }
        self.y -= style.size * 0.35;
    }

    /// Wrapped running text, indented by `indent`, breaking pages between lines.
    pub fn paragraph(&mut self, text: &str, style: Style, indent: f32) {
        let lines = self.wrap(text, style, CONTENT_WIDTH - indent, usize::MAX, Wrap::Words);
        for line in lines {
            self.room_for(style.leading());
            self.y -= style.leading();
            self.show(MARGIN_X + indent, self.y + style.size * 0.25, style, &line);
        }
    }

    /// A bulleted paragraph.
    pub fn bullet(&mut self, text: &str, style: Style) {
        self.room_for(style.leading());
        let y = self.y - style.leading() + style.size * 0.25;
        self.show(MARGIN_X + 4.0, y, style, "•");
        self.paragraph(text, style, 12.0);
    }

    /// A one-line notice in a box, e.g. the gap marker.
    pub fn boxed(&mut self, text: &str, style: Style, frame: Rgb) {
        let line = self.fit_line(text, style, CONTENT_WIDTH - 12.0);
        let width = self.fonts.get(style.font).text_width(&line, style.size) + 12.0;
        let height = style.size + 8.0;
        self.room_for(height + 4.0);
        self.y -= 2.0;
        self.stroke_rect(MARGIN_X, self.y - height, width, height, frame);
        self.show(
            MARGIN_X + 6.0,
            self.y - height + 4.0 + style.size * 0.18,
            style,
            &line,
        );
        self.y -= height + 2.0;
    }

    /// Label / value pairs (the cover's facts), the value wrapped beside its label.
    pub fn facts(&mut self, rows: &[(&str, String)], label: Style, value: Style, label_width: f32) {
        for (name, text) in rows {
            let lines = self.wrap(text, value, CONTENT_WIDTH - label_width, 4, Wrap::Words);
            let height = lines.len().max(1) as f32 * value.leading() + 3.0;
            self.room_for(height);
            let top = self.y;
            self.show(
                MARGIN_X,
                top - value.leading() + value.size * 0.25,
                label,
                name,
            );
            for (i, line) in lines.iter().enumerate() {
                let baseline = top - (i + 1) as f32 * value.leading() + value.size * 0.25;
                self.show(MARGIN_X + label_width, baseline, value, line);
            }
            self.y -= height;
        }
    }

    // ---- tables --------------------------------------------------------------------------------

    fn header_height(&mut self, columns: &[Column]) -> (f32, Vec<Vec<String>>) {
        let mut cells = Vec::with_capacity(columns.len());
        for c in columns {
            let style = c.style.bold();
            cells.push(self.wrap(c.title, style, c.width - 2.0 * CELL_PAD_X, 2, Wrap::Words));
        }
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        (lines as f32 * TABLE_LINE + 2.0 * CELL_PAD_Y, cells)
    }

    fn draw_header(&mut self, columns: &[Column], height: f32, cells: &[Vec<String>]) {
        let width: f32 = columns.iter().map(|c| c.width).sum();
        self.fill_rect(MARGIN_X, self.y - height, width, height, HEADER_FILL);
        self.draw_cells(columns, cells, None, true);
        self.y -= height;
    }

    fn draw_cells(
        &mut self,
        columns: &[Column],
        cells: &[Vec<String>],
        styles: Option<&[Option<Style>]>,
        header: bool,
    ) {
        let mut x = MARGIN_X;
        for (i, (column, lines)) in columns.iter().zip(cells).enumerate() {
            let mut style = styles
                .and_then(|s| s.get(i).copied().flatten())
                .unwrap_or(column.style);
            if header {
                style = style.bold();
            }
            for (k, line) in lines.iter().enumerate() {
                let top = self.y - CELL_PAD_Y - k as f32 * TABLE_LINE;
                let baseline = top - TABLE_LINE * 0.5 - style.size * 0.36;
                let left = if column.align_right {
                    let w = self.fonts.get(style.font).text_width(line, style.size);
                    x + column.width - CELL_PAD_X - w
                } else {
                    x + CELL_PAD_X
                };
                self.show(left, baseline, style, line);
            }
            x += column.width;
        }
    }

    /// A table. Its header row is drawn again at the top of every page it continues onto, under
    /// `caption (continued)`; no row is split across pages.
    pub fn table<I>(&mut self, caption: &str, columns: &[Column], rows: I)
    where
        I: IntoIterator<Item = Vec<Cell>>,
    {
        let (header_height, header_cells) = self.header_height(columns);
        let total_width: f32 = columns.iter().map(|c| c.width).sum();
        let mut header_drawn = false;
        for (index, row) in rows.into_iter().enumerate() {
            let mut cells = Vec::with_capacity(columns.len());
            let mut styles = Vec::with_capacity(columns.len());
            for (column, cell) in columns.iter().zip(row) {
                let style = cell.style.unwrap_or(column.style);
                let inner = column.width - 2.0 * CELL_PAD_X;
                cells.push(self.wrap(&cell.text, style, inner, column.max_lines, column.wrap));
                styles.push(cell.style);
            }
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = lines as f32 * TABLE_LINE + 2.0 * CELL_PAD_Y;
            if !header_drawn {
                // Header and first row stay together.
                self.room_for(header_height + height);
                self.draw_header(columns, header_height, &header_cells);
                header_drawn = true;
            } else if self.y - height < BODY_BOTTOM {
                self.page_break();
                self.touch();
                let note = format!("{caption} (continued)");
                let style = Style::new(FontId::Regular, 7.0).color(MUTED);
                let note = self.fit_line(&note, style, CONTENT_WIDTH);
                self.y -= 9.0;
                self.show(MARGIN_X, self.y + 1.5, style, &note);
                self.y -= 2.0;
                self.draw_header(columns, header_height, &header_cells);
            }
            if index % 2 == 1 {
                self.fill_rect(MARGIN_X, self.y - height, total_width, height, STRIPE_FILL);
            }
            self.draw_cells(columns, &cells, Some(&styles), false);
            self.y -= height;
            self.hline(MARGIN_X, MARGIN_X + total_width, self.y, 0.3, RULE);
        }
        if !header_drawn {
            self.room_for(header_height);
            self.draw_header(columns, header_height, &header_cells);
        }
        self.y -= 4.0;
    }

    /// Pages finished so far.
    fn page_count(&self) -> usize {
        self.bodies.len() + self.pending.len()
    }

    fn compress_pending(&mut self) {
        let batch = std::mem::take(&mut self.pending);
        self.bodies.extend((self.compress)(batch));
    }

    /// Closes the last page and writes every page's footer, now that the page count is known.
    pub fn finish(mut self) -> Laid {
        self.touch();
        self.page_break();
        self.compress_pending();
        let total = self.bodies.len();
        let style = Style::new(FontId::Regular, 7.0).color(MUTED);
        let footer_left = self.footer_left.clone();
        let mut footers = Vec::with_capacity(total);
        for i in 0..total {
            self.page = new_content();
            self.current_font = None;
            self.current_fill = None;
            let left = self.fit_line(&footer_left, style, CONTENT_WIDTH * 0.7);
            self.hline(
                MARGIN_X,
                PAGE_WIDTH - MARGIN_X,
                FOOTER_BASELINE + 9.0,
                0.5,
                RULE,
            );
            self.show(MARGIN_X, FOOTER_BASELINE, style, &left);
            let number = format!("Page {} of {}", i + 1, total);
            let width = self.fonts.get(style.font).text_width(&number, style.size);
            self.show(
                PAGE_WIDTH - MARGIN_X - width,
                FOOTER_BASELINE,
                style,
                &number,
            );
            let footer = std::mem::replace(&mut self.page, new_content());
            footers.push(footer.finish().into_vec());
        }
        let footers = (self.compress)(footers);
        let bodies = std::mem::take(&mut self.bodies);
        Laid {
            pages: bodies
                .into_iter()
                .zip(footers)
                .map(|(body, footer)| PageStreams { body, footer })
                .collect(),
            fonts: self.fonts,
            outline: self.outline,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composer() -> Composer {
        Composer::new(
            Fonts::load().unwrap(),
            |streams| streams,
            String::new(),
            String::new(),
            String::new(),
        )
    }

    #[test]
    fn wrapped_lines_never_exceed_the_width_and_cut_lines_end_in_an_ellipsis() {
        let mut c = composer();
        let style = Style::new(FontId::Regular, 6.5);
        let texts = [
            "s3-bucket-server-side-encryption-enabled on s3-00048: NON_COMPLIANT",
            "evidence/100000000002/config/2026/11/03/43fafe40ee1a1c0b4c913586d2c02307fb1cbd.json",
            "a b c d e f g h i j k l m n o p q r s t u v w x y z",
            "<script>alert(1)</script>\twith a tab\nand a hard break",
            "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
            "",
        ];
        for width in [20.0, 55.0, 117.0, 300.0] {
            for text in texts {
                for mode in [Wrap::Words, Wrap::Chars] {
                    let lines = c.wrap(text, style, width, 3, mode);
                    assert!(!lines.is_empty() && lines.len() <= 3, "{text:?} at {width}");
                    for line in &lines {
                        let w = c.fonts.get(style.font).text_width(line, style.size);
                        assert!(
                            w <= width || line.chars().count() == 1,
                            "{line:?} is {w} wide in {width}"
                        );
                        assert!(!line.chars().any(char::is_control), "{line:?}");
                    }
                    let all = c.wrap(text, style, width, usize::MAX, mode);
                    if all.len() > 3 {
                        assert!(lines[2].ends_with('…'), "{lines:?}");
                    } else {
                        assert_eq!(all, lines);
                    }
                }
            }
        }
    }

    #[test]
    fn words_stay_whole_where_they_can_and_hashes_fill_their_lines() {
        let mut c = composer();
        let style = Style::new(FontId::Regular, 6.5);
        let lines = c.wrap(
            "iam-user-mfa-enabled on iam-00057: NON_COMPLIANT",
            style,
            112.0,
            4,
            Wrap::Words,
        );
        assert_eq!(
            lines,
            ["iam-user-mfa-enabled on", "iam-00057: NON_COMPLIANT"]
        );
        let mono = Style::new(FontId::Mono, 6.2);
        let hash = "43fafe40ee1a1c0b4c913586d2c02307fb1cbd0b46b9c2ffcec537df12d65d94";
        let lines = c.wrap(hash, mono, 120.0, 2, Wrap::Chars);
        assert_eq!(lines, [&hash[..32], &hash[32..]]);
    }
}
