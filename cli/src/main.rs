//! `attest`: the operators' and auditors' command-line tool. Everything here runs offline.

use std::path::PathBuf;
use std::process::ExitCode;

use attest_domain::{canonical, normalize_event, Catalogue};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "attest", version, about = "Attest: compliance evidence you can verify byte for byte")]
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
}

/// Exit status for bad input (unreadable file, invalid event or JSON).
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
                let event = normalize_event(&read(path)?, &catalogue).map_err(|e| format!("{}: {e}", path.display()))?;
                for item in event.findings {
                    let mut value = serde_json::to_value(&item.finding).map_err(|e| e.to_string())?;
                    value["evidence_key"] = item.evidence.key.into();
                    value["evidence_sha256"] = item.evidence.sha256.into();
                    findings.push(value);
                }
            }
            serde_json::to_string_pretty(&findings).map_err(|e| e.to_string())
        }
        Command::Canonicalize { file } => {
            let bytes = canonical::canonicalize_json(&read(&file)?).map_err(|e| format!("{}: {e}", file.display()))?;
            String::from_utf8(bytes).map_err(|e| e.to_string())
        }
        Command::Hash { file } => Ok(canonical::sha256_hex(&read(&file)?)),
        Command::Catalogue => {
            let catalogue = Catalogue::embedded().map_err(|e| e.to_string())?;
            let (rules, controls, calls) = catalogue.mapped_keys();
            let frameworks: Vec<_> = catalogue.frameworks().map(|f| f.framework.clone()).collect();
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
