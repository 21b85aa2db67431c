//! Every rule of each AWS Config conformance pack in `catalogue/packs/` must be mapped, by
//! `mappings-v1.csv`, to every control the pack lists for it. A pack file holds the pack template's
//! rules (`rule,controls,citation`, controls `;`-separated); see `catalogue/SOURCES.md`.

use super::Catalogue;
use crate::finding::ControlRef;

struct Pack {
    file: &'static str,
    framework: &'static str,
    /// Rules in the pack template as read from the source, so a truncated file fails.
    rules: usize,
    text: &'static str,
}

const PACKS: &[Pack] = &[Pack {
    file: "pci-dss-3.2.1.csv",
    framework: "PCI-DSS-3.2.1",
    rules: 68,
    text: include_str!("../../../../catalogue/packs/pci-dss-3.2.1.csv"),
}];

/// (rule, control ids) for each row of a pack file.
fn parse(pack: &Pack) -> Vec<(String, Vec<String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(pack.text.as_bytes());
    let headers = reader.headers().expect("pack header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["rule", "controls", "citation"],
        "catalogue/packs/{}: header",
        pack.file
    );
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i + 2;
        let record =
            record.unwrap_or_else(|e| panic!("catalogue/packs/{} row {row}: {e}", pack.file));
        let (rule, controls, citation) = (&record[0], &record[1], &record[2]);
        assert!(
            !rule.is_empty(),
            "catalogue/packs/{} row {row}: empty rule",
            pack.file
        );
        assert!(
            !citation.is_empty(),
            "catalogue/packs/{} row {row}: rule {rule} has no citation",
            pack.file
        );
        let controls: Vec<String> = controls.split(';').map(|c| c.trim().to_string()).collect();
        assert!(
            controls.iter().all(|c| !c.is_empty()),
            "catalogue/packs/{} row {row}: rule {rule} has an empty control id",
            pack.file
        );
        rows.push((rule.to_string(), controls));
    }
    rows
}

#[test]
fn every_conformance_pack_rule_maps_to_every_control_it_lists() {
    let catalogue = Catalogue::embedded().unwrap();
    let mut missing = Vec::new();
    for pack in PACKS {
        assert!(
            catalogue.framework(pack.framework).is_some(),
            "catalogue/packs/{}: framework {} not in frameworks.csv",
            pack.file,
            pack.framework
        );
        let rows = parse(pack);
        let mut rules: Vec<&str> = rows.iter().map(|(r, _)| r.as_str()).collect();
        rules.sort_unstable();
        rules.dedup();
        assert_eq!(
            rules.len(),
            rows.len(),
            "catalogue/packs/{}: a rule is listed twice",
            pack.file
        );
        assert_eq!(
            rows.len(),
            pack.rules,
            "catalogue/packs/{}: {} rules, the pack template has {}",
            pack.file,
            rows.len(),
            pack.rules
        );
        for (rule, controls) in &rows {
            let mapped = catalogue.config_rule_controls(rule);
            for control_id in controls {
                let control = ControlRef {
                    framework: pack.framework.to_string(),
                    control_id: control_id.clone(),
                };
                if !mapped.contains(&control) {
                    missing.push(format!(
                        "catalogue/packs/{}: rule {rule} is not mapped to {} {control_id}",
                        pack.file, pack.framework
                    ));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "{} pack mapping(s) missing from mappings-v1.csv:\n{}",
        missing.len(),
        missing.join("\n")
    );
}
