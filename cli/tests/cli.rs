//! The `attest` binary as a user runs it: output on stdout, exit 2 with a message on bad input.

use std::process::Command;

/// `attest` as an operator runs it against AWS: the local server, and a function's `ATTEST_*`
/// variables as the template sets them.
fn attest_on_aws(
    stack: &attest_testing::Stack,
    function: &str,
    vars: &[&str],
    args: &[&str],
) -> std::process::Output {
    let env = stack.env(function);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_attest"));
    cmd.args(args)
        .env("AWS_ENDPOINT_URL", attest_testing::endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing");
    for var in vars {
        cmd.env(
            var,
            env(var).unwrap_or_else(|| panic!("{function} sets no {var}")),
        );
    }
    cmd.output().expect("run attest")
}

fn attest(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_attest"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("run attest")
}

#[test]
fn normalize_prints_every_finding_of_every_file() {
    let out = attest(&[
        "normalize",
        "events/securityhub-four-findings.json",
        "events/cloudtrail-stoplogging.json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings.len(), 5);
    assert_eq!(
        findings[4]["rule_id"],
        "cloudtrail.amazonaws.com:StopLogging"
    );
    assert_eq!(findings[2]["disposition"], "SUPPRESSED");
    assert_eq!(findings[0]["evidence_sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn normalize_rejects_bad_input_with_exit_2_and_names_the_field() {
    let out = attest(&[
        "normalize",
        "events/invalid/config-missing-compliance-type.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("config-missing-compliance-type.json"), "{err}");
    assert!(
        err.contains("detail.newEvaluationResult.complianceType"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = attest(&["normalize", "events/invalid/not-json.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));

    // A malformed record in a batch fails the command as it fails intake, naming the record.
    let out = attest(&[
        "normalize",
        "events/securityhub-v2-malformed-between-good.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 record(s) refused"), "{err}");
    assert!(err.contains("detail.findings[1].resources[0]"), "{err}");
    // What intake stores of it is still shown.
    let shown: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown.len(), 2);

    let out = attest(&["normalize", "no/such/file.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn an_event_or_document_repeating_a_member_name_is_refused_with_exit_2_naming_it() {
    let dir = std::env::temp_dir().join(format!("attest-cli-repeated-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sample = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../events/securityhub-four-findings.json"),
    )
    .unwrap();
    // The first finding's Id written twice: readers that keep the first copy and readers that keep
    // the last would store different evidence.
    let at = sample.find(r#""Id": ""#).unwrap();
    let repeated = format!("{}\"Id\": \"other\", {}", &sample[..at], &sample[at..]);
    let event = dir.join("repeated.json");
    std::fs::write(&event, repeated).unwrap();

    let out = attest(&["normalize", event.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("repeated.json"), "{err}");
    assert!(
        err.contains("member `detail.findings[0].Id` appears twice"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = attest(&["canonicalize", event.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("member `detail.findings[0].Id` appears twice"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn canonicalize_and_hash_agree_with_the_evidence_hash() {
    let dir = std::env::temp_dir().join(format!("attest-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.json");
    std::fs::write(
        &input,
        br#"{ "b": [1.50, "x"], "a": {"z": null, "y": 1e2} }"#,
    )
    .unwrap();
    let out = attest(&["canonicalize", input.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        r#"{"a":{"y":100,"z":null},"b":[1.5,"x"]}"#
    );

    let canonical = dir.join("canonical.json");
    std::fs::write(&canonical, br#"{"a":{"y":100,"z":null},"b":[1.5,"x"]}"#).unwrap();
    let out = attest(&["hash", canonical.to_str().unwrap()]);
    assert!(out.status.success());
    let hex = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        hex.trim(),
        attest_domain::canonical::sha256_hex(br#"{"a":{"y":100,"z":null},"b":[1.5,"x"]}"#)
    );

    let out = attest(&["canonicalize", "events/invalid/not-json.txt"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `attest collect` against the local AWS server, configured as an operator would (environment).
#[tokio::test]
async fn collect_runs_once_per_control_and_period() {
    let stack = attest_testing::Stack::new().await;
    let vars = [
        "ATTEST_EVIDENCE_BUCKET",
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "ATTEST_RUNS_TABLE",
    ];
    let run = |args: &[&str]| attest_on_aws(&stack, "CollectFunction", &vars, args);
    let args = [
        "collect",
        "cis-1.4-3.1-trail-status",
        "--period",
        "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
    ];
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(first["outcome"], "collected");
    assert_eq!(first["record"]["status"], "COLLECTED");

    let again: serde_json::Value = serde_json::from_slice(&run(&args).stdout).unwrap();
    assert_eq!(again["outcome"], "already_collected");
    assert_eq!(
        again["record"]["evidence_sha256"],
        first["record"]["evidence_sha256"]
    );

    let bad = run(&[
        "collect",
        "cis-1.4-3.1-trail-status",
        "--period",
        "2026-11-02T00:00:00Z/2026-11-01T00:00:00Z",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("the period is inverted (start after end)")
    );
    let unknown = run(&[
        "collect",
        "nope",
        "--scheduled-time",
        "2026-11-02T00:00:00Z",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("unknown control `nope`"));
}

/// An operator collects and reports with `attest`; an auditor fetches the bundle and verifies it
/// offline, and every kind of tampering is named.
#[tokio::test]
async fn report_fetch_and_verify_as_an_operator_and_an_auditor() {
    let stack = attest_testing::Stack::new().await;
    let vars = [
        "ATTEST_EVIDENCE_BUCKET",
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "ATTEST_RUNS_TABLE",
        "ATTEST_STATE_TABLE",
        "ATTEST_HISTORY_TABLE",
        "ATTEST_REPORT_SIGNING_KEY_ID",
    ];
    let run = |args: &[&str]| attest_on_aws(&stack, "ReportFunction", &vars, args);
    let ok = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "stdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    ok(&run(&[
        "collect",
        "cis-1.4-3.1-trail-status",
        "--period",
        "2026-11-01T00:00:00Z/2026-11-02T00:00:00Z",
    ]));
    let dir = std::env::temp_dir().join(format!("attest-cli-bundle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let report = run(&[
        "report",
        "CIS-AWS-1.4",
        "--period",
        "2026-11-01/2026-12-01",
        "--requested-at",
        "2026-12-02T09:00:00Z",
        "--out",
        dir.to_str().unwrap(),
    ]);
    ok(&report);
    let stdout = String::from_utf8_lossy(&report.stdout);
    assert!(stdout.contains("Published, 1 evidence items"), "{stdout}");
    let uri = stdout
        .split_whitespace()
        .find(|w| w.starts_with("s3://"))
        .unwrap()
        .to_string();

    // Without a trust anchor verify refuses, saying how to obtain the key.
    let refused = run(&["verify", dir.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("no trust anchor")
            && err.contains("aws kms get-public-key --key-id")
            && err.contains("--key-fingerprint"),
        "{err}"
    );
    assert!(refused.stdout.is_empty());

    // The anchor, obtained as documented: GetPublicKey, then SHA-256 of the DER key.
    let key_id = stack.env("ReportFunction")("ATTEST_REPORT_SIGNING_KEY_ID").unwrap();
    let public = aws_sdk_kms::Client::new(&stack.sdk)
        .get_public_key()
        .key_id(&key_id)
        .send()
        .await
        .unwrap();
    let key_arn = public.key_id.unwrap();
    let der = public.public_key.unwrap().into_inner();
    let fingerprint = format!("SHA256:{}", attest_domain::canonical::sha256_hex(&der));
    let with_anchor =
        |location: &str| run(&["verify", location, "--key-fingerprint", &fingerprint]);

    let verified = with_anchor(dir.to_str().unwrap());
    ok(&verified);
    let line = String::from_utf8_lossy(&verified.stdout).to_string();
    assert!(
        line.starts_with("OK CIS-AWS-1.4 2026-11-01T00:00:00Z/2026-12-01T00:00:00Z"),
        "{line}"
    );
    assert!(
        line.contains(&format!("key {fingerprint} {key_arn}")),
        "{line}"
    );
    ok(&with_anchor(&uri));

    // The key itself (DER, as `base64 -d` writes it) and a trust file are anchors too.
    let der_file = dir.with_extension("der");
    std::fs::write(&der_file, &der).unwrap();
    ok(&run(&[
        "verify",
        dir.to_str().unwrap(),
        "--public-key",
        der_file.to_str().unwrap(),
    ]));
    let account = key_arn.split(':').nth(4).unwrap();
    let trust_file = dir.with_extension("trust.json");
    std::fs::write(
        &trust_file,
        serde_json::json!({"schema": "attest.trust/v1", "keys": [
            {"fingerprint": fingerprint, "key_arn": key_arn, "account": account}]})
        .to_string(),
    )
    .unwrap();
    ok(&run(&[
        "verify",
        dir.to_str().unwrap(),
        "--trust",
        trust_file.to_str().unwrap(),
    ]));
    let other_key = key_arn.replace(account, "000000000000");
    std::fs::write(
        &trust_file,
        serde_json::json!({"schema": "attest.trust/v1", "keys": [
            {"fingerprint": fingerprint, "key_arn": other_key, "account": "000000000000"}]})
        .to_string(),
    )
    .unwrap();
    let wrong = run(&[
        "verify",
        dir.to_str().unwrap(),
        "--trust",
        trust_file.to_str().unwrap(),
    ]);
    assert_eq!(wrong.status.code(), Some(1));
    let out = String::from_utf8_lossy(&wrong.stdout);
    assert!(
        out.starts_with("FAILED trust file:") && out.contains(&other_key) && out.contains(&key_arn),
        "{out}"
    );

    // A fetched copy in another folder is the same bundle.
    let copy = dir.with_extension("copy");
    ok(&run(&["fetch", &uri, copy.to_str().unwrap()]));
    ok(&with_anchor(copy.to_str().unwrap()));

    // Forged versions stacked over a published output and over the manifest (a second PutObject
    // on the same keys) change nothing for `verify s3://` and `fetch`: both read the versions
    // the run record pins.
    let (bucket, prefix) = uri.trim_start_matches("s3://").split_once('/').unwrap();
    let s3 = aws_sdk_s3::Client::new(&stack.sdk);
    for name in ["report.csv", "manifest.json"] {
        s3.put_object()
            .bucket(bucket)
            .key(format!("{prefix}{name}"))
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"forged"))
            .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
            .send()
            .await
            .unwrap();
    }
    let after = with_anchor(&uri);
    ok(&after);
    assert_eq!(after.stdout, verified.stdout);
    let refetched = dir.with_extension("refetched");
    ok(&run(&["fetch", &uri, refetched.to_str().unwrap()]));
    for name in ["report.csv", "manifest.json", "report.pdf"] {
        assert_eq!(
            std::fs::read(refetched.join(name)).unwrap(),
            std::fs::read(copy.join(name)).unwrap(),
            "{name}"
        );
    }
    // Without the run record nothing pins the versions: a file with two is refused by name.
    let unpinned = attest_on_aws(
        &stack,
        "ReportFunction",
        &["ATTEST_EVIDENCE_BUCKET"],
        &["verify", &uri, "--key-fingerprint", &fingerprint],
    );
    assert_eq!(unpinned.status.code(), Some(2));
    let err = String::from_utf8_lossy(&unpinned.stderr);
    assert!(err.contains("manifest.json has 2 versions"), "{err}");

    // Tampering: an edited output, then a missing evidence object.
    std::fs::write(dir.join("report.csv"), b"control,outcome\r\n3.1,PASS\r\n").unwrap();
    let failed = with_anchor(dir.to_str().unwrap());
    assert_eq!(failed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failed.stdout).starts_with("FAILED report.csv: SHA-256"));
    std::fs::remove_dir_all(copy.join("collected")).unwrap();
    let failed = with_anchor(copy.to_str().unwrap());
    assert_eq!(failed.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&failed.stdout).starts_with("FAILED evidence collected/"),
        "{}",
        String::from_utf8_lossy(&failed.stdout)
    );

    // Bad input is named, exit 2.
    let bad = run(&["report", "SOX", "--period", "2026-11-01/2026-12-01"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown framework `SOX`"));
    let bad = run(&[
        "verify",
        "/nonexistent/bundle",
        "--key-fingerprint",
        &fingerprint,
    ]);
    assert_eq!(bad.status.code(), Some(2));
    for path in [&dir, &copy, &refetched] {
        let _ = std::fs::remove_dir_all(path);
    }
    let _ = std::fs::remove_file(&der_file);
    let _ = std::fs::remove_file(&trust_file);
}

/// Approve mode end to end: the remediate function records a pending request; `attest
/// remediation approve` makes the call as the caller's IAM identity and records who approved.
#[tokio::test]
async fn remediation_waits_for_approval_and_records_the_approver() {
    let stack =
        attest_testing::Stack::with_parameters(&[("RemediationRules", "S3.8=approve")]).await;
    let s3 = aws_sdk_s3::Client::new(&stack.sdk);
    let bucket = format!("{}-public-site", stack.prefix);
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let resource = format!("arn:aws:s3:::{bucket}");
    let state = format!("123456789012#us-east-1#S3.8#{resource}");
    let t: attest_alerts::Transition = serde_json::from_value(serde_json::json!({
        "id": attest_alerts::Transition::id_of(&state, None, "NON_COMPLIANT", "ab"),
        "change": "FAILED", "state_id": state, "from": null, "to": "NON_COMPLIANT",
        "severity": "HIGH", "source": "aws.securityhub", "account": "123456789012",
        "region": "us-east-1", "resource_type": "AWS::S3::Bucket", "resource_id": resource,
        "rule_id": "S3.8", "title": null, "controls": [], "frameworks": [],
        "evidence_key": "evidence/x", "evidence_sha256": "ab",
        "observed_at": "2026-12-01T10:00:00Z", "dedup_key": "d",
    }))
    .unwrap();
    let config =
        attest_remediate::RemediateConfig::from_lookup(stack.env("RemediateFunction")).unwrap();
    let remediate = attest_remediate::build(&stack.sdk, &config);
    let pending = remediate
        .handle("m1", &attest_alerts::json_body(&t).to_string())
        .await
        .unwrap();
    assert!(
        matches!(&pending, attest_remediate_workflow::Outcome::Decided { decision, .. }
            if decision.as_str() == "PENDING_APPROVAL"),
        "{pending:?}"
    );
    assert!(s3
        .get_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .is_err());

    let vars = [
        "ATTEST_EVIDENCE_BUCKET",
        "ATTEST_EVIDENCE_KMS_KEY_ID",
        "ATTEST_TRANSITIONS_TABLE",
        "ATTEST_ALERTS_TOPIC_ARN",
        "ATTEST_REMEDIATION_RULES",
    ];
    let out = attest_on_aws(
        &stack,
        "RemediateFunction",
        &vars,
        &["remediation", "approve", &t.id],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["outcome"]["decision"], "APPLIED");
    let approver = shown["approved_by"].as_str().unwrap().to_string();
    assert!(approver.starts_with("arn:aws:"), "{approver}");
    let block = s3
        .get_public_access_block()
        .bucket(&bucket)
        .send()
        .await
        .unwrap()
        .public_access_block_configuration
        .unwrap();
    assert_eq!(block.block_public_policy, Some(true));
    // The approval is evidence: stored under its hash, naming the approver and the request.
    let key = shown["outcome"]["evidence_key"].as_str().unwrap();
    let bytes = s3
        .get_object()
        .bucket(stack.name("EvidenceBucket"))
        .key(key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(
        attest_domain::canonical::sha256_hex(&bytes),
        shown["outcome"]["evidence_sha256"].as_str().unwrap()
    );
    let record: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(record["approval"]["approved_by"], approver.as_str());
    assert_eq!(
        record["after"]["PublicAccessBlockConfiguration"]["BlockPublicAcls"],
        true
    );

    let again = attest_on_aws(
        &stack,
        "RemediateFunction",
        &vars,
        &["remediation", "approve", &t.id],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr)
        .contains("nothing to approve (its decision is APPLIED)"));
}

#[test]
fn catalogue_lists_every_framework_version_with_the_controls_its_rows_reach() {
    let out = attest(&["catalogue"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let frameworks = listed["frameworks"].as_array().unwrap();
    let by_id = |id: &str| {
        frameworks
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("{id} not listed: {listed}"))
    };
    for id in [
        "PCI-DSS-4.0.1",
        "CIS-AWS-5.0",
        "NIST-800-53-R5",
        "PCI-DSS-3.2.1",
        "CIS-AWS-1.2",
    ] {
        let f = by_id(id);
        let all = f["controls_mapped"]["all"].as_u64().unwrap_or(0);
        assert!(all > 0, "{id}: {f}");
        // The total counts each control once, whichever kind of row reaches it.
        for kind in ["config_rule", "securityhub_control", "cloudtrail_call"] {
            assert!(
                f["controls_mapped"][kind].as_u64().unwrap_or(0) <= all,
                "{id}: {f}"
            );
        }
    }
    assert_eq!(by_id("CIS-AWS-5.0")["version"], "5.0.0");
    // CIS 5.0.0 is reached by Security Hub control rows only (catalogue/SOURCES.md).
    assert!(by_id("CIS-AWS-5.0")["controls_mapped"]
        .get("config_rule")
        .is_none());
}
