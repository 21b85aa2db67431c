//! The collection catalogue loader (`catalogue/controls.json`, with its AWS Scheduler cron
//! expressions) on hostile text. Every framework and the real collector ids are accepted, so the
//! fuzzer reaches the schedule parser. Ok or a `CatalogueError`, never a panic.
#![no_main]

use attest_domain::collection::ControlCatalogue;
use libfuzzer_sys::fuzz_target;

const COLLECTORS: &[&str] = &[
    "cloudtrail.trail_status",
    "config.rule_compliance",
    "s3.bucket_posture",
    "securityhub.findings",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = ControlCatalogue::from_json(text, |_| true, COLLECTORS);
});
