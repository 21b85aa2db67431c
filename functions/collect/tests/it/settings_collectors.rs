//! The collectors of account and region settings, each run through the whole workflow (claim,
//! collect, store, record) against the local server, on state the test sets up there. Tests share
//! one server, so each looks only at what it created, except for account-wide settings that only
//! its own test touches (password policy, EBS default encryption, the Config recorder).

use attest_collectors::aws_registry;
use attest_testing::Stack;
use serde_json::{json, Value};

use crate::collection::{collection, controls, period, stored_payload};

/// The item of the payload's list `list` whose `field` is `value`; fails naming what is missing.
fn item(payload: &Value, list: &str, field: &str, value: &str) -> Value {
    payload[list]
        .as_array()
        .and_then(|items| items.iter().find(|i| i[field] == value))
        .unwrap_or_else(|| panic!("no {list} entry with {field} {value}: {payload}"))
        .clone()
}

/// Run one control with `collector` and return the stored payload.
async fn collect(stack: &Stack, collector: &str, parameters: Value) -> Value {
    let c = collection(
        stack,
        aws_registry(&stack.sdk),
        &controls("settings", collector, parameters),
    )
    .await;
    let outcome = c.run("settings", &period(), "inv-1").await.unwrap();
    stored_payload(stack, &c, &outcome).await
}

