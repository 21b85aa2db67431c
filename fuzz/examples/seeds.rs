//! Writes the seed corpus of every fuzz target under DIR/<target>/, from the repository's own files:
//! the sample events (`events/`), the catalogue (`catalogue/`) and a genuine signed bundle of the
//! sample PCI report (`attest-report-samples`). Usage: `cargo run --example seeds -- DIR`.

use std::path::{Path, PathBuf};

use attest_fuzz::{join, mode, KEY_ARN};
use attest_reports::manifest::{
    public_key_pem, signature_record, Manifest, SigningKey, MANIFEST_FILE, SNAPSHOT_FILE,
};
use attest_reports::render::render_all;
use attest_reports::verify::verify;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use p256::ecdsa::Signature;
use p256::pkcs8::EncodePublicKey;

type Result<T> = std::result::Result<T, String>;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(relative: &str) -> Result<Vec<u8>> {
    let path = repo().join(relative);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
}

struct Out(PathBuf);

impl Out {
    fn write(&self, target: &str, name: &str, bytes: &[u8]) -> Result<()> {
        let dir = self.0.join(target);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// Every file of `events/` and `events/invalid/`, by file name.
fn events() -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for dir in ["events", "events/invalid"] {
        let entries = std::fs::read_dir(repo().join(dir)).map_err(|e| format!("{dir}: {e}"))?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            let is_seed = path.extension().is_some_and(|e| e == "json" || e == "txt");
            if let (true, Some(name)) = (is_seed, path.file_name().and_then(|n| n.to_str())) {
                let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                out.push((name.to_string(), bytes));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// RFC 8785's hard cases, for canonical_json and the differential: number forms (appendix B's
/// boundaries, integers past 2^53, negative zero), member order by UTF-16 code units, escapes, and
/// the inputs the reader refuses (a lone surrogate, nesting past 64 levels).
const CANONICAL_EDGES: &[(&str, &str)] = &[
    (
        "numbers",
        r#"[0, -0, -0.0, 1, -1, 1e21, 1e20, 1e-7, 1e-6, 5e-324, 1.7976931348623157e308, 0.1, 333333333.3333333, 9007199254740993, -9007199254740993, 18446744073709551616, 1E+2, 2.5e-5, 100e-2]"#,
    ),
    (
        "order",
        r#"{"\u20ac":1,"\r":2,"\ufb33":3,"1":4,"\ud83d\ude00":5,"\u0080":6,"\u00f6":7,"":8,"a":{"b":1,"a":2}}"#,
    ),
    (
        "escapes",
        r#"["\u0000\u001f\u007f", "\"\\\/\b\f\n\r\t", "\u2028\u2029", "\ud834\udd1e", "é"]"#,
    ),
    ("literals", r#"{"t":true,"f":false,"n":null,"e":[],"o":{}}"#),
    ("lone-surrogate", r#"["\ud800"]"#),
    ("lone-low-surrogate", r#"["\udc00x"]"#),
    ("repeated-member", r#"{"a":1,"a":2}"#),
    ("too-large-number", "[1e400]"),
];

fn main() -> Result<()> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: seeds DIR (writes DIR/<target>/...)")?;
    let out = Out(PathBuf::from(dir));
    let catalogue = attest_fuzz::catalogue();

    // Events: normalisation, the reader and RFC 8785; their evidence documents too.
    for (name, bytes) in events()? {
        for target in ["normalize_event", "ijson", "canonical_json"] {
            out.write(target, &name, &bytes)?;
        }
        if let Ok(event) = attest_domain::normalize_event(&bytes, catalogue) {
            for (i, f) in event.findings.iter().enumerate() {
                out.write(
                    "canonical_json",
                    &format!("evidence-{i}-{name}"),
                    &f.evidence.bytes,
                )?;
            }
        }
    }

    for (name, text) in CANONICAL_EDGES {
        out.write("canonical_json", name, text.as_bytes())?;
    }
    let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
    out.write("canonical_json", "nesting-65", deep.as_bytes())?;
    out.write(
        "canonical_json",
        "nesting-64",
        &deep.as_bytes()[1..deep.len() - 1],
    )?;

    // Catalogue files.
    let csv = |name: &str| read(&format!("catalogue/{name}"));
    // The mappings cut to their first rows of each kind: the whole file is 330 KB, and libFuzzer
    // mutates small inputs many times faster (the embedded catalogue loads in every test run).
    let mappings = String::from_utf8(csv("mappings-v1.csv")?).map_err(|e| e.to_string())?;
    let mut rows_of_kind = std::collections::BTreeMap::<&str, usize>::new();
    let mut sample = String::new();
    for (i, line) in mappings.lines().enumerate() {
        let kind = line.split(',').next().unwrap_or_default();
        let seen = rows_of_kind.entry(kind).or_default();
        if i == 0 || *seen < 3 {
            sample.push_str(line);
            sample.push('\n');
        }
        *seen += 1;
    }
    let catalogue_seed = join(&[
        &csv("frameworks.csv")?,
        sample.as_bytes(),
        &csv("requirement-prefixes.csv")?,
        &csv("cloudtrail-status.csv")?,
        b"s3-bucket-server-side-encryption-enabled",
    ]);
    out.write("catalogue_load", "sample", &catalogue_seed)?;
    out.write("controls_load", "controls.json", &csv("controls.json")?)?;
    out.write(
        "exception_register",
        "exceptions.csv",
        &csv("exceptions.csv")?,
    )?;

    // A genuine bundle of the sample PCI report, signed by the fixed key.
    let (snapshot, objects) = attest_report_samples::from_events_with_objects("PCI-DSS-3.2.1")
        .map_err(|e| e.to_string())?;
    let outputs = render_all(&snapshot).map_err(|e| e.to_string())?;
    let snapshot_bytes = snapshot.to_canonical().map_err(|e| e.to_string())?;
    let manifest = Manifest::build(
        &snapshot,
        &snapshot_bytes,
        &outputs,
        SigningKey::from_arn(KEY_ARN)?,
    );
    let manifest_bytes = manifest.to_canonical().map_err(|e| e.to_string())?;
    let key = attest_fuzz::signing_key();
    let signature: Signature = key
        .sign_prehash(&attest_domain::canonical::sha256(&manifest_bytes))
        .map_err(|e| e.to_string())?;
    let record = signature_record(&manifest_bytes, KEY_ARN, signature.to_der().as_bytes());
    let record = serde_json::to_vec(&record).map_err(|e| e.to_string())?;
    let der = key
        .verifying_key()
        .to_public_key_der()
        .map_err(|e| e.to_string())?;
    let pem = public_key_pem(der.as_bytes())?;
    let head: Vec<&[u8]> = vec![&manifest_bytes, &snapshot_bytes, &record, pem.as_bytes()];
    let mut evidence: Vec<&[u8]> = Vec::new();
    for (key, bytes) in &objects {
        evidence.push(key.as_bytes());
        evidence.push(bytes);
    }
    // Outputs that hold 0xFF (the PDF) cannot travel in this framing; FIX_HASHES drops them.
    let mut outputs_files: Vec<&[u8]> = Vec::new();
    for o in outputs
        .iter()
        .filter(|o| !o.bytes.contains(&attest_fuzz::SEPARATOR))
    {
        outputs_files.push(o.name.as_bytes());
        outputs_files.push(&o.bytes);
    }
    let with_outputs = join(&[&head[..], &outputs_files, &evidence].concat());
    let evidence_only = join(&[&head[..], &evidence].concat());
    let seeds = [
        ("genuine-as-signed", 0, &with_outputs),
        ("genuine-resigned", mode::SIGN, &with_outputs),
        (
            "genuine-fixed",
            mode::SIGN | mode::FIX_HASHES,
            &with_outputs,
        ),
        (
            "evidence-fixed",
            mode::SIGN | mode::FIX_HASHES,
            &evidence_only,
        ),
        (
            "evidence-fixed-header",
            mode::SIGN | mode::FIX_HASHES | mode::FIX_HEADER,
            &evidence_only,
        ),
        (
            "evidence-pem-anchor",
            mode::SIGN | mode::FIX_HASHES | mode::ANCHOR_PEM,
            &evidence_only,
        ),
        (
            "evidence-trust-file",
            mode::SIGN | mode::FIX_HASHES | mode::ANCHOR_TRUST_FILE,
            &evidence_only,
        ),
    ];
    for (name, mode, body) in seeds {
        let mut seed = vec![mode];
        seed.extend_from_slice(body);
        // How far each seed gets: past the signature and evidence checks to re-rendering, where
        // the outputs the framing cannot carry are missed.
        if let Some((bundle, anchor)) = attest_fuzz::bundle::from_input(&seed) {
            match verify(&bundle, &anchor) {
                Ok(ok) => println!("verify_bundle/{name}: {ok}"),
                Err(e) => println!("verify_bundle/{name}: {e}"),
            }
        }
        out.write("verify_bundle", name, &seed)?;
    }
    // The manifest and snapshot alone are JSON documents too.
    out.write("canonical_json", MANIFEST_FILE, &manifest_bytes)?;
    out.write("canonical_json", SNAPSHOT_FILE, &snapshot_bytes)?;
    println!("seeds written under {}", out.0.display());
    Ok(())
}
