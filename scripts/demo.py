#!/usr/bin/env python3
"""`make demo`: the intake path end to end on a local AWS.

1. Start a local AWS API server (moto) and create the resources infra/template.yaml defines.
2. Check the template's EventBridge rules: publish each sample event and see which reach the queue.
3. Deliver every file in events/ (and events/invalid/) to the intake queue as EventBridge would.
4. Run the intake function's own binary under cargo-lambda's Lambda runtime API and feed it SQS
   batches the way the Lambda service does: delete what succeeded, leave failures for retry, and let
   the queue's redrive policy move a message to the DLQ after 5 failed receives.
5. Print findings stored, per-framework compliance counts and where the evidence went; re-hash every
   evidence object.
6. Scheduled collection: seed what every collector reads (buckets, a trail, findings, IAM, KMS, EC2,
   GuardDuty, Config, RDS), run the collect function's
   binary for one control per collector, trigger it again (nothing new), and print the run records.
7. Reports per framework, fetched and checked with `attest verify`.
8. Alerts: read the state table's stream (GetRecords, as the event source mapping does), run the
   alert function's binary on it, then the notify function's binary on what the topic queued for
   it, posting to stand-in Slack and PagerDuty receivers on 127.0.0.1; deliver the stream again
   and see nothing sent twice.
Everything produced goes to out/demo/. Exit non-zero if anything is off.
"""
import glob
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from hashlib import sha256

import boto3
from boto3.dynamodb.types import TypeDeserializer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "out", "demo")
PY = sys.executable
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
REGION = "us-east-1"
REMEDIATION_RULES = ("s3-bucket-server-side-encryption-enabled=auto,S3.8=dry-run,"
                     "cloudtrail.amazonaws.com:StopLogging=auto")
problems = []


def step(text):
    print(f"\n== {text}", flush=True)


def check(ok, what):
    print(f"   [{'ok' if ok else 'FAIL'}] {what}")
    if not ok:
        problems.append(what)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for_port(port, seconds, proc=None):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"process exited early with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing listening on 127.0.0.1:{port} after {seconds}s")


def start_local_aws(out_dir, name="moto"):
    """Start scripts/local_aws.py serve (it exits with this process); return (process, endpoint)."""
    port_file = os.path.join(out_dir, f"{name}.port")
    if os.path.exists(port_file):
        os.remove(port_file)
    log = open(os.path.join(out_dir, f"{name}.log"), "w")
    proc = subprocess.Popen([PY, os.path.join(ROOT, "scripts/local_aws.py"), "serve", "--port-file", port_file,
                             "--watch-pid", str(os.getpid())], stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while not os.path.exists(port_file):
        if time.time() > deadline or proc.poll() is not None:
            raise SystemExit(f"local AWS did not start; see {log.name}")
        time.sleep(0.1)
    port = int(open(port_file).read())
    wait_for_port(port, 30)
    return proc, f"http://127.0.0.1:{port}"


def provision(endpoint, prefix, parameters=()):
    """Create the template's resources on the local server; return what local_aws.py reports."""
    given = [a for k, v in parameters for a in ("--parameter", f"{k}={v}")]
    return json.loads(subprocess.check_output([PY, os.path.join(ROOT, "scripts/local_aws.py"), "provision",
                                               "--endpoint", endpoint, "--prefix", prefix, *given]))


class Receiver:
    """A stand-in for Slack's incoming webhook or PagerDuty's Events API: a real HTTP server on
    127.0.0.1 that keeps each JSON body posted to it and answers as the service does."""

    def __init__(self, path, status, answer):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                received.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                 "body": json.loads(self.rfile.read(length))})
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{path}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def function_env(template_env, endpoint, log_level="INFO"):
    """A function's environment as the template sets it, pointed at the local server."""
    env = dict(template_env)
    env.update({"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": REGION, "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": log_level})
    return env


