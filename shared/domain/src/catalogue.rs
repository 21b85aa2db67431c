//! The control catalogue: which framework controls a Config rule, a Security Hub control or a
//! CloudTrail call bears on. The mapping is data (`catalogue/*.csv` at the repository root, each row
//! citing its public source), compiled into the binaries so a deployed function and `attest` agree on
//! one version; that version is the SHA-256 of the files and is recorded with every finding.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;
use thiserror::Error;

use crate::canonical::sha256_hex;
use crate::finding::{ComplianceStatus, ControlRef, ControlSet};

const FRAMEWORKS_CSV: &str = include_str!("../../../catalogue/frameworks.csv");
const MAPPINGS_CSV: &str = include_str!("../../../catalogue/mappings-v1.csv");
const REQUIREMENT_PREFIXES_CSV: &str = include_str!("../../../catalogue/requirement-prefixes.csv");
const CLOUDTRAIL_STATUS_CSV: &str = include_str!("../../../catalogue/cloudtrail-status.csv");

/// A catalogue file that does not hold together; names the file, the row (1-based, header is row 1)
/// and what is wrong with it.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("catalogue {file} row {row}: {reason}")]
pub struct CatalogueError {
    pub file: &'static str,
    pub row: usize,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Framework {
    pub framework: String,
    pub name: String,
    pub version: String,
}

#[derive(Debug, Deserialize)]
struct MappingRow {
    source_kind: String,
    #[serde(rename = "match")]
    match_value: String,
    framework: String,
    control_id: String,
    control_title: String,
    citation: String,
}

#[derive(Debug, Deserialize)]
struct PrefixRow {
    prefix: String,
    framework: String,
}

#[derive(Debug, Deserialize)]
struct CloudTrailStatusRow {
    #[serde(rename = "match")]
    match_value: String,
    status: String,
}

/// Control title and the source the mapping was taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlInfo {
    pub title: String,
    pub citation: String,
}

#[derive(Debug, Clone)]
pub struct Catalogue {
    version: String,
    frameworks: BTreeMap<String, Framework>,
    config_rules: HashMap<String, ControlSet>,
    securityhub_controls: HashMap<String, ControlSet>,
    cloudtrail_calls: HashMap<String, ControlSet>,
    /// The empty set, shared by every unmapped finding.
    unmapped: ControlSet,
    requirement_prefixes: HashMap<String, String>,
    cloudtrail_status: HashMap<String, ComplianceStatus>,
    controls: BTreeMap<ControlRef, ControlInfo>,
}

fn read_rows<T: for<'de> Deserialize<'de>>(
    file: &'static str,
    text: &str,
) -> Result<Vec<T>, CatalogueError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    reader
        .deserialize()
        .enumerate()
        .map(|(i, row)| {
            row.map_err(|e| CatalogueError {
                file,
                row: i + 2,
                reason: e.to_string(),
            })
        })
        .collect()
}

impl Catalogue {
    /// The catalogue compiled into this binary from `catalogue/`.
    pub fn embedded() -> Result<Self, CatalogueError> {
        Self::from_csv(
            FRAMEWORKS_CSV,
            MAPPINGS_CSV,
            REQUIREMENT_PREFIXES_CSV,
            CLOUDTRAIL_STATUS_CSV,
        )
    }

