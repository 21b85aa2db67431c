//! Benchmark driver (run by bench/report_scale.py, not a test): one report over N states.
//!
//! `report_scale seed STATES` writes, against the AWS endpoint in the environment, evidence and
//! DynamoDB rows exactly as intake writes them (`EvidenceStore::put`; the items of
//! `FindingItems`, here in BatchWriteItem batches of 25 on fresh tables) for STATES buckets under
//! one Config rule, real-shaped (the sample rule result of `attest_report_samples::config_rule_result`
//! with a distinct bucket and time), for the period 2026-11-01/2026-12-01:
//!
//! - 5 in 10 states are quiet: one evaluation in October, carried into the period;
//! - 4 in 10 changed: one evaluation in October, then 7 in November;
//! - 1 in 10 is new: 2 evaluations in November, none before.
//!
//! So STATES current-state rows, 3 x STATES evaluations in the period, 0.9 x STATES before it.
//!
//! `report_scale report` runs the report function's handler for PCI-DSS-3.2.1 over that period,
//! with every SDK client counting its requests (one per attempt, by service and operation), and
//! prints one JSON line: seconds, requests by kind, peak resident memory (VmHWM) of this process.
//! Seeding and the report run are separate processes, so the peak is the report's alone.
//!
//! After the run (its requests counted), the report process reads its published snapshot back and
//! renders each output alone, noting the peak heap (a counting allocator over the system's) of
//! each step above what was live before it: where the run's memory goes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use attest_aws::items::{current_item, history_item};
use attest_aws::{EvidenceStore, KmsSigner, ReportRunStore, RunStore, StateStore};
use attest_domain::records::FindingItems;
use attest_domain::Catalogue;
use attest_report::{handle, ReportConfig};
use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use futures::{StreamExt, TryStreamExt};

/// The system allocator, counting live and peak heap bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now =
                    LIVE.fetch_add(new_size - layout.size(), Relaxed) + new_size - layout.size();
                PEAK.fetch_max(now, Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Peak heap (MB) of `f` above what was live when it started, and its result.
fn heap_peak<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let before = LIVE.load(Relaxed);
    PEAK.store(before, Relaxed);
    let out = f();
    ((PEAK.load(Relaxed) - before) as f64 / 1e6, out)
}

const FRAMEWORK: &str = "PCI-DSS-3.2.1";
const PERIOD: &str = "2026-11-01/2026-12-01";

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().ok_or("seed STATES | report")?;
    let config = ReportConfig::from_env()?;
    let sdk = attest_aws::load_sdk_config().await;
    let line = match mode.as_str() {
        "seed" => seed(&sdk, &config, args.next().ok_or("STATES")?.parse()?).await?,
        "report" => report(&sdk, &config).await?,
        other => return Err(format!("unknown mode {other}").into()),
    };
    println!("{line}");
    Ok(())
}

/// The evaluation times of state `i`: (before the period, in the period).
fn evaluations(i: usize) -> (Vec<String>, Vec<String>) {
    let at = |month: u32, day: usize, k: usize| {
        format!(
            "2026-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
            (i + k) % 24,
            (i / 24) % 60,
            (i / 1440) % 60
        )
    };
    let before = vec![at(10, 1 + i % 28, 0)];
    let during = |n: usize| (0..n).map(|k| at(11, 1 + 4 * k + i % 3, k)).collect();
    match i % 10 {
        0..=4 => (before, vec![]),
        5..=8 => (before, during(7)),
        _ => (vec![], during(2)),
    }
}

