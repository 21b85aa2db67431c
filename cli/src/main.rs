//! `attest`: the operators' and auditors' command-line tool. Everything runs offline except
//! `attest collect`, `attest report`, `attest remediation approve`, `attest fetch` and
//! `attest verify s3://...`, which call AWS with the caller's credentials (fetch and verify only
//! read).

mod reports;

use std::path::PathBuf;
use std::process::ExitCode;

use attest_domain::{canonical, normalize_event, Catalogue};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "attest",
    version,
    about = "Attest: compliance evidence you can verify byte for byte"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the normalised findings of EventBridge event files as one JSON array.
    Normalize {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the RFC 8785 canonical form of a JSON file.
    Canonicalize { file: PathBuf },
    /// Print the SHA-256 (hex) of a file's bytes, as recorded for evidence objects.
    Hash { file: PathBuf },
    /// Print the catalogue version and what it maps.
    Catalogue,
    /// Collect evidence for one control now (ad hoc), exactly as the collect function would: the run
    /// is recorded, and a period already collected is not collected again. Needs AWS credentials and
    /// ATTEST_EVIDENCE_BUCKET, ATTEST_EVIDENCE_KMS_KEY_ID, ATTEST_RUNS_TABLE.
    Collect {
        /// Control id from catalogue/controls.json.
        control: String,
        /// START/END, both RFC 3339.
        #[arg(long, conflicts_with = "scheduled_time")]
        period: Option<String>,
        /// The period the control's schedule assigns to a run at this time.
        #[arg(long)]
        scheduled_time: Option<String>,
    },
    /// Produce a report now, exactly as the report function would (snapshot, render, publish,
    /// sign, verify). Needs AWS credentials and the report function's ATTEST_* variables.
    Report {
        /// Framework id from catalogue/frameworks.csv, e.g. PCI-DSS-3.2.1.
        framework: String,
        /// START/END (dates or RFC 3339 times), or previous_day / previous_month / previous_quarter.
        #[arg(long)]
        period: String,
        /// The run's recorded time (default: now). The same request time gives the same run.
        #[arg(long)]
        requested_at: Option<String>,
        /// Also download the bundle into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Re-issue the published run RUN_ID of the same framework and period: the new run's
        /// manifest references it and lists what it missed as late evidence.
        #[arg(long, value_name = "RUN_ID")]
        amend: Option<String>,
    },
    /// Remediation waiting for approval (`approve` mode): approve it, as the caller's IAM
    /// identity. Needs AWS credentials and the remediate function's ATTEST_* variables.
    Remediation {
        #[command(subcommand)]
        command: RemediationCommand,
    },
    /// Download a published report bundle (s3://BUCKET/reports/.../RUN/) into a folder, evidence
    /// included, so it can be verified and archived offline. Reads only. Every file is read at
    /// the S3 version its run record pins (a version stacked over it later is ignored).
    Fetch {
        uri: String,
        out: PathBuf,
        /// The runs table holding the run record (default: $ATTEST_RUNS_TABLE). Without one, every
        /// bundle file must have a single S3 version; a file with several is refused.
        #[arg(long)]
        runs_table: Option<String>,
    },
    /// Verify a report bundle offline: signature, every hash, completeness of the evidence, and that
    /// re-rendering the snapshot reproduces every output byte for byte. Exit 0 and one line on
    /// success; exit 1 naming the first item that fails.
    Verify {
        /// A bundle folder, or s3://BUCKET/PREFIX/ (read-only access).
        bundle: String,
        /// The signing key's public key, PEM or DER (`aws kms get-public-key --key-id ARN --query
        /// PublicKey --output text | base64 -d > key.der`).
        #[arg(long, conflicts_with_all = ["key_fingerprint", "trust"])]
        public_key: Option<PathBuf>,
        /// SHA256:<64 hex> of the signing key's DER form (`sha256sum key.der`): the bundle's own
        /// public key is used only if it has this fingerprint.
        #[arg(long, conflicts_with = "trust")]
        key_fingerprint: Option<String>,
        /// A trust file (JSON, schema attest.trust/v1) listing accepted keys, each with
        /// fingerprint, key_arn and account; the manifest must name the listed ARN and account.
        #[arg(long)]
        trust: Option<PathBuf>,
        /// For s3:// bundles: the runs table pinning every file's version (default:
        /// $ATTEST_RUNS_TABLE); see `attest fetch`.
        #[arg(long)]
        runs_table: Option<String>,
    },
}