#[tokio::test]
async fn the_credential_report_records_each_users_password_mfa_and_key_age() {
    let stack = Stack::new().await;
    let iam = aws_sdk_iam::Client::new(&stack.sdk);
    let user = format!("{}-alice", stack.prefix);
    iam.create_user().user_name(&user).send().await.unwrap();
    iam.create_login_profile()
        .user_name(&user)
        .password("correct-horse-battery-staple-1A!")
        .send()
        .await
        .unwrap();
    iam.create_access_key()
        .user_name(&user)
        .send()
        .await
        .unwrap();

    let payload = collect(&stack, "iam.credential_report", json!({})).await;
    let row = item(&payload, "users", "user", &user);
    assert_eq!(
        (
            row["password_enabled"].as_str(),
            row["mfa_active"].as_str(),
            row["access_key_1_active"].as_str()
        ),
        (Some("true"), Some("false"), Some("true"))
    );
    // The key's age is whole days from its rotation to the report's generation. The local server
    // answers every GetCredentialReport with a fixed GeneratedTime (2015-02-02T20:02:02Z), so the
    // age here is negative; AWS's is the report's real generation time. Either way it is the
    // difference of the two times the evidence itself holds.
    let at = |text: &str| chrono::DateTime::parse_from_rfc3339(text).unwrap();
    let generated = at(payload["generated_time"].as_str().unwrap());
    let rotated = at(row["access_key_1_last_rotated"].as_str().unwrap());
    assert_eq!(
        row["access_key_1_last_rotated_days"],
        (generated - rotated).num_seconds().div_euclid(86_400)
    );
    assert!(payload["user_count"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn the_password_policy_is_null_until_set_then_recorded_field_by_field() {
    let stack = Stack::new().await;
    let iam = aws_sdk_iam::Client::new(&stack.sdk);
    let _ = iam.delete_account_password_policy().send().await;
    let payload = collect(&stack, "iam.password_policy", json!({})).await;
    assert_eq!(payload, json!({ "password_policy": null }));

    iam.update_account_password_policy()
        .minimum_password_length(14)
        .password_reuse_prevention(24)
        .require_symbols(true)
        .send()
        .await
        .unwrap();
    let c = collection(
        &stack,
        aws_registry(&stack.sdk),
        &controls("settings", "iam.password_policy", json!({})),
    )
    .await;
    // A second period: the first one is already collected.
    let next =
        attest_domain::collection::Period::parse("2026-11-25T02:00:00Z/2026-11-26T02:00:00Z")
            .unwrap();
    let outcome = c.run("settings", &next, "inv-2").await.unwrap();
    let policy = stored_payload(&stack, &c, &outcome).await["password_policy"].clone();
    assert_eq!(
        (
            &policy["minimum_password_length"],
            &policy["password_reuse_prevention"],
            &policy["require_symbols"]
        ),
        (&json!(14), &json!(24), &json!(true))
    );
}

#[tokio::test]
async fn key_rotation_is_recorded_for_rotatable_keys_and_null_for_others() {
    let stack = Stack::new().await;
    let kms = aws_sdk_kms::Client::new(&stack.sdk);
    let rotated = kms.create_key().send().await.unwrap();
    let rotated = rotated.key_metadata().unwrap().arn().unwrap().to_string();
    kms.enable_key_rotation()
        .key_id(&rotated)
        .send()
        .await
        .unwrap();
    let plain = kms.create_key().send().await.unwrap();
    let plain = plain.key_metadata().unwrap().arn().unwrap().to_string();
    let signing = kms
        .create_key()
        .key_spec(aws_sdk_kms::types::KeySpec::Rsa2048)
        .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap();
    let signing = signing.key_metadata().unwrap().arn().unwrap().to_string();

    let payload = collect(&stack, "kms.key_rotation", json!({})).await;
    let key = |arn: &str| item(&payload, "keys", "arn", arn);
    assert_eq!(key(&rotated)["rotation_enabled"], true);
    assert_eq!(key(&plain)["rotation_enabled"], false);
    assert_eq!(key(&plain)["key_manager"], "CUSTOMER");
    assert_eq!(key(&signing)["rotation_enabled"], Value::Null);
    assert_eq!(key(&signing)["key_spec"], "RSA_2048");
    let arns: Vec<&str> = payload["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["arn"].as_str())
        .collect();
    assert!(arns.windows(2).all(|w| w[0] < w[1]), "sorted by ARN");
}

#[tokio::test]
async fn ebs_default_encryption_is_recorded_for_the_region() {
    let stack = Stack::new().await;
    let ec2 = aws_sdk_ec2::Client::new(&stack.sdk);
    ec2.enable_ebs_encryption_by_default().send().await.unwrap();
    let payload = collect(&stack, "ec2.ebs_default_encryption", json!({})).await;
    assert_eq!(
        payload,
        json!({ "region": "us-east-1", "ebs_encryption_by_default": true })
    );
}

#[tokio::test]
async fn each_vpc_is_recorded_with_its_flow_logs() {
    let stack = Stack::new().await;
    let ec2 = aws_sdk_ec2::Client::new(&stack.sdk);
    let logged = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    let unlogged = ec2
        .create_vpc()
        .cidr_block("10.21.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .and_then(|v| v.vpc_id)
        .unwrap();
    let bucket = format!("{}-flow-logs", stack.prefix);
    aws_sdk_s3::Client::new(&stack.sdk)
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    ec2.create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&logged)
        .traffic_type(aws_sdk_ec2::types::TrafficType::All)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::S3)
        .log_destination(format!("arn:aws:s3:::{bucket}"))
        .send()
        .await
        .unwrap();

    let payload = collect(&stack, "ec2.vpc_flow_logs", json!({})).await;
    let vpc = |id: &str| item(&payload, "vpcs", "vpc_id", id);
    let logs = vpc(&logged)["flow_logs"].clone();
    assert_eq!(logs.as_array().map(Vec::len), Some(1), "{logs}");
    assert_eq!(logs[0]["traffic_type"], "ALL");
    assert_eq!(logs[0]["log_destination_type"], "s3");
    assert_eq!(vpc(&unlogged)["flow_logs"], json!([]));
    assert!(payload["vpcs_without_flow_logs"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn guardduty_detectors_are_recorded_with_their_status() {
    let stack = Stack::new().await;
    let gd = aws_sdk_guardduty::Client::new(&stack.sdk);
    let id = gd
        .create_detector()
        .enable(true)
        .send()
        .await
        .unwrap()
        .detector_id
        .unwrap();
    let payload = collect(&stack, "guardduty.detectors", json!({})).await;
    let detector = item(&payload, "detectors", "detector_id", &id);
    assert_eq!(detector["status"], "ENABLED");
    assert!(payload["enabled_count"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn the_config_recorder_is_recorded_with_whether_it_records() {
    let stack = Stack::new().await;
    let config = aws_sdk_config::Client::new(&stack.sdk);
    let bucket = format!("{}-config", stack.prefix);
    aws_sdk_s3::Client::new(&stack.sdk)
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    config
        .put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn("arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
                .recording_group(
                    aws_sdk_config::types::RecordingGroup::builder()
                        .all_supported(true)
                        .include_global_resource_types(true)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    config
        .put_delivery_channel()
        .delivery_channel(
            aws_sdk_config::types::DeliveryChannel::builder()
                .name("default")
                .s3_bucket_name(&bucket)
                .build(),
        )
        .send()
        .await
        .unwrap();
    config
        .start_configuration_recorder()
        .configuration_recorder_name("default")
        .send()
        .await
        .unwrap();

    let payload = collect(&stack, "config.recorder_status", json!({})).await;
    assert_eq!(payload["recorder_count"], 1, "{payload}");
    let recorder = &payload["recorders"][0];
    assert_eq!(
        (
            &recorder["name"],
            &recorder["recording"],
            &recorder["all_supported"]
        ),
        (&json!("default"), &json!(true), &json!(true))
    );
}

#[tokio::test]
async fn rds_instances_are_recorded_with_encryption_and_public_access() {
    let stack = Stack::new().await;
    let rds = aws_sdk_rds::Client::new(&stack.sdk);
    for (name, encrypted, public) in [("enc", true, false), ("open", false, true)] {
        rds.create_db_instance()
            .db_instance_identifier(format!("{}-{name}", stack.prefix))
            .engine("postgres")
            .db_instance_class("db.t3.micro")
            .allocated_storage(20)
            .master_username("attest")
            .master_user_password("not-a-real-password-1")
            .storage_encrypted(encrypted)
            .publicly_accessible(public)
            .send()
            .await
            .unwrap();
    }
    let payload = collect(
        &stack,
        "rds.instance_posture",
        json!({ "identifier_prefix": stack.prefix }),
    )
    .await;
    let summary: Vec<(Value, Value, Value)> = payload["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["identifier"].clone(),
                i["storage_encrypted"].clone(),
                i["publicly_accessible"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                json!(format!("{}-enc", stack.prefix)),
                json!(true),
                json!(false)
            ),
            (
                json!(format!("{}-open", stack.prefix)),
                json!(false),
                json!(true)
            ),
        ]
    );
    assert_eq!(
        (
            &payload["unencrypted_count"],
            &payload["publicly_accessible_count"]
        ),
        (&json!(1), &json!(1))
    );
}
