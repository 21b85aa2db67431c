#!/usr/bin/env python3
"""Local AWS for tests and the demo: a real AWS API server (moto) on 127.0.0.1, and the resources
that infra/template.yaml defines, created from the template itself so local runs exercise the same
tables, indexes, bucket settings, queues, rules and topic that a deployment gets.

  local_aws.py serve --port-file F [--watch-pid PID]
      Start moto on a free port, write the port to F, run until SIGTERM/SIGINT or until PID exits.
  local_aws.py provision --endpoint URL [--template T] [--prefix P] [--parameter Name=Value ...]
      Create the template's resources (names prefixed with P) and print a JSON object
      {LogicalId: {"name": ..., "arn": ..., "url": ...}, "_environment": {function env vars}}.
      Parameters not given take their defaults; a resource whose Condition is false is not created.
"""
import argparse
import json
import os
import signal
import sys
import threading
import time

import boto3
import yaml

REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
ACCOUNT = "123456789012"  # moto's default account


# ---- serve ----------------------------------------------------------------------------------------
def correct_moto():
    """Fix moto 5.2.5 behaviour that differs from AWS's documented behaviour in a way our code relies on.

    GetBucketVersioning: moto's serializer names the XML root <GetBucketVersioningResponse>; S3 sends
    <VersioningConfiguration> (boto3 ignores the root, the Rust SDK checks it)."""
    from moto.s3.responses import S3Response

    original = S3Response.get_bucket_versioning

    def get_bucket_versioning(self):
        status, headers, body = original(self)
        if isinstance(body, bytes):
            body = body.replace(b"GetBucketVersioningResponse", b"VersioningConfiguration")
        else:
            body = body.replace("GetBucketVersioningResponse", "VersioningConfiguration")
        return status, headers, body

    S3Response.get_bucket_versioning = get_bucket_versioning

    # KMS Sign with MessageType=DIGEST: AWS signs the given SHA-256 digest as it is; moto 5.2.5
    # ignores MessageType and hashes the digest again, so its signatures would not verify against
    # the digest (the report manifest is signed this way; it can exceed RAW's 4 KB limit).
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, utils as asym_utils
    from moto.kms import utils as kms_utils
    from moto.kms.responses import KmsResponse

    digest_call = threading.local()
    original_ecdsa_sign = kms_utils.ECDSAPrivateKey.sign
    prehash = {"ECDSA_SHA_256": hashes.SHA256, "ECDSA_SHA_384": hashes.SHA384, "ECDSA_SHA_512": hashes.SHA512}

    def ecdsa_sign(self, message, signing_algorithm):
        if getattr(digest_call, "active", False) and signing_algorithm in prehash:
            algorithm = ec.ECDSA(asym_utils.Prehashed(prehash[signing_algorithm]()))
            return self.private_key.sign(message, algorithm)
        return original_ecdsa_sign(self, message, signing_algorithm)

    original_sign = KmsResponse.sign

    def sign(self):
        digest_call.active = self._get_param("MessageType") == "DIGEST"
        try:
            return original_sign(self)
        finally:
            digest_call.active = False

    kms_utils.ECDSAPrivateKey.sign = ecdsa_sign
    KmsResponse.sign = sign

    # KMS GetPublicKey: AWS answers KeyId with the key ARN (API reference, GetPublicKey response);
    # moto 5.2.5 answers the bare key id (its Sign answers the ARN). Report manifests record this ARN.
    original_get_public_key = KmsResponse.get_public_key

    def get_public_key(self):
        answer = json.loads(original_get_public_key(self))
        answer["KeyId"] = self.kms_backend.describe_key(answer["KeyId"]).arn
        return json.dumps(answer)

    KmsResponse.get_public_key = get_public_key


def serve(args):
    import logging

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request lines in test output
    correct_moto()
    # Single-threaded on purpose: moto's DynamoDB TransactWriteItems is not thread-safe (concurrent
    # transactions fail with 500). One request at a time is what a correct server looks like to a
    # client; real DynamoDB serialises conflicting transactions itself.
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=False)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, args.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        if args.watch_pid and not pid_alive(args.watch_pid):
            break
        stop.wait(0.5)
    server.shutdown()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


