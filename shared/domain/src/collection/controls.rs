//! The collection catalogue (`catalogue/controls.json`): which framework control is evidenced by
//! which collector, on what schedule, with what parameters. Checked when loaded; every error names the
//! row (1-based position in the file), the control id where it could be read, and the field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::schedule::Schedule;
use crate::canonical::sha256_hex;
use crate::catalogue::CatalogueError;

const CONTROLS_JSON: &str = include_str!("../../../../catalogue/controls.json");
const FILE: &str = "controls.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionControl {
    /// Our id for this collection: lower-case letters, digits, `.` and `-`; used in keys and schedules.
    pub id: String,
    pub framework: String,
    pub control_id: String,
    pub name: String,
    pub description: String,
    /// Registered collector id, e.g. `s3.bucket_posture`.
    pub collector: String,
    /// AWS Scheduler cron expression, e.g. `cron(0 2 * * ? *)`.
    pub schedule: String,
    /// Collector parameters (a JSON object); the collector checks its own.
    #[serde(default = "empty_object")]
    pub parameters: serde_json::Value,
    /// Why this evidence supports this control, and the public source for that.
    pub rationale: String,
    /// The mapping rows (`mappings-v1.csv`) the rationale rests on: each maps this row's framework
    /// control, which a test checks, so a collected control cannot claim a mapping the catalogue lacks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mapped_by: Vec<MappedBy>,
}

