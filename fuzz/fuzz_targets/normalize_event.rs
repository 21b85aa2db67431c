//! Arbitrary bytes as an SQS message body into intake's normalisation, with the embedded catalogue.
//! It must return Ok or Err, never panic; and every finding it makes must be re-derived from its
//! own evidence document (what reports and `attest verify` rely on).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let catalogue = attest_fuzz::catalogue();
    let Ok(event) = attest_domain::normalize_event(data, catalogue) else {
        return;
    };
    for original in &event.findings {
        match attest_domain::normalize_evidence(&original.evidence.bytes, catalogue) {
            Ok(again) => {
                assert_eq!(
                    again.finding, original.finding,
                    "finding re-derived from evidence"
                );
                assert_eq!(again.evidence, original.evidence, "evidence re-derived");
            }
            Err(e) => panic!("a finding's own evidence does not normalise: {e}"),
        }
    }
});
