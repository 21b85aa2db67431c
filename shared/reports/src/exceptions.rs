//! The exception register: findings the team accepted, each with an owner, a rationale and an
//! expiry date. Entries come from `catalogue/exceptions.csv` (versioned with the catalogue); a
//! Security Hub finding whose workflow status is SUPPRESSED is an accepted exception too, with owner
//! and rationale "not recorded" unless a register entry covers it.
//!
//! An exception is never a pass. While in force it is shown as an accepted exception; once its
//! expiry is at or before the end of the report period it counts as a failure again.

use serde::{Deserialize, Serialize};

use crate::error::ReportError;
use crate::snapshot::{normalise_instant, Evaluation};

const EXCEPTIONS_CSV: &str = include_str!("../../../catalogue/exceptions.csv");

/// One register entry. `*` in a match column matches anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionEntry {
    pub id: String,
    /// Framework id, or `*`.
    pub framework: String,
    /// Rule id as evaluated (Config rule name, Security Hub control id, `source:call`), or `*`.
    pub rule_id: String,
    pub account: String,
    pub resource_id: String,
    pub owner: String,
    pub rationale: String,
    /// RFC 3339 UTC instant the exception stops being in force.
    pub expires: String,
}

fn matches(pattern: &str, value: &str) -> bool {
    pattern == "*" || pattern == value
}

/// A register names a resource by its stored id or by the id its source wrote: intake stores a
/// bucket and a security group by ARN (`arn:aws:s3:::logs`, `…:security-group/sg-0abc`), and
/// the register may say `logs` or `sg-0abc`.
fn names_resource(pattern: &str, stored: &str) -> bool {
    matches(pattern, stored)
        || (stored.starts_with("arn:")
            && !pattern.is_empty()
            && stored
                .strip_suffix(pattern)
                .is_some_and(|head| head.ends_with(":::") || head.ends_with('/')))
}

impl ExceptionEntry {
    pub fn covers(&self, framework: &str, evaluation: &Evaluation) -> bool {
        let subject = &evaluation.subject;
        matches(&self.framework, framework)
            && (matches(&self.rule_id, &subject.rule_id)
                || matches(
                    &self.rule_id,
                    attest_domain::catalogue::base_config_rule_name(&subject.rule_id),
                ))
            && matches(&self.account, &subject.account)
            && names_resource(&self.resource_id, &subject.resource_id)
    }

    /// In force at `at` (both RFC 3339 UTC in the same form, so they compare as text).
    pub fn in_force_at(&self, at: &str) -> bool {
        self.expires.as_str() > at
    }
}

/// The register compiled into this build, for the given framework (entries for `*` included).
pub fn embedded_for(framework: &str) -> Result<Vec<ExceptionEntry>, ReportError> {
    Ok(parse(EXCEPTIONS_CSV)?
        .into_iter()
        .filter(|e| matches(&e.framework, framework))
        .collect())
}

/// Parse and check the register: unique ids, every field present, a valid expiry.
pub fn parse(text: &str) -> Result<Vec<ExceptionEntry>, ReportError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut out: Vec<ExceptionEntry> = Vec::new();
    for (i, row) in reader.deserialize::<ExceptionEntry>().enumerate() {
        let row_no = i + 2;
        let bad = |reason: String| ReportError::BadException {
            row: row_no,
            reason,
        };
        let mut entry = row.map_err(|e| bad(e.to_string()))?;
        for (name, value) in [
            ("id", &entry.id),
            ("framework", &entry.framework),
            ("rule_id", &entry.rule_id),
            ("account", &entry.account),
            ("resource_id", &entry.resource_id),
            ("owner", &entry.owner),
            ("rationale", &entry.rationale),
        ] {
            if value.is_empty() {
                return Err(bad(format!("{name} is empty")));
            }
        }
        entry.expires =
            normalise_instant(&entry.expires).map_err(|e| bad(format!("expires: {e}")))?;
        if out.iter().any(|e| e.id == entry.id) {
            return Err(bad(format!("id `{}` is listed twice", entry.id)));
        }
        out.push(entry);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_register_entry_names_a_resource_by_its_stored_id_or_its_sources_id() {
        let bucket = "arn:aws:s3:::attest-audit-exports-123456789012";
        let group = "arn:aws:ec2:us-east-1:123456789012:security-group/sg-0a1b2c3d4e5f67890";
        assert!(names_resource("attest-audit-exports-123456789012", bucket));
        assert!(names_resource(bucket, bucket));
        assert!(names_resource("sg-0a1b2c3d4e5f67890", group));
        assert!(names_resource("*", group));
        assert!(names_resource("123456789012", "123456789012"));
        // Only a whole name after the ARN's resource separator.
        assert!(!names_resource("exports-123456789012", bucket));
        assert!(!names_resource("", bucket));
        assert!(!names_resource("sg-0a1b2c3d4e5f6789", group));
        assert!(!names_resource("logs", "logs-archive"));
    }

    #[test]
    fn the_embedded_register_parses() {
        let all = parse(EXCEPTIONS_CSV).unwrap();
        assert!(!all.is_empty());
    }

    #[test]
    fn bad_rows_are_named() {
        let header = "id,framework,rule_id,account,resource_id,owner,rationale,expires\n";
        let e = parse(&format!("{header}x,*,r,*,*,,why,2027-01-01\n")).unwrap_err();
        assert_eq!(e.to_string(), "exception register row 2: owner is empty");
        let e = parse(&format!("{header}x,*,r,*,*,o,why,soon\n")).unwrap_err();
        assert!(e.to_string().contains("row 2: expires"), "{e}");
        let e = parse(&format!(
            "{header}x,*,r,*,*,o,why,2027-01-01\nx,*,r,*,*,o,why,2027-01-01\n"
        ))
        .unwrap_err();
        assert!(
            e.to_string().contains("row 3: id `x` is listed twice"),
            "{e}"
        );
    }

    #[test]
    fn expiry_is_exclusive() {
        let header = "id,framework,rule_id,account,resource_id,owner,rationale,expires\n";
        let e = &parse(&format!("{header}x,*,r,*,*,o,why,2027-01-01\n")).unwrap()[0];
        assert!(e.in_force_at("2026-12-31T23:59:59Z"));
        assert!(!e.in_force_at("2027-01-01T00:00:00Z"));
    }
}