def start_function(binary, env, out_dir, children, release=False):
    """Run a function's already built binary against cargo-lambda's Lambda runtime API; return the port.

    cargo-lambda serves only the runtime and invoke APIs (`--only-lambda-apis`): it compiles nothing,
    so the demo runs exactly the binaries `make build` made for the tests too. Both processes are
    appended to `children` for the caller to stop."""
    binary_path = os.path.join(TARGET, "release" if release else "debug", binary)
    if not os.access(binary_path, os.X_OK):
        raise SystemExit(f"{binary_path} is missing: run `make build` first")
    port = free_port()
    log = open(os.path.join(out_dir, f"{binary}.log"), "w")
    api = subprocess.Popen(["cargo", "lambda", "watch", "--only-lambda-apis", "-A", "127.0.0.1", "-P", str(port),
                            "--manifest-path", os.path.join(ROOT, "Cargo.toml")],
                           cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    children.append(api)
    wait_for_port(port, 60, api)
    function_env = dict(os.environ)
    function_env.update(env)
    # What the Lambda service sets; cargo-lambda routes /.rt/<name> to invokes of function <name>.
    function_env.update({"AWS_LAMBDA_RUNTIME_API": f"http://127.0.0.1:{port}/.rt/{binary}",
                         "AWS_LAMBDA_FUNCTION_NAME": binary, "AWS_LAMBDA_FUNCTION_VERSION": "1",
                         "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"})
    children.append(subprocess.Popen([binary_path], cwd=ROOT, env=function_env, stdout=log, stderr=subprocess.STDOUT))
    return port


def main():
    os.makedirs(OUT, exist_ok=True)
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION}.items():
        os.environ[k] = v
    children = []
    try:
        run(children)
    finally:
        for p in children:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
    if problems:
        print(f"\nDEMO FAILED: {len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        sys.exit(1)
    print("\nDemo finished: every step as expected. Outputs are in out/demo/.")


def run(children):
    step("Starting local AWS (moto) and creating the template's resources")
    server, endpoint = start_local_aws(OUT)
    children.append(server)
    # Both notify channels are set, as a team using Slack and PagerDuty deploys it: the secrets are
    # created first (they are never in the template), pointing at the stand-in receivers.
    receivers = {"slack": Receiver("/services/T-DEMO/B-DEMO/demo", 200, b"ok"),
                 "pagerduty": Receiver("/v2/enqueue", 202, b'{"status":"success","message":"Event processed"}')}
    secrets = boto3.client("secretsmanager", endpoint_url=endpoint, region_name=REGION)
    slack_secret = secrets.create_secret(Name="attest-demo/slack-webhook", SecretString=receivers["slack"].url)["ARN"]
    pagerduty_secret = secrets.create_secret(Name="attest-demo/pagerduty-routing-key",
                                             SecretString="DEMO0ROUTING0KEY0000000000000000")["ARN"]
    # Slack hears CRITICAL and HIGH at once, the rest in the daily digest. Remediation: default
    # encryption and CloudTrail logging fixed automatically, public access in dry run.
    res = provision(endpoint, "attest-demo", [("SlackWebhookSecretArn", slack_secret),
                                              ("PagerDutyRoutingKeySecretArn", pagerduty_secret),
                                              ("SlackMinSeverity", "HIGH"),
                                              ("RemediationRules", REMEDIATION_RULES)])
    json.dump(res, open(os.path.join(OUT, "resources.json"), "w"), indent=2)
    print(f"   local AWS at {endpoint} (log: out/demo/moto.log); resources in out/demo/resources.json")
    aws = lambda svc: boto3.client(svc, endpoint_url=endpoint, region_name=REGION)
    sqs, s3, ddb, events = aws("sqs"), aws("s3"), aws("dynamodb"), aws("events")
    queue = res["IntakeQueue"]["url"]
    dlq = res["IntakeDeadLetterQueue"]["url"]

    valid = sorted(glob.glob(os.path.join(ROOT, "events", "*.json")))
    invalid = sorted(glob.glob(os.path.join(ROOT, "events", "invalid", "*")))

    step("EventBridge rules from the template: which sample events they route to the intake queue")
    routed = {}
    for path in valid + [p for p in invalid if p.endswith(".json")]:
        e = json.load(open(path))
        entry = {"Source": e["source"], "DetailType": e["detail-type"], "Detail": json.dumps(e.get("detail", {}))}
        events.put_events(Entries=[entry])
        got = drain(sqs, queue)
        routed[os.path.basename(path)] = len(got)
    for name, n in routed.items():
        print(f"   {'routed ' if n else 'ignored'}  {name}")
    check(all(routed[os.path.basename(p)] == 1 for p in valid if "unmapped" not in p),
          "every mapped sample event matches a rule exactly once")
    check(routed.get("unknown-source.json") == 0, "an event from an unknown source matches no rule")
    check(routed.get("cloudtrail-unmapped-create-tags.json") == 0,
          "an API call the catalogue does not map is filtered out by the rule")

    step("Delivering every file in events/ to the intake queue (as EventBridge's SQS target would)")
    sent = {}
    for path in valid + invalid:
        body = open(path, "rb").read().decode("utf-8", errors="replace")
        mid = sqs.send_message(QueueUrl=queue, MessageBody=body)["MessageId"]
        sent[mid] = os.path.relpath(path, ROOT)
    print(f"   {len(valid)} valid and {len(invalid)} invalid events queued")

    step("Running the intake function's binary under cargo-lambda's Lambda runtime API")
    lambda_port = start_function("intake", function_env(res["_environment"], endpoint), OUT, children)
    print(f"   runtime API on 127.0.0.1:{lambda_port}; function log in out/demo/intake.log")

    outcomes = []
    receives = Counter()
    deadline = time.time() + 300
    while time.time() < deadline:
        msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                   AttributeNames=["All"]).get("Messages", [])
        if not msgs:
            break
        batch = {"Records": [sqs_record(m, res["IntakeQueue"]["Arn"]) for m in msgs]}
        response = invoke(lambda_port, batch)
        failed = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        for m in msgs:
            receives[m["MessageId"]] += 1
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        outcomes.append({"messages": [sent.get(m["MessageId"], m["MessageId"]) for m in msgs],
                         "failed": sorted(sent.get(i, i) for i in failed)})
    json.dump(outcomes, open(os.path.join(OUT, "invocations.json"), "w"), indent=2)
    print(f"   {len(outcomes)} invocations; {sum(receives.values())} message receives")

    dead = [m for m in drain(sqs, dlq)]
    dead_names = sorted(name_of(sent, m) for m in dead)
    print("   in the dead-letter queue after 5 failed receives each:")
    for n in dead_names:
        print(f"     {n}")
    # What intake stores of each sample, and which samples hold a record it refuses (their other
    # findings are stored, then the event fails: it is retried and reaches the DLQ too).
    expected, partly_refused = [], []
    for path in valid:
        shown = subprocess.run([os.path.join(TARGET, "debug", "attest"), "normalize", path],
                               capture_output=True, text=True)
        expected += json.loads(shown.stdout)
        if shown.returncode != 0:
            partly_refused.append(os.path.relpath(path, ROOT))
            print(f"   {shown.stderr.strip()}")
    check(dead_names == sorted([os.path.relpath(p, ROOT) for p in invalid] + partly_refused),
          "exactly the invalid events, and the one holding a malformed finding, reached the DLQ; none was dropped")

    step("What was stored")
    rows = scan(ddb, res["StateTable"]["name"])
    current = [r for r in rows if r["sk"] == "CURRENT"]
    history = scan(ddb, res["HistoryTable"]["name"])
    check(len(history) == len(expected), f"{len(expected)} findings normalised, {len(history)} history entries stored")
    check(len(current) == len({f"{f['account']}#{f['region']}#{f['rule_id']}#{f['resource_id']}" for f in expected}),
          f"{len(current)} current-state records (one per account, region, rule, resource)")
    unmapped = [r for r in current if not r["mapped"]]
    print(f"   findings: {len(history)}  current states: {len(current)}  unmapped: {len(unmapped)}")
    by_source = Counter(r["source"] for r in current)
    print("   by source: " + ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())))

    print("\n   Per-framework compliance (current states bearing on each framework, by standing):")
    standings = ["COMPLIANT", "NON_COMPLIANT", "WARNING", "NOT_APPLICABLE", "INSUFFICIENT_DATA", "SUPPRESSED", "ARCHIVED"]
    counts = defaultdict(Counter)
    for r in current:
        for key in r:
            if key.startswith("fw_"):
                counts[key[3:]][r[key]] += 1
    header = f"   {'framework':<15}" + "".join(f"{s[:13]:>15}" for s in standings)
    print(header)
    summary = {}
    for fw in sorted(counts):
        print(f"   {fw:<15}" + "".join(f"{counts[fw][s]:>15}" for s in standings))
        summary[fw] = dict(counts[fw])

    step("Evidence in S3: re-hashing every object")
    bucket = res["EvidenceBucket"]["name"]
    objects = s3.list_objects_v2(Bucket=bucket, Prefix="evidence/").get("Contents", [])
    evidence_dir = os.path.join(OUT, "evidence")
    bad = 0
    for o in objects:
        body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
        digest = sha256(body).hexdigest()
        if not o["Key"].endswith(f"/{digest}.json"):
            bad += 1
        path = os.path.join(evidence_dir, o["Key"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "wb").write(body)
    recorded = {r["evidence_sha256"] for r in history}
    check(bad == 0 and len(objects) == len(recorded) == len(expected),
          f"{len(objects)} evidence objects, each hashing to its key and recorded hash")
    print(f"   s3://{bucket}/evidence/... (copies in out/demo/evidence/)")
    for o in objects[:3]:
        print(f"     {o['Key']}")
    if len(objects) > 3:
        print(f"     ... and {len(objects) - 3} more")

    runs = collection_step(children, endpoint, res, s3, ddb)
    reports = report_step(children, endpoint, res)
    alerts = alerts_step(children, endpoint, res, receivers, lambda_port)
    remediation = remediation_step(children, endpoint, res)

    json.dump({"findings": len(history), "current_states": len(current), "unmapped": len(unmapped),
               "dead_lettered": dead_names, "frameworks": summary, "evidence_objects": len(objects),
               "collection_runs": runs, "reports": reports, "alerts": alerts,
               "remediation": remediation},
              open(os.path.join(OUT, "summary.json"), "w"), indent=2, sort_keys=True)


def collection_step(children, endpoint, res, s3, ddb):
    step("Scheduled collection: the collect function's binary, one control per collector")
    # Seed what the collectors read: two buckets, a logging trail, Security Hub findings.
    for name, encrypted in [("attest-demo-data-encrypted", True), ("attest-demo-data-plain", False)]:
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled" if encrypted else "Suspended"})
        if encrypted:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    ct = boto3.client("cloudtrail", endpoint_url=endpoint, region_name=REGION)
    ct.create_trail(Name="attest-demo-trail", S3BucketName="attest-demo-data-encrypted", IsMultiRegionTrail=True,
                    EnableLogFileValidation=True)
    ct.start_logging(Name="attest-demo-trail")
    sh = boto3.client("securityhub", endpoint_url=endpoint, region_name=REGION)
    sh.enable_security_hub()
    findings = json.load(open(os.path.join(ROOT, "events", "securityhub-four-findings.json")))["detail"]["findings"]
    sh.batch_import_findings(Findings=findings)
    # What the settings collectors read: an IAM user with a console password and a key, a password
    # policy, a rotated KMS key, EBS encryption by default, a VPC with a flow log, a GuardDuty
    # detector and a recording Config recorder.
    kw = dict(endpoint_url=endpoint, region_name=REGION)
    iam = boto3.client("iam", **kw)
    iam.create_user(UserName="attest-demo-alice")
    iam.create_login_profile(UserName="attest-demo-alice", Password="demo-Password-1!")
    iam.create_access_key(UserName="attest-demo-alice")
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    kms = boto3.client("kms", **kw)
    kms.enable_key_rotation(KeyId=kms.create_key(Description="attest demo data key")["KeyMetadata"]["KeyId"])
    ec2 = boto3.client("ec2", **kw)
    ec2.enable_ebs_encryption_by_default()
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16")["Vpc"]["VpcId"]
    ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL", LogDestinationType="s3",
                         LogDestination="arn:aws:s3:::attest-demo-data-encrypted")
    boto3.client("guardduty", **kw).create_detector(Enable=True)
    cfg = boto3.client("config", **kw)
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "attest-demo-data-encrypted"})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    # No RDS instance: once one exists, the local server's state dump (read by the alerts step
    # below) fails, so here the RDS collector records an empty region; its integration test
    # (functions/collect/tests/it/settings_collectors.rs) collects real instances.
    print("   seeded 2 buckets (one unencrypted), 1 logging multi-region trail, 4 Security Hub findings,")
    print("   an IAM user with a password and key, a password policy, a rotated KMS key, EBS encryption by")
    print("   default, a VPC with a flow log, a GuardDuty detector, a Config recorder")

    env = function_env(res["_environments"]["CollectFunction"], endpoint)
    port = start_function("collect", env, OUT, children)
    # What Scheduler sends (the template's schedule input): one control of each collector the local
    # server serves, each covering the period its own schedule gives the fire time.
    catalogue = json.load(open(os.path.join(ROOT, "catalogue", "controls.json")))
    firsts = {}
    for c in catalogue:
        if c["collector"] != "config.rule_compliance":
            firsts.setdefault(c["collector"], c["id"])
    scheduled = {"controls": list(firsts.values()), "scheduled_time": "2026-11-25T02:00:00Z"}
    first = invoke(port, scheduled, "collect")
    json.dump(first, open(os.path.join(OUT, "collect-first.json"), "w"), indent=2)
    check([r["outcome"] for r in first.get("runs", [])] == ["collected"] * len(firsts),
          f"{len(firsts)} collectors each collected once: {', '.join(sorted(firsts))}")
    again = invoke(port, scheduled, "collect")
    check([r["outcome"] for r in again.get("runs", [])] == ["already_collected"] * len(firsts),
          "the same trigger again (a Scheduler retry or duplicate) collects nothing new")
    # AWS Config's compliance operations are not implemented by the local server: this run must fail
    # visibly (the invocation errors, so Scheduler would retry and dead-letter it) and be recorded FAILED.
    config = invoke(port, {"control": "pci-1.2.1-config-network-rules", "scheduled_time": "2026-11-25T02:00:00Z"}, "collect")
    check("errorMessage" in config and "1 of 1 runs failed" in config.get("errorMessage", ""),
          "config.rule_compliance fails visibly here (moto lacks GetComplianceDetailsByConfigRule; tested with mocks)")

    items = scan(ddb, res["RunsTable"]["name"])
    definitions = [r for r in items if r["pk"].startswith("CONTROL#")]
    check(len({r["pk"] for r in definitions}) == len(catalogue) and len({r["catalogue_version"] for r in definitions}) == 1,
          f"the deployed catalogue is recorded: {len(definitions)} control definitions, one catalogue version")
    runs = sorted((r for r in items if r["pk"].startswith("RUN#")), key=lambda r: (r["control"], r["sk"]))
    print(f"\n   {'control':<44} {'period':<49} {'status':<10} {'try':>3}  evidence sha256 / error")
    bucket = res["EvidenceBucket"]["name"]
    ok = 0
    for r in runs:
        detail = (r.get("evidence_sha256") or "")[:16] or (r.get("error") or "")[:60]
        print(f"   {r['control']:<44} {r['sk']:<49} {r['status']:<10} {int(r['attempts']):>3}  {detail}")
        if r["status"] == "COLLECTED":
            body = s3.get_object(Bucket=bucket, Key=r["evidence_key"])["Body"].read()
            ok += sha256(body).hexdigest() == r["evidence_sha256"]
            path = os.path.join(OUT, "evidence", r["evidence_key"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            open(path, "wb").write(body)
    check(ok == len(firsts) and len(runs) == len(firsts) + 1, f"{len(runs)} run records; {ok} collected evidence objects hash to their recorded SHA-256")
    return [{k: (int(r[k]) if k == "attempts" else r.get(k)) for k in ("control", "sk", "status", "attempts", "evidence_key", "evidence_sha256", "error")} for r in runs]


def report_step(children, endpoint, res):
    step("Reports: the report function's binary, one monthly report per framework, then `attest verify`")
    env = function_env(res["_environments"]["ReportFunction"], endpoint)
    port = start_function("report", env, OUT, children)
    attest = os.path.join(TARGET, "debug", "attest")
    cli_env = dict(os.environ, **{k: v for k, v in env.items() if k.startswith("AWS_")})
    import csv as csv_module
    frameworks = [r["framework"] for r in csv_module.DictReader(open(os.path.join(ROOT, "catalogue", "frameworks.csv")))]
    out_root = os.path.join(OUT, "reports")
    subprocess.run(["rm", "-rf", out_root], check=True)
    # The auditor's trust anchor, obtained as docs/reports.md says: GetPublicKey on the signing key
    # (`aws kms get-public-key --key-id ARN --query PublicKey --output text | base64 -d > key.der`),
    # then `sha256sum key.der`. `attest verify` refuses a bundle without an anchor.
    kms = boto3.client("kms", endpoint_url=endpoint, region_name=REGION)
    public = kms.get_public_key(KeyId=env["ATTEST_REPORT_SIGNING_KEY_ID"])
    key_der = os.path.join(OUT, "report-signing-key.der")
    open(key_der, "wb").write(public["PublicKey"])
    fingerprint = "SHA256:" + sha256(public["PublicKey"]).hexdigest()
    anchor = ["--key-fingerprint", fingerprint]
    unanchored = subprocess.run([attest, "verify", OUT], capture_output=True, text=True)
    check(unanchored.returncode == 2 and "aws kms get-public-key" in unanchored.stderr,
          "`attest verify` without a trust anchor refuses and says how to obtain the key")
    print(f"   signing key {public['KeyId']}, fingerprint {fingerprint}")
    print(f"\n   {'framework':<15} {'evid':>4} {'pass':>4} {'fail':>4} {'part':>4} {'n/a':>4} {'gaps':>4} {'rate':>7}  verify")
    results = []
    for fw in frameworks:
        # What Scheduler sends on 1 December (the template's report schedule input).
        event = {"framework": fw, "period": "previous_month", "scheduled_time": "2026-12-01T06:00:00Z"}
        r = invoke(port, event, "report")
        if r.get("status") != "PUBLISHED":
            check(False, f"{fw}: report published ({r})")
            continue
        folder = os.path.join(out_root, fw)
        # The run record pins every file's S3 version: fetch reads exactly those.
        fetched = subprocess.run([attest, "fetch", r["bundle"], folder, "--runs-table", env["ATTEST_RUNS_TABLE"]],
                                 env=cli_env, capture_output=True, text=True)
        verified = subprocess.run([attest, "verify", folder, *anchor], capture_output=True, text=True)
        summary = json.load(open(os.path.join(folder, "report.json")))["summary"]
        line = verified.stdout.strip() or verified.stderr.strip()
        print(f"   {fw:<15} {r['evidence']:>4} {summary['passed']:>4} {summary['failed']:>4} {summary['partial']:>4} "
              f"{summary['not_assessed'] - summary['gaps']:>4} {summary['gaps']:>4} {summary['compliance_rate_bp'] / 100:>6.2f}%  "
              f"{'OK' if verified.returncode == 0 else line}")
        check(fetched.returncode == 0 and verified.returncode == 0, f"{fw}: bundle fetched and `attest verify` passes")
        results.append({"framework": fw, "bundle": r["bundle"], "folder": os.path.relpath(folder, ROOT),
                        "run_id": r["run_id"], "evidence": r["evidence"], "merkle_root": r["merkle_root"],
                        "verify": line})
    print(f"   (n/a = evidence but nothing decides, e.g. only exceptions; gaps = no evidence in the period)")
    pci = next((r for r in results if r["framework"] == "PCI-DSS-3.2.1"), None)
    if pci:
        show_carried_and_sample(os.path.join(ROOT, pci["folder"]))
    if results:
        first = results[0]
        print(f"   e.g. {first['framework']}: {first['verify']}")
        again = invoke(port, {"framework": first["framework"], "period": "previous_month",
                              "scheduled_time": "2026-12-01T06:00:00Z"}, "report")
        check(again.get("run_id") == first["run_id"] and again.get("merkle_root") == first["merkle_root"],
              "the same schedule trigger again returns the same published run (no second report)")
        # An auditor's copy with one byte changed must fail, naming the file.
        tampered = os.path.join(OUT, "reports-tampered", first["framework"])
        subprocess.run(["rm", "-rf", tampered], check=True)
        os.makedirs(os.path.dirname(tampered), exist_ok=True)
        subprocess.run(["cp", "-r", os.path.join(ROOT, first["folder"]), tampered], check=True)
        pdf = os.path.join(tampered, "report.pdf")
        data = bytearray(open(pdf, "rb").read())
        data[len(data) // 2] ^= 0x01
        open(pdf, "wb").write(bytes(data))
        bad = subprocess.run([attest, "verify", tampered, *anchor], capture_output=True, text=True)
        check(bad.returncode == 1 and bad.stdout.startswith("FAILED report.pdf"),
              f"a copy with one PDF byte flipped fails verification: {bad.stdout.strip()[:90]}")
        look = os.path.join(ROOT, "scripts", "check_pdf_look.py")
        if os.path.exists(look):
            pages = os.path.join(OUT, "report-pages", first["framework"])
            shown = subprocess.run([sys.executable, look, os.path.join(ROOT, first["folder"], "report.pdf"),
                                    "--png-dir", pages], capture_output=True, text=True)
            check(shown.returncode == 0, f"the PDF reads as it should (pages as PNG in {os.path.relpath(pages, ROOT)})"
                  + ("" if shown.returncode == 0 else f": {shown.stdout.strip()[-200:]} {shown.stderr.strip()[-200:]}"))
    print(f"   bundles (outputs, manifest, signature, public key, snapshot and the evidence it names): out/demo/reports/<framework>/")
    return results


def stream_records(endpoint, stream_arn):
    """Every record of a table's stream, read as Lambda's event source mapping does (each shard from
    TRIM_HORIZON with GetRecords), in the shape Lambda delivers them."""
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint, region_name=REGION)
    out = []
    for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            if not page["Records"]:
                break
            for r in page["Records"]:
                r["dynamodb"]["ApproximateCreationDateTime"] = r["dynamodb"]["ApproximateCreationDateTime"].timestamp()
                r["eventSourceARN"] = stream_arn
                out.append(r)
            iterator = page.get("NextShardIterator")
    return out


def alerts_step(children, endpoint, res, receivers, intake_port):
    step("Alerts: the state table's stream through the alert and notify functions' binaries")
    alert_port = start_function("alert", function_env(res["_environments"]["AlertFunction"], endpoint), OUT, children)
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)
    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)
    table = res["TransitionsTable"]["name"]

    def alert_on_stream():
        """Every record of the state stream from its start to the alert function, as the event
        source mapping does after a restart: the ones handled before must send nothing again."""
        records = stream_records(endpoint, res["StateTable"]["StreamArn"])
        failed = []
        for i in range(0, len(records), 100):
            failed += invoke(alert_port, {"Records": records[i:i + 100]}, "alert").get("batchItemFailures", [])
        check(not failed, f"{len(records)} stream records handled by the alert function, none failed")
        return [t for t in scan(ddb, table) if not t["pk"].startswith(("DELIVERY#", "LATEST#"))]

    transitions = alert_on_stream()
    check(transitions and all(t["status"] == "SENT" for t in transitions),
          f"{len(transitions)} transitions recorded and published to the alerts topic")

    # What the notify function's event source mapping would do: receive, invoke, delete successes.
    env = function_env(res["_environments"]["NotifyFunction"], endpoint)
    env["ATTEST_PAGERDUTY_EVENTS_URL"] = receivers["pagerduty"].url
    notify_port = start_function("notify", env, OUT, children)
    queue, arn = res["NotifyQueue"]["url"], res["NotifyQueue"]["Arn"]

    notify_all = lambda: feed_queue(sqs, queue, arn, notify_port, "notify")

    slack, pagerduty = receivers["slack"].received, receivers["pagerduty"].received
    severities = ("CRITICAL", "HIGH")  # the demo's SlackMinSeverity and PagerDutyMinSeverity: HIGH
    body = lambda t: json.loads(t["body"])
    urgent = [t for t in transitions if body(t)["severity"] in severities]
    queued = notify_all()
    check(queued == len(transitions), f"the topic queued {queued} messages for notify, one per transition")
    check(len(slack) == len(urgent), f"{len(slack)} Slack messages at once, one per CRITICAL or HIGH transition")
    check([p["body"]["event_action"] for p in pagerduty] == ["trigger"] * len(urgent),
          f"{len(pagerduty)} PagerDuty triggers, one per CRITICAL or HIGH failure")
    check(all(p["content_type"] == "application/json" for p in slack + pagerduty), "every post is JSON")

    # The CRITICAL Security Hub finding passes an hour later: its state resolves.
    finding = json.load(open(os.path.join(ROOT, "events", "securityhub-one-finding.json")))
    finding["id"] = "5b1d2c3e-4f50-4617-8a9b-0c1d2e3f4a5b"
    finding["time"] = "2026-11-03T07:48:59Z"
    f = finding["detail"]["findings"][0]
    f["Compliance"]["Status"] = "PASSED"
    f["UpdatedAt"] = "2026-11-03T07:48:44.930Z"
    sqs.send_message(QueueUrl=res["IntakeQueue"]["url"], MessageBody=json.dumps(finding))
    msgs = sqs.receive_message(QueueUrl=res["IntakeQueue"]["url"], MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    invoke(intake_port, {"Records": [sqs_record(m, res["IntakeQueue"]["Arn"]) for m in msgs]})
    for m in msgs:
        sqs.delete_message(QueueUrl=res["IntakeQueue"]["url"], ReceiptHandle=m["ReceiptHandle"])
    before = len(transitions)
    transitions = alert_on_stream()
    check(len(transitions) == before + 1, "the passing finding makes one RESOLVED transition; the records before it send nothing again")
    posts_before = len(slack)
    resolved = notify_all() == 1 and pagerduty[-1]["body"]["event_action"] == "resolve"
    closes = [p for p in pagerduty[:-1] if p["body"]["dedup_key"] == pagerduty[-1]["body"]["dedup_key"]]
    check(resolved and len(closes) == 1 and len(slack) == posts_before + 1,
          "PagerDuty gets a resolve with the dedup_key of the trigger it closes, and Slack the resolution")

    # The daily digest: what was below HIGH, one message per framework and day.
    digest_env = function_env(res["_environments"]["DigestFunction"], endpoint)
    digest_port = start_function("digest", digest_env, OUT, children)
    below = [body(t) for t in transitions if body(t)["severity"] not in severities]
    groups = {(b["observed_at"][:10], fw) for b in below for fw in (b["frameworks"] or ["unmapped"])}
    at_once = len(slack)
    for day in sorted({d for d, _ in groups}):
        r = invoke(digest_port, {"day": day}, "digest")
        check("frameworks" in r, f"digest of {day}: {[f['framework'] for f in r.get('frameworks', [])]}")
    digests = slack[at_once:]
    check(len(digests) == len(groups), f"{len(digests)} digest messages for {len(below)} transitions below HIGH "
                                       f"({len(groups)} day and framework pairs)")
    for day in sorted({d for d, _ in groups}):
        invoke(digest_port, {"day": day}, "digest")
    check(len(slack) == at_once + len(digests), "the digest run again posts nothing")

    # The email text of each transition, as SNS would mail it: read back from the local server's
    # record of what was published (moto's dashboard API; on AWS the subscription mails it).
    with urllib.request.urlopen(f"{endpoint}/moto-api/data.json") as r:
        topics = json.load(r)["sns"]["Topic"]
    published = next(t for t in topics if t["arn"] == res["AlertsTopic"]["Arn"])["sent_notifications"]
    emails = [(n[2], json.loads(n[1])["email"]) for n in published if n[2] and n[1].startswith("{")]
    check(len(emails) == len(transitions), f"{len(emails)} messages published with an email body, one per transition")

    folder = os.path.join(OUT, "alerts")
    subprocess.run(["rm", "-rf", folder], check=True)
    posts = {"slack": slack[:at_once], "digest": digests, "pagerduty": pagerduty}
    for name, items in posts.items():
        os.makedirs(os.path.join(folder, name), exist_ok=True)
        for i, post in enumerate(items, 1):
            json.dump(post["body"], open(os.path.join(folder, name, f"{i:03}.json"), "w"), indent=2, ensure_ascii=False)
    os.makedirs(os.path.join(folder, "email"), exist_ok=True)
    for i, (subject, text) in enumerate(emails, 1):
        open(os.path.join(folder, "email", f"{i:03}.txt"), "w").write(f"Subject: {subject}\n\n{text}")
    json.dump(sorted((body(t) for t in transitions), key=lambda b: (b["observed_at"], b["id"])),
              open(os.path.join(folder, "transitions.json"), "w"), indent=2, ensure_ascii=False)
    if slack:
        print(f"   e.g. Slack: {slack[0]['body']['text']}")
    if digests:
        print(f"   e.g. digest: {digests[0]['body']['text']}")
    print(f"   {len(transitions)} transitions; out/demo/alerts/{{email,slack,pagerduty,digest}}/ and transitions.json")
    return {"transitions": len(transitions), "slack_posts": len(posts["slack"]), "digest_posts": len(digests),
            "pagerduty": [p["body"]["event_action"] for p in pagerduty], "emails": len(emails)}


def remediation_step(children, endpoint, res):
    step("Remediation: the remediate function's binary on the failures the topic queued for it")
    aws = lambda svc: boto3.client(svc, endpoint_url=endpoint, region_name=REGION)
    s3, ct, sqs, ddb = aws("s3"), aws("cloudtrail"), aws("sqs"), aws("dynamodb")
    # The resources the sample events name, as they stand in the account: an unencrypted export
    # bucket, a public assets bucket, and the organisation trail someone stopped.
    exports, assets = "attest-audit-exports-123456789012", "attest-public-assets-123456789012"
    for bucket in (exports, assets):
        s3.create_bucket(Bucket=bucket)
    trail = ct.create_trail(Name="attest-org-trail", S3BucketName=exports, IsMultiRegionTrail=True)["TrailARN"]
    ct.start_logging(Name=trail)
    ct.stop_logging(Name=trail)
    print(f"   rules: {REMEDIATION_RULES}")

    port = start_function("remediate", function_env(res["_environments"]["RemediateFunction"], endpoint), OUT, children)
    queue, arn = res["RemediateQueue"]["url"], res["RemediateQueue"]["Arn"]
    handled = feed_queue(sqs, queue, arn, port, "remediate")
    decided = [r for r in scan(ddb, res["TransitionsTable"]["name"]) if r["pk"].startswith("REMEDIATION#")]
    print(f"   {handled} failing transitions queued; {len(decided)} for the enabled rules:")
    bucket = res["EvidenceBucket"]["name"]
    folder = os.path.join(OUT, "remediation")
    subprocess.run(["rm", "-rf", folder], check=True)
    os.makedirs(folder)
    records = {}
    for r in sorted(decided, key=lambda r: r["evidence_key"]):
        body = s3.get_object(Bucket=bucket, Key=r["evidence_key"])["Body"].read()
        ok = sha256(body).hexdigest() == r["evidence_sha256"] and r["evidence_key"].endswith(f"/{r['evidence_sha256']}.json")
        doc = json.loads(body)
        records[doc["triggered_by"]["rule_id"]] = doc
        open(os.path.join(folder, f"{doc['decision'].lower()}-{r['evidence_sha256'][:12]}.json"), "wb").write(body)
        print(f"     {doc['decision']:<8} {doc['triggered_by']['rule_id']} on {doc['triggered_by']['resource_id']}")
        check(ok, f"its record re-hashes to its key: {r['evidence_key']}")
    sse = records.get("s3-bucket-server-side-encryption-enabled", {})
    encryption = s3.get_bucket_encryption(Bucket=exports)["ServerSideEncryptionConfiguration"]["Rules"][0]
    check(sse.get("decision") == "APPLIED" and encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms",
          "auto: the export bucket now encrypts with SSE-KMS, the record holds the state before and after")
    dry = records.get("S3.8", {})
    try:
        s3.get_public_access_block(Bucket=assets)
        untouched = False
    except s3.exceptions.ClientError:
        untouched = True
    check(dry.get("decision") == "DRY_RUN" and dry.get("after") is None and untouched,
          "dry-run: the public assets bucket is untouched; the record holds the call that would be made")
    trail_record = records.get("cloudtrail.amazonaws.com:StopLogging", {})
    check(trail_record.get("decision") == "APPLIED" and ct.get_trail_status(Name=trail)["IsLogging"],
          "auto: the stopped organisation trail is logging again")
    print("   records (canonical JSON, named by their SHA-256): out/demo/remediation/")
    return {r: d["decision"] for r, d in sorted(records.items())}


def show_carried_and_sample(folder):
    """Print the standings a report carried into its period and one control's audit sample."""
    report = json.load(open(os.path.join(folder, "report.json")))
    carried = sorted({(r["resource_id"], r["rule_id"], r["standing"], r["observed_at"], r["evidence_age_days"])
                      for c in report["controls"] for r in c["resources"] if r.get("carried")})
    print(f"   {report['framework']['id']}: {len(carried)} standing(s) carried into the period from older evidence:")
    for resource, rule, standing, observed, age in carried:
        print(f"     {resource} ({rule}): {standing}, evidence of {observed[:10]}, {age} days old at the period end")
    check(carried, "a resource not evaluated in the period is assessed from its older evidence (carried, age shown)")
    sampled = next((c for c in report["controls"] if c["sample"]["items"]), None)
    if sampled:
        sample = sampled["sample"]
        print(f"   audit sample of control {sampled['control_id']}: {len(sample['items'])} of {sample['population']} "
              f"evidence items, drawn by SHA-256({report['run_id']}|{sampled['control_id']}|sha256):")
        for item in sample["items"][:3]:
            print(f"     {item['draw'][:16]}…  {item['key']}")
        check(sample["items"], "each control's audit sample is drawn from its evidence, seeded by the run id")


def feed_queue(sqs, queue, arn, port, function):
    """What an SQS event source mapping does: receive batches, invoke `function` with each,
    delete what succeeded. Every batch must succeed; returns how many messages were handled."""
    handled = 0
    while True:
        msgs = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
        if not msgs:
            return handled
        response = invoke(port, {"Records": [sqs_record(m, arn) for m in msgs]}, function)
        bad = {f["itemIdentifier"] for f in response.get("batchItemFailures", [])}
        check(not bad, f"{function} handled a batch of {len(msgs)} without failures")
        for m in msgs:
            if m["MessageId"] not in bad:
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
        handled += len(msgs)


def sqs_record(m, arn):
    return {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
            "attributes": m.get("Attributes", {}), "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
            "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": REGION}


def invoke(port, payload, function="intake"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/2015-03-31/functions/{function}/invocations",
                                 data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    # A function error comes back as a 500
    # whose body is the Lambda error payload ({"errorType", "errorMessage"}).
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            body = r.read()
    except urllib.error.HTTPError as e:
        body = e.read()
    try:
        return json.loads(body)
    except ValueError:
        raise SystemExit(f"intake returned a non-JSON response: {body[:300]!r}")


def drain(sqs, url):
    out = []
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return out
        for m in msgs:
            out.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def name_of(sent, m):
    return sent.get(m["MessageId"]) or m["Body"][:40]


def scan(ddb, table):
    d = TypeDeserializer()
    items, kwargs = [], {"TableName": table}
    while True:
        page = ddb.scan(**kwargs)
        items += [{k: d.deserialize(v) for k, v in i.items()} for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


if __name__ == "__main__":
    main()
