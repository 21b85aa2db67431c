use super::*;
use serde_json::Value;

fn canonical_text(input: &[u8]) -> String {
    String::from_utf8(canonicalize_json(input).unwrap()).unwrap()
}

// RFC 8785 section 3.2.2: the example input and its canonical output.
#[test]
fn rfc8785_section_3_2_2_example() {
    let input = br#"{
        "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
        "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
        "literals": [null, true, false]
    }"#;
    let expected = r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#;
    assert_eq!(canonical_text(input), expected);
}

// RFC 8785 section 3.2.3: property sorting by UTF-16 code units, not by UTF-8 bytes.
#[test]
fn rfc8785_section_3_2_3_sorting() {
    let input = "{\"\\u20ac\":\"Euro Sign\",\"\\r\":\"Carriage Return\",\"\\ufb33\":\"Hebrew Letter Dalet With Dagesh\",\"1\":\"One\",\"\\ud83d\\ude00\":\"Emoji: Grinning Face\",\"\\u0080\":\"Control\",\"\\u00f6\":\"Latin Small Letter O With Diaeresis\"}";
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f600}\":\"Emoji: Grinning Face\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(canonical_text(input.as_bytes()), expected);
}

// RFC 8785 appendix B: IEEE-754 values and their canonical text, and the sample lines of the
// reference implementation's number test file (testdata/README.md of cyberphone/json-canonicalization).
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
        (0x4340000000000001, "9007199254740994"),
        (0x4340000000000002, "9007199254740996"),
    ];
    for (bits, text) in cases {
        let value = f64::from_bits(*bits);
        let input = serde_json::to_string(&value).unwrap();
        assert_eq!(&canonical_text(input.as_bytes()), text, "bits {bits:#018x}");
    }
}

