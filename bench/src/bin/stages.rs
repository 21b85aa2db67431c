//! Per-stage cost of intake compute on one sample event, to read beside the main benchmark:
//! `cargo run --release -p attest-bench --bin stages [EVENT_FILE]` (default: the Config sample).
//! Same global allocator as the intake function and the main benchmark.
use attest_aws::items::both_items;
use attest_domain::ijson;
use attest_domain::records::FindingItems;
use attest_domain::{canonical, normalize_event, Catalogue};
use std::hint::black_box;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn t(name: &str, n: u32, mut f: impl FnMut()) {
    for _ in 0..n / 10 {
        f();
    }
    let s = Instant::now();
    for _ in 0..n {
        f();
    }
    println!(
        "{name:<40} {:>10.2} us",
        s.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    let c = Catalogue::embedded().expect("catalogue");
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "events/config-noncompliant-with-old-result.json".into());
    let bytes = std::fs::read(&path).expect("read the event");
    let n = 20000;
    println!("{path}: {} bytes", bytes.len());
    t("floor: sonic_rs Value + sha256(bytes)", n, || {
        black_box(sonic_rs::from_slice::<sonic_rs::Value>(&bytes).expect("json"));
        black_box(canonical::sha256(&bytes));
    });
    t("  sonic_rs Value", n, || {
        black_box(sonic_rs::from_slice::<sonic_rs::Value>(&bytes).expect("json"));
    });
    t("  sha256(event bytes)", n, || {
        black_box(canonical::sha256(&bytes));
    });
    t("attest: normalize_event + items", n, || {
        let e = normalize_event(&bytes, &c).expect("normalises");
        for f in &e.findings {
            black_box(both_items(&FindingItems::new(
                &f.finding,
                &f.evidence,
                c.version(),
            )));
        }
    });
    t("  ijson::parse (strict serde_json Value)", n, || {
        black_box(ijson::parse(&bytes, &ijson::EVENT).expect("json"));
    });
    let event = ijson::parse(&bytes, &ijson::EVENT).expect("json");
    let detail = &event["detail"];
    let records: Vec<&serde_json::Value> = match detail.get("findings").and_then(|f| f.as_array()) {
        Some(findings) => findings.iter().collect(),
        None => vec![detail],
    };
    t("  canonical::to_vec (every record)", n, || {
        for r in &records {
            black_box(canonical::to_vec(*r).expect("canonical"));
        }
    });
    let canonical: Vec<Vec<u8>> = records
        .iter()
        .map(|r| canonical::to_vec(*r).expect("canonical"))
        .collect();
    t("  sha256_hex (every record)", n, || {
        for bytes in &canonical {
            black_box(canonical::sha256_hex(bytes));
        }
    });
    t("  normalize_event", n, || {
        black_box(normalize_event(&bytes, &c).expect("normalises"));
    });
    let e = normalize_event(&bytes, &c).expect("normalises");
    t("  FindingItems::new (every finding)", n, || {
        for f in &e.findings {
            black_box(FindingItems::new(&f.finding, &f.evidence, c.version()));
        }
    });
    let items: Vec<FindingItems> = e
        .findings
        .iter()
        .map(|f| FindingItems::new(&f.finding, &f.evidence, c.version()))
        .collect();
    t("  both items (every finding)", n, || {
        for r in &items {
            black_box(both_items(r));
        }
    });
    println!(
        "  (findings: {}; controls on the first: {})",
        items.len(),
        e.findings.first().map_or(0, |f| f.finding.controls.len())
    );
}
