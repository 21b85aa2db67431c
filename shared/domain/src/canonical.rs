//! RFC 8785 (JSON Canonicalization Scheme) and SHA-256: the two operations an auditor repeats to check
//! that a piece of evidence is what we recorded.
//!
//! Canonicalisation is delegated to `serde_json_canonicalizer`, which sorts object members by UTF-16
//! code units and formats numbers as ECMAScript does; the tests below hold it to the RFC's own examples.

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The RFC 8785 bytes of any serialisable value.
pub fn to_canonical_vec<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    serde_json_canonicalizer::to_vec(value)
}

/// Canonicalise raw JSON text: parse, then re-serialise per RFC 8785.
pub fn canonicalize_json(input: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_slice(input)?;
    to_canonical_vec(&value)
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
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
        assert_eq!(String::from_utf8(canonicalize_json(input).unwrap()).unwrap(), expected);
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
                .map(|k| (out.find(&serde_json::to_string(k).unwrap()).unwrap(), k.clone()))
                .collect();
            order.sort();
            order.into_iter().map(|(_, k)| k).collect()
        };
        let expected = ["\r", "1", "\u{80}", "\u{f6}", "\u{20ac}", "\u{1f600}", "\u{fb33}"];
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
            let out = String::from_utf8(to_canonical_vec(&value).unwrap()).unwrap();
            assert_eq!(&out, text, "bits {bits:#018x}");
        }
    }

    #[test]
    fn sha256_of_empty_input_is_the_known_digest() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn canonical_form_is_independent_of_input_formatting() {
        let a = canonicalize_json(br#"{"b": 1.0, "a": [1, 2, {"d": true, "c": null}]}"#).unwrap();
        let b = canonicalize_json(br#"{"a":[1,2,{"c":null,"d":true}],"b":1}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a, br#"{"a":[1,2,{"c":null,"d":true}],"b":1}"#);
    }
}
