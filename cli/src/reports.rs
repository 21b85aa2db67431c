//! `attest report`, `attest fetch` and `attest verify`: produce a report run from the operator's
//! machine, download a published bundle into a folder, and verify a bundle offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use attest_aws::{EvidenceStore, ReportRunStore};
use attest_report::ReportConfig;
use attest_report_workflow::{download_bundle, Pins};
use attest_reports::request::{run_key_of_prefix, ReportEvent, ReportRun, ReportStatus};
use attest_reports::verify::{verify, BundleReader, FolderBundle, MemoryBundle, TrustAnchor};

use crate::{runtime, BAD_INPUT, RUN_FAILED};

/// `s3://bucket/prefix/` -> (bucket, prefix).
fn parse_s3(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_string(), prefix.to_string()))
}

/// The runs table to read a bundle's pinned versions from: `--runs-table`, else
/// `ATTEST_RUNS_TABLE` (what the report function's environment names).
pub fn runs_table(flag: Option<String>) -> Option<String> {
    flag.or_else(|| std::env::var("ATTEST_RUNS_TABLE").ok())
        .filter(|t| !t.is_empty())
}

/// The published run record of the bundle at `prefix`: what pins every file's version.
async fn published_run(
    sdk: &aws_config::SdkConfig,
    table: &str,
    prefix: &str,
) -> Result<ReportRun, String> {
    let (pk, sk) = run_key_of_prefix(prefix).ok_or_else(|| {
        format!("`{prefix}` is not a report bundle prefix (reports/FRAMEWORK/START_END/RUN_ID/)")
    })?;
    let store = ReportRunStore::new(aws_sdk_dynamodb::Client::new(sdk), table);
    let run: ReportRun = store
        .get(&pk, &sk)
        .await
        .map_err(|e| e.to_string())?
        .filter(|run: &ReportRun| run.prefix == prefix)
        .ok_or_else(|| format!("no report run record for {prefix} in table {table}"))?;
    if run.status != ReportStatus::Published {
        return Err(format!(
            "report run {sk} is {}, not PUBLISHED: its bundle is not a published report",
            run.status.as_str()
        ));
    }
    Ok(run)
}

/// Download the bundle at `uri`, every file at the version its run record pins; without a runs
/// table, every file must have a single version (one with several is refused by name).
async fn download(uri: &str, runs_table: Option<&str>) -> Result<MemoryBundle, String> {
    let (bucket, prefix) =
        parse_s3(uri).ok_or_else(|| format!("`{uri}` is not s3://BUCKET/PREFIX/"))?;
    let prefix = if prefix.ends_with('/') || prefix.is_empty() {
        prefix
    } else {
        format!("{prefix}/")
    };
    let sdk = attest_aws::load_sdk_config().await;
    // Reads only: the KMS key id is needed for writes, never here.
    let store = EvidenceStore::new(aws_sdk_s3::Client::new(&sdk), bucket, "");
    let downloaded = match runs_table {
        Some(table) => {
            let run = published_run(&sdk, table, &prefix).await?;
            download_bundle(&store, &prefix, Pins::Run(&run)).await
        }
        None => {
            eprintln!("attest: no runs table (--runs-table or ATTEST_RUNS_TABLE): each bundle file must have a single S3 version");
            download_bundle(&store, &prefix, Pins::SingleVersion).await
        }
    };
    downloaded.map_err(|e| e.to_string())
}

/// Write a bundle as a folder `attest verify` reads: files at the top, evidence at `<dir>/<key>`.
fn write_folder(dir: &Path, bundle: &MemoryBundle) -> Result<usize, String> {
    let mut written = 0;
    let all = bundle.files.iter().chain(bundle.evidence.iter());
    for (name, bytes) in all {
        attest_reports::verify::check_bundle_path(name)
            .map_err(|e| format!("{e} (not written under {})", dir.display()))?;
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("{}: cannot create: {e}", parent.display()))?;
        }
        std::fs::write(&path, bytes)
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        written += 1;
    }
    Ok(written)
}

