//! `iam.credential_report`: every IAM user's and the root user's credentials (password, MFA,
//! access keys, certificates) from IAM's credential report, with each key's age and each
//! credential's idle time in days at the report's generation time. No parameters.
//!
//! Ages are measured at the time IAM generated the report, not at the period's end: the report
//! describes the account as it was then (a backfilled period gets today's report, and says so),
//! and the same report always gives the same ages.
//!
//! `iam.password_policy`: the account's password policy, or `null` when none is set. No parameters.

use std::time::Duration;

use aws_sdk_iam::types::ReportStateType;
use serde_json::{json, Map, Value};

use attest_aws::AdapterError;
use attest_collect_workflow::{CollectFuture, CollectRequest, Collector, Source};
use attest_domain::timestamp::Timestamp;

pub struct CredentialReport {
    client: aws_sdk_iam::Client,
    /// Pause between polls while IAM generates the report (seconds in AWS; tests shorten it).
    poll_interval: Duration,
}

impl CredentialReport {
    pub fn new(client: aws_sdk_iam::Client) -> Self {
        CredentialReport {
            client,
            poll_interval: Duration::from_secs(2),
        }
    }
}

/// Generation usually takes seconds; beyond this the run fails (retryably) rather than hold the Lambda.
const MAX_POLLS: usize = 30;

impl Collector for CredentialReport {
    fn id(&self) -> &'static str {
        "iam.credential_report"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Iam
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            // IAM serves a report at most four hours old, generating a new one when asked and
            // the last is older; a report is ready once generation answers COMPLETE.
            let mut polls = 0;
            loop {
                request.limiter.acquire().await;
                let state = self
                    .client
                    .generate_credential_report()
                    .send()
                    .await
                    .map_err(|e| {
                        AdapterError::from_sdk("iam:GenerateCredentialReport", "account", e)
                    })?;
                if state.state() == Some(&ReportStateType::Complete) {
                    break;
                }
                polls += 1;
                if polls >= MAX_POLLS {
                    return Err(AdapterError::unexpected_answer(
                        "iam:GenerateCredentialReport",
                        "account",
                        format!("the report was not ready after {MAX_POLLS} polls"),
                    ));
                }
                tokio::time::sleep(self.poll_interval).await;
            }
            request.limiter.acquire().await;
            let report = self
                .client
                .get_credential_report()
                .send()
                .await
                .map_err(|e| AdapterError::from_sdk("iam:GetCredentialReport", "account", e))?;
            let Some(generated) = report
                .generated_time()
                .and_then(|t| Timestamp::parse(&t.to_string()).ok())
            else {
                return Err(AdapterError::unexpected_answer(
                    "iam:GetCredentialReport",
                    "account",
                    "the answer has no GeneratedTime",
                ));
            };
            let content = report.content().map(|b| b.as_ref()).unwrap_or_default();
            let users = parse_credential_report(content, &generated).map_err(|e| {
                AdapterError::unexpected_answer("iam:GetCredentialReport", "account", e)
            })?;
            Ok(json!({
                "generated_time": generated.as_str(),
                "user_count": users.iter().filter(|u| u["user"] != ROOT).count(),
                "users": users,
            }))
        })
    }
}

/// How the credential report names the account's root user.
const ROOT: &str = "<root_account>";

/// Columns holding a time whose age auditors ask for (key rotation, idle
/// credentials); each gets a `…_days` companion when it holds a time.
const DATED_COLUMNS: &[&str] = &[
    "password_last_used",
    "password_last_changed",
    "access_key_1_last_rotated",
    "access_key_1_last_used_date",
    "access_key_2_last_rotated",
    "access_key_2_last_used_date",
];

/// The report's rows as objects keyed by its own column names, values as IAM wrote them
/// (`true`, `N/A`, `no_information`, times), sorted by ARN; plus, for each dated column holding a
/// time, `{column}_days`: whole days from it to `at` (the report's generation time).
pub fn parse_credential_report(csv_text: &[u8], at: &Timestamp) -> Result<Vec<Value>, String> {
    let mut reader = csv::Reader::from_reader(csv_text);
    let headers = reader
        .headers()
        .map_err(|e| format!("credential report header: {e}"))?
        .clone();
    for required in ["user", "arn"] {
        if !headers.iter().any(|h| h == required) {
            return Err(format!("credential report has no `{required}` column"));
        }
    }
    let mut users = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("credential report row {}: {e}", line + 1))?;
        let mut user = Map::new();
        for (column, value) in headers.iter().zip(record.iter()) {
            user.insert(column.to_string(), Value::String(value.to_string()));
            if DATED_COLUMNS.contains(&column) {
                if let Ok(then) = Timestamp::parse(value) {
                    let days = at.seconds_since(&then).map(|s| s.div_euclid(86_400));
                    user.insert(format!("{column}_days"), json!(days));
                }
            }
        }
        users.push(Value::Object(user));
    }
    users.sort_by(|a, b| a["arn"].as_str().cmp(&b["arn"].as_str()));
    Ok(users)
}