/// One mapping row, named by its source kind and match (`securityhub_control` `IAM.9`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappedBy {
    pub source_kind: MappingSource,
    #[serde(rename = "match")]
    pub key: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MappingSource {
    ConfigRule,
    SecurityhubControl,
    CloudtrailCall,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

#[derive(Debug, Clone)]
pub struct CatalogueEntry {
    pub control: CollectionControl,
    pub schedule: Schedule,
    pub row: usize,
}

#[derive(Debug, Clone)]
pub struct ControlCatalogue {
    version: String,
    entries: BTreeMap<String, CatalogueEntry>,
}

impl ControlCatalogue {
    /// The catalogue compiled into this binary, checked against the known frameworks and collectors.
    pub fn embedded(
        is_framework: impl Fn(&str) -> bool,
        collectors: &[&str],
    ) -> Result<Self, CatalogueError> {
        Self::from_json(CONTROLS_JSON, is_framework, collectors)
    }

    pub fn from_json(
        text: &str,
        is_framework: impl Fn(&str) -> bool,
        collectors: &[&str],
    ) -> Result<Self, CatalogueError> {
        let err = |row: usize, reason: String| CatalogueError {
            file: FILE,
            row,
            reason,
        };
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(text).map_err(|e| err(0, format!("not a JSON array: {e}")))?;
        let mut entries = BTreeMap::new();
        for (i, raw) in rows.into_iter().enumerate() {
            let row = i + 1;
            let id_hint = raw
                .get("id")
                .and_then(|v| v.as_str())
                .unwrap_or("?")
                .to_string();
            let at = |reason: String| err(row, format!("control `{id_hint}`: {reason}"));
            let control: CollectionControl =
                serde_json::from_value(raw).map_err(|e| at(e.to_string()))?;
            if control.id.is_empty()
                || !control
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
            {
                return Err(at(
                    "field `id` must be lower-case letters, digits, `.` and `-`".into(),
                ));
            }
            for (field, value) in [
                ("control_id", &control.control_id),
                ("name", &control.name),
                ("description", &control.description),
                ("rationale", &control.rationale),
            ] {
                if value.trim().is_empty() {
                    return Err(at(format!("field `{field}` is empty")));
                }
            }
            if !is_framework(&control.framework) {
                return Err(at(format!(
                    "field `framework`: unknown framework `{}`",
                    control.framework
                )));
            }
            if !collectors.contains(&control.collector.as_str()) {
                return Err(at(format!(
                    "field `collector`: unknown collector `{}` (known: {})",
                    control.collector,
                    collectors.join(", ")
                )));
            }
            if !control.parameters.is_object() {
                return Err(at("field `parameters` must be a JSON object".into()));
            }
            let schedule = Schedule::parse(&control.schedule)
                .map_err(|e| at(format!("field `schedule`: {e}")))?;
            if entries.contains_key(&control.id) {
                return Err(at("field `id` is used by an earlier row".into()));
            }
            entries.insert(
                control.id.clone(),
                CatalogueEntry {
                    control,
                    schedule,
                    row,
                },
            );
        }
        Ok(ControlCatalogue {
            version: sha256_hex(text.as_bytes()),
            entries,
        })
    }

    /// SHA-256 of `controls.json`.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn get(&self, id: &str) -> Option<&CatalogueEntry> {
        self.entries.get(id)
    }

    pub fn entries(&self) -> impl Iterator<Item = &CatalogueEntry> {
        self.entries.values()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Catalogue;

    const COLLECTORS: &[&str] = &[
        "s3.bucket_posture",
        "config.rule_compliance",
        "securityhub.findings",
        "cloudtrail.trail_status",
    ];

    fn load(text: &str) -> Result<ControlCatalogue, CatalogueError> {
        ControlCatalogue::from_json(text, |f| f == "PCI-DSS-3.2.1", COLLECTORS)
    }

    const ROW: &str = r#"{"id":"pci-3.4-s3","framework":"PCI-DSS-3.2.1","control_id":"3.4","name":"n","description":"d",
        "collector":"s3.bucket_posture","schedule":"cron(0 2 * * ? *)","parameters":{},"rationale":"r"}"#;

    #[test]
    fn every_shipped_control_rests_on_catalogue_rows_that_map_it() {
        let frameworks = Catalogue::embedded().unwrap();
        let c = ControlCatalogue::embedded(
            |f| frameworks.frameworks().any(|x| x.framework == f),
            &crate::collection::COLLECTOR_IDS,
        )
        .unwrap();
        for entry in c.entries() {
            let control = &entry.control;
            assert!(
                !control.mapped_by.is_empty(),
                "{}: names no mapping row",
                control.id
            );
            for row in &control.mapped_by {
                let mapped = match row.source_kind {
                    MappingSource::ConfigRule => frameworks.config_rule_controls(&row.key),
                    MappingSource::SecurityhubControl => {
                        frameworks.securityhub_controls(Some(&row.key), [])
                    }
                    MappingSource::CloudtrailCall => frameworks.cloudtrail_controls(&row.key),
                };
                assert!(
                    mapped
                        .iter()
                        .any(|m| m.framework == control.framework
                            && m.control_id == control.control_id),
                    "{}: mappings-v1.csv does not map {:?} {} to {} {}",
                    control.id,
                    row.source_kind,
                    row.key,
                    control.framework,
                    control.control_id
                );
            }
        }
    }

    #[test]
    fn the_shipped_catalogue_is_at_the_seed_scale() {
        let frameworks = Catalogue::embedded().unwrap();
        let c = ControlCatalogue::embedded(
            |f| frameworks.frameworks().any(|x| x.framework == f),
            &crate::collection::COLLECTOR_IDS,
        )
        .unwrap();
        assert!(c.len() >= 60, "{} collected controls", c.len());
        for f in frameworks.frameworks() {
            assert!(
                c.entries().any(|e| e.control.framework == f.framework),
                "no collected control for {}",
                f.framework
            );
        }
    }

    #[test]
    fn shipped_catalogue_loads_with_hourly_daily_and_quarterly_controls() {
        let frameworks = Catalogue::embedded().unwrap();
        let c = ControlCatalogue::embedded(
            |f| frameworks.frameworks().any(|x| x.framework == f),
            &crate::collection::COLLECTOR_IDS,
        )
        .unwrap();
        let schedules: Vec<&str> = c.entries().map(|e| e.control.schedule.as_str()).collect();
        assert!(
            schedules.iter().any(|s| s.starts_with("cron(0 * * * ?")),
            "hourly: {schedules:?}"
        );
        assert!(
            schedules
                .iter()
                .any(|s| s.contains(" * * ? *)") && !s.starts_with("cron(0 * ")),
            "daily: {schedules:?}"
        );
        assert!(
            schedules.iter().any(|s| s.contains("1/3")),
            "quarterly: {schedules:?}"
        );
        for collector in crate::collection::COLLECTOR_IDS {
            assert!(
                c.entries().any(|e| e.control.collector == collector),
                "{collector} unused"
            );
        }
    }

    #[test]
    fn errors_name_row_control_and_field() {
        assert!(load(&format!("[{ROW}]")).is_ok());
        let bad_schedule = ROW.replace("cron(0 2 * * ? *)", "rate(1 day)");
        let err = load(&format!("[{ROW},{bad_schedule}]")).unwrap_err();
        assert_eq!(err.row, 2);
        assert!(
            err.reason.contains("pci-3.4-s3") && err.reason.contains("`schedule`"),
            "{err}"
        );

        let err = load(&format!(
            "[{}]",
            ROW.replace("s3.bucket_posture", "s3.nope")
        ))
        .unwrap_err();
        assert!(
            err.reason.contains("`collector`") && err.reason.contains("s3.nope"),
            "{err}"
        );

        let err = load(&format!("[{}]", ROW.replace("PCI-DSS-3.2.1", "PCI-9"))).unwrap_err();
        assert!(err.reason.contains("unknown framework `PCI-9`"), "{err}");

        let err = load(&format!("[{}]", ROW.replace(r#""name":"n","#, ""))).unwrap_err();
        assert!(err.reason.contains("missing field `name`"), "{err}");

        let err = load(&format!("[{ROW},{ROW}]")).unwrap_err();
        assert!(err.reason.contains("earlier row"), "{err}");

        let err = load(&format!("[{}]", ROW.replace("pci-3.4-s3", "PCI 3.4"))).unwrap_err();
        assert!(err.reason.contains("`id`"), "{err}");
    }
}
