#!/usr/bin/env python3
"""Check a PDF report the way a reader sees it, with PDFium (the PDF engine in Chrome) rather than
with the code that wrote it.

For every page: render it (optionally saving a PNG), extract its text with character boxes, and
fail if
  - the page renders blank, or has no text between its running header and footer bands;
  - any character lies outside the page, or inside the margin a printer may clip;
  - characters collide (text overflowing its column runs into its neighbour's);
  - the page does not carry exactly one "Page N of M" with the right N and M;
and for the document: fail if any --expect string is absent from the extracted text (compared
with whitespace removed, since a hash may wrap across lines).

Exit status 0 if all is well, 1 naming each page and problem otherwise, 2 if the file cannot be
read. Needs only pypdfium2 (pinned in requirements-dev.txt); PNGs are written with the standard
library.

    python scripts/check_pdf_look.py report.pdf --png-dir out/look --expect "GAP: no evidence"
"""
import argparse
import os
import re
import struct
import sys
import zlib

import pypdfium2 as pdfium

PAGE_NUMBER = re.compile(r"Page\s+(\d+)\s+of\s+(\d+)")


def write_png(path, width, height, stride, channels, buffer):
    """RGB (or grey) bitmap rows -> PNG file, standard library only."""
    color_type = {1: 0, 3: 2, 4: 6}[channels]
    data = bytes(buffer)
    raw = bytearray()
    row_bytes = width * channels
    for y in range(height):
        raw.append(0)
        raw += data[y * stride: y * stride + row_bytes]

    def chunk(kind, body):
        out = struct.pack(">I", len(body)) + kind + body
        return out + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(bytes(raw), 6)))
        f.write(chunk(b"IEND", b""))


def collisions(boxes, limit):
    """Pairs of glyph boxes (not neighbours in reading order) that overlap by more than a quarter
    of the smaller one: text that ran into other text."""
    grid = {}
    found = []
    for i, (_, ch, l, b, r, t) in enumerate(boxes):
        for gx in range(int(l // 12), int(r // 12) + 1):
            for gy in range(int(b // 12), int(t // 12) + 1):
                grid.setdefault((gx, gy), []).append(i)
    seen = set()
    for members in grid.values():
        for a_i, a in enumerate(members):
            for b_idx in members[a_i + 1:]:
                pair = (a, b_idx) if a < b_idx else (b_idx, a)
                if pair in seen:
                    continue
                seen.add(pair)
                k1, c1, l1, b1, r1, t1 = boxes[pair[0]]
                k2, c2, l2, b2, r2, t2 = boxes[pair[1]]
                if abs(k1 - k2) <= 2:
                    continue  # neighbours in reading order: a ligature or kerned pair
                w = min(r1, r2) - max(l1, l2)
                h = min(t1, t2) - max(b1, b2)
                if w <= 0 or h <= 0:
                    continue
                smaller = min((r1 - l1) * (t1 - b1), (r2 - l2) * (t2 - b2))
                if smaller > 0 and w * h > 0.25 * smaller:
                    found.append((c1, c2, max(l1, l2), max(b1, b2)))
                    if len(found) >= limit:
                        return found
    return found


def check(args):
    try:
        doc = pdfium.PdfDocument(args.pdf)
    except Exception as e:  # noqa: BLE001 - any load failure is reported the same way
        print(f"{args.pdf}: cannot open: {e}", file=sys.stderr)
        return 2
    total = len(doc)
    problems = []
    texts = []
    if args.png_dir:
        os.makedirs(args.png_dir, exist_ok=True)
        # Pages of an earlier, longer document would otherwise pass for this one's.
        for name in os.listdir(args.png_dir):
            if re.fullmatch(r"page-\d+\.png", name):
                os.remove(os.path.join(args.png_dir, name))
    if total == 0:
        problems.append("the document has no pages")
    for index in range(total):
        number = index + 1
        page = doc[index]
        width, height = page.get_size()
        textpage = page.get_textpage()
        count = textpage.count_chars()
        text = textpage.get_text_range()
        texts.append(text)
        where = f"page {number} of {total}"

        numbers = PAGE_NUMBER.findall(text)
        if numbers != [(str(number), str(total))]:
            shown = ", ".join(f"Page {n} of {m}" for n, m in numbers) or "none"
            problems.append(f"{where}: expected one 'Page {number} of {total}', found {shown}")

        margin = args.margin
        outside = inside_margin = 0
        body_chars = 0
        boxes = []
        per_char_text = len(text) == count
        for k in range(count):
            ch = text[k] if per_char_text else textpage.get_text_range(k, 1)
            if not ch.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(k)
            if right <= left or top <= bottom:
                continue
            boxes.append((k, ch, left, bottom, right, top))
            if args.band < bottom and top < height - args.band:
                body_chars += 1
            if left < 0 or bottom < 0 or right > width or top > height:
                outside += 1
                if outside <= 3:
                    problems.append(f"{where}: character {ch!r} at ({left:.1f}, {bottom:.1f}) lies outside the {width:.0f}x{height:.0f} page")
            elif left < margin or bottom < margin or right > width - margin or top > height - margin:
                inside_margin += 1
                if inside_margin <= 3:
                    problems.append(f"{where}: character {ch!r} at ({left:.1f}, {bottom:.1f}) lies in the {margin:g} pt margin")
        if outside > 3 or inside_margin > 3:
            problems.append(f"{where}: {outside} characters outside the page, {inside_margin} in the margin in all")
        for a, b, x, y in collisions(boxes, 3):
            problems.append(f"{where}: characters {a!r} and {b!r} overlap at ({x:.1f}, {y:.1f})")

        bitmap = page.render(scale=args.scale, rev_byteorder=True)
        pixels = bytes(bitmap.buffer)
        if not pixels or min(pixels) > 245:
            problems.append(f"{where}: renders blank")
        elif body_chars == 0:
            problems.append(f"{where}: no text between the header and footer bands (an empty page)")
        if args.png_dir:
            path = os.path.join(args.png_dir, f"page-{number:04d}.png")
            write_png(path, bitmap.width, bitmap.height, bitmap.stride, bitmap.n_channels, bitmap.buffer)
        textpage.close()
        page.close()
    doc.close()

    squeezed = re.sub(r"\s+", "", "".join(texts))
    for wanted in args.expect:
        if re.sub(r"\s+", "", wanted) not in squeezed:
            problems.append(f"document: expected text not found: {wanted!r}")

    for p in problems:
        print(p)
    status = "FAILED" if problems else "ok"
    print(f"{args.pdf}: {total} pages, {len(problems)} problems: {status}")
    return 1 if problems else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdf")
    parser.add_argument("--png-dir", help="write each page as page-NNNN.png here")
    parser.add_argument("--expect", action="append", default=[], help="text that must appear (repeatable)")
    parser.add_argument("--margin", type=float, default=18.0, help="no character may come closer to the paper edge than this, in points (default 18 = 1/4 inch)")
    parser.add_argument("--band", type=float, default=60.0, help="height of the header and footer bands, in points, for the empty-page check (default 60)")
    parser.add_argument("--scale", type=float, default=1.5, help="render scale, 1 = 72 dpi (default 1.5)")
    sys.exit(check(parser.parse_args()))


if __name__ == "__main__":
    main()