    /// Build and check a catalogue from the text of its four files.
    pub fn from_csv(
        frameworks_csv: &str,
        mappings_csv: &str,
        prefixes_csv: &str,
        cloudtrail_status_csv: &str,
    ) -> Result<Self, CatalogueError> {
        let mut hasher_input = Vec::new();
        for (name, text) in [
            ("frameworks.csv", frameworks_csv),
            ("mappings-v1.csv", mappings_csv),
            ("requirement-prefixes.csv", prefixes_csv),
            ("cloudtrail-status.csv", cloudtrail_status_csv),
        ] {
            hasher_input.extend_from_slice(name.as_bytes());
            hasher_input.push(0);
            hasher_input.extend_from_slice(text.as_bytes());
            hasher_input.push(0);
        }
        let version = sha256_hex(&hasher_input);

        let mut frameworks = BTreeMap::new();
        for (i, f) in read_rows::<Framework>("frameworks.csv", frameworks_csv)?
            .into_iter()
            .enumerate()
        {
            if f.framework.is_empty() {
                return Err(CatalogueError {
                    file: "frameworks.csv",
                    row: i + 2,
                    reason: "empty `framework`".into(),
                });
            }
            if frameworks.insert(f.framework.clone(), f.clone()).is_some() {
                return Err(CatalogueError {
                    file: "frameworks.csv",
                    row: i + 2,
                    reason: format!("framework `{}` listed twice", f.framework),
                });
            }
        }

        // Mapping rows by kind while the file is read; each becomes a shared `ControlSet`.
        let (mut config_rules, mut securityhub_controls, mut cloudtrail_calls) =
            (HashMap::new(), HashMap::new(), HashMap::new());
        let mut catalogue = Catalogue {
            version,
            frameworks,
            config_rules: HashMap::new(),
            securityhub_controls: HashMap::new(),
            cloudtrail_calls: HashMap::new(),
            unmapped: ControlSet::default(),
            requirement_prefixes: HashMap::new(),
            cloudtrail_status: HashMap::new(),
            controls: BTreeMap::new(),
        };

        const MAPPINGS: &str = "mappings-v1.csv";
        for (i, row) in read_rows::<MappingRow>(MAPPINGS, mappings_csv)?
            .into_iter()
            .enumerate()
        {
            let at = |reason: String| CatalogueError {
                file: MAPPINGS,
                row: i + 2,
                reason,
            };
            for (field, value) in [
                ("match", &row.match_value),
                ("control_id", &row.control_id),
                ("control_title", &row.control_title),
                ("citation", &row.citation),
            ] {
                if value.is_empty() {
                    return Err(at(format!("empty `{field}`")));
                }
            }
            if !catalogue.frameworks.contains_key(&row.framework) {
                return Err(at(format!(
                    "unknown framework `{}` (not in frameworks.csv)",
                    row.framework
                )));
            }
            let table: &mut HashMap<String, Vec<ControlRef>> = match row.source_kind.as_str() {
                "config_rule" => &mut config_rules,
                "securityhub_control" => &mut securityhub_controls,
                "cloudtrail_call" => {
                    if !row.match_value.contains(':') {
                        return Err(at(format!("cloudtrail_call `{}` is not `eventSource:eventName`", row.match_value)));
                    }
                    &mut cloudtrail_calls
                }
                other => {
                    return Err(at(format!(
                        "unknown source_kind `{other}` (expected config_rule, securityhub_control or cloudtrail_call)"
                    )))
                }
            };
            let control = ControlRef {
                framework: row.framework,
                control_id: row.control_id,
            };
            let controls = table.entry(row.match_value.clone()).or_default();
            if controls.contains(&control) {
                return Err(at(format!(
                    "duplicate mapping {} -> {} {}",
                    row.match_value, control.framework, control.control_id
                )));
            }
            controls.push(control.clone());
            catalogue.controls.entry(control).or_insert(ControlInfo {
                title: row.control_title,
                citation: row.citation,
            });
        }
        let shared = |table: HashMap<String, Vec<ControlRef>>| -> HashMap<String, ControlSet> {
            table
                .into_iter()
                .map(|(key, controls)| (key, ControlSet::new(controls)))
                .collect()
        };
        catalogue.config_rules = shared(config_rules);
        catalogue.securityhub_controls = shared(securityhub_controls);
        catalogue.cloudtrail_calls = shared(cloudtrail_calls);

        for (i, row) in read_rows::<PrefixRow>("requirement-prefixes.csv", prefixes_csv)?
            .into_iter()
            .enumerate()
        {
            if !catalogue.frameworks.contains_key(&row.framework) {
                return Err(CatalogueError {
                    file: "requirement-prefixes.csv",
                    row: i + 2,
                    reason: format!("unknown framework `{}`", row.framework),
                });
            }
            catalogue
                .requirement_prefixes
                .insert(row.prefix, row.framework);
        }

        for (i, row) in
            read_rows::<CloudTrailStatusRow>("cloudtrail-status.csv", cloudtrail_status_csv)?
                .into_iter()
                .enumerate()
        {
            let status =
                ComplianceStatus::from_source_value(&row.status).ok_or_else(|| CatalogueError {
                    file: "cloudtrail-status.csv",
                    row: i + 2,
                    reason: format!("unknown status `{}`", row.status),
                })?;
            catalogue.cloudtrail_status.insert(row.match_value, status);
        }
        Ok(catalogue)
    }

