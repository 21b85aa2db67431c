//! Local AWS for integration tests: one moto server per test binary, on a free port, started through
//! `scripts/local_aws.py serve` (which exits when the test process does). Each test provisions its
//! own copy of `infra/template.yaml`'s resources under a unique prefix, so tests run in parallel.
//! No in-memory fake: the real SDK clients talk HTTP to the server.
//!
//! Set `ATTEST_TEST_ENDPOINT` to use a server that is already running; `ATTEST_PYTHON` to use another
//! Python than the repository's `.venv`.

pub mod receiver;
pub mod streams;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("ATTEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv/bin/python");
    assert!(
        venv.exists(),
        "{} is missing: run `make venv` (or `make test`) first",
        venv.display()
    );
    venv
}

static ENDPOINT: OnceLock<String> = OnceLock::new();

/// The local AWS endpoint, starting the server on first use.
pub fn endpoint() -> &'static str {
    ENDPOINT.get_or_init(|| {
        if let Ok(url) = std::env::var("ATTEST_TEST_ENDPOINT") {
            return url;
        }
        let pid = std::process::id();
        let port_file = std::env::temp_dir().join(format!("attest-it-moto-{pid}.port"));
        let log_path = std::env::temp_dir().join(format!("attest-it-moto-{pid}.log"));
        let _ = std::fs::remove_file(&port_file);
        let log = std::fs::File::create(&log_path).expect("create moto log");
        // Not waited on by design: the server watches this process and exits with it.
        #[allow(clippy::zombie_processes)]
        Command::new(python())
            .arg(repo_root().join("scripts/local_aws.py"))
            .args(["serve", "--port-file"])
            .arg(&port_file)
            .args(["--watch-pid", &pid.to_string()])
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
    pub prefix: String,
    /// What `local_aws.py provision` printed: logical id -> {name, Arn, url}, and `_environments`.
    pub resources: serde_json::Value,
    pub sdk: aws_config::SdkConfig,
}

impl Stack {
    pub async fn new() -> Stack {
        Stack::with_parameters(&[]).await
    }

    /// The template provisioned with these parameter values (the others take their defaults), so
    /// resources under a condition (the notify function's, with a channel set) exist.
    pub async fn with_parameters(parameters: &[(&str, &str)]) -> Stack {
        let prefix = format!(
            "it{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let output = Command::new(python())
            .arg(repo_root().join("scripts/local_aws.py"))
            .args(["provision", "--endpoint", endpoint(), "--prefix", &prefix])
            .args(
                parameters
                    .iter()
                    .flat_map(|(k, v)| ["--parameter".to_string(), format!("{k}={v}")]),
            )
            .env("AWS_REGION", "us-east-1")
            .output()
            .expect("run provision");
        assert!(
            output.status.success(),
            "provision failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let resources: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("provision output");
        Stack {
            prefix,
            resources,
            sdk: sdk_config().await,
        }
    }

    /// A function's environment as the template sets it, for `from_lookup` configuration.
    pub fn env(&self, function: &str) -> impl Fn(&str) -> Option<String> {
        let env = self.resources["_environments"][function].clone();
        move |k| env.get(k).and_then(|v| v.as_str()).map(str::to_string)
    }

    /// A new queue `{prefix}-{name}` subscribed to the topic `topic_arn` with no filter and no raw
    /// delivery (each message an SNS notification), as a person's mailbox or a machine consumer
    /// would be; its URL.
    pub async fn queue_on_topic(&self, topic_arn: &str, name: &str) -> String {
        let sqs = aws_sdk_sqs::Client::new(&self.sdk);
        let url = sqs
            .create_queue()
            .queue_name(format!("{}-{name}", self.prefix))
            .send()
            .await
            .expect("create a queue")
            .queue_url
            .expect("a queue url");
        let arn = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .expect("the queue's arn")
            .attributes
            .and_then(|a| {
                a.get(&aws_sdk_sqs::types::QueueAttributeName::QueueArn)
                    .cloned()
            })
            .expect("an arn");
        aws_sdk_sns::Client::new(&self.sdk)
            .subscribe()
            .topic_arn(topic_arn)
            .protocol("sqs")
            .endpoint(arn)
            .send()
            .await
            .expect("subscribe the queue to the topic");
        url
    }

    /// A resource's attribute (`url`, `Arn`, `name`) by logical id.
    pub fn attribute(&self, logical: &str, attribute: &str) -> String {
        self.resources[logical][attribute]
            .as_str()
            .unwrap_or_else(|| panic!("no {attribute} of resource {logical}"))
            .to_string()
    }

    /// The physical name of a resource by logical id.
    pub fn name(&self, logical: &str) -> String {
        self.resources[logical]["name"]
            .as_str()
            .unwrap_or_else(|| panic!("no resource {logical}"))
            .to_string()
    }

    /// Every item of a table (one page: the tests' tables are small).
    pub async fn scan(
        &self,
        table: &str,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        aws_sdk_dynamodb::Client::new(&self.sdk)
            .scan()
            .table_name(table)
            .send()
            .await
            .unwrap_or_else(|e| panic!("scan {table}: {e:?}"))
            .items
            .unwrap_or_default()
    }
}

/// SDK configuration pointed at the local server, with dummy credentials.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_s3::config::Credentials::new(
            "testing", "testing", None, None, "tests",
        ))
        .load()
        .await
}