/// The reference implementation's test data (cyberphone/json-canonicalization, `testdata/input` and
/// `testdata/output`, as RFC 8785 points to it), file by file.
#[test]
fn reference_implementation_test_data() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "arrays",
            "[\n  56,\n  {\n    \"d\": true,\n    \"10\": null,\n    \"1\": [ ]\n  }\n]\n",
            r#"[56,{"1":[],"10":null,"d":true}]"#,
        ),
        (
            "french",
            "{\n  \"peach\": \"This sorting order\",\n  \"péché\": \"is wrong according to French\",\n  \"pêche\": \"but canonicalization MUST\",\n  \"sin\":   \"ignore locale\"\n}\n",
            r#"{"peach":"This sorting order","péché":"is wrong according to French","pêche":"but canonicalization MUST","sin":"ignore locale"}"#,
        ),
        (
            "structures",
            "{\n  \"1\": {\"f\": {\"f\": \"hi\",\"F\": 5} ,\"\\n\": 56.0},\n  \"10\": { },\n  \"\": \"empty\",\n  \"a\": { },\n  \"111\": [ {\"e\": \"yes\",\"E\": \"no\" } ],\n  \"A\": { }\n}",
            r#"{"":"empty","1":{"\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],"A":{},"a":{}}"#,
        ),
        (
            "unicode",
            "{\n  \"Unnormalized Unicode\":\"A\\u030a\"\n}\n",
            "{\"Unnormalized Unicode\":\"A\u{30a}\"}",
        ),
        (
            "values",
            "{\n  \"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],\n  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n  \"literals\": [null, true, false]\n}",
            r#"{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}"#,
        ),
        (
            "weird",
            "{\n  \"\\u20ac\": \"Euro Sign\",\n  \"\\r\": \"Carriage Return\",\n  \"\\u000a\": \"Newline\",\n  \"1\": \"One\",\n  \"\\u0080\": \"Control\\u007f\",\n  \"\\ud83d\\ude02\": \"Smiley\",\n  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\",\n  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n  \"</script>\": \"Browser Challenge\"\n}\n",
            "{\"\\n\":\"Newline\",\"\\r\":\"Carriage Return\",\"1\":\"One\",\"</script>\":\"Browser Challenge\",\"\u{80}\":\"Control\u{7f}\",\"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\"\u{1f602}\":\"Smiley\",\"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}",
        ),
        (
            "simpleString",
            "    \"this is a test string 1235\"",
            r#""this is a test string 1235""#,
        ),
    ];
    for (name, input, output) in cases {
        assert_eq!(&canonical_text(input.as_bytes()), output, "{name}");
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

/// Our strict read and canonical form agree byte for byte with serde_json's read and the
/// serde_json_canonicalizer crate's form (regression tests of the path that replaced a hand-written
/// parser and writer, which were held to the same).
fn same_as_oracle(input: &[u8]) {
    let oracle: Value = serde_json::from_slice(input).unwrap();
    assert_eq!(
        canonical_text(input),
        serde_json_canonicalizer::to_string(&oracle).unwrap()
    );
}

#[test]
fn repeated_member_names_are_refused_not_resolved() {
    let err = canonicalize_json(br#"{"a":1,"b":{"k":1,"k":2}}"#).unwrap_err();
    assert!(
        matches!(&err, CanonicalError::Unreadable(ReadError::RepeatedMember { path, .. }) if path == "b.k"),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("member `b.k` appears twice"));
    // serialize refuses a value that writes a name twice.
    #[derive(serde::Serialize)]
    struct Flat {
        k: u8,
        #[serde(flatten)]
        rest: Value,
    }
    let err = serialize(&Flat {
        k: 2,
        rest: serde_json::json!({"k": 1}),
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("member `k` appears twice"),
        "{err}"
    );
}

#[test]
fn serialize_writes_non_finite_numbers_as_serde_json_does() {
    assert_eq!(serialize(&[f64::NAN, 1.0]).unwrap(), b"[null,1]");
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
    same_as_oracle(
        "{\"\u{1F600}\":1,\"\u{FB33}\":2,\"\u{E000}\":3,\"a\":4,\"\u{10000}\":5,\"\u{FFFF}\":6}"
            .as_bytes(),
    );
    same_as_oracle(br#"[9007199254740992, 9007199254740993, -9007199254740993, 18446744073709551615, -0.0, 1e21, 1e-7, 123456789012345678901234567890]"#);
    same_as_oracle(br#"{"s":"\u0000\u001f\u007f\u2028\u2029\ud83d\ude00/\\\"\b\f\n\r\t", "nested": {"z": [], "y": {}, "x": [{}]}}"#);
    same_as_oracle(
        br#"[0.1, 0.2, 0.30000000000000004, 5e-324, 1.7976931348623157e308, 100, 1.0, -1.5e-10]"#,
    );
    // Integers beyond 2^53 become the nearest double, as JSON.parse makes them.
    assert_eq!(
        canonical_text(b"[9007199254740993, 18446744073709551615]"),
        "[9007199254740992,18446744073709552000]"
    );
}

#[test]
fn members_are_ordered_by_utf16_code_units_whatever_their_input_order() {
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
    let text = |n: &str| -> String { serde_json::from_str(&format!("\"{n}\"")).unwrap() };
    let object = |order: &[&str]| {
        let members: Vec<String> = order
            .iter()
            .enumerate()
            .map(|(i, n)| format!("\"{n}\":{{\"k{i}\":[{i}],\"j\":{{}}}}"))
            .collect();
        format!("{{{}}}", members.join(","))
    };
    // The names in RFC 8785 order, worked out here from their UTF-16 code units.
    let mut sorted = names.to_vec();
    sorted.sort_by(|a, b| text(a).encode_utf16().cmp(text(b).encode_utf16()));
    let mut reversed = sorted.clone();
    reversed.reverse();
    let mut shuffled = sorted.clone();
    shuffled.rotate_left(7);
    shuffled.swap(2, 15);
    let expected_order: Vec<String> = sorted
        .iter()
        .map(|n| serde_json::to_string(&text(n)).unwrap())
        .collect();
    for order in [&sorted, &reversed, &shuffled, &names.to_vec()] {
        let input = object(order);
        same_as_oracle(input.as_bytes());
        let out = canonical_text(input.as_bytes());
        let mut found: Vec<(usize, &String)> = expected_order
            .iter()
            .map(|quoted| (out.find(&format!("{quoted}:{{")).unwrap(), quoted))
            .collect();
        found.sort();
        let found: Vec<&String> = found.into_iter().map(|(_, q)| q).collect();
        assert_eq!(found, expected_order.iter().collect::<Vec<_>>());
    }
    same_as_oracle(br#"{"a":1,"b":{"c":2,"d":[{"e":3,"f":4}]},"g":5}"#);
    same_as_oracle(br#"{"a":1,"b":2,"d":4,"c":3}"#);
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