async fn seed(
    sdk: &aws_config::SdkConfig,
    config: &ReportConfig,
    states: usize,
) -> Result<serde_json::Value, Error> {
    let started = Instant::now();
    let catalogue = Catalogue::embedded()?;
    let mut findings = Vec::new();
    let (mut current, mut history) = (Vec::new(), Vec::new());
    let (mut before_period, mut in_period) = (0, 0);
    for i in 0..states {
        let resource = format!("attest-scale-bucket-{i:06}");
        let (before, during) = evaluations(i);
        before_period += before.len();
        in_period += during.len();
        let mut latest = None;
        for (k, at) in before.iter().chain(&during).enumerate() {
            let status = if (i + k) % 3 == 0 {
                "NON_COMPLIANT"
            } else {
                "COMPLIANT"
            };
            let f =
                attest_report_samples::config_rule_result_with(&catalogue, &resource, status, at)?;
            let items = FindingItems::new(&f.finding, &f.evidence, catalogue.version());
            history.push(history_item(&items));
            latest = Some(current_item(&items));
            findings.push(f);
        }
        current.extend(latest);
    }
    // DynamoDB's item size: attribute names plus values (strings by UTF-8 length, one byte for a
    // boolean, three per list plus one per element, as documented).
    fn value_bytes(v: &aws_sdk_dynamodb::types::AttributeValue) -> usize {
        use aws_sdk_dynamodb::types::AttributeValue as V;
        match v {
            V::S(s) => s.len(),
            V::Bool(_) | V::Null(_) => 1,
            V::L(l) => 3 + l.iter().map(|v| 1 + value_bytes(v)).sum::<usize>(),
            _ => 0,
        }
    }
    let item_bytes = |items: &[attest_aws::items::Item]| -> usize {
        items
            .iter()
            .map(|item| {
                item.iter()
                    .map(|(k, v)| k.len() + value_bytes(v))
                    .sum::<usize>()
            })
            .sum::<usize>()
            / items.len().max(1)
    };
    let (current_bytes, history_bytes) = (item_bytes(&current), item_bytes(&history));
    let evidence_bytes = findings
        .iter()
        .map(|f| f.evidence.bytes.len())
        .sum::<usize>()
        / findings.len().max(1);

    let store = EvidenceStore::new(
        aws_sdk_s3::Client::new(sdk),
        &config.evidence_bucket,
        &config.evidence_kms_key_id,
    );
    futures::stream::iter(&findings)
        .map(|f| store.put(&f.evidence))
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await?;
    let dynamo = aws_sdk_dynamodb::Client::new(sdk);
    for (table, items) in [
        (&config.history_table, history),
        (&config.state_table, current),
    ] {
        for chunk in items.chunks(25) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    Ok::<_, Error>(
                        WriteRequest::builder()
                            .put_request(
                                PutRequest::builder().set_item(Some(item.clone())).build()?,
                            )
                            .build(),
                    )
                })
                .collect::<Result<_, _>>()?;
            while !requests.is_empty() {
                let out = dynamo
                    .batch_write_item()
                    .request_items(table.as_str(), requests)
                    .send()
                    .await?;
                requests = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(table.as_str()))
                    .unwrap_or_default();
            }
        }
    }
    Ok(serde_json::json!({
        "states": states, "evaluations_before": before_period, "evaluations_in_period": in_period,
        "evidence_objects": findings.len(), "seed_seconds": started.elapsed().as_secs_f64(),
        "current_item_bytes": current_bytes, "history_item_bytes": history_bytes,
        "evidence_bytes": evidence_bytes,
    }))
}

/// Counts every request attempt by `service:Operation`, and notes each S3 PutObject's time (since
/// `started`), key and size: the first is the snapshot, the others the rendered outputs, which
/// splits the run into its steps.
#[derive(Debug, Clone)]
struct Counter {
    started: Instant,
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
    /// Seconds from sending each request to its response, summed by kind.
    waits: Arc<Mutex<BTreeMap<String, f64>>>,
    /// Each PutObject: (seconds, key, bytes, peak resident MB so far).
    puts: Arc<Mutex<Vec<Put>>>,
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_attempt(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let mut kind = cfg
            .load::<Metadata>()
            .map(|m| format!("{}:{}", m.service().to_lowercase(), m.name()))
            .unwrap_or_else(|| "unknown".into());
        // A DynamoDB Query on an index (the framework's `Fw-` index: current state, history by
        // day) or on the table (one state's latest row before the period; report runs).
        if kind == "dynamodb:Query" {
            let body = context.request().body().bytes().unwrap_or_default();
            let on_index = body.windows(11).any(|w| w == b"\"IndexName\"");
            kind.push_str(if on_index { " (index)" } else { " (table)" });
        }
        if kind == "s3:PutObject" {
            let request = context.request();
            let key = request.uri().rsplit('/').next().unwrap_or_default();
            let key = key.split('?').next().unwrap_or_default().to_string();
            let bytes = request.body().content_length().unwrap_or_default();
            let at = self.started.elapsed().as_secs_f64();
            self.puts
                .lock()
                .unwrap()
                .push((at, key, bytes, peak_rss_mb()));
        }
        *self.counts.lock().unwrap().entry(kind.clone()).or_default() += 1;
        cfg.interceptor_state()
            .store_put(Sent(kind, Instant::now()));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(Sent(kind, at)) = cfg.load::<Sent>() {
            *self.waits.lock().unwrap().entry(kind.clone()).or_default() +=
                at.elapsed().as_secs_f64();
        }
        Ok(())
    }
}

/// One S3 PutObject: seconds since the counter started, key, bytes, peak resident MB so far.
type Put = (f64, String, u64, f64);

/// When an attempt was sent, and its kind.
#[derive(Debug, Clone)]
struct Sent(String, Instant);

impl Storable for Sent {
    type Storer = StoreReplace<Self>;
}

/// This process's peak resident memory so far (VmHWM), MB.
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    kb as f64 / 1024.0
}

