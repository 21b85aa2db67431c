//! Benchmark driver (run by bench/collect_scale.py, not a test): collect every control of the
//! shipped catalogue whose collector the AWS endpoint in the environment serves, for one period, and
//! print the run's time, peak memory (VmHWM) and counts as one JSON line.
//!
//! Usage: collect_scale [SKIP_COLLECTOR…]   (env: ATTEST_* as for the collect function)

use std::time::Instant;

use attest_collect::{build_with, CollectConfig, RunOutcome};
use attest_collect_workflow::Source;
use attest_domain::collection::Period;

const SHIPPED: &str = include_str!("../../../catalogue/controls.json");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let skipped: Vec<String> = std::env::args().skip(1).collect();
    let all: Vec<serde_json::Value> = serde_json::from_str(SHIPPED)?;
    let catalogue: Vec<&serde_json::Value> = all
        .iter()
        .filter(|c| {
            !skipped
                .iter()
                .any(|s| c["collector"].as_str() == Some(s.as_str()))
        })
        .collect();
    let mut config = CollectConfig::from_env()?;
    config.policy.concurrency = 16;
    let sdk = attest_aws::load_sdk_config().await;
    let mut registry = attest_collectors::aws_registry(&sdk);
    // The local server has no AWS rate limits; production limits would make this a test of the
    // limiter. The bench script works out the time AWS's limits would impose from the request count.
    for source in [
        Source::Config,
        Source::SecurityHub,
        Source::S3,
        Source::CloudTrail,
        Source::Iam,
        Source::Kms,
        Source::Ec2,
        Source::GuardDuty,
        Source::Rds,
    ] {
        registry.set_rate(source, 100_000.0);
    }
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
        serde_json::json!({"controls": requests.len(), "shipped": all.len(), "collected": collected,
                           "seconds": seconds, "peak_rss_mb": peak_kb as f64 / 1024.0})
    );
    if collected != requests.len() {
        for (control, r) in results
            .iter()
            .filter(|(_, r)| !matches!(r, Ok(RunOutcome::Collected(_))))
            .take(3)
        {
            eprintln!("{control}: {r:?}");
        }
        return Err(format!("only {collected} of {} controls collected", requests.len()).into());
    }
    Ok(())
}
