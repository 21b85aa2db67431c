//! RFC 8785 on arbitrary bytes. For any text that canonicalises, the canonical form is itself JSON,
//! reads back to the same value, and canonicalises to itself (a fixed point). The differential
//! check against Python's `rfc8785` runs over this target's corpus: scripts/fuzz_rfc8785.py.
#![no_main]

use attest_domain::{canonical, ijson};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(first) = canonical::canonicalize_json(data) else {
        return;
    };
    let value = match ijson::parse(&first, &ijson::DOCUMENT) {
        Ok(value) => value,
        Err(e) => panic!("the canonical form does not read back: {e}"),
    };
    match canonical::to_vec(&value) {
        Ok(again) => assert_eq!(
            String::from_utf8_lossy(&again),
            String::from_utf8_lossy(&first),
            "canonical form is not a fixed point"
        ),
        Err(e) => panic!("the canonical form's value has no canonical form: {e}"),
    }
    assert!(
        std::str::from_utf8(&first).is_ok(),
        "canonical form is not UTF-8"
    );
});
