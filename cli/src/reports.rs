//! `attest report`, `attest fetch` and `attest verify`: produce a report run from the operator's
//! machine, download a published bundle into a folder, and verify a bundle offline.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use attest_aws::EvidenceStore;
use attest_report::ReportConfig;
use attest_report_workflow::download_bundle;
use attest_reports::request::ReportEvent;
use attest_reports::verify::{verify, BundleReader, FolderBundle, MemoryBundle};

use crate::{runtime, BAD_INPUT, RUN_FAILED};

/// `s3://bucket/prefix/` -> (bucket, prefix).
fn parse_s3(uri: &str) -> Option<(String, String)> {
    let rest = uri.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    (!bucket.is_empty()).then(|| (bucket.to_string(), prefix.to_string()))
}

async fn download(uri: &str) -> Result<MemoryBundle, String> {
    let (bucket, prefix) =
        parse_s3(uri).ok_or_else(|| format!("`{uri}` is not s3://BUCKET/PREFIX/"))?;
    let sdk = attest_aws::load_sdk_config().await;
    // Reads only: the KMS key id is needed for writes, never here.
    let store = EvidenceStore::new(aws_sdk_s3::Client::new(&sdk), bucket, "");
    download_bundle(&store, &prefix)
        .await
        .map_err(|e| e.to_string())
}

/// Write a bundle as a folder `attest verify` reads: files at the top, evidence at `<dir>/<key>`.
fn write_folder(dir: &Path, bundle: &MemoryBundle) -> Result<usize, String> {
    let mut written = 0;
    let all = bundle.files.iter().chain(bundle.evidence.iter());
    for (name, bytes) in all {
        if name.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(format!(
                "refusing to write `{name}` outside {}",
                dir.display()
            ));
        }
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

pub fn fetch(uri: String, out: PathBuf) -> ExitCode {
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match rt
        .block_on(download(&uri))
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

pub fn verify_bundle(location: String, public_key: Option<PathBuf>) -> ExitCode {
    let pem = match public_key
        .map(|p| std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display())))
    {
        Some(Ok(pem)) => Some(pem),
        Some(Err(e)) => {
            eprintln!("attest: --public-key {e}");
            return ExitCode::from(BAD_INPUT);
        }
        None => None,
    };
    let bundle: Box<dyn BundleReader> = if location.starts_with("s3://") {
        let rt = match runtime() {
            Ok(rt) => rt,
            Err(code) => return code,
        };
        match rt.block_on(download(&location)) {
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
    match verify(bundle.as_ref(), pem.as_deref()) {
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
            let written = download_bundle(&workflow.objects, &run.prefix)
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
