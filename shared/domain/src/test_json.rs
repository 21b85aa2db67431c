//! Random JSON documents for the strict reader's and the canonical form's tests (seeded, so a
//! failure repeats).

/// The next number below `n` of a xorshift sequence.
pub fn next(seed: &mut u64, n: u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed % n
}

/// Member names and string values, as JSON source text: escaped and raw, ASCII and not, short and
/// longer than eight bytes, and names that sort differently in UTF-8 and UTF-16.
const STRINGS: &[&str] = &[
    "",
    "a",
    "Id",
    "AwsAccountId",
    r#"\"q\""#,
    r"\\",
    r"\u0000",
    r"\n\t",
    r"\u00e9",
    "é",
    r"\ud83d\ude00",
    "\u{1F600}",
    r"\uffff",
    "\u{FB33}",
    r"\/",
    "b c",
    "0.0.0.0/0",
    "\u{7f}",
    "\u{2028}",
    r"\u001F",
    "RelatedAWSResources:0/name",
    "RelatedAWSResources:0/type",
    "a longer value, with spaces, that crosses several eight-byte words",
    r#"ABCDEFGH\"IJ"#,
];

/// Numbers in every JSON form: integers inside and beyond 2^53 and u64/i64, negative zero,
/// fractions, exponents, and the extremes of a double.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "42",
    "1.0",
    "1.5",
    "-2.25e-3",
    "1e21",
    "1E+2",
    "100e-2",
    "0e0",
    "-0.0",
    "0.1",
    "5e-324",
    "1.7976931348623157e308",
    "1234567890123456",
    "12345678901234567",
    "9007199254740992",
    "9007199254740993",
    "-9007199254740992",
    "-9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901",
];

/// Append a random JSON value to `out`. With `pretty`, whitespace (spaces, tabs, newlines and long
/// indents) goes between tokens, as in the sample events.
pub fn random_json(seed: &mut u64, depth: u32, out: &mut String, pretty: bool) {
    let space = |seed: &mut u64, out: &mut String| {
        if pretty {
            out.push_str(["", " ", "\n    ", "\t", "\r\n", "            "][next(seed, 6) as usize]);
        }
    };
    let choice = if depth > 3 {
        next(seed, 4)
    } else {
        next(seed, 6)
    };
    match choice {
        0 => out.push_str(["null", "true", "false"][next(seed, 3) as usize]),
        1 => out.push_str(NUMBERS[next(seed, NUMBERS.len() as u64) as usize]),
        2 | 3 => {
            out.push('"');
            out.push_str(STRINGS[next(seed, STRINGS.len() as u64) as usize]);
            out.push('"');
        }
        4 => {
            out.push('[');
            for i in 0..next(seed, 4) {
                if i > 0 {
                    out.push(',');
                }
                space(seed, out);
                random_json(seed, depth + 1, out, pretty);
                space(seed, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            // Distinct names (I-JSON: `\u00e9` and `é` are the same name), in random order, or
            // already in RFC 8785 order a third of the time.
            let text = |n: &usize| -> String {
                serde_json::from_str(&format!("\"{}\"", STRINGS[*n])).unwrap_or_default()
            };
            let mut names: Vec<usize> = (0..STRINGS.len()).collect();
            for i in (1..names.len()).rev() {
                names.swap(i, next(seed, i as u64 + 1) as usize);
            }
            let mut seen: Vec<String> = Vec::new();
            names.retain(|n| {
                let name = text(n);
                let fresh = !seen.contains(&name);
                seen.push(name);
                fresh
            });
            names.truncate(next(seed, 7) as usize);
            if next(seed, 3) == 0 {
                names.sort_by(|a, b| text(a).encode_utf16().cmp(text(b).encode_utf16()));
            }
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(seed, out);
                out.push('"');
                out.push_str(STRINGS[*name]);
                out.push('"');
                space(seed, out);
                out.push(':');
                space(seed, out);
                random_json(seed, depth + 1, out, pretty);
                space(seed, out);
            }
            out.push('}');
        }
    }
}
