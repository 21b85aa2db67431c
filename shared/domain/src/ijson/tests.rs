use super::*;
use crate::test_json::{next, random_json};

fn read(text: &[u8]) -> Result<Value, ReadError> {
    parse(text, &DOCUMENT)
}

#[test]
fn a_repeated_member_is_refused_at_any_depth_naming_it_and_its_path() {
    for (text, path) in [
        (&br#"{"source":"a","source":"b"}"#[..], "source"),
        (
            br#"{"detail":{"findings":[{"Id":1},{"Id":2,"Id":3}]}}"#,
            "detail.findings[1].Id",
        ),
        (
            br#"{"detail":{"findings":[],"findings":[]}}"#,
            "detail.findings",
        ),
        (br#"[{"a":{"b c":1,"b c":2}}]"#, r#"$[0].a["b c"]"#),
        // The same name written two ways is still the same name.
        ("{\"\\u00e9\":1,\"é\":2}".as_bytes(), "[\"é\"]"),
        (br#"{"detail-type":1,"detail-type":1}"#, "detail-type"),
    ] {
        match read(text) {
            Err(ReadError::RepeatedMember { path: found, .. }) => assert_eq!(found, path),
            other => panic!("{}: {other:?}", String::from_utf8_lossy(text)),
        }
    }
    let message = read(b"{\n \"a\": 1,\n \"a\": 2}").unwrap_err().to_string();
    assert!(
        message.starts_with("member `a` appears twice in one object (line 3, column"),
        "{message}"
    );
    // Names equal only after a case change or in another object are distinct.
    assert!(read(br#"{"a":{"x":1},"b":{"x":1},"A":1}"#).is_ok());
}

#[test]
fn nesting_beyond_the_limit_is_refused_where_it_happens() {
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    assert!(read(deep(MAX_DEPTH).as_bytes()).is_ok());
    match read(deep(MAX_DEPTH + 1).as_bytes()) {
        Err(ReadError::TooDeep { limit, path, .. }) => {
            assert_eq!(limit, 64);
            assert!(
                path.starts_with("$[0][0]") && path.ends_with("[0]"),
                "{path}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Far past serde_json's own limit too: refused, not a stack overflow.
    assert!(read(deep(100_000).as_bytes()).is_err());
    let objects = "{\"a\":".repeat(MAX_DEPTH + 1) + "1" + &"}".repeat(MAX_DEPTH + 1);
    let err = read(objects.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("nested deeper than 64 levels"), "{err}");
}

#[test]
fn a_text_over_the_size_limit_is_refused_naming_both_sizes() {
    let limits = Limits {
        max_bytes: 10,
        ..EVENT
    };
    assert!(parse(b"[1,2,3,4]", &limits).is_ok());
    let err = parse(b"[1,2,3,4,5]", &limits).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the text is 11 bytes, more than the 10 bytes an EventBridge event may hold"
    );
    assert_eq!(EVENT.max_bytes, 1_048_576);
}

#[test]
fn invalid_text_is_refused_with_serde_jsons_reason_and_place() {
    for bad in [
        &b"{"[..],
        b"{\"a\":}",
        b"[1,]",
        b"{\"a\":1,}",
        b"{\"a\" 1}",
        b"{\"a\":1} x",
        b"\"\xff\"",
        b"",
        b"\"a\x01b\"",
        b"\"\\ud800\"",
        b"01",
        b"1e400",
        b"NaN",
    ] {
        match read(bad) {
            Err(ReadError::Syntax(reason)) => assert!(reason.contains("line"), "{reason}"),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(bad)),
        }
    }
}

#[test]
fn numbers_are_read_as_serde_json_reads_them() {
    let text = br#"[0, -0, 9007199254740993, 18446744073709551615, 18446744073709551616, -9223372036854775808, 1e2, -1.5, 0.30000000000000004, 2.2250738585072011e-308]"#;
    assert_eq!(
        read(text).unwrap(),
        serde_json::from_slice::<Value>(text).unwrap()
    );
}

/// Random documents (objects in and out of RFC 8785 order, escapes, numbers of every form) read as
/// serde_json reads them.
#[test]
fn random_documents_read_as_serde_json_reads_them() {
    let mut seed = 0x0bad_cafe_1234_5678u64;
    for i in 0..5_000 {
        let mut text = String::new();
        random_json(&mut seed, 0, &mut text, i % 2 == 0);
        let theirs: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read(text.as_bytes()).unwrap(), theirs, "{text}");
    }
}

/// Random edits (a byte deleted, inserted or replaced by one that matters to JSON) of random
/// documents: we accept exactly what serde_json accepts.
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
        let theirs = serde_json::from_slice::<Value>(&bytes);
        let ours = read(&bytes);
        let shown = String::from_utf8_lossy(&bytes);
        match (theirs, ours) {
            (Ok(theirs), Ok(ours)) => {
                assert_eq!(ours, theirs, "{shown}");
                accepted += 1;
            }
            (Err(_), Err(ReadError::Syntax(_))) => refused += 1,
            (theirs, ours) => panic!(
                "serde_json: {:?}, ours: {:?}, on {shown:?}",
                theirs.map(|_| ()),
                ours.map(|_| ())
            ),
        }
    }
    assert!(accepted > 2_000 && refused > 10_000, "{accepted} {refused}");
}

/// `value` as JSON text, with the member that is the `target`-th one written (counting from 0, in
/// document order) written twice; returns the path of that member if there was one.
fn write_repeating(
    value: &Value,
    at: &str,
    target: usize,
    seen: &mut usize,
    out: &mut String,
) -> Option<String> {
    let mut found = None;
    match value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let here = format!("{}[{i}]", if at.is_empty() { "$" } else { at });
                found = found.or(write_repeating(item, &here, target, seen, out));
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (name, member)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let plain = !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                let here = match (plain, at.is_empty()) {
                    (true, true) => name.clone(),
                    (true, false) => format!("{at}.{name}"),
                    (false, _) => format!("{at}[{}]", Value::from(name.as_str())),
                };
                let copies = if *seen == target { 2 } else { 1 };
                if copies == 2 {
                    found = Some(here.clone());
                }
                *seen += 1;
                for copy in 0..copies {
                    if copy > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::from(name.as_str()).to_string());
                    out.push(':');
                    let mut ignored = *seen;
                    // The second copy's contents are not counted again.
                    let counter = if copy == 0 { &mut *seen } else { &mut ignored };
                    found = found.or(write_repeating(member, &here, target, counter, out));
                }
            }
            out.push('}');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
    found
}

/// Random documents with one member, at any depth, written twice: refused, naming that member.
#[test]
fn random_documents_repeating_a_member_are_refused_naming_it() {
    let mut seed = 0x0dd_ba11_5eed_0002u64;
    let mut refused = 0;
    for i in 0..3_000 {
        let mut text = String::new();
        random_json(&mut seed, 0, &mut text, i % 2 == 0);
        let value: Value = serde_json::from_str(&text).unwrap();
        let target = next(&mut seed, 8) as usize;
        let mut repeated = String::new();
        match write_repeating(&value, "", target, &mut 0, &mut repeated) {
            Some(path) => {
                match read(repeated.as_bytes()) {
                    Err(ReadError::RepeatedMember { path: found, .. }) => {
                        assert_eq!(found, path, "{repeated}")
                    }
                    other => panic!("{repeated}: {other:?}"),
                }
                refused += 1;
            }
            None => assert_eq!(read(repeated.as_bytes()).unwrap(), value),
        }
    }
    assert!(refused > 300, "{refused}");
}