/// User plus system CPU seconds of this process so far (`/proc/self/stat`, clock ticks of 1/100 s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat(5), the 12th and 13th after the name.
    (tick(11) + tick(12)) / 100.0
}

async fn report(
    sdk: &aws_config::SdkConfig,
    config: &ReportConfig,
) -> Result<serde_json::Value, Error> {
    let counter = Counter {
        started: Instant::now(),
        counts: Arc::default(),
        waits: Arc::default(),
        puts: Arc::default(),
    };
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .build(),
    );
    let dynamo = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .build(),
    );
    let kms = aws_sdk_kms::Client::from_conf(
        aws_sdk_kms::config::Builder::from(sdk)
            .interceptor(counter.clone())
            .build(),
    );
    // As `attest_report::build`, over the counting clients.
    let workflow = attest_report_workflow::AwsReportWorkflow::with_embedded_catalogues(
        EvidenceStore::new(s3, &config.evidence_bucket, &config.evidence_kms_key_id),
        StateStore::new(dynamo.clone(), &config.state_table, &config.history_table),
        RunStore::new(dynamo.clone(), &config.runs_table),
        ReportRunStore::new(dynamo, &config.runs_table),
        KmsSigner::new(kms, &config.signing_key_id),
    )?
    .with_policy(config.policy.clone());
    let event = serde_json::json!({"framework": FRAMEWORK, "period": PERIOD,
                                   "requested_at": "2026-12-02T06:00:00Z"});
    PEAK.store(LIVE.load(Relaxed), Relaxed);
    let (started, cpu_before) = (Instant::now(), cpu_seconds());
    let response = handle(&workflow, event).await?;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    let offset = (started - counter.started).as_secs_f64();
    let peak = peak_rss_mb();
    let heap_peak_mb = PEAK.load(Relaxed) as f64 / 1e6;
    let requests = counter.counts.lock().unwrap().clone();
    let breakdown = breakdown(&workflow, &response.bundle).await?;
    let waits = counter.waits.lock().unwrap().clone();
    let puts: Vec<_> = counter
        .puts
        .lock()
        .unwrap()
        .iter()
        .map(|(at, key, bytes, peak)| serde_json::json!([at - offset, key, bytes, peak]))
        .collect();
    Ok(serde_json::json!({
        "status": response.status.as_str(), "evidence": response.evidence, "seconds": seconds,
        "requests": requests, "waits": waits, "cpu_seconds": cpu, "puts": puts, "peak_rss_mb": peak,
        "heap_peak_mb": heap_peak_mb, "breakdown": breakdown,
    }))
}

/// The published snapshot read back, then each step of rendering alone: peak heap (MB) above
/// what was live before it, and seconds. The snapshot and the evaluated report stay live
/// throughout, as in `render_all`.
async fn breakdown(
    workflow: &attest_report_workflow::AwsReportWorkflow,
    bundle: &str,
) -> Result<serde_json::Value, Error> {
    use attest_reports::render::{csv, html, json, ocsf, oscal, pdf};
    let prefix = bundle
        .split_once(&format!("{}/", workflow.objects.bucket()))
        .ok_or("bundle names another bucket")?
        .1;
    let key = format!("{prefix}{}", attest_reports::manifest::SNAPSHOT_FILE);
    let bytes = workflow.objects.get_version(&key, None).await?;
    let mut steps = Vec::new();
    let mut step = |name: &str, mb: f64, at: Instant| {
        steps.push(serde_json::json!([name, mb, at.elapsed().as_secs_f64()]));
    };
    let at = Instant::now();
    let (mb, snapshot) = heap_peak(|| attest_reports::snapshot::Snapshot::from_json(&bytes));
    let snapshot = snapshot?;
    step("snapshot (parsed, kept)", mb, at);
    let at = Instant::now();
    let (mb, report) = heap_peak(|| attest_reports::evaluate::evaluate(&snapshot));
    step("evaluate (kept)", mb, at);
    type Render<'a> = Box<dyn Fn() -> Result<Vec<u8>, attest_reports::ReportError> + 'a>;
    let renders: [(&str, Render); 6] = [
        ("report.json", Box::new(|| json::render(&report))),
        ("report.csv", Box::new(|| csv::render(&report))),
        ("report.html", Box::new(|| html::render(&report))),
        ("report.pdf", Box::new(|| pdf::render(&report))),
        ("oscal", Box::new(|| oscal::render(&snapshot, &report))),
        ("ocsf", Box::new(|| ocsf::render(&report))),
    ];
    for (name, render) in renders {
        let at = Instant::now();
        let (mb, out) = heap_peak(render);
        out?;
        step(name, mb, at);
    }
    Ok(serde_json::Value::Array(steps))
}
