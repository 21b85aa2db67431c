//! Local AWS for the tests: one moto server per test binary, on a free port, started through
//! `scripts/local_aws.py serve` (which exits when this process does). Each test provisions its own
//! copy of the template's resources under a unique prefix, so tests run in parallel.
//!
//! Set `ATTEST_TEST_ENDPOINT` to use a server that is already running (the Makefile does not need to).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use attest_domain::Catalogue;
use attest_intake::{Intake, IntakeConfig};
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ATTEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv/bin/python");
    assert!(venv.exists(), "{} is missing: run `make venv` (or `make test`) first", venv.display());
    venv
}

static ENDPOINT: OnceLock<String> = OnceLock::new();

/// The local AWS endpoint, starting the server on first use.
pub fn endpoint() -> &'static str {
    ENDPOINT.get_or_init(|| {
        if let Ok(url) = std::env::var("ATTEST_TEST_ENDPOINT") {
            return url;
        }
        let port_file = std::env::temp_dir().join(format!("attest-it-moto-{}.port", std::process::id()));
        let log_path = std::env::temp_dir().join(format!("attest-it-moto-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&port_file);
        let log = std::fs::File::create(&log_path).expect("create moto log");
        Command::new(python())
            .arg(repo_root().join("scripts/local_aws.py"))
            .args(["serve", "--port-file"])
            .arg(&port_file)
            .args(["--watch-pid", &std::process::id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start scripts/local_aws.py serve");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(port) = std::fs::read_to_string(&port_file) {
                let addr = format!("127.0.0.1:{}", port.trim());
                if std::net::TcpStream::connect(&addr).is_ok() {
                    return format!("http://{addr}");
                }
            }
            assert!(
                Instant::now() < deadline,
                "local AWS server did not start within 60 s; see {}",
                log_path.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The template's resources, provisioned under a prefix unique to one test.
pub struct Stack {
    pub config: IntakeConfig,
    pub sdk: aws_config::SdkConfig,
}

impl Stack {
    pub async fn new() -> Stack {
        let prefix = format!("it{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::SeqCst));
        let output = Command::new(python())
            .arg(repo_root().join("scripts/local_aws.py"))
            .args(["provision", "--endpoint", endpoint(), "--prefix", &prefix])
            .env("AWS_REGION", "us-east-1")
            .output()
            .expect("run provision");
        assert!(output.status.success(), "provision failed: {}", String::from_utf8_lossy(&output.stderr));
        let resources: serde_json::Value = serde_json::from_slice(&output.stdout).expect("provision output");
        let env = resources["_environment"].clone();
        let config = IntakeConfig::from_lookup(|k| env.get(k).and_then(|v| v.as_str()).map(str::to_string))
            .expect("the template's environment is a valid intake configuration");
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(endpoint())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new("testing", "testing", None, None, "tests"))
            .load()
            .await;
        Stack { config, sdk }
    }

    pub fn intake(&self) -> Intake {
        Intake::new(&self.sdk, &self.config, Catalogue::embedded().expect("catalogue"))
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        aws_sdk_s3::Client::new(&self.sdk)
    }
}

pub fn event_bytes(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("events").join(name)).unwrap_or_else(|e| panic!("events/{name}: {e}"))
}

/// An SQS batch as the Lambda service delivers it, one message per body.
pub fn sqs_batch(bodies: &[(&str, Vec<u8>)]) -> SqsEvent {
    let mut event = SqsEvent::default();
    for (id, body) in bodies {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.to_string());
        m.body = Some(String::from_utf8_lossy(body).into_owned());
        event.records.push(m);
    }
    event
}

/// Edit a sample event as JSON.
pub fn edited(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_slice(&event_bytes(name)).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}
