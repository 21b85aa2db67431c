#!/usr/bin/env python3
"""Collect the shipped catalogue against the local AWS server, 20 sources per collector where AWS
allows that many (20 buckets, trails, IAM users, KMS keys, VPCs, RDS instances and Security Hub
findings; one GuardDuty detector and one Config recorder, AWS's limit per region), with the engine's
real claim, evidence and run-record path. Every request passes through a counting proxy, so the table
shows AWS requests per source and per control, and the time AWS's per-account rate limits (the
collectors' default limiters) would impose beside the time the engine itself took with them lifted.
Config's compliance calls are not served by the local server, so `config.rule_compliance` controls
are left out (their calls are tested on real-shaped responses). Uses the dev profile build."""
import collections
import http.client
import http.server
import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import demo  # noqa: E402

import boto3  # noqa: E402

SOURCES = 20
SKIPPED = ["config.rule_compliance"]
# The collectors' default limiters (shared/collect-workflow/src/rate_limit.rs), per signing name.
RATE = {"securityhub": 3.0, "config": 4.0, "cloudtrail": 5.0, "iam": 5.0, "guardduty": 5.0, "rds": 5.0,
        "kms": 20.0, "ec2": 20.0, "s3": 50.0}
SIGNING = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


class CountingProxy:
    """Forwards every request to the local server and counts it by the SigV4 signing name."""

    def __init__(self, upstream):
        target = urllib.parse.urlsplit(upstream)
        counts = self.counts = collections.Counter()
        lock = self.lock = threading.Lock()
        self.counting = False
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                match = SIGNING.search(self.headers.get("Authorization", ""))
                if proxy.counting:
                    with lock:
                        counts[match.group(1) if match else "unsigned"] += 1
                upstream_conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
                upstream_conn.request(self.command, self.path, body=body, headers=headers)
                answer = upstream_conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream_conn.close()

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = forward

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def seed(endpoint):
    kw = dict(endpoint_url=endpoint, region_name=demo.REGION)
    s3, ct, iam = boto3.client("s3", **kw), boto3.client("cloudtrail", **kw), boto3.client("iam", **kw)
    kms, ec2, rds = boto3.client("kms", **kw), boto3.client("ec2", **kw), boto3.client("rds", **kw)
    sh, gd, cfg = boto3.client("securityhub", **kw), boto3.client("guardduty", **kw), boto3.client("config", **kw)
    for i in range(SOURCES):
        name = f"scale-src-{i:02}"
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        ct.create_trail(Name=f"scale-trail-{i:02}", S3BucketName=name, IsMultiRegionTrail=bool(i % 2))
        ct.start_logging(Name=f"scale-trail-{i:02}")
        iam.create_user(UserName=f"scale-user-{i:02}")
        iam.create_access_key(UserName=f"scale-user-{i:02}")
        key = kms.create_key()["KeyMetadata"]["KeyId"]
        if i % 2:
            kms.enable_key_rotation(KeyId=key)
        vpc = ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"]
        if i % 2:
            ec2.create_flow_logs(ResourceType="VPC", ResourceIds=[vpc], TrafficType="ALL",
                                 LogDestinationType="s3", LogDestination=f"arn:aws:s3:::{name}")
        rds.create_db_instance(DBInstanceIdentifier=f"scale-db-{i:02}", Engine="postgres",
                               DBInstanceClass="db.t3.micro", AllocatedStorage=20, MasterUsername="attest",
                               MasterUserPassword="not-a-real-password-1", StorageEncrypted=bool(i % 2))
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24)
    ec2.enable_ebs_encryption_by_default()
    gd.create_detector(Enable=True)
    cfg.put_configuration_recorder(ConfigurationRecorder={
        "name": "default", "roleARN": "arn:aws:iam::123456789012:role/config",
        "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True}})
    cfg.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "scale-src-00"})
    cfg.start_configuration_recorder(ConfigurationRecorderName="default")
    sh.enable_security_hub()
    sh.batch_import_findings(Findings=[{
        "SchemaVersion": "2018-10-08", "Id": f"scale-finding-{i:02}",
        "ProductArn": "arn:aws:securityhub:us-east-1::product/aws/securityhub",
        "GeneratorId": "security-control/S3.8", "AwsAccountId": "123456789012",
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards"],
        "CreatedAt": "2026-11-24T10:00:00.000Z", "UpdatedAt": "2026-11-24T10:00:00.000Z",
        "Title": "S3 general purpose buckets should block public access", "Description": "benchmark",
        "Severity": {"Label": "HIGH"}, "Resources": [{"Type": "AwsS3Bucket", "Id": f"arn:aws:s3:::scale-src-{i:02}"}],
    } for i in range(SOURCES)])


def example_binary(name):
    """Build the example with the workspace's feature set (`--workspace`, as `make test` builds): a
    `-p` build would unify features differently and rebuild every SDK crate."""
    subprocess.check_call(["cargo", "build", "--quiet", "--workspace", "--example", name], cwd=demo.ROOT)
    return os.path.join(demo.TARGET, "debug", "examples", name)


def main():
    out = os.path.join(demo.ROOT, "out", "bench")
    os.makedirs(out, exist_ok=True)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": demo.REGION})
    binary = example_binary("collect_scale")
    server, endpoint = demo.start_local_aws(out, "moto-collect")
    try:
        res = demo.provision(endpoint, "attest-scale")
        seed(endpoint)
        proxy = CountingProxy(endpoint)
        proxy.counting = True
        env = dict(os.environ, AWS_ENDPOINT_URL=proxy.endpoint, **res["_environments"]["CollectFunction"])
        line = subprocess.check_output([binary, *SKIPPED], env=env, cwd=demo.ROOT).decode()
        # The driver prints its result as the last line (the engine's own logs may come before it).
        results = [l for l in line.splitlines() if l.startswith("{")]
        if not results:
            raise SystemExit(f"the driver printed no result:\n{line[-2000:]}")
        r = json.loads(results[-1])
        proxy.counting = False
        counts = proxy.counts
        total = sum(counts.values())
        print(f"{'collect the shipped catalogue (dev profile, local moto server)':<64} {'value':>10}")
        print(f"{'  controls collected (claim, collect, evidence to S3, record)':<64} {r['collected']:>10}")
        print(f"{'  controls left out (config.rule_compliance: not served locally)':<64} {r['shipped'] - r['controls']:>10}")
        print(f"{'  sources per collector (detector, recorder: 1, AWS limit)':<64} {SOURCES:>10}")
        print(f"{'  AWS requests in all':<64} {total:>10}")
        print(f"{'  AWS requests per control':<64} {total / max(r['collected'], 1):>10.1f}")
        print(f"{'  engine time, rate limits lifted (s)':<64} {r['seconds']:>10.1f}")
        bound = max((counts[s] / RATE[s] for s in counts if s in RATE), default=0.0)
        print(f"{'  time at AWS rate limits, slowest source (s)':<64} {bound:>10.1f}")
        print(f"{'  peak resident memory, VmHWM (MB)':<64} {r['peak_rss_mb']:>10.1f}")
        print()
        print(f"{'source (signing name)':<24} {'requests':>9} {'limit/s':>8} {'s at limit':>11}")
        for s in sorted(counts, key=lambda s: -counts[s]):
            rate = RATE.get(s)
            at = f"{counts[s] / rate:.1f}" if rate else "-"
            print(f"{s:<24} {counts[s]:>9} {rate or '-':>8} {at:>11}")
        # Runs, evidence and records go to DynamoDB and S3 through the same proxy: those are the
        # engine's own requests (claim, evidence put, record), not the collectors'.
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