pub struct PasswordPolicy {
    client: aws_sdk_iam::Client,
}

impl PasswordPolicy {
    pub fn new(client: aws_sdk_iam::Client) -> Self {
        PasswordPolicy { client }
    }
}

impl Collector for PasswordPolicy {
    fn id(&self) -> &'static str {
        "iam.password_policy"
    }
    fn version(&self) -> &'static str {
        "1"
    }
    fn source(&self) -> Source {
        Source::Iam
    }
    fn check_parameters(&self, parameters: &Value) -> Result<(), String> {
        super::only_keys(parameters, &[])
    }

    fn collect<'a>(&'a self, request: CollectRequest<'a>) -> CollectFuture<'a> {
        Box::pin(async move {
            request.limiter.acquire().await;
            let policy = match self.client.get_account_password_policy().send().await {
                Ok(out) => out.password_policy,
                // No policy set is a fact about the account, not a failure.
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_no_such_entity_exception()) =>
                {
                    None
                }
                Err(e) => {
                    return Err(AdapterError::from_sdk(
                        "iam:GetAccountPasswordPolicy",
                        "account",
                        e,
                    ))
                }
            };
            let policy = policy.map(|p| {
                json!({
                    "minimum_password_length": p.minimum_password_length(),
                    "require_symbols": p.require_symbols(),
                    "require_numbers": p.require_numbers(),
                    "require_uppercase_characters": p.require_uppercase_characters(),
                    "require_lowercase_characters": p.require_lowercase_characters(),
                    "allow_users_to_change_password": p.allow_users_to_change_password(),
                    "expire_passwords": p.expire_passwords(),
                    "max_password_age": p.max_password_age(),
                    "password_reuse_prevention": p.password_reuse_prevention(),
                    "hard_expiry": p.hard_expiry(),
                })
            });
            Ok(json!({ "password_policy": policy }))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Columns and value spellings as AWS documents them ("Getting credential reports for your AWS
    // account", IAM User Guide): `<root_account>`, `not_supported`, `N/A`, ISO 8601 times.
    const REPORT: &str = "\
user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
zed,arn:aws:iam::123456789012:user/zed,2026-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2026-08-01T12:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
<root_account>,arn:aws:iam::123456789012:root,2020-05-01T10:00:00+00:00,not_supported,2026-11-30T09:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    #[test]
    fn rows_keep_iams_values_sorted_by_arn_with_ages_at_generation() {
        let at = Timestamp::parse("2026-12-01T00:00:00Z").unwrap();
        let users = parse_credential_report(REPORT.as_bytes(), &at).unwrap();
        assert_eq!(users[0]["user"], "<root_account>");
        assert_eq!(users[0]["mfa_active"], "true");
        assert_eq!(users[0]["password_enabled"], "not_supported");
        // 2026-11-30T09:00 to 2026-12-01T00:00 is under a day.
        assert_eq!(users[0]["password_last_used_days"], 0);
        assert_eq!(users[1]["user"], "zed");
        // 2026-08-01T12:00 to 2026-12-01T00:00: 121 whole days.
        assert_eq!(users[1]["access_key_1_last_rotated_days"], 121);
        assert!(
            users[1].get("access_key_1_last_used_date_days").is_none(),
            "N/A has no age"
        );
        assert!(users[1].get("password_last_used_days").is_none());
    }

    #[test]
    fn a_report_without_its_identifying_columns_is_refused() {
        let at = Timestamp::parse("2026-12-01T00:00:00Z").unwrap();
        let err = parse_credential_report(b"name,mfa\nx,true\n", &at).unwrap_err();
        assert!(err.contains("`user`"), "{err}");
        let err = parse_credential_report(b"user,arn\nx\n", &at).unwrap_err();
        assert!(err.contains("row 1"), "{err}");
    }
}
