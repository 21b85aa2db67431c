use super::*;
use crate::test_json::{next, oracle, random_json};

#[test]
fn lookups_walk_the_tape() {
    let text = br#"{"a":{"b":[1,-2,2.5,"x\u0041",null,true,{"c":[]}]},"d":"e","a2":{}}"#;
    let doc = Document::parse(text).unwrap();
    let root = doc.root();
    assert_eq!(root.kind(), Kind::Object);
    assert_eq!(root.len(), 3);
    let b = root.get("a").and_then(|a| a.get("b")).unwrap();
    let items: Vec<Kind> = b.elements().unwrap().map(|v| v.kind()).collect();
    assert_eq!(
        items,
        [
            Kind::Number,
            Kind::Number,
            Kind::Number,
            Kind::String,
            Kind::Null,
            Kind::Bool,
            Kind::Object
        ]
    );
    assert_eq!(b.index(0).unwrap().as_number(), Some(Number::U64(1)));
    assert_eq!(b.index(1).unwrap().as_number(), Some(Number::I64(-2)));
    assert_eq!(b.index(2).unwrap().as_number(), Some(Number::F64(2.5)));
    assert_eq!(b.index(3).unwrap().as_str(), Some("xA"));
    assert_eq!(b.index(5).unwrap().as_bool(), Some(true));
    assert!(b.index(7).is_none());
    // Skipping a container lands on the next member.
    assert_eq!(root.get("d").unwrap().as_str(), Some("e"));
    assert!(root.get("a2").unwrap().is_empty());
    let names: Vec<&str> = root.members().unwrap().map(|(k, _)| k).collect();
    assert_eq!(names, ["a", "d", "a2"]);
    assert!(root.get("missing").is_none());
    assert!(root.get("d").unwrap().get("x").is_none());
}

#[test]
fn numbers_keep_their_exact_value_for_lookups() {
    let doc = Document::parse(
        br#"[0, -0, 9007199254740993, 18446744073709551615, 18446744073709551616, -9223372036854775808, 1e2, -1.5]"#,
    )
    .unwrap();
    let n: Vec<Option<Number>> = doc
        .root()
        .elements()
        .unwrap()
        .map(|v| v.as_number())
        .collect();
    assert_eq!(
        n,
        [
            Some(Number::U64(0)),
            Some(Number::F64(-0.0)),
            Some(Number::U64(9007199254740993)),
            Some(Number::U64(u64::MAX)),
            Some(Number::F64(18446744073709551616.0)),
            Some(Number::I64(i64::MIN)),
            Some(Number::F64(100.0)),
            Some(Number::F64(-1.5)),
        ]
    );
}

#[test]
fn invalid_text_is_refused_with_the_place_and_the_reason() {
    for (bad, reason) in [
        (
            &b"{"[..],
            "expected a member name (a string) in an object, but the text ends at line 1 column 2",
        ),
        (b"{\"a\":}", "expected a JSON value at line 1 column 6"),
        (b"[1,]", "expected a JSON value"),
        (b"{\"a\":1,}", "expected a member name"),
        (b"{\"a\" 1}", "expected `:`"),
        (b"{\"a\":1 \"b\":2}", "expected `,` or `}`"),
        (b"[1 2]", "expected `,` or `]`"),
        (b"{\"a\":1} x", "unexpected text after the JSON value"),
        (b"\"\xff\"", "not UTF-8"),
        (b"nul", "expected a JSON value"),
        (b"", "expected a JSON value"),
        (
            b"  \n ",
            "expected a JSON value, but the text ends at line 2 column 2",
        ),
        // A raw control character must be escaped; the canonical form relies on this.
        (b"\"a\x01b\"", "control character"),
        (b"{\"a\tb\":1}", "control character"),
        (b"\"abc", "unterminated string"),
        (b"\"\\x\"", "invalid escape"),
        (b"\"\\u12g4\"", "four hex digits"),
        (b"\"\\ud800\"", "unpaired surrogate"),
        (b"\"\\ud800\\u0041\"", "unpaired surrogate"),
        (b"\"\\udc00\"", "unpaired surrogate"),
        (b"01", "may not start with 0"),
        (b"-", "expected a digit"),
        (b"1.", "after the decimal point"),
        (b"1e", "in the exponent"),
        (b"+1", "expected a JSON value"),
        (b".5", "expected a JSON value"),
        (b"1e400", "out of the range of a double"),
        (b"tru", "expected a JSON value"),
    ] {
        let err = Document::parse(bad).unwrap_err();
        assert!(
            err.0.contains(reason),
            "{:?}: {err} (expected {reason:?})",
            String::from_utf8_lossy(bad)
        );
    }
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    assert!(Document::parse(deep(MAX_DEPTH).as_bytes()).is_ok());
    let err = Document::parse(deep(MAX_DEPTH + 1).as_bytes()).unwrap_err();
    assert!(err.0.contains("nested deeper than 64 levels"), "{err}");
    assert!(Document::parse(deep(10_000).as_bytes()).is_err());
}

/// Our canonical form of every container in `ours` against the reference crate's of the same
/// value, so reordered objects are checked at every depth, not only at the root.
fn every_container_agrees(ours: Json, theirs: &serde_json::Value, what: &str) {
    let mut out = Vec::new();
    ours.write_canonical(&mut out).unwrap();
    assert_eq!(String::from_utf8_lossy(&out), oracle(theirs), "{what}");
    if let Some(elements) = ours.elements() {
        for (i, e) in elements.enumerate() {
            every_container_agrees(e, &theirs[i], what);
        }
    }
    if let Some(members) = ours.members() {
        for (name, value) in members {
            every_container_agrees(value, &theirs[name], what);
        }
    }
}

