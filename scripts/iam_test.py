#!/usr/bin/env python3
"""IAM enforced: each function role's and the auditor's policies, as the template writes them,
against a local AWS server with IAM authorisation on.

The local server that every other test uses ignores IAM. This test starts its own, turns
authorisation on (moto's reset-auth, the runtime form of INITIAL_NO_AUTH_ACTION_COUNT), provisions
the template's resources as an admin user, then gives one IAM user per principal exactly the
statements the template gives that principal (`_policies` in the provisioning output) and makes
real SDK calls with its keys: each call an auditor needs must succeed, and each forbidden call
(delete or overwrite evidence, change retention, legal hold or the bucket policy, schedule key
deletion, sign manifests, write another function's table) must be refused.

What the local evaluator cannot express, and how it is covered instead:
- moto evaluates S3 calls against the object or bucket ARN, but DynamoDB and KMS calls against
  resource `*`. For those two services the test grants each statement's actions on `*` (so only
  the action is checked by the server) and checks the resources statically below: which tables a
  role may write, which key it may sign with.
- Secrets Manager likewise: the notify and digest functions' reads of their channel secrets are
  checked on the server, and that each may read exactly those (no other secret) statically.
- moto authorises `PutObjectRetention` and `PutObjectLegalHold` as `PutObject`. For a role allowed
  `PutObject` on evidence, those two refusals are checked statically: no role has either action.
- moto cannot supply `kms:ViaService`: the auditor's decrypt statement is checked statically (it
  must carry that condition), and on the server a direct `Decrypt` is refused, as on AWS.
- Running each function's own integration tests under its role's credentials is not done yet
  (issue 13); this test shows the refusals, and the auditor's reads.

A refusal is any AccessDenied answer: for deletes of locked evidence, Object Lock may be what
refuses, which is also a correct outcome. Prints one row per principal and exits 1 on any
difference.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
ACCOUNT = "123456789012"
# Services moto evaluates against resource "*" only.
ACTION_ONLY = ("dynamodb:", "kms:", "secretsmanager:")
WRITES = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
          "dynamodb:TransactWriteItems")
# The tables each function may write; any other table in its policy is a failure.
OWN_TABLES = {
    "IntakeFunction": {"StateTable", "HistoryTable"},
    "CollectFunction": {"RunsTable"},
    "ReportFunction": {"RunsTable"},
    "AlertFunction": {"TransitionsTable"},
    "NotifyFunction": {"TransitionsTable"},
    "DigestFunction": {"TransitionsTable"},
    "RemediateFunction": {"TransitionsTable"},
}
# The channel secrets each function may read.
OWN_SECRETS = {"NotifyFunction": ("slack", "pagerduty"), "DigestFunction": ("slack",)}


def start_server():
    port_file = os.path.join(tempfile.mkdtemp(prefix="attest-iam-"), "port")
    server = subprocess.Popen([sys.executable, os.path.join(HERE, "local_aws.py"), "serve", "--port-file", port_file,
                               "--watch-pid", str(os.getpid())], stdout=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not os.path.exists(port_file):
        if time.time() > deadline:
            sys.exit("iam test: local AWS server did not start within 60 s")
        time.sleep(0.1)
    return server, "http://127.0.0.1:" + open(port_file).read().strip()


def client(endpoint, service, keys):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        config=Config(retries={"max_attempts": 1}), **keys)


def user_with(iam, name, statements):
    iam.create_user(UserName=name)
    arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    iam.attach_user_policy(UserName=name, PolicyArn=arn["Policy"]["Arn"])
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": k["AccessKeyId"], "aws_secret_access_key": k["SecretAccessKey"]}


def as_list(v):
    return v if isinstance(v, list) else [v]


def for_local_evaluator(statements):
    """S3 statements as written; DynamoDB and KMS actions on `*` (see the module docstring)."""
    out = []
    for st in statements:
        actions = as_list(st["Action"])
        exact = [a for a in actions if not a.startswith(ACTION_ONLY)]
        widened = [a for a in actions if a.startswith(ACTION_ONLY)]
        if exact:
            out.append({**st, "Action": exact})
        if widened:
            wide = {**{k: v for k, v in st.items() if k != "Resource"}, "Action": widened, "Resource": "*"}
            if exact and "Sid" in st:
                # Both halves of a split statement are in one policy, where Sids must be unique.
                wide["Sid"] = st["Sid"] + "AnyResource"
            out.append(wide)
    return out


def refused(call):
    try:
        call()
    except ClientError as e:
        code = e.response.get("Error", {}).get("Code", "")
        text = str(e)
        return code.startswith("AccessDenied") or "not authorized" in text or code == "403"
    return False


def succeeded(call):
    try:
        call()
        return True
    except ClientError as e:
        print(f"iam test:   refused: {e}", file=sys.stderr)
        return False


def main():
    server, endpoint = start_server()
    failures = []
    try:
        req = urllib.request.Request(endpoint + "/moto-api/reset-auth", data=b"3", method="POST",
                                     headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(req).read()
        # The three unauthenticated requests allowed: an admin user, its policy, its keys.
        anon = {"aws_access_key_id": "bootstrap", "aws_secret_access_key": "bootstrap"}
        iam = client(endpoint, "iam", anon)
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        k = iam.create_access_key(UserName="admin")["AccessKey"]
        admin = {"aws_access_key_id": k["AccessKeyId"], "aws_secret_access_key": k["SecretAccessKey"]}
        try:
            client(endpoint, "s3", anon).list_buckets()
            sys.exit("iam test: the local server did not turn IAM authorisation on")
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") != "InvalidAccessKeyId":
                raise

        env = dict(os.environ, AWS_ACCESS_KEY_ID=admin["aws_access_key_id"],
                   AWS_SECRET_ACCESS_KEY=admin["aws_secret_access_key"], AWS_REGION=REGION)
        # Both notify channels and a remediation rule set, so the notify, digest and remediate
        # functions (deployed only then) are in the stack; the secrets are created first, as an
        # operator would.
        secrets = client(endpoint, "secretsmanager", admin)
        channel_secrets = {name: secrets.create_secret(Name=f"attest-iam-{name}", SecretString=value)["ARN"]
                           for name, value in (("slack", "https://hooks.slack.com/services/T/B/x"),
                                               ("pagerduty", "R0UT1NGKEY"), ("unrelated", "another team's"))}
        out = subprocess.run([sys.executable, os.path.join(HERE, "local_aws.py"), "provision", "--endpoint", endpoint,
                              "--prefix", "iam",
                              "--parameter", f"SlackWebhookSecretArn={channel_secrets['slack']}",
                              "--parameter", f"PagerDutyRoutingKeySecretArn={channel_secrets['pagerduty']}",
                              "--parameter", "RemediationRules=s3-bucket-server-side-encryption-enabled=auto"],
                             env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"iam test: provision failed: {out.stderr}")
        stack = json.loads(out.stdout)
        policies = stack["_policies"]
        bucket = stack["EvidenceBucket"]["name"]
        tables = {logical: stack[logical]["name"] for logical in ("StateTable", "HistoryTable", "RunsTable", "TransitionsTable")}
        evidence_key, signing_key = stack["EvidenceKey"]["Arn"], stack["ReportSigningKey"]["Arn"]

        # What an auditor reads: an evidence object, a report file, a run record.
        s3 = client(endpoint, "s3", admin)
        put = s3.put_object(Bucket=bucket, Key="evidence/123456789012/config/2026/12/01/ab.json", Body=b"{}")
        evidence_object, evidence_version = "evidence/123456789012/config/2026/12/01/ab.json", put.get("VersionId")
        s3.put_object(Bucket=bucket, Key="reports/SOC2/2026-11/manifest.json", Body=b"{}")
        ddb = client(endpoint, "dynamodb", admin)
        key_schema = {t: ddb.describe_table(TableName=n)["Table"]["KeySchema"] for t, n in tables.items()}

        def item(table):
            return {k["AttributeName"]: {"S": "attest-iam-test"} for k in key_schema[table]}

        ddb.put_item(TableName=tables["RunsTable"], Item=item("RunsTable"))

        def forbidden(c, writable_tables, may_sign):
            calls = {
                "delete an evidence version": lambda: c("s3").delete_object(Bucket=bucket, Key=evidence_object, VersionId=evidence_version or "null"),
                "delete evidence": lambda: c("s3").delete_object(Bucket=bucket, Key=evidence_object),
                "shorten retention": lambda: c("s3").put_object_retention(Bucket=bucket, Key=evidence_object, Retention={"Mode": "GOVERNANCE", "RetainUntilDate": "2027-01-01T00:00:00Z"}),
                "lift a legal hold": lambda: c("s3").put_object_legal_hold(Bucket=bucket, Key=evidence_object, LegalHold={"Status": "OFF"}),
                "change the bucket policy": lambda: c("s3").put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": []})),
                "change Object Lock": lambda: c("s3").put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"}),
                "schedule evidence key deletion": lambda: c("kms").schedule_key_deletion(KeyId=evidence_key, PendingWindowInDays=7),
                "disable the signing key": lambda: c("kms").disable_key(KeyId=signing_key),
            }
            if not may_sign:
                calls["sign a manifest"] = lambda: c("kms").sign(KeyId=signing_key, Message=b"x" * 32, MessageType="DIGEST", SigningAlgorithm="ECDSA_SHA_256")
            for t, name in tables.items():
                if t not in writable_tables:
                    calls[f"write {t}"] = lambda name=name, t=t: c("dynamodb").put_item(TableName=name, Item=item(t))
            return calls

        # Actions no function role and no auditor may hold (checked in the template's statements).
        never = {"s3:*", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
                 "s3:BypassGovernanceRetention", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
                 "s3:PutBucketObjectLockConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketVersioning",
                 "kms:*", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "dynamodb:*", "*"}
        rows = []
        admin_iam = client(endpoint, "iam", admin)
        principals = [(p, OWN_TABLES[p]) for p in OWN_TABLES] + [("AuditorReadOnlyPolicy", set())]
        for logical, writable in principals:
            statements = policies.get(logical)
            if not isinstance(statements, list):
                failures.append(f"{logical}: its policy could not be resolved locally: {statements}")
                continue
            # Static checks for what the local evaluator sees only as `*`.
            for st in statements:
                if st.get("Effect") != "Allow":
                    continue
                actions = set(as_list(st["Action"]))
                resources = [str(r) for r in as_list(st.get("Resource", []))]
                if actions & set(WRITES):
                    names = {t for t, n in tables.items() for r in resources if r.endswith(f"table/{n}") or f"table/{n}/" in r}
                    if names - writable or any(r == "*" for r in resources):
                        failures.append(f"{logical} may write {sorted(names - writable) or resources}")
                if "kms:Sign" in actions and (logical != "ReportFunction" or resources != [signing_key]):
                    failures.append(f"{logical} may sign with {resources}")
                if any(a.startswith("secretsmanager:") for a in actions) and (
                        logical not in OWN_SECRETS or actions != {"secretsmanager:GetSecretValue"}
                        or sorted(resources) != sorted(channel_secrets[n] for n in OWN_SECRETS[logical])):
                    failures.append(f"{logical} may use Secrets Manager on {resources}, not only its channel secrets")
                if actions & never:
                    failures.append(f"{logical} holds {sorted(actions & never)}")
                if logical == "AuditorReadOnlyPolicy" and "kms:Decrypt" in actions and \
                        "kms:ViaService" not in st.get("Condition", {}).get("StringEquals", {}):
                    failures.append("the auditor may Decrypt without kms:ViaService")
            keys = user_with(admin_iam, logical.lower(), for_local_evaluator(statements))
            c = lambda service, keys=keys: client(endpoint, service, keys)
            calls = forbidden(c, writable, may_sign=logical == "ReportFunction")
            if logical == "AuditorReadOnlyPolicy":
                calls["overwrite evidence"] = lambda: c("s3").put_object(Bucket=bucket, Key=evidence_object, Body=b"forged")
                calls["write a report"] = lambda: c("s3").put_object(Bucket=bucket, Key="reports/SOC2/2026-11/report.pdf", Body=b"forged")
                calls["decrypt directly"] = lambda: c("kms").decrypt(CiphertextBlob=b"\x01" * 64, KeyId=evidence_key)
            if logical not in OWN_SECRETS:
                calls["read a channel secret"] = lambda: c("secretsmanager").get_secret_value(SecretId=channel_secrets["slack"])
            else:
                calls["read an unrelated secret"] = lambda: c("secretsmanager").get_secret_value(SecretId=channel_secrets["unrelated"])
            # What moto cannot tell apart (module docstring) is left to the static checks above.
            granted = {a for st in statements if st.get("Effect") == "Allow" for a in as_list(st["Action"])}
            static = []
            if "s3:PutObject" in granted and any(str(r).endswith("/evidence/*") for st in statements
                                                 if "s3:PutObject" in as_list(st["Action"]) for r in as_list(st["Resource"])):
                static += ["shorten retention", "lift a legal hold"]
            if granted & set(WRITES):
                static += [w for w in calls if w.startswith("write ") and w[len("write "):] in tables]
            if logical in OWN_SECRETS:
                static.append("read an unrelated secret")
            for what in static:
                calls.pop(what)
            not_refused = [what for what, call in calls.items() if not refused(call)]
            for what in not_refused:
                failures.append(f"{logical} was allowed to {what}")
            allowed = {}
            if logical in OWN_SECRETS:
                allowed = {
                    f"read the {name} secret": lambda name=name: c("secretsmanager").get_secret_value(SecretId=channel_secrets[name])
                    for name in OWN_SECRETS[logical]
                }
            if logical == "AuditorReadOnlyPolicy":
                allowed = {
                    "read evidence": lambda: c("s3").get_object(Bucket=bucket, Key=evidence_object)["Body"].read(),
                    "read a pinned version": lambda: c("s3").get_object(Bucket=bucket, Key=evidence_object, VersionId=evidence_version)["Body"].read(),
                    "list versions": lambda: c("s3").list_object_versions(Bucket=bucket, Prefix="reports/"),
                    "read a report": lambda: c("s3").get_object(Bucket=bucket, Key="reports/SOC2/2026-11/manifest.json")["Body"].read(),
                    "read a run record": lambda: c("dynamodb").get_item(TableName=tables["RunsTable"], Key=item("RunsTable")),
                    "read the signing public key": lambda: c("kms").get_public_key(KeyId=signing_key),
                }
            not_allowed = [what for what, call in allowed.items() if not succeeded(call)]
            for what in not_allowed:
                failures.append(f"{logical} could not {what}")
            rows.append((logical, len(calls) - len(not_refused), len(calls), len(static), len(allowed) - len(not_allowed), len(allowed)))

        print(f"{'principal':<24} {'refused by the server':>22} {'checked statically':>19} {'reads allowed':>14}")
        for logical, r, rn, st, a, an in rows:
            print(f"{logical:<24} {f'{r}/{rn}':>22} {st:>19} {f'{a}/{an}':>14}")
    finally:
        server.terminate()
    for f in failures:
        print(f"iam test: {f}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print("iam test: ok")


if __name__ == "__main__":
    main()
