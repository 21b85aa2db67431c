//! The exception register (`catalogue/exceptions.csv`) on hostile text: Ok or a `ReportError`
//! naming the row, never a panic. Entries that load have normalised expiry instants.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(entries) = attest_reports::exceptions::parse(&text) else {
        return;
    };
    for entry in &entries {
        assert_eq!(
            attest_reports::snapshot::normalise_instant(&entry.expires).as_deref(),
            Ok(entry.expires.as_str()),
            "expiry is not normalised"
        );
        let _ = entry.in_force_at("2026-12-03T00:00:00Z");
    }
});
