//! Snapshots for tests, benchmarks and the look check: one from the sample events in `events/`, and
//! a synthetic one of any size. Both are deterministic (a fixed-seed generator, no clock).
//!
//! Test support only: no production crate depends on this one. `attest-reports`' own unit tests
//! compile this file as a `#[cfg(test)]` module (a dev-dependency on this crate would give them a
//! second, different copy of the report types), which is why it names its items by the
//! `attest_reports::` path, valid in both places.

use attest_domain::records::{FindingRows, HistoryRow};
use attest_domain::{
    normalize_event, Catalogue, ComplianceStatus, Disposition, Period, Severity, Subject,
};

use attest_reports::error::ReportError;
use attest_reports::exceptions;
use attest_reports::render::template_version;
use attest_reports::snapshot::{
    framework_info, run_id, scope, Collection, Evaluation, EvidenceItem, FrameworkInfo,
    ReportPolicy, RunHeader, ScopeControl, Snapshot, SNAPSHOT_SCHEMA,
};

/// The sample reports' recorded time: the November run, scheduled at 06:00 on 1 December.
const GENERATED_AT: &str = "2026-12-01T06:00:00Z";

/// The sample reports' period: November 2026.
fn november() -> Period {
    Period::parse("2026-11-01T00:00:00Z/2026-12-01T00:00:00Z").expect("a constant, valid period")
}

const SAMPLE_EVENTS: [&[u8]; 11] = [
    include_bytes!("../../../events/cloudtrail-authorize-sg-ingress.json"),
    include_bytes!("../../../events/cloudtrail-console-login-no-mfa.json"),
    include_bytes!("../../../events/cloudtrail-kms-schedule-key-deletion.json"),
    include_bytes!("../../../events/cloudtrail-stoplogging.json"),
    include_bytes!("../../../events/cloudtrail-unmapped-create-tags.json"),
    include_bytes!("../../../events/config-compliant-first-evaluation.json"),
    include_bytes!("../../../events/config-conformance-pack-rule.json"),
    include_bytes!("../../../events/config-noncompliant-with-old-result.json"),
    include_bytes!("../../../events/config-not-applicable.json"),
    include_bytes!("../../../events/securityhub-four-findings.json"),
    include_bytes!("../../../events/securityhub-one-finding.json"),
];

/// The snapshot a report over the sample events would pin, for one framework.
pub fn from_events(framework: &str) -> Result<Snapshot, ReportError> {
    Ok(from_events_with_objects(framework)?.0)
}

/// The history rows intake writes for the sample events, each with its evidence object's bytes.
// Unused where `attest-reports`' own tests compile this file as a module.
#[allow(dead_code)]
pub fn history_rows() -> Result<Vec<(HistoryRow, Vec<u8>)>, ReportError> {
    Ok(sample_findings()?
        .into_iter()
        .map(|(_, row, bytes)| (row, bytes))
        .collect())
}

/// The sample events' findings, with the history row intake writes and the evidence bytes.
fn sample_findings() -> Result<
    Vec<(
        attest_domain::normalize::NormalizedFinding,
        HistoryRow,
        Vec<u8>,
    )>,
    ReportError,
> {
    let catalogue = Catalogue::embedded()
        .map_err(|e| ReportError::BadSnapshot(format!("embedded catalogue: {e}")))?;
    let mut rows = Vec::new();
    for bytes in SAMPLE_EVENTS {
        let event = normalize_event(bytes, &catalogue)
            .map_err(|e| ReportError::BadSnapshot(format!("sample event: {e}")))?;
        for f in &event.findings {
            let built = FindingRows::build(&f.finding, &f.evidence, catalogue.version())
                .map_err(|e| ReportError::BadSnapshot(format!("sample rows: {e}")))?;
            rows.push((f.clone(), built.history, f.evidence.bytes.clone()));
        }
    }
    Ok(rows)
}

