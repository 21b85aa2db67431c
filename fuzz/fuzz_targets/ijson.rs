//! The strict JSON reader on arbitrary bytes, under the event limits: Ok or Err, never a panic or
//! a stack overflow. Whatever it accepts serde_json accepts too, with the same value (ijson only
//! adds refusals).
#![no_main]

use attest_domain::ijson;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = ijson::parse(data, &ijson::EVENT) else {
        return;
    };
    match serde_json::from_slice::<serde_json::Value>(data) {
        Ok(plain) => assert_eq!(plain, value, "ijson and serde_json read different values"),
        Err(e) => panic!("ijson accepted a text serde_json refuses: {e}"),
    }
});