pub fn fetch(uri: String, out: PathBuf, runs_table: Option<String>) -> ExitCode {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match rt
        .block_on(download(&uri, runs_table.as_deref()))
        .and_then(|bundle| write_folder(&out, &bundle))
    {
        Ok(n) => {
            println!("{n} files of {uri} written to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("attest: {e}");
            ExitCode::from(RUN_FAILED)
        }
    }
}

/// What `attest verify` is told to trust; exactly one is needed.
pub struct AnchorArgs {
    pub public_key: Option<PathBuf>,
    pub key_fingerprint: Option<String>,
    pub trust: Option<PathBuf>,
}

impl AnchorArgs {
    fn anchor(&self) -> Result<TrustAnchor, String> {
        let read = |flag: &str, path: &Option<PathBuf>| {
            path.as_ref()
                .map(|p| std::fs::read(p).map_err(|e| format!("{flag} {}: {e}", p.display())))
                .transpose()
        };
        let public_key = read("--public-key", &self.public_key)?;
        let trust = read("--trust", &self.trust)?;
        TrustAnchor::from_options(
            public_key.as_deref(),
            self.key_fingerprint.as_deref(),
            trust.as_deref(),
        )
        .map_err(|e| e.to_string())
    }
}

pub fn verify_bundle(location: String, anchor: AnchorArgs, runs_table: Option<String>) -> ExitCode {
    let anchor = match anchor.anchor() {
        Ok(anchor) => anchor,
        Err(e) => {
            eprintln!("attest: {e}");
            return ExitCode::from(BAD_INPUT);
        }
    };
    let bundle: Box<dyn BundleReader> = if location.starts_with("s3://") {
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(code) => return code,
        };
        match rt.block_on(download(&location, runs_table.as_deref())) {
            Ok(b) => Box::new(b),
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        }
    } else if Path::new(&location).is_dir() {
        Box::new(FolderBundle::new(&location))
    } else {
        eprintln!("attest: `{location}` is neither a bundle folder nor s3://BUCKET/PREFIX/");
        return ExitCode::from(BAD_INPUT);
    };
    match verify(bundle.as_ref(), &anchor) {
        Ok(ok) => {
            println!("{ok}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            println!("FAILED {e}");
            ExitCode::from(RUN_FAILED)
        }
    }
}

pub fn report(
    framework: String,
    period: String,
    requested_at: Option<String>,
    out: Option<PathBuf>,
    amends: Option<String>,
) -> ExitCode {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    rt.block_on(async move {
        let config = match ReportConfig::from_env() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        let sdk = attest_aws::load_sdk_config().await;
        let workflow = match attest_report::build(&sdk, &config) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(RUN_FAILED);
            }
        };
        // An on-demand run's recorded time is when it was asked for: read once, then it is data.
        let requested_at = requested_at.unwrap_or_else(|| {
            time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default()
        });
        let event = ReportEvent {
            framework,
            period,
            scheduled_time: None,
            requested_at: Some(requested_at),
            amends,
        };
        let request = match event.into_request(&workflow.known_frameworks()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("attest: {e}");
                return ExitCode::from(BAD_INPUT);
            }
        };
        // Boxed: the run's future is deep enough to exceed the compiler's layout depth inline.
        let run = match Box::pin(workflow.run(&request)).await {
            Ok(run) => run,
            Err(e) => {
                eprintln!("attest: report run {} failed: {e}", request.run_id());
                return ExitCode::from(RUN_FAILED);
            }
        };
        let uri = format!("s3://{}/{}", workflow.objects.bucket(), run.prefix);
        println!(
            "{} {} run {}: {:?}, {} evidence items, bundle {uri}",
            run.framework,
            request.period.start.rfc3339(),
            run.header.run_id,
            run.status,
            run.evidence_count
        );
        if let Some(dir) = out {
            let written = download_bundle(&workflow.objects, &run.prefix, Pins::Run(&run))
                .await
                .map_err(|e| e.to_string())
                .and_then(|b| write_folder(&dir, &b));
            match written {
                Ok(n) => println!("{n} files written to {}", dir.display()),
                Err(e) => {
                    eprintln!("attest: {e}");
                    return ExitCode::from(RUN_FAILED);
                }
            }
        }
        ExitCode::SUCCESS
    })
}
