//! `attest`: the operators' and auditors' command-line tool. Everything runs offline except
//! `attest collect`, which calls AWS with the caller's credentials.

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
}

/// Exit status for bad input (unreadable file, invalid event or JSON).
const BAD_INPUT: u8 = 2;

/// Exit status when a collection ran and failed.
const RUN_FAILED: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Collect {
        control,
        period,
        scheduled_time,
    } = cli.command
    {
        return collect(control, period, scheduled_time);
    }
    match run(cli.command) {
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

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))
}

fn run(command: Command) -> Result<String, String> {
    match command {
        Command::Normalize { files } => {
            let catalogue = Catalogue::embedded().map_err(|e| e.to_string())?;
            let mut findings = Vec::new();
            for path in &files {
                let event = normalize_event(&read(path)?, &catalogue)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
                for item in event.findings {
                    let mut value =
                        serde_json::to_value(&item.finding).map_err(|e| e.to_string())?;
                    value["evidence_key"] = item.evidence.key.into();
                    value["evidence_sha256"] = item.evidence.sha256.into();
                    findings.push(value);
                }
            }
            serde_json::to_string_pretty(&findings).map_err(|e| e.to_string())
        }
        Command::Canonicalize { file } => {
            let bytes = canonical::canonicalize_json(&read(&file)?)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            String::from_utf8(bytes).map_err(|e| e.to_string())
        }
        Command::Hash { file } => Ok(canonical::sha256_hex(&read(&file)?)),
        Command::Collect { .. } => Err("collect is handled separately".into()),
        Command::Catalogue => {
            let catalogue = Catalogue::embedded().map_err(|e| e.to_string())?;
            let (rules, controls, calls) = catalogue.mapped_keys();
            let frameworks: Vec<_> = catalogue
                .frameworks()
                .map(|f| f.framework.clone())
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

fn collect(control: String, period: Option<String>, scheduled_time: Option<String>) -> ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("attest: cannot start the async runtime: {e}");
            return ExitCode::from(RUN_FAILED);
        }
    };
    runtime.block_on(async move {
        use attest_collectors::config::{build, CollectConfig};
        use attest_collectors::{Registry, RunOutcome};
        use attest_domain::collection::Period;
        use attest_domain::timestamp::Timestamp;

        let config = match CollectConfig::from_env() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        let sdk = attest_aws::load_sdk_config().await;
        let collection = match build(&sdk, &config, Registry::aws(&sdk)).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(RUN_FAILED);
            }
        };
        let period = match (period, scheduled_time, collection.catalogue.get(&control)) {
            (_, _, None) => Err(format!(
                "unknown control `{control}` (not in catalogue/controls.json)"
            )),
            (Some(p), _, Some(_)) => Period::parse(&p).map_err(|e| e.to_string()),
            (None, Some(t), Some(entry)) => Timestamp::parse(&t)
                .map_err(|e| format!("--scheduled-time: {e}"))
                .and_then(|t| entry.schedule.period_for(&t).map_err(|e| e.to_string())),
            (None, None, Some(_)) => Err("give --period START/END or --scheduled-time TIME".into()),
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
