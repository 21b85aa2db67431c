//! The embedded fonts (DejaVu Sans, Sans Bold, Sans Mono; licence in `shared/reports/fonts/`):
//! metrics for layout, glyph encoding for content streams, and the subset written into the PDF.
//!
//! Fonts are written as CID fonts (Type0 / CIDFontType2, Identity-H) because the subsetter
//! renumbers glyphs and drops the font's own `cmap`: content streams carry the subset's glyph ids
//! as CIDs, `/W` gives each glyph's advance and a `/ToUnicode` CMap maps each glyph back to its
//! character so text can be searched, copied and extracted. The subset's glyph numbering is the
//! order of first use during layout, which is itself deterministic, so the bytes are too.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Chunk, Filter, Finish, Name, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use crate::error::ReportError;

pub const REGULAR_TTF: &[u8] = include_bytes!("../../../fonts/DejaVuSans.ttf");
pub const BOLD_TTF: &[u8] = include_bytes!("../../../fonts/DejaVuSans-Bold.ttf");
pub const MONO_TTF: &[u8] = include_bytes!("../../../fonts/DejaVuSansMono.ttf");

/// Which of the embedded fonts a run of text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FontId {
    Regular,
    Bold,
    Mono,
}

impl FontId {
    pub const ALL: [FontId; 3] = [FontId::Regular, FontId::Bold, FontId::Mono];

    pub fn index(self) -> usize {
        match self {
            FontId::Regular => 0,
            FontId::Bold => 1,
            FontId::Mono => 2,
        }
    }

    /// The name the page resources give the font.
    pub fn resource_name(self) -> Name<'static> {
        match self {
            FontId::Regular => Name(b"F1"),
            FontId::Bold => Name(b"F2"),
            FontId::Mono => Name(b"F3"),
        }
    }

    fn source(self) -> (&'static [u8], &'static str) {
        match self {
            FontId::Regular => (REGULAR_TTF, "DejaVuSans"),
            FontId::Bold => (BOLD_TTF, "DejaVuSans-Bold"),
            FontId::Mono => (MONO_TTF, "DejaVuSansMono"),
        }
    }
}

/// Shown instead of a character the font has no glyph for (and extracted as `?`).
const REPLACEMENT: char = '?';

/// Metrics of one code point, filled on first sight.
#[derive(Clone, Copy)]
struct Slot {
    /// Glyph id in the full font; `UNSEEN` until looked up.
    glyph: u16,
    /// Advance width in font units.
    advance: u16,
    /// The font has no glyph for the code point: [`REPLACEMENT`] is drawn instead.
    replaced: bool,
}

const UNSEEN: u16 = u16::MAX;

pub struct Font {
    id: FontId,
    data: &'static [u8],
    base_name: &'static str,
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    /// Indexed by BMP code point (anything beyond the BMP is drawn as [`REPLACEMENT`]).
    slots: Vec<Slot>,
    /// Per glyph of the full font: its id in the subset (= its CID), 0 until first drawn.
    cids: Vec<u16>,
    remapper: GlyphRemapper,
    /// Per subset glyph id: the character it stands for and its advance (1000ths of an em).
    used: Vec<(char, f32)>,
}

impl Font {
    pub fn load(id: FontId) -> Result<Self, ReportError> {
        let (data, base_name) = id.source();
        let face = ttf_parser::Face::parse(data, 0).map_err(|e| ReportError::Render {
            output: "report.pdf",
            reason: format!("embedded font {base_name}: {e}"),
        })?;
        if face.glyph_index(REPLACEMENT).is_none() {
            return Err(ReportError::Render {
                output: "report.pdf",
                reason: format!("embedded font {base_name} has no `{REPLACEMENT}` glyph"),
            });
        }
        Ok(Font {
            id,
            data,
            base_name,
            units_per_em: f32::from(face.units_per_em()),
            cids: vec![0; usize::from(face.number_of_glyphs())],
            face,
            slots: vec![
                Slot {
                    glyph: UNSEEN,
                    advance: 0,
                    replaced: false,
                };
                0x1_0000
            ],
            remapper: GlyphRemapper::new(),
            // Subset glyph 0 is .notdef.
            used: vec![('\u{0}', 0.0)],
        })
    }

    fn slot(&mut self, c: char) -> Slot {
        let index = c as usize;
        if index >= self.slots.len() {
            return Slot {
                replaced: true,
                ..self.slot(REPLACEMENT)
            };
        }
        let slot = self.slots[index];
        if slot.glyph != UNSEEN {
            return slot;
        }
        let (glyph, replaced) = match self.face.glyph_index(c) {
            Some(g) => (g, false),
            None => (
                self.face
                    .glyph_index(REPLACEMENT)
                    .unwrap_or(ttf_parser::GlyphId(0)),
                true,
            ),
        };
        let filled = Slot {
            glyph: glyph.0,
            advance: self.face.glyph_hor_advance(glyph).unwrap_or(0),
            replaced,
        };
        self.slots[index] = filled;
        filled
    }