/// The same, with the evidence objects' bytes by key (what the evidence bucket would hold).
pub fn from_events_with_objects(
    framework: &str,
) -> Result<(Snapshot, std::collections::BTreeMap<String, Vec<u8>>), ReportError> {
    let mut objects = std::collections::BTreeMap::new();
    let catalogue = Catalogue::embedded()
        .map_err(|e| ReportError::BadSnapshot(format!("embedded catalogue: {e}")))?;
    let info = framework_info(&catalogue, framework)?;
    let mut evidence = Vec::new();
    for (derived, row, bytes) in sample_findings()? {
        let key = &row.fields.evidence_key;
        if let Some(item) = EvidenceItem::from_finding(&derived, key, None, framework) {
            objects.insert(item.key.clone(), bytes);
            evidence.push(item);
        }
    }
    evidence.sort_by(|a, b| a.key.cmp(&b.key));
    evidence.dedup_by(|a, b| a.key == b.key);
    let generated_at = GENERATED_AT;
    let snapshot = Snapshot {
        schema: SNAPSHOT_SCHEMA.to_string(),
        header: RunHeader {
            run_id: run_id(framework, &november(), generated_at),
            period: november(),
            generated_at: generated_at.to_string(),
            catalogue_version: catalogue.version().to_string(),
            template_version: template_version(),
            predecessor: None,
            amends: None,
        },
        framework: info,
        policy: ReportPolicy::default(),
        controls: scope(&catalogue, framework, []),
        exceptions: exceptions::embedded_for(framework)?,
        evidence,
    };
    Ok((snapshot, objects))
}

/// An AWS Config rule result for S3 bucket `resource` (`COMPLIANT`, `NON_COMPLIANT`, ...) observed
/// at `at`, normalised as intake normalises it: the sample rule event with its bucket, result and
/// times replaced, for tests of standings carried across periods.
// Unused where `attest-reports`' own tests compile this file as a module.
#[allow(dead_code)]
pub fn config_rule_result(
    resource: &str,
    status: &str,
    at: &str,
) -> Result<attest_domain::normalize::NormalizedFinding, ReportError> {
    let catalogue = Catalogue::embedded()
        .map_err(|e| ReportError::BadSnapshot(format!("embedded catalogue: {e}")))?;
    config_rule_result_with(&catalogue, resource, status, at)
}

/// The same with a catalogue loaded once by the caller (benchmarks make many).
#[allow(dead_code)]
pub fn config_rule_result_with(
    catalogue: &Catalogue,
    resource: &str,
    status: &str,
    at: &str,
) -> Result<attest_domain::normalize::NormalizedFinding, ReportError> {
    use serde_json::json;
    let bad = |e: String| ReportError::BadSnapshot(format!("sample rule result: {e}"));
    let mut event: serde_json::Value = serde_json::from_slice(include_bytes!(
        "../../../events/config-noncompliant-with-old-result.json"
    ))
    .map_err(|e| bad(e.to_string()))?;
    event["id"] = json!(format!("evt-{resource}-{at}"));
    event["time"] = json!(at);
    let detail = &mut event["detail"];
    detail["resourceId"] = json!(resource);
    if let Some(d) = detail.as_object_mut() {
        d.remove("oldEvaluationResult");
    }
    let result = &mut detail["newEvaluationResult"];
    result["complianceType"] = json!(status);
    result["resultRecordedTime"] = json!(at);
    result["configRuleInvokedTime"] = json!(at);
    let id = &mut result["evaluationResultIdentifier"];
    id["orderingTimestamp"] = json!(at);
    id["evaluationResultQualifier"]["resourceId"] = json!(resource);
    let bytes = serde_json::to_vec(&event).map_err(|e| bad(e.to_string()))?;
    normalize_event(&bytes, catalogue)
        .map_err(|e| bad(e.to_string()))?
        .findings
        .pop()
        .ok_or_else(|| bad("no finding".into()))
}