#[test]
fn every_value_of_every_sample_event_has_the_reference_canonical_form() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(&path).unwrap();
            let theirs: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let doc = Document::parse(&bytes).unwrap();
            every_container_agrees(doc.root(), &theirs, &path.display().to_string());
            n += 1;
        }
    }
    assert!(n >= 11);
}

#[test]
fn every_value_of_random_documents_has_the_reference_canonical_form() {
    let mut seed = 0x0bad_cafe_1234_5678u64;
    let mut reordered = 0;
    for i in 0..5_000 {
        let mut text = String::new();
        random_json(&mut seed, 0, &mut text, i % 2 == 0);
        let theirs: serde_json::Value = serde_json::from_str(&text).unwrap();
        let doc = Document::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{e}: {text}"));
        every_container_agrees(doc.root(), &theirs, &text);
        reordered += usize::from(doc.canonical != text.as_bytes());
    }
    assert!(reordered > 2_000, "{reordered}");
}

/// Random edits (a byte deleted, inserted or replaced by one that matters to JSON) of random
/// documents: we accept exactly what serde_json accepts, and what both accept has the reference
/// canonical form.
#[test]
fn accepts_what_serde_json_accepts_on_mutated_documents() {
    const BYTES: &[u8] = b"{}[]:,\"\\ 0123456789-+.eEtrufalsn\x01\x1f\x7f\xc3\xa9\xff\xed";
    let mut seed = 0x5eed_f00d_0000_0001u64;
    let (mut accepted, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let mut text = String::new();
        let pretty = next(&mut seed, 2) == 0;
        random_json(&mut seed, 0, &mut text, pretty);
        let mut bytes = text.into_bytes();
        for _ in 0..=next(&mut seed, 3) {
            if bytes.is_empty() {
                break;
            }
            let at = next(&mut seed, bytes.len() as u64) as usize;
            let byte = BYTES[next(&mut seed, BYTES.len() as u64) as usize];
            match next(&mut seed, 3) {
                0 => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, byte),
                _ => bytes[at] = byte,
            }
        }
        let theirs = serde_json::from_slice::<serde_json::Value>(&bytes);
        let ours = Document::parse(&bytes);
        let shown = String::from_utf8_lossy(&bytes);
        match (theirs, ours) {
            (Ok(theirs), Ok(doc)) => {
                let mut out = Vec::new();
                // serde_json keeps the last of repeated names; we refuse to canonicalise them.
                if doc.root().write_canonical(&mut out).is_ok() {
                    assert_eq!(String::from_utf8_lossy(&out), oracle(&theirs), "{shown}");
                }
                accepted += 1;
            }
            (Err(_), Err(_)) => refused += 1,
            (theirs, ours) => panic!(
                "serde_json: {:?}, ours: {:?}, on {shown:?}",
                theirs.map(|_| ()),
                ours.map(|_| ())
            ),
        }
    }
    assert!(accepted > 2_000 && refused > 10_000, "{accepted} {refused}");
}

#[test]
fn a_repeated_name_spoils_the_canonical_form_of_its_object_and_what_holds_it_only() {
    let doc =
        Document::parse(br#"{"z":{"k":1,"k":2},"a":[{"b":1,"b":1}],"ok":{"y":1,"x":2}}"#).unwrap();
    let root = doc.root();
    // Lookups still work; the first of a repeated name wins.
    assert_eq!(
        root.get("z")
            .and_then(|z| z.get("k"))
            .and_then(|k| k.as_u64()),
        Some(1)
    );
    let canonical = |v: Json| {
        let mut out = Vec::new();
        v.write_canonical(&mut out).map(|()| out)
    };
    assert_eq!(
        canonical(root.get("z").unwrap()),
        Err(DuplicateMember("k".into()))
    );
    assert_eq!(
        canonical(root.get("a").unwrap()),
        Err(DuplicateMember("b".into()))
    );
    assert!(canonical(root).is_err());
    assert_eq!(
        canonical(root.get("ok").unwrap()).unwrap(),
        br#"{"x":2,"y":1}"#
    );
    assert_eq!(
        canonical(root.get("z").unwrap().get("k").unwrap()).unwrap(),
        b"1"
    );
}

#[test]
fn reordered_objects_keep_the_place_of_what_they_hold() {
    // Unordered objects inside unordered objects inside an array inside an unordered object: every
    // level moves what it holds.
    let text = br#"{ "z": [ { "y": { "b": [2, {"d": 1, "c": 0}], "a": 1 }, "x": {"q": "\u00e9", "p": 1.50} } ], "m": {"n": {}}, "a": 0 }"#;
    let doc = Document::parse(text).unwrap();
    let theirs: serde_json::Value = serde_json::from_slice(text).unwrap();
    every_container_agrees(doc.root(), &theirs, "nested");
    let y = doc
        .root()
        .get("z")
        .and_then(|z| z.index(0))
        .and_then(|o| o.get("y"))
        .unwrap();
    let mut out = Vec::new();
    y.write_canonical(&mut out).unwrap();
    assert_eq!(out, br#"{"a":1,"b":[2,{"c":0,"d":1}]}"#);
}