    /// Advance of `c` in points at `size`.
    pub fn char_width(&mut self, c: char, size: f32) -> f32 {
        f32::from(self.slot(c).advance) * size / self.units_per_em
    }

    pub fn text_width(&mut self, text: &str, size: f32) -> f32 {
        let units: u32 = text.chars().map(|c| u32::from(self.slot(c).advance)).sum();
        units as f32 * size / self.units_per_em
    }

    /// The text as a content-stream string: two bytes (the CID) per character. Marks the glyphs
    /// used so they are kept in the subset.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let slot = self.slot(c);
            let glyph = usize::from(slot.glyph);
            let known = self.cids.get(glyph).copied().unwrap_or(0);
            let cid = if known != 0 {
                known
            } else {
                let cid = self.remapper.remap(slot.glyph);
                if usize::from(cid) == self.used.len() {
                    let advance = f32::from(slot.advance) * 1000.0 / self.units_per_em;
                    let shown = if slot.replaced { REPLACEMENT } else { c };
                    self.used.push((shown, advance));
                }
                if let Some(entry) = self.cids.get_mut(glyph) {
                    *entry = cid;
                }
                cid
            };
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes the Type0 font, its CID font, descriptor, subset font file and ToUnicode CMap.
    /// `refs` are five fresh object ids; the first is the font dictionary pages refer to.
    pub fn write(&self, chunk: &mut Chunk, refs: [Ref; 5]) -> Result<(), ReportError> {
        let [type0_ref, cid_ref, descriptor_ref, file_ref, cmap_ref] = refs;
        let fail = |why: String| ReportError::Render {
            output: "report.pdf",
            reason: format!("font {}: {why}", self.base_name),
        };
        let subset = subsetter::subset(self.data, 0, &self.remapper)
            .map_err(|e| fail(format!("subsetting: {e}")))?;
        let name = format!("{}+{}", self.subset_tag(), self.base_name);
        let name = Name(name.as_bytes());
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        chunk
            .type0_font(type0_ref)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);

        let mut cid = chunk.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(system_info)
            .font_descriptor(descriptor_ref)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths()
            .consecutive(0, self.used.iter().map(|&(_, advance)| advance.round()));
        cid.finish();

        let scale = |v: i16| f32::from(v) * 1000.0 / self.units_per_em;
        let bbox = self.face.global_bounding_box();
        let mut flags = FontFlags::SYMBOLIC;
        if self.id == FontId::Mono {
            flags |= FontFlags::FIXED_PITCH;
        }
        chunk
            .font_descriptor(descriptor_ref)
            .name(name)
            .flags(flags)
            .bbox(Rect::new(
                scale(bbox.x_min),
                scale(bbox.y_min),
                scale(bbox.x_max),
                scale(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(scale(self.face.ascender()))
            .descent(scale(self.face.descender()))
            .cap_height(scale(
                self.face.capital_height().unwrap_or(self.face.ascender()),
            ))
            .stem_v(if self.id == FontId::Bold { 140.0 } else { 80.0 })
            .font_file2(file_ref);

        let compressed = super::deflate(&subset);
        chunk
            .stream(file_ref, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut cmap = UnicodeCmap::new(Name(b"Attest-UCS"), system_info);
        for (cid, &(c, _)) in self.used.iter().enumerate().skip(1) {
            if let Ok(cid) = u16::try_from(cid) {
                cmap.pair(cid, c);
            }
        }
        let cmap = super::deflate(&cmap.finish());
        chunk.cmap(cmap_ref, &cmap).filter(Filter::FlateDecode);
        Ok(())
    }

    /// The six-letter subset prefix PDF requires, derived from the glyphs kept (so it is stable).
    fn subset_tag(&self) -> String {
        let mut material = Vec::with_capacity(self.used.len() * 4);
        material.extend_from_slice(self.base_name.as_bytes());
        for g in self.remapper.remapped_gids() {
            material.extend_from_slice(&g.to_be_bytes());
        }
        let digest = attest_domain::canonical::sha256_hex(&material);
        digest
            .bytes()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect()
    }
}

/// The three fonts of a document, indexed by [`FontId`].
pub struct Fonts([Font; 3]);

impl Fonts {
    pub fn load() -> Result<Self, ReportError> {
        Ok(Fonts([
            Font::load(FontId::Regular)?,
            Font::load(FontId::Bold)?,
            Font::load(FontId::Mono)?,
        ]))
    }

    pub fn get(&mut self, id: FontId) -> &mut Font {
        &mut self.0[id.index()]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FontId, &Font)> {
        FontId::ALL.into_iter().zip(self.0.iter())
    }
}