    /// SHA-256 of the catalogue files: which mapping produced a finding's controls.
    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn frameworks(&self) -> impl Iterator<Item = &Framework> {
        self.frameworks.values()
    }

    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.get(id)
    }

    /// Every control of one framework the catalogue maps something to, in control-id order.
    pub fn controls_of<'a>(
        &'a self,
        framework: &'a str,
    ) -> impl Iterator<Item = (&'a ControlRef, &'a ControlInfo)> + 'a {
        self.controls
            .iter()
            .filter(move |(c, _)| c.framework == framework)
    }

    pub fn control_info(&self, control: &ControlRef) -> Option<&ControlInfo> {
        self.controls.get(control)
    }

    /// Number of mapping rows by kind: (config rules, Security Hub controls, CloudTrail calls).
    /// Per framework, how many of its controls the catalogue's rows reach, by source kind
    /// (`config_rule`, `securityhub_control`, `cloudtrail_call`) and in all. Controls reached only
    /// through a Security Hub finding's own `RelatedRequirements` are not counted: no row names them.
    pub fn controls_per_framework(&self) -> BTreeMap<String, BTreeMap<&'static str, usize>> {
        let mut reached: BTreeMap<String, BTreeMap<&'static str, BTreeSet<String>>> = self
            .frameworks
            .keys()
            .map(|f| (f.clone(), BTreeMap::new()))
            .collect();
        let kinds: [(&'static str, &HashMap<String, ControlSet>); 3] = [
            ("config_rule", &self.config_rules),
            ("securityhub_control", &self.securityhub_controls),
            ("cloudtrail_call", &self.cloudtrail_calls),
        ];
        for (kind, rows) in kinds {
            for set in rows.values() {
                for c in set.iter() {
                    if let Some(by_kind) = reached.get_mut(&c.framework) {
                        for bucket in [kind, "all"] {
                            by_kind
                                .entry(bucket)
                                .or_default()
                                .insert(c.control_id.clone());
                        }
                    }
                }
            }
        }
        reached
            .into_iter()
            .map(|(f, by_kind)| {
                (
                    f,
                    by_kind.into_iter().map(|(k, ids)| (k, ids.len())).collect(),
                )
            })
            .collect()
    }

    pub fn mapped_keys(&self) -> (usize, usize, usize) {
        (
            self.config_rules.len(),
            self.securityhub_controls.len(),
            self.cloudtrail_calls.len(),
        )
    }

    /// Controls for a Config rule as deployed. Conformance packs and Security Hub deploy managed
    /// rules under decorated names (`restricted-ssh-conformance-pack-a1b2c3d4e`,
    /// `securityhub-restricted-ssh-1a2b3c`); the base name is what the catalogue lists.
    pub fn config_rule_controls(&self, rule_name: &str) -> ControlSet {
        self.config_rules
            .get(rule_name)
            .or_else(|| self.config_rules.get(base_config_rule_name(rule_name)))
            .unwrap_or(&self.unmapped)
            .clone()
    }

    /// Controls for a Security Hub finding: the catalogue's rows for its control id, plus every
    /// `Compliance.RelatedRequirements` entry whose standard the catalogue knows.
    pub fn securityhub_controls<'a>(
        &self,
        security_control_id: Option<&str>,
        related_requirements: impl IntoIterator<Item = &'a str>,
    ) -> ControlSet {
        let rows = security_control_id
            .and_then(|id| self.securityhub_controls.get(id))
            .unwrap_or(&self.unmapped);
        let mut extra: Vec<ControlRef> = related_requirements
            .into_iter()
            .filter_map(|r| self.requirement_control(r))
            .collect();
        // Requirements the catalogue rows already list add nothing: the rows' set is shared as is.
        extra.retain(|c| !rows.contains(c));
        if extra.is_empty() {
            return rows.clone();
        }
        extra.extend(rows.iter().cloned());
        ControlSet::new(extra)
    }

    /// The framework control a Security Hub requirement names, when the catalogue knows its
    /// standard: `{standard}/{control}` (`PCI DSS v4.0.1/10.3.2`), or for NIST `{standard} {control}`
    /// (`NIST.800-53.r5 AC-4(21)`), as Security Hub writes them.
    fn requirement_control(&self, requirement: &str) -> Option<ControlRef> {
        let (prefix, control_id) = requirement
            .rsplit_once('/')
            .or_else(|| requirement.split_once(' '))?;
        let framework = self.requirement_prefixes.get(prefix.trim())?;
        Some(ControlRef {
            framework: framework.clone(),
            control_id: control_id.trim().to_string(),
        })
    }

    /// The one Security Hub control whose rows map `requirement`
    /// (`CIS AWS Foundations Benchmark v1.2.0/1.3` → `IAM.8`), or `None` when no row or several
    /// controls do: a pre-2023 CIS finding names only its benchmark rule, and this gives it the
    /// control a consolidated finding of the same check names, so both are one state.
    pub fn securityhub_control_of_requirement(&self, requirement: &str) -> Option<&str> {
        let wanted = self.requirement_control(requirement)?;
        let mut found = self
            .securityhub_controls
            .iter()
            .filter(|(_, set)| set.contains(&wanted))
            .map(|(id, _)| id.as_str());
        let first = found.next()?;
        found.next().is_none().then_some(first)
    }

    /// Controls for a CloudTrail call, keyed `eventSource:eventName`.
    pub fn cloudtrail_controls(&self, call: &str) -> ControlSet {
        self.cloudtrail_calls
            .get(call)
            .unwrap_or(&self.unmapped)
            .clone()
    }

    /// The status a CloudTrail call implies when the catalogue names one (a call that switches a
    /// control off is a failure in itself); other mapped calls are changes to review.
    pub fn cloudtrail_status(&self, call: &str) -> Option<ComplianceStatus> {
        self.cloudtrail_status.get(call).copied()
    }
}