/// Fixed-seed generator (SplitMix64): reproducible data with no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// A synthetic snapshot of `controls` controls and `rows` evidence items (the scale benchmark's
/// "200 controls, 15,000 evidence rows"), with a realistic mix of statuses, severities, resource
/// types, collected evidence, a few controls left without evidence, and exceptions.
pub fn synthetic(controls: usize, rows: usize) -> Snapshot {
    let mut rng = SplitMix(0x5EED);
    let scope: Vec<ScopeControl> = (0..controls)
        .map(|i| ScopeControl {
            control_id: format!("{}.{}.{}", i / 40 + 1, (i / 8) % 5 + 1, i % 8 + 1),
            title: format!(
                "Synthetic control {} covering logging, encryption and access review",
                i + 1
            ),
        })
        .collect();
    let types = [
        "AWS::S3::Bucket",
        "AWS::EC2::SecurityGroup",
        "AWS::IAM::User",
        "AWS::RDS::DBInstance",
        "AWS::KMS::Key",
        "AWS::CloudTrail::Trail",
    ];
    let rules = [
        "s3-bucket-server-side-encryption-enabled",
        "restricted-ssh",
        "iam-user-mfa-enabled",
        "rds-storage-encrypted",
        "cmk-backing-key-rotation-enabled",
        "cloudtrail-enabled",
    ];
    use ComplianceStatus::{Compliant, InsufficientData, NonCompliant, NotApplicable};
    let statuses = [
        Compliant,
        Compliant,
        Compliant,
        NonCompliant,
        NonCompliant,
        NotApplicable,
        InsufficientData,
    ];
    use Severity::{Critical, High, Low, Medium};
    let severities = [Critical, High, Medium, Medium, Low];
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    const RESOURCES_PER_CONTROL: usize = 10;
    // The last 2% of controls get no evidence: they must show as gaps.
    let evidenced = (controls - controls / 50).max(1);
    let mut evidence: Vec<EvidenceItem> = (0..rows)
        .map(|i| {
            let control_index = (rng.next() % evidenced as u64) as usize;
            let control = &scope[control_index].control_id;
            // Each control watches a small fleet of resources, each evaluated several times in the
            // period (Config re-evaluates on change and on its schedule), as in a real account.
            let resource = control_index * RESOURCES_PER_CONTROL
                + (rng.next() % RESOURCES_PER_CONTROL as u64) as usize;
            let kind = resource % types.len();
            let account = format!("{:012}", 100_000_000_000u64 + (resource / 7 % 4) as u64);
            let region = regions[resource % regions.len()].to_string();
            let resource_id = format!(
                "{}-{:05}",
                rules[kind].split('-').next().unwrap_or("r"),
                resource
            );
            let day = 1 + (rng.next() % 30);
            let observed_at = format!(
                "2026-11-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
                rng.next() % 24,
                rng.next() % 60,
                rng.next() % 60,
                rng.next() % 1000
            );
            let digest = attest_domain::canonical::sha256_hex(format!("synthetic-{i}").as_bytes());
            let collected = i % 97 == 0;
            EvidenceItem {
                key: format!("evidence/{account}/config/2026/11/{day:02}/{digest}.json"),
                version_id: Some(format!("v{:032x}", rng.next() as u128 * 0x1_0000_0001)),
                sha256: digest,
                observed_at: observed_at.clone(),
                controls: vec![control.clone()],
                evaluation: (!collected).then(|| {
                    let subject = Subject {
                        account: account.clone(),
                        region: region.clone(),
                        resource_type: types[kind].to_string(),
                        resource_id: resource_id.clone(),
                        rule_id: rules[kind].to_string(),
                    };
                    Evaluation {
                        state_id: subject.state_id(),
                        source: "config".to_string(),
                        event_id: format!(
                            "{:08x}-0000-4000-8000-{:012x}",
                            i,
                            rng.next() % (1 << 48)
                        ),
                        subject,
                        status: rng.pick(&statuses),
                        severity: rng.pick(&severities),
                        disposition: if i % 211 == 0 {
                            Disposition::Suppressed
                        } else {
                            Disposition::Active
                        },
                        title: None,
                    }
                }),
                collection: collected.then(|| Collection {
                    control: format!("synthetic-{control}"),
                    collector: "s3.bucket_posture".to_string(),
                    collector_version: "1".to_string(),
                    period_start: "2026-11-01T00:00:00Z".to_string(),
                    period_end: "2026-11-02T00:00:00Z".to_string(),
                    collected_by: Some(
                        "arn:aws:sts::100000000000:assumed-role/attest-collect/fn".to_string(),
                    ),
                }),
                precedence: None,
                late_for: None,
            }
        })
        .collect();
    evidence.sort_by(|a, b| a.key.cmp(&b.key));
    evidence.dedup_by(|a, b| a.key == b.key);
    let generated_at = GENERATED_AT;
    Snapshot {
        schema: SNAPSHOT_SCHEMA.to_string(),
        header: RunHeader {
            run_id: run_id("SYNTHETIC", &november(), generated_at),
            period: november(),
            generated_at: generated_at.to_string(),
            catalogue_version: "synthetic".to_string(),
            template_version: template_version(),
            predecessor: None,
            amends: None,
        },
        framework: FrameworkInfo {
            id: "SYNTHETIC".to_string(),
            name: "Synthetic framework (benchmark data)".to_string(),
            version: "1".to_string(),
        },
        policy: ReportPolicy::default(),
        controls: scope,
        exceptions: exceptions::parse(
            "id,framework,rule_id,account,resource_id,owner,rationale,expires\n\
             SYN-1,*,restricted-ssh,*,restricted-00043,net@example.com,Bastion migration,2027-01-31\n\
             SYN-2,*,iam-user-mfa-enabled,*,iam-00008,iam@example.com,Break-glass user,2026-11-15\n",
        )
        .unwrap_or_default(),
        evidence,
    }
}