# ---- template -------------------------------------------------------------------------------------
class CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _tag)


def load_template(path):
    with open(path) as f:
        return yaml.load(f, Loader=CfnLoader)


class Resolver:
    """Resolves Ref / Fn::GetAtt / Fn::Sub against what has been created so far."""

    def __init__(self, created, stack_name, parameters=None, given=None, conditions=None):
        self.created = created
        self.stack_name = stack_name
        # Template parameters resolve to their defaults unless given (`--parameter`).
        self.parameters = {k: str(v.get("Default", "")) for k, v in (parameters or {}).items()}
        for k, v in (given or {}).items():
            if k not in self.parameters:
                raise SystemExit(f"provision: the template has no parameter {k}")
            self.parameters[k] = v
        self.conditions = conditions or {}

    def condition(self, name):
        """Evaluate the template's condition `name` (Fn::Equals, Not, And, Or, Condition)."""
        return bool(self._evaluate(self.conditions[name]))

    def _evaluate(self, expr):
        if isinstance(expr, dict):
            if "Fn::Equals" in expr:
                a, b = (self(v) for v in expr["Fn::Equals"])
                return str(a) == str(b)
            if "Fn::Not" in expr:
                return not self._evaluate(expr["Fn::Not"][0])
            if "Fn::And" in expr:
                return all(self._evaluate(e) for e in expr["Fn::And"])
            if "Fn::Or" in expr:
                return any(self._evaluate(e) for e in expr["Fn::Or"])
            for key in ("Condition", "Fn::Condition"):
                if key in expr:
                    return self.condition(expr[key])
        raise SystemExit(f"provision: cannot evaluate condition {expr!r}")

    def __call__(self, value):
        if isinstance(value, dict):
            if "Fn::If" in value:
                name, then, otherwise = value["Fn::If"]
                return self(then if self.condition(name) else otherwise)
            if "Ref" in value:
                ref = value["Ref"]
                if ref == "AWS::Region":
                    return REGION
                if ref == "AWS::AccountId":
                    return ACCOUNT
                if ref == "AWS::Partition":
                    return "aws"
                if ref == "AWS::StackName":
                    return self.stack_name
                if ref == "AWS::NoValue":
                    return NO_VALUE
                if ref in self.parameters:
                    return self.parameters[ref]
                return self.created[ref]["ref"]
            if "Fn::GetAtt" in value:
                logical, attr = value["Fn::GetAtt"]
                if logical not in self.created:  # e.g. a function's own ARN: not created locally
                    return f"arn:aws:local:{REGION}:{ACCOUNT}:{logical}/{attr}"
                return self.created[logical][attr]
            if "Fn::Sub" in value:
                text = value["Fn::Sub"]
                import re

                def sub(m):
                    key = m.group(1)
                    if "." in key:
                        logical, attr = key.split(".", 1)
                        return self.created[logical][attr]
                    return self({"Ref": key})

                return re.sub(r"\$\{([^}]+)\}", sub, text)
            resolved = {k: self(v) for k, v in value.items()}
            return {k: v for k, v in resolved.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [v for v in (self(v) for v in value) if v is not NO_VALUE]
        return value


# What `Ref: AWS::NoValue` resolves to: removed from the list or mapping that holds it.
NO_VALUE = object()


# ---- provision ------------------------------------------------------------------------------------
def provision(args):
    session = boto3.session.Session(region_name=REGION)
    client = lambda svc: session.client(svc, endpoint_url=args.endpoint)
    template = load_template(args.template)
    given = dict(p.split("=", 1) for p in args.parameter)
    created = {}
    resolve = Resolver(created, args.prefix, template.get("Parameters"), given, template.get("Conditions"))
    # Resources whose Condition is false do not exist, as in a deployment with these parameters.
    resources = {k: v for k, v in template["Resources"].items()
                 if "Condition" not in v or resolve.condition(v["Condition"])}
    prefix = args.prefix

    def name_of(logical):
        return f"{prefix}-{logical}".lower()[:63]

    order = ["AWS::KMS::Key", "AWS::KMS::Alias", "AWS::S3::Bucket", "AWS::DynamoDB::Table", "AWS::SQS::Queue",
             "AWS::SNS::Topic", "AWS::SNS::Subscription", "AWS::Events::Rule"]
    by_type = {t: [(k, v) for k, v in resources.items() if v["Type"] == t] for t in order}

    kms = client("kms")
    for logical, res in by_type["AWS::KMS::Key"]:
        props = res["Properties"]
        extra = {k: props[k] for k in ("KeySpec", "KeyUsage") if k in props}
        meta = kms.create_key(Description=props.get("Description", logical), **extra)["KeyMetadata"]
        if res["Properties"].get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=meta["KeyId"])
        created[logical] = {"ref": meta["KeyId"], "Arn": meta["Arn"], "name": meta["KeyId"]}
    for logical, res in by_type["AWS::KMS::Alias"]:
        props = resolve(res["Properties"])
        kms.create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
        created[logical] = {"ref": props["AliasName"]}

    s3 = client("s3")
    for logical, res in by_type["AWS::S3::Bucket"]:
        props = resolve(res["Properties"])
        name = name_of(logical)
        s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=bool(props.get("ObjectLockEnabled")))
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]})
        if "ObjectLockConfiguration" in props:
            olc = props["ObjectLockConfiguration"]
            s3.put_object_lock_configuration(
                Bucket=name,
                ObjectLockConfiguration={"ObjectLockEnabled": olc["ObjectLockEnabled"],
                                         "Rule": {"DefaultRetention": olc["Rule"]["DefaultRetention"]}},
            )
        if "BucketEncryption" in props:
            rules = []
            for r in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]:
                d = r["ServerSideEncryptionByDefault"]
                rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": d["SSEAlgorithm"], "KMSMasterKeyID": d["KMSMasterKeyID"]}}
                if "BucketKeyEnabled" in r:
                    rule["BucketKeyEnabled"] = r["BucketKeyEnabled"]
                rules.append(rule)
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        if "LifecycleConfiguration" in props:
            rules = []
            for r in props["LifecycleConfiguration"]["Rules"]:
                rules.append({
                    "ID": r["Id"], "Status": r["Status"], "Filter": {"Prefix": ""},
                    "Transitions": [{"Days": t["TransitionInDays"], "StorageClass": t["StorageClass"]} for t in r.get("Transitions", [])],
                    "NoncurrentVersionTransitions": [{"NoncurrentDays": t["TransitionInDays"], "StorageClass": t["StorageClass"]} for t in r.get("NoncurrentVersionTransitions", [])],
                })
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
        created[logical] = {"ref": name, "name": name, "Arn": f"arn:aws:s3:::{name}"}

    ddb = client("dynamodb")
    for logical, res in by_type["AWS::DynamoDB::Table"]:
        props = resolve(res["Properties"])
        name = name_of(logical)
        kwargs = dict(TableName=name, AttributeDefinitions=props["AttributeDefinitions"], KeySchema=props["KeySchema"],
                      BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"))
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": props["StreamSpecification"]["StreamViewType"]}
        desc = ddb.create_table(**kwargs)["TableDescription"]
        created[logical] = {"ref": name, "name": name, "Arn": desc["TableArn"]}
        if desc.get("LatestStreamArn"):
            created[logical]["StreamArn"] = desc["LatestStreamArn"]

    sqs = client("sqs")
    queues = sorted(by_type["AWS::SQS::Queue"], key=lambda kv: "RedrivePolicy" in kv[1].get("Properties", {}))
    for logical, res in queues:
        props = resolve(res.get("Properties", {}))
        attrs = {}
        if "VisibilityTimeout" in props:
            attrs["VisibilityTimeout"] = str(props["VisibilityTimeout"])
        if "MessageRetentionPeriod" in props:
            attrs["MessageRetentionPeriod"] = str(props["MessageRetentionPeriod"])
        if "RedrivePolicy" in props:
            attrs["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        name = name_of(logical)
        url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        created[logical] = {"ref": url, "url": url, "name": name, "QueueName": name, "Arn": arn}

    sns = client("sns")
    for logical, res in by_type["AWS::SNS::Topic"]:
        arn = sns.create_topic(Name=name_of(logical))["TopicArn"]
        created[logical] = {"ref": arn, "Arn": arn, "name": name_of(logical)}

    # Queue subscriptions, with the template's delivery settings and filter policy (e-mail ones
    # need a real mailbox to confirm, so they are left out).
    for logical, res in by_type["AWS::SNS::Subscription"]:
        props = resolve(res["Properties"])
        if props["Protocol"] != "sqs":
            continue
        attributes = {}
        if "RawMessageDelivery" in props:
            attributes["RawMessageDelivery"] = str(props["RawMessageDelivery"]).lower()
        for key in ("FilterPolicy", "RedrivePolicy"):
            if key in props:
                attributes[key] = json.dumps(props[key])
        if "FilterPolicyScope" in props:
            attributes["FilterPolicyScope"] = props["FilterPolicyScope"]
        arn = sns.subscribe(TopicArn=props["TopicArn"], Protocol="sqs", Endpoint=props["Endpoint"],
                            Attributes=attributes, ReturnSubscriptionArn=True)["SubscriptionArn"]
        created[logical] = {"ref": arn, "Arn": arn, "name": arn}

    events = client("events")
    for logical, res in by_type["AWS::Events::Rule"]:
        props = resolve(res["Properties"])
        name = name_of(logical)
        arn = events.put_rule(Name=name, EventPattern=json.dumps(props["EventPattern"]), State="ENABLED")["RuleArn"]
        targets = [{"Id": t["Id"], "Arn": t["Arn"]} for t in props.get("Targets", [])]
        if targets:
            events.put_targets(Rule=name, Targets=targets)
        created[logical] = {"ref": name, "name": name, "Arn": arn}

    out = {k: {kk: vv for kk, vv in v.items() if kk != "ref"} for k, v in created.items()}
    # The functions' environments, resolved from the template's own Environment blocks
    # (`_environment` is the intake function's).
    def environment(logical):
        fn = resources.get(logical, {}).get("Properties", {})
        return {k: str(resolve(v)) for k, v in fn.get("Environment", {}).get("Variables", {}).items()}

    # Each function role's inline statements and each managed policy's document, resolved against
    # this stack, for the IAM tests (scripts/iam_test.py). A statement that cannot be resolved
    # locally is reported, never silently dropped.
    def policy_statements(logical):
        res = resources[logical]
        try:
            if res["Type"] == "AWS::IAM::ManagedPolicy":
                return resolve(res["Properties"]["PolicyDocument"]["Statement"])
            return [st for pol in res["Properties"].get("Policies", []) if isinstance(pol, dict)
                    for st in resolve(pol.get("Statement", []))]
        except KeyError as e:
            return {"error": f"cannot resolve {e} locally"}

    out["_policies"] = {k: policy_statements(k) for k, v in resources.items()
                        if v["Type"] in ("AWS::Serverless::Function", "AWS::IAM::ManagedPolicy")}
    out["_environment"] = environment("IntakeFunction")
    out["_environments"] = {k: environment(k) for k, v in resources.items() if v["Type"] == "AWS::Serverless::Function"}
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port-file", required=True)
    s.add_argument("--watch-pid", type=int)
    pr = sub.add_parser("provision")
    pr.add_argument("--endpoint", required=True)
    pr.add_argument("--template", default=os.path.join(os.path.dirname(__file__), "..", "infra", "template.yaml"))
    pr.add_argument("--prefix", default="attest")
    pr.add_argument("--parameter", action="append", default=[], metavar="NAME=VALUE",
                    help="a template parameter's value (repeatable); the others take their defaults")
    args = p.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    serve(args) if args.cmd == "serve" else provision(args)


if __name__ == "__main__":
    main()