/// Every message on the queue now: receives until one waits a second and gets nothing. With
/// `delete`, each is deleted once received (as a consumer that handled it would).
pub async fn receive_all(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    delete: bool,
) -> Vec<aws_sdk_sqs::types::Message> {
    let mut all = Vec::new();
    loop {
        let messages = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            .wait_time_seconds(1)
            .send()
            .await
            .expect("receive from the queue")
            .messages
            .unwrap_or_default();
        if messages.is_empty() {
            return all;
        }
        for m in messages {
            if delete {
                sqs.delete_message()
                    .queue_url(queue_url)
                    .set_receipt_handle(m.receipt_handle.clone())
                    .send()
                    .await
                    .expect("delete from the queue");
            }
            all.push(m);
        }
    }
}

/// A sample event from `events/`.
pub fn event_bytes(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("events").join(name))
        .unwrap_or_else(|e| panic!("events/{name}: {e}"))
}

/// Check that `docs/configuration.md`'s table under `## <function>` lists exactly `variables`, in
/// order, each with its rule and meaning: the function's variable list and its documentation are
/// one list.
pub fn assert_documented(function: &str, variables: &[attest_aws::settings::Variable]) {
    let path = repo_root().join("docs/configuration.md");
    let text = std::fs::read_to_string(&path).expect("read docs/configuration.md");
    let heading = format!("## {function}");
    let section = text
        .split("\n## ")
        .map(|s| format!("## {}", s.trim_start_matches("## ")))
        .find(|s| s.lines().next().map(str::trim) == Some(heading.as_str()))
        .unwrap_or_else(|| panic!("docs/configuration.md has no `{heading}` section"));
    let documented: Vec<(String, String, String)> = section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            assert_eq!(
                cells.len(),
                3,
                "table row `{l}` needs variable | rule | meaning"
            );
            (
                cells[0].trim_matches('`').to_string(),
                cells[1].clone(),
                cells[2].clone(),
            )
        })
        .collect();
    let declared: Vec<(String, String, String)> = variables
        .iter()
        .map(|v| (v.name.to_string(), v.rule(), v.meaning.to_string()))
        .collect();
    assert_eq!(
        documented, declared,
        "docs/configuration.md `{heading}` differs from the function's variable list"
    );
}

/// A variable lookup over fixed pairs, for configuration tests (`from_lookup(lookup(&[...]))`).
pub fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: std::collections::HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}
