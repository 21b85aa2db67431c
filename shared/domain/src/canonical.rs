//! RFC 8785 (JSON Canonicalization Scheme) and SHA-256: the two operations an auditor repeats to check
//! that a piece of evidence is what we recorded.
//!
//! The canonical text is written while a document is parsed ([`crate::json`]): members sorted by
//! UTF-16 code units, strings escaped as ECMAScript's JSON.stringify does, numbers formatted as
//! ECMAScript prints them (via `ryu-js`). The well-kept `serde_json_canonicalizer` crate does the
//! same job but was 14x slower than plain serialisation on our events (it re-parses every key to
//! sort it), and intake canonicalises every finding; so that crate is kept as the test oracle
//! instead: the tests below hold our output to the RFC's own examples and to the crate's output on
//! every sample event and on thousands of random documents.

use sha2::{Digest, Sha256};

use crate::json::{Document, Json, Number};

/// Largest integer a double holds exactly (2^53): up to it, an integer prints as itself.
pub(crate) const MAX_EXACT_INTEGER: u64 = 1 << 53;

/// Input RFC 8785 cannot canonicalise: it requires I-JSON, whose object member names are unique.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CanonicalError {
    #[error("not valid JSON: {0}")]
    NotJson(String),
    #[error("member name `{0}` appears twice in one object; RFC 8785 requires unique names")]
    DuplicateMember(String),
}

/// The RFC 8785 bytes of a JSON value.
pub fn to_vec(value: Json) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(1024);
    write(value, &mut out)?;
    Ok(out)
}

/// Canonicalise raw JSON text: parse, then write per RFC 8785.
pub fn canonicalize_json(input: &[u8]) -> Result<Vec<u8>, CanonicalError> {
    let document = Document::parse(input).map_err(|e| CanonicalError::NotJson(e.0))?;
    let mut out = Vec::with_capacity(input.len());
    write(document.root(), &mut out)?;
    Ok(out)
}

/// The RFC 8785 bytes of any serialisable value (serialised, re-read, then written canonically).
pub fn serialize<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, CanonicalError> {
    let text = serde_json::to_vec(value).map_err(|e| CanonicalError::NotJson(e.to_string()))?;
    canonicalize_json(&text)
}

/// Append the RFC 8785 form of `value` to `out` (made when its document was parsed).
pub fn write(value: Json, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    value
        .write_canonical(out)
        .map_err(|e| CanonicalError::DuplicateMember(e.0))
}

/// Order of two member names by UTF-16 code units, without allocating. UTF-8 byte order is the
/// same as UTF-16 order up to the first difference unless that difference involves a character at
/// or above U+E000 (UTF-8 lead byte 0xEE or more) in both names, where supplementary characters
/// (surrogate pairs in UTF-16, 0xF0.. in UTF-8) sort differently; only then are the names compared
/// as UTF-16.
pub(crate) fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let by_bytes = x.cmp(y);
    let high = |s: &[u8]| s.iter().any(|c| *c >= 0xEE);
    if by_bytes.is_eq() || !high(x) || !high(y) {
        return by_bytes;
    }
    let common = x.iter().zip(y).take_while(|(p, q)| p == q).count();
    match (x.get(common), y.get(common)) {
        // Both are lead bytes (continuation bytes are below 0xC0), so `common` is where the two
        // differing characters start.
        (Some(&p), Some(&q)) if p >= 0xEE && q >= 0xEE => {
            a[common..].encode_utf16().cmp(b[common..].encode_utf16())
        }
        _ => by_bytes,
    }
}

/// A JSON string with RFC 8785's escaping (that of ECMAScript's JSON.stringify): `"` and `\`, the
/// two-letter escapes for backspace, tab, newline, form feed and carriage return, `\u00xx` with
/// lower-case hex for the other control characters, and everything else as UTF-8. serde_json's
/// string writer does exactly this.
pub fn write_str(s: &str, out: &mut Vec<u8>) {
    // Most strings in AWS events need no escaping: copy them as they are.
    // No early exit: the check over the whole string compiles to vector code.
    let plain = s.bytes().fold(true, |plain, b| {
        plain & (b >= 0x20) & (b != b'"') & (b != b'\\')
    });
    if plain {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        // Writing into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

pub(crate) fn write_number(n: Number, out: &mut Vec<u8>) {
    let mut integer = itoa::Buffer::new();
    match n {
        Number::U64(u) if u <= MAX_EXACT_INTEGER => {
            out.extend_from_slice(integer.format(u).as_bytes())
        }
        Number::I64(i) if i.unsigned_abs() <= MAX_EXACT_INTEGER => {
            out.extend_from_slice(integer.format(i).as_bytes())
        }
        // ECMAScript Number::toString, which RFC 8785 section 3.2.2.3 prescribes; an integer beyond
        // 2^53 is first rounded to the nearest double, as a JSON.parse would.
        Number::U64(u) => write_double(u as f64, out),
        Number::I64(i) => write_double(i as f64, out),
        Number::F64(f) => write_double(f, out),
    }
}

fn write_double(f: f64, out: &mut Vec<u8>) {
    let mut buffer = ryu_js::Buffer::new();
    out.extend_from_slice(buffer.format(f).as_bytes());
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(Sha256::digest(bytes)) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 0xf)];
    }
    // Hex digits are ASCII, so this is always UTF-8.
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

