//! `attest verify` on a hostile bundle. Input: a mode byte (`attest_fuzz::mode`), then files
//! separated by 0xFF: manifest, snapshot, signature record, public key PEM, then name and body
//! pairs (outputs and evidence objects); `attest_fuzz::bundle` builds the bundle. Names are
//! checked as the folder reader checks them (`check_bundle_path`), and every name it accepts must
//! stay inside the bundle's folder. Verification must end in Ok or a named error, never a panic.
#![no_main]

use attest_reports::verify::verify;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((bundle, anchor)) = attest_fuzz::bundle::from_input(data) else {
        return;
    };
    if let Ok(verified) = verify(&bundle, &anchor) {
        // A report that verifies says what it verified.
        assert!(!verified.to_string().is_empty());
    }
});