#[derive(Subcommand)]
enum RemediationCommand {
    /// Make the call a pending remediation asked for, after checking it again (opt-out tag,
    /// daily cap); record the outcome as evidence with the caller's identity as approver.
    Approve {
        /// The transition id the request names (in its notification and its record).
        transition_id: String,
    },
}

/// Exit status for bad input (unreadable file, invalid event or JSON).
pub(crate) const BAD_INPUT: u8 = 2;

/// Exit status when a collection ran and failed.
pub(crate) const RUN_FAILED: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match cli.command {
        Command::Collect {
            control,
            period,
            scheduled_time,
        } => return collect(control, period, scheduled_time),
        Command::Remediation {
            command: RemediationCommand::Approve { transition_id },
        } => return approve_remediation(transition_id),
        Command::Report {
            framework,
            period,
            requested_at,
            out,
            amend,
        } => return reports::report(framework, period, requested_at, out, amend),
        Command::Fetch {
            uri,
            out,
            runs_table,
        } => return reports::fetch(uri, out, reports::runs_table(runs_table)),
        Command::Verify {
            bundle,
            public_key,
            key_fingerprint,
            trust,
            runs_table,
        } => {
            let anchor = reports::AnchorArgs {
                public_key,
                key_fingerprint,
                trust,
            };
            return reports::verify_bundle(bundle, anchor, reports::runs_table(runs_table));
        }
        Command::Normalize { files } => return normalize(&files),
        other => other,
    };
    match run(command) {
        Ok(out) => {
            println!("{out}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("attest: {message}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// Print every file's findings as one JSON array. An unreadable event stops with nothing printed;
/// records a batch refused (intake stores the others, then fails the event) are named on stderr
/// after the findings are printed, and the exit status says so.
fn normalize(files: &[PathBuf]) -> ExitCode {
    match normalized_files(files) {
        Ok((findings, refused)) => {
            println!("{findings}");
            for message in &refused {
                eprintln!("attest: {message}");
            }
            match refused.is_empty() {
                true => ExitCode::SUCCESS,
                false => ExitCode::from(BAD_INPUT),
            }
        }
        Err(message) => {
            eprintln!("attest: {message}");
            ExitCode::from(BAD_INPUT)
        }
    }
}

/// The findings of every file as pretty JSON, and a message for each file with refused records.
fn normalized_files(files: &[PathBuf]) -> Result<(String, Vec<String>), String> {
    let catalogue = Catalogue::embedded().map_err(|e| e.to_string())?;
    let mut findings = Vec::new();
    let mut refused = Vec::new();
    for path in files {
        let event = normalize_event(&read(path)?, &catalogue)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if !event.refused.is_empty() {
            refused.push(format!(
                "{}: {} record(s) refused (intake stores the other {} finding(s) and fails the event): {}",
                path.display(),
                event.refused.len(),
                event.findings.len(),
                attest_domain::normalize::describe_refused(&event.refused)
            ));
        }
        for item in event.findings {
            let mut value = serde_json::to_value(&item.finding).map_err(|e| e.to_string())?;
            value["evidence_key"] = item.evidence.key.into();
            value["evidence_sha256"] = item.evidence.sha256.into();
            findings.push(value);
        }
    }
    let text = serde_json::to_string_pretty(&findings).map_err(|e| e.to_string())?;
    Ok((text, refused))
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn run(command: Command) -> Result<String, String> {
    match command {
        Command::Canonicalize { file } => {
            let bytes = canonical::canonicalize_json(&read(&file)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            String::from_utf8(bytes).map_err(|e| e.to_string())
        }
        Command::Hash { file } => Ok(canonical::sha256_hex(&read(&file)?)),
        Command::Normalize { .. }
        | Command::Collect { .. }
        | Command::Remediation { .. }
        | Command::Report { .. }
        | Command::Fetch { .. }
        | Command::Verify { .. } => Err("handled in main".into()),
        Command::Catalogue => {
            let catalogue = Catalogue::embedded().map_err(|e| e.to_string())?;
            let (rules, controls, calls) = catalogue.mapped_keys();
            let counts = catalogue.controls_per_framework();
            let frameworks: Vec<_> = catalogue
                .frameworks()
                .map(|f| {
                    serde_json::json!({
                        "id": f.framework,
                        "name": f.name,
                        "version": f.version,
                        "controls_mapped": counts.get(&f.framework),
                    })
                })
                .collect();
            Ok(serde_json::json!({
                "version": catalogue.version(),
                "frameworks": frameworks,
                "config_rules": rules,
                "securityhub_controls": controls,
                "cloudtrail_calls": calls,
            })
            .to_string())
        }
    }
}

/// The async runtime for the commands that call AWS.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Runtime::new().map_err(|e| {
        eprintln!("attest: cannot start the async runtime: {e}");
        ExitCode::from(RUN_FAILED)
    })
}

fn approve_remediation(transition_id: String) -> ExitCode {
    let runtime = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        use attest_remediate::{build, RemediateConfig};

        let config = match RemediateConfig::from_env() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        let sdk = attest_aws::load_sdk_config().await;
        // The approver is who AWS says the caller is, not a name typed in.
        let approver = match aws_sdk_sts::Client::new(&sdk)
            .get_caller_identity()
            .send()
            .await
        {
            Ok(identity) => match identity.arn {
                Some(arn) => arn,
                None => {
                    eprintln!("attest: sts:GetCallerIdentity returned no ARN");
                    return ExitCode::from(RUN_FAILED);
                }
            },
            Err(e) => {
                eprintln!(
                    "attest: sts:GetCallerIdentity failed: {}",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                );
                return ExitCode::from(RUN_FAILED);
            }
        };
        match build(&sdk, &config)
            .approve(&transition_id, &approver)
            .await
        {
            Ok(outcome) => {
                let shown = serde_json::json!({ "approved_by": approver, "outcome": outcome });
                println!(
                    "{}",
                    serde_json::to_string_pretty(&shown).unwrap_or_default()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("attest: {e}");
                ExitCode::from(if e.is_retryable() {
                    RUN_FAILED
                } else {
                    BAD_INPUT
                })
            }
        }
    })
}

fn collect(control: String, period: Option<String>, scheduled_time: Option<String>) -> ExitCode {
    let runtime = match runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        use attest_collect::{build, CollectConfig, RunOutcome};
        use attest_domain::collection::{requested_period, PeriodRequestError};

        let config = match CollectConfig::from_env() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        let sdk = attest_aws::load_sdk_config().await;
        let collection = match build(&sdk, &config).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(RUN_FAILED);
            }
        };
        let period = match collection.catalogue.get(&control) {
            None => Err(format!(
                "unknown control `{control}` (not in catalogue/controls.json)"
            )),
            Some(entry) => requested_period(
                &entry.schedule,
                period.as_deref(),
                scheduled_time.as_deref(),
            )
            .map_err(|e| match e {
                PeriodRequestError::Missing => {
                    "give --period START/END or --scheduled-time TIME".to_string()
                }
                PeriodRequestError::ScheduledTime { reason, .. } => {
                    format!("--scheduled-time: {reason}")
                }
                PeriodRequestError::Period(e) => e.to_string(),
                PeriodRequestError::Schedule(e) => e.to_string(),
            }),
        };
        let period = match period {
            Ok(p) => p,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        let invocation = format!("attest-cli-{}", std::process::id());
        match collection.run(&control, &period, &invocation).await {
            Ok(outcome) => {
                let record =
                    serde_json::json!({"outcome": outcome.label(), "record": outcome.record()});
                println!(
                    "{}",
                    serde_json::to_string_pretty(&record).unwrap_or_default()
                );
                if matches!(outcome, RunOutcome::Failed(_)) {
                    ExitCode::from(RUN_FAILED)
                } else {
                    ExitCode::SUCCESS
                }
            }
            Err(e) => {
                eprintln!("attest: {e}");
                ExitCode::from(RUN_FAILED)
            }
        }
    })
}