/// Raw SHA-256 of `bytes` (for S3's base64 checksum header).
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8785 section 3.2.2: the example input and its canonical output.
    #[test]
    fn rfc8785_section_3_2_2_example() {
        let input = br#"{
            "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
            "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
            "literals": [null, true, false]
        }"#;
        let expected = r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#;
        assert_eq!(
            String::from_utf8(canonicalize_json(input).unwrap()).unwrap(),
            expected
        );
    }

    // RFC 8785 section 3.2.3: property sorting by UTF-16 code units, not by UTF-8 bytes.
    #[test]
    fn rfc8785_section_3_2_3_sorting() {
        let input = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
        let out = String::from_utf8(canonicalize_json(input.as_bytes()).unwrap()).unwrap();
        let keys: Vec<String> = {
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            // serde_json's map would re-sort, so read the order from the text itself.
            let mut order: Vec<(usize, String)> = v
                .as_object()
                .unwrap()
                .keys()
                .map(|k| {
                    (
                        out.find(&serde_json::to_string(k).unwrap()).unwrap(),
                        k.clone(),
                    )
                })
                .collect();
            order.sort();
            order.into_iter().map(|(_, k)| k).collect()
        };
        let expected = [
            "\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        assert_eq!(keys, expected);
    }

    // RFC 8785 appendix B: IEEE-754 values and their canonical text.
    #[test]
    fn rfc8785_appendix_b_numbers() {
        let cases: &[(u64, &str)] = &[
            (0x0000000000000000, "0"),
            (0x8000000000000000, "0"),
            (0x0000000000000001, "5e-324"),
            (0x8000000000000001, "-5e-324"),
            (0x7fefffffffffffff, "1.7976931348623157e+308"),
            (0xffefffffffffffff, "-1.7976931348623157e+308"),
            (0x4340000000000000, "9007199254740992"),
            (0xc340000000000000, "-9007199254740992"),
            (0x4430000000000000, "295147905179352830000"),
            (0x44b52d02c7e14af5, "9.999999999999997e+22"),
            (0x44b52d02c7e14af6, "1e+23"),
            (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
            (0x444b1ae4d6e2ef4e, "999999999999999700000"),
            (0x444b1ae4d6e2ef4f, "999999999999999900000"),
            (0x444b1ae4d6e2ef50, "1e+21"),
            (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
            (0x3eb0c6f7a0b5ed8d, "0.000001"),
            (0x41b3de4355555553, "333333333.3333332"),
            (0x41b3de4355555554, "333333333.33333325"),
            (0x41b3de4355555555, "333333333.3333333"),
            (0x41b3de4355555556, "333333333.3333334"),
            (0x41b3de4355555557, "333333333.33333343"),
            (0xbecbf647612f3696, "-0.0000033333333333333333"),
            (0x43143ff3c1cb0959, "1424953923781206.2"),
        ];
        for (bits, text) in cases {
            let value = f64::from_bits(*bits);
            let input = serde_json::to_string(&value).unwrap();
            let out = String::from_utf8(canonicalize_json(input.as_bytes()).unwrap()).unwrap();
            assert_eq!(
                out.as_bytes(),
                serde_json_canonicalizer::to_vec(&value).unwrap(),
                "oracle, bits {bits:#018x}"
            );
            assert_eq!(&out, text, "bits {bits:#018x}");
        }
    }

    #[test]
    fn sha256_hex_is_lower_case_hex_of_the_digest() {
        for input in [&b""[..], b"abc", &[0u8, 255, 16, 1][..]] {
            assert_eq!(sha256_hex(input), hex::encode(sha256(input)));
        }
    }

    #[test]
    fn sha256_of_empty_input_is_the_known_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    /// Our writer and the serde_json_canonicalizer crate agree byte for byte.
    fn same_as_oracle(input: &[u8]) {
        let oracle: serde_json::Value = serde_json::from_slice(input).unwrap();
        assert_eq!(
            String::from_utf8(canonicalize_json(input).unwrap()).unwrap(),
            String::from_utf8(serde_json_canonicalizer::to_vec(&oracle).unwrap()).unwrap()
        );
    }

    #[test]
    fn duplicate_member_names_are_refused_not_resolved() {
        let err = canonicalize_json(br#"{"a":1,"b":{"k":1,"k":2}}"#).unwrap_err();
        assert_eq!(err, CanonicalError::DuplicateMember("k".into()));
    }

    #[test]
    fn agrees_with_the_reference_crate_on_every_sample_event() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                same_as_oracle(&std::fs::read(&path).unwrap());
                n += 1;
            }
        }
        assert!(n >= 11);
    }

    #[test]
    fn agrees_with_the_reference_crate_on_awkward_values() {
        same_as_oracle("{\"\u{1F600}\":1,\"\u{FB33}\":2,\"\u{E000}\":3,\"a\":4,\"\u{10000}\":5,\"\u{FFFF}\":6}".as_bytes());
        same_as_oracle(br#"[9007199254740992, 9007199254740993, -9007199254740993, 18446744073709551615, -0.0, 1e21, 1e-7, 123456789012345678901234567890]"#);
        same_as_oracle(br#"{"s":"\u0000\u001f\u007f\u2028\u2029\ud83d\ude00/\\\"\b\f\n\r\t", "nested": {"z": [], "y": {}, "x": [{}]}}"#);
        same_as_oracle(br#"[0.1, 0.2, 0.30000000000000004, 5e-324, 1.7976931348623157e308, 100, 1.0, -1.5e-10]"#);
    }

    #[test]
    fn sorted_reverse_sorted_and_shuffled_objects_agree_with_the_reference_crate() {
        let names = [
            "",
            "1",
            "A",
            "AwsAccountId",
            "Aws",
            "a",
            "a-b",
            "a_b",
            "ab",
            r"\u0080",
            r"\u00f6",
            r"\u20ac",
            r"\ud7ff",
            r"\ue000",
            r"\ufb33",
            r"\uffff",
            r"\ud800\udc00",
            r"\ud83d\ude00",
            r"\udbff\udfff",
            r"x\ue000",
            r"x\ud83d\ude00",
            r"x\uffff",
        ];
        let object = |order: &[&str]| {
            let members: Vec<String> = order
                .iter()
                .enumerate()
                .map(|(i, n)| format!("\"{n}\":{{\"k{i}\":[{i}],\"j\":{{}}}}"))
                .collect();
            format!("{{{}}}", members.join(","))
        };
        // The names in RFC 8785 order, as the reference crate sorts them.
        let sorted: Vec<&str> = {
            let out = serde_json_canonicalizer::to_string(
                &serde_json::from_str::<serde_json::Value>(&object(&names)).unwrap(),
            )
            .unwrap();
            let mut order: Vec<(usize, &str)> = names
                .iter()
                .map(|n| {
                    let text: String = serde_json::from_str(&format!("\"{n}\"")).unwrap();
                    let quoted = format!("{}:{{", serde_json::to_string(&text).unwrap());
                    (out.find(&quoted).unwrap(), *n)
                })
                .collect();
            order.sort();
            order.into_iter().map(|(_, n)| n).collect()
        };
        let mut reversed = sorted.clone();
        reversed.reverse();
        let mut shuffled = sorted.clone();
        shuffled.rotate_left(7);
        shuffled.swap(2, 15);
        for order in [&sorted, &reversed, &shuffled, &names.to_vec()] {
            same_as_oracle(object(order).as_bytes());
        }
        // Already in order, one member out of order, and a duplicate among ordered members.
        same_as_oracle(br#"{"a":1,"b":{"c":2,"d":[{"e":3,"f":4}]},"g":5}"#);
        same_as_oracle(br#"{"a":1,"b":2,"d":4,"c":3}"#);
        assert_eq!(
            canonicalize_json(br#"{"a":1,"b":2,"b":3}"#).unwrap_err(),
            CanonicalError::DuplicateMember("b".into())
        );
        for i in 0..names.len() {
            for j in 0..names.len() {
                let text =
                    |n: &str| -> String { serde_json::from_str(&format!("\"{n}\"")).unwrap() };
                let (a, b) = (text(names[i]), text(names[j]));
                assert_eq!(
                    utf16_cmp(&a, &b),
                    a.encode_utf16().cmp(b.encode_utf16()),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn agrees_with_the_reference_crate_on_random_documents() {
        let mut seed = 0x5eed_1234_abcd_ef01u64;
        let (mut bytes, mut objects) = (0, 0);
        for i in 0..10_000 {
            let mut text = String::new();
            crate::test_json::random_json(&mut seed, 0, &mut text, i % 2 == 1);
            same_as_oracle(text.as_bytes());
            bytes += text.len();
            objects += text.matches('{').count();
        }
        // The generator does produce sizeable, nested documents.
        assert!(
            bytes > 200_000 && objects > 3000,
            "{bytes} bytes, {objects} objects"
        );
    }

    #[test]
    fn canonical_form_is_independent_of_input_formatting() {
        let a = canonicalize_json(br#"{"b": 1.0, "a": [1, 2, {"d": true, "c": null}]}"#).unwrap();
        let b = canonicalize_json(br#"{"a":[1,2,{"c":null,"d":true}],"b":1}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, br#"{"a":[1,2,{"c":null,"d":true}],"b":1}"#);
    }
}
