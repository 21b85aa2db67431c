//! Benchmark driver (run by bench/collect_scale.py, not a test): collect a catalogue of N controls
//! against the AWS endpoint in the environment, every control reading `sources` resources, and print
//! total time, runs per second and peak memory (VmHWM) as one JSON line.
//!
//! Usage: collect_scale CONTROLS BUCKET_PREFIX   (env: ATTEST_* as for the collect function)

use std::time::Instant;

use attest_collect::{build_with, CollectConfig, RunOutcome};
use attest_collect_workflow::Source;
use attest_domain::collection::Period;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let controls: usize = args.next().ok_or("CONTROLS")?.parse()?;
    let prefix = args.next().ok_or("BUCKET_PREFIX")?;
    // Half the controls snapshot S3 posture, half CloudTrail status (the collectors the local server
    // fully serves); each reads every seeded bucket or trail.
    let catalogue: Vec<serde_json::Value> = (0..controls)
        .map(|i| {
            let (collector, parameters) = if i % 2 == 0 {
                ("s3.bucket_posture", serde_json::json!({ "bucket_prefix": prefix }))
            } else {
                ("cloudtrail.trail_status", serde_json::json!({}))
            };
            serde_json::json!({
                "id": format!("scale-{i:03}"), "framework": "SOC2", "control_id": "CC7.2", "name": "scale",
                "description": "benchmark control", "collector": collector, "schedule": "cron(0 * * * ? *)",
                "parameters": parameters, "rationale": "benchmark"
            })
        })
        .collect();
    let mut config = CollectConfig::from_env()?;
    config.policy.concurrency = 16;
    let sdk = attest_aws::load_sdk_config().await;
    let mut registry = attest_collectors::aws_registry(&sdk);
    // The local server has no AWS rate limits; production limits would make this a test of the limiter.
    registry.set_rate(Source::S3, 100_000.0);
    registry.set_rate(Source::CloudTrail, 100_000.0);
    let collection =
        build_with(&sdk, &config, registry, &serde_json::to_string(&catalogue)?).await?;
    let period = Period::parse("2026-11-25T11:00:00Z/2026-11-25T12:00:00Z")?;
    let requests: Vec<(String, Period)> = collection
        .catalogue
        .entries()
        .map(|e| (e.control.id.clone(), period.clone()))
        .collect();

    let start = Instant::now();
    let results = collection.run_batch(&requests, "bench").await;
    let seconds = start.elapsed().as_secs_f64();
    let collected = results
        .iter()
        .filter(|(_, r)| matches!(r, Ok(RunOutcome::Collected(_))))
        .count();
    let status = std::fs::read_to_string("/proc/self/status")?;
    let peak_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    println!(
        "{}",
        serde_json::json!({"controls": controls, "collected": collected, "seconds": seconds,
                           "runs_per_second": collected as f64 / seconds, "peak_rss_mb": peak_kb as f64 / 1024.0})
    );
    if collected != controls {
        for (control, r) in results
            .iter()
            .filter(|(_, r)| !matches!(r, Ok(RunOutcome::Collected(_))))
            .take(3)
        {
            eprintln!("{control}: {r:?}");
        }
        return Err(format!("only {collected} of {controls} controls collected").into());
    }
    Ok(())
}