/// Strip the decorations conformance packs and Security Hub add to managed rule names.
pub fn base_config_rule_name(rule_name: &str) -> &str {
    let name = match rule_name.find("-conformance-pack-") {
        Some(i) => &rule_name[..i],
        None => rule_name,
    };
    match name.strip_prefix("securityhub-") {
        // Security Hub appends a short random suffix: `securityhub-<rule>-<suffix>`.
        Some(rest) => rest.rsplit_once('-').map(|(base, _)| base).unwrap_or(rest),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FW: &str = "framework,name,version\nPCI-DSS-3.2.1,PCI DSS,3.2.1\nCIS-AWS-1.4,CIS AWS Foundations,1.4.0\n";
    const PREFIXES: &str = "prefix,framework\nPCI DSS 3.2.1,PCI-DSS-3.2.1\nCIS AWS Foundations Benchmark v1.4.0,CIS-AWS-1.4\n";
    const CT: &str = "match,status\ncloudtrail.amazonaws.com:StopLogging,NON_COMPLIANT\n";

    fn mappings(rows: &str) -> String {
        format!("source_kind,match,framework,control_id,control_title,citation\n{rows}")
    }

    #[test]
    fn embedded_catalogue_loads_and_covers_every_framework() {
        let c = Catalogue::embedded().unwrap();
        let (rules, controls, calls) = c.mapped_keys();
        assert!(
            rules >= 20 && controls >= 10 && calls >= 20,
            "{rules} {controls} {calls}"
        );
        for f in c.frameworks() {
            assert!(
                c.controls.keys().any(|k| k.framework == f.framework),
                "framework {} has no mapping rows",
                f.framework
            );
        }
        assert_eq!(c.version().len(), 64);
    }

    #[test]
    fn strips_conformance_pack_and_security_hub_decorations() {
        assert_eq!(
            base_config_rule_name("restricted-ssh-conformance-pack-a1b2c3d4e"),
            "restricted-ssh"
        );
        assert_eq!(
            base_config_rule_name("securityhub-restricted-ssh-1a2b3c"),
            "restricted-ssh"
        );
        assert_eq!(
            base_config_rule_name("cloudtrail-enabled"),
            "cloudtrail-enabled"
        );
    }

    #[test]
    fn maps_rules_requirements_and_calls() {
        let c = Catalogue::from_csv(
            FW,
            &mappings(
                "config_rule,restricted-ssh,PCI-DSS-3.2.1,1.2.1,Restrict inbound,src\n\
                 securityhub_control,S3.8,CIS-AWS-1.4,2.1.5,Block public S3,src\n\
                 cloudtrail_call,cloudtrail.amazonaws.com:StopLogging,CIS-AWS-1.4,4.5,Trail changes,src\n",
            ),
            PREFIXES,
            CT,
        )
        .unwrap();
        assert_eq!(
            c.config_rule_controls("restricted-ssh-conformance-pack-xyz")[0].control_id,
            "1.2.1"
        );
        assert!(c.config_rule_controls("some-custom-rule").is_empty());
        let sh = c.securityhub_controls(
            Some("S3.8"),
            [
                "PCI DSS 3.2.1/1.2.1",
                "CIS AWS Foundations Benchmark v1.4.0/2.1.5",
                "NIST.800-53.r5 AC-3",
            ],
        );
        assert_eq!(
            *sh,
            [
                ControlRef {
                    framework: "CIS-AWS-1.4".into(),
                    control_id: "2.1.5".into()
                },
                ControlRef {
                    framework: "PCI-DSS-3.2.1".into(),
                    control_id: "1.2.1".into()
                },
            ]
        );
        assert_eq!(
            c.cloudtrail_controls("cloudtrail.amazonaws.com:StopLogging")
                .len(),
            1
        );
        assert_eq!(
            c.cloudtrail_status("cloudtrail.amazonaws.com:StopLogging"),
            Some(ComplianceStatus::NonCompliant)
        );
    }

    #[test]
    fn errors_name_file_row_and_field() {
        let err = Catalogue::from_csv(FW, &mappings("config_rule,x,NOPE,1,t,src\n"), PREFIXES, CT)
            .unwrap_err();
        assert_eq!(err.file, "mappings-v1.csv");
        assert_eq!(err.row, 2);
        assert!(err.reason.contains("NOPE"), "{err}");

        let err = Catalogue::from_csv(
            FW,
            &mappings("config_rule,x,PCI-DSS-3.2.1,1,t,\n"),
            PREFIXES,
            CT,
        )
        .unwrap_err();
        assert!(err.to_string().contains("empty `citation`"), "{err}");

        let err = Catalogue::from_csv(
            FW,
            &mappings("config_rule,x,PCI-DSS-3.2.1,1,t,s\nconfig_rule,x,PCI-DSS-3.2.1,1,t,s\n"),
            PREFIXES,
            CT,
        )
        .unwrap_err();
        assert_eq!(err.row, 3);
        assert!(err.reason.contains("duplicate"), "{err}");

        let err = Catalogue::from_csv(
            FW,
            &mappings("cloudtrail_call,StopLogging,PCI-DSS-3.2.1,1,t,s\n"),
            PREFIXES,
            CT,
        )
        .unwrap_err();
        assert!(err.reason.contains("eventSource:eventName"), "{err}");
    }
}

#[cfg(test)]
mod pack_coverage;
