//! The mapping catalogue loader (`Catalogue::from_csv`) on four hostile files: frameworks,
//! mappings, requirement prefixes and CloudTrail statuses, separated by 0xFF. Ok or a
//! `CatalogueError`, never a panic; a catalogue that loads answers lookups.
#![no_main]

use attest_domain::{Catalogue, ControlRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parts = attest_fuzz::parts(data);
    let text = |i: usize| {
        parts
            .get(i)
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default()
    };
    let Ok(catalogue) = Catalogue::from_csv(&text(0), &text(1), &text(2), &text(3)) else {
        return;
    };
    let probe = text(4);
    let _ = catalogue.config_rule_controls(&probe);
    let _ = catalogue.cloudtrail_controls(&probe);
    let _ = catalogue.cloudtrail_status(&probe);
    let _ = catalogue.securityhub_controls(Some(&probe), [probe.as_str()]);
    let _ = catalogue.control_info(&ControlRef {
        framework: probe.clone(),
        control_id: probe.clone(),
    });
    let _ = catalogue.mapped_keys();
    let _ = attest_domain::catalogue::base_config_rule_name(&probe);
});
