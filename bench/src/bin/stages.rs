//! Per-stage cost of intake compute on the Config sample event (`cargo run --release -p attest-bench --bin stages`):
//! where the time goes, to read beside the main benchmark.
use attest_domain::records::FindingRows;
use attest_domain::{canonical, normalize_event, Catalogue};
use std::hint::black_box;
use std::time::Instant;
#[path = "../sink.rs"]
mod sink;
use sink::Item;
fn t(name: &str, n: u32, mut f: impl FnMut()) {
    let s = Instant::now();
    for _ in 0..n {
        f();
    }
    println!(
        "{name:<30} {:>10.2} us",
        s.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
fn main() {
    let c = Catalogue::embedded().unwrap();
    let bytes = std::fs::read("events/config-noncompliant-with-old-result.json").unwrap();
    let n = 20000;
    t("serde_json parse Value", n, || {
        black_box(serde_json::from_slice::<serde_json::Value>(&bytes).unwrap());
    });
    t("sonic_rs -> serde_json Value", n, || {
        black_box(sonic_rs::from_slice::<serde_json::Value>(&bytes).unwrap());
    });
    t("sonic_rs Value", n, || {
        black_box(sonic_rs::from_slice::<sonic_rs::Value>(&bytes).unwrap());
    });
    let sv: sonic_rs::Value = sonic_rs::from_slice(&bytes).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    t("canonical to_vec(Value)", n, || {
        black_box(canonical::to_vec(&sv).unwrap());
    });
    t("serde_json to_vec(Value)", n, || {
        black_box(serde_json::to_vec(&v).unwrap());
    });
    let cb = canonical::to_vec(&sv).unwrap();
    t("sha256_hex", n, || {
        black_box(canonical::sha256_hex(&cb));
    });
    t("normalize_event", n, || {
        black_box(normalize_event(&bytes, &c).unwrap());
    });
    let e = normalize_event(&bytes, &c).unwrap();
    t("rows build", n, || {
        black_box(FindingRows::build(
            &e.findings[0].finding,
            &e.findings[0].evidence,
            c.version(),
        ));
    });
    let rows = FindingRows::build(&e.findings[0].finding, &e.findings[0].evidence, c.version());
    t("serde_dynamo current item", n, || {
        black_box(serde_dynamo::to_item::<_, serde_dynamo::Item>(&rows.current).unwrap());
    });
    t("rows build + into_items (both)", n, || {
        let (mut current, mut history) = (Item::default(), Item::default());
        FindingRows::build(&e.findings[0].finding, &e.findings[0].evidence, c.version())
            .into_items(&mut current, &mut history);
        black_box((current.0, history.0));
    });
    t("rows clone", n, || {
        black_box(rows.clone());
    });
    t("rows clone + into_items (both)", n, || {
        let (mut current, mut history) = (Item::default(), Item::default());
        rows.clone().into_items(&mut current, &mut history);
        black_box((current.0, history.0));
    });
    println!(
        "  (controls on the finding: {})",
        rows.current.fields.controls.len()
    );
    t("config_rule_controls", n, || {
        black_box(
            c.config_rule_controls("s3-bucket-server-side-encryption-enabled")
                .to_vec(),
        );
    });
    t("timestamp", n, || {
        black_box(attest_domain::timestamp::Timestamp::parse("2026-11-02T09:15:11.482Z").unwrap());
    });
}
