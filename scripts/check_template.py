#!/usr/bin/env python3
"""Checks that infra/template.yaml agrees with the catalogue and the code (run by `make test`):
- the CloudTrail rule routes exactly the calls catalogue/mappings-v1.csv maps (console sign-ins have
  their own rule), so no mapped call is silently never delivered;
- both tables have the sparse index `Fw-{framework}` (key `fw_{framework}`) for every framework in
  catalogue/frameworks.csv, which framework queries need;
- every control in catalogue/controls.json has its Scheduler schedule, with the same expression, naming
  the control and passing the scheduled time;
- every ATTEST_* variable a function reads is set on that function.
With --fix, regenerates the rule's lists and the framework indexes from the catalogue."""
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from local_aws import load_template  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(ROOT, "infra", "template.yaml")


def catalogue_calls():
    calls = set()
    with open(os.path.join(ROOT, "catalogue", "mappings-v1.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["source_kind"] == "cloudtrail_call":
                source, name = row["match"].split(":", 1)
                if source != "signin.amazonaws.com":
                    calls.add((source, name))
    return calls


def frameworks():
    with open(os.path.join(ROOT, "catalogue", "frameworks.csv"), newline="") as f:
        return [row["framework"] for row in csv.DictReader(f)]


def fix_framework_indexes(text):
    fws = frameworks()
    attrs = "".join(f"        - {{ AttributeName: fw_{fw}, AttributeType: S }}\n" for fw in fws)
    text, n = re.subn(r"(        # fw-attributes:.*\n)(?:        - .*\n)*(        # end fw-attributes\n)",
                      lambda m: m.group(1) + attrs + m.group(2), text)
    assert n == 2, "fw-attributes markers not found in both tables"

    def indexes(m):
        sort = m.group(2)
        body = "".join(
            f"        - IndexName: Fw-{fw}\n          KeySchema:\n"
            f"            - {{ AttributeName: fw_{fw}, KeyType: HASH }}\n"
            f"            - {{ AttributeName: {sort}, KeyType: RANGE }}\n"
            f"          Projection: {{ ProjectionType: ALL }}\n" for fw in fws)
        return m.group(1) + body + m.group(3)

    text, n = re.subn(r"(        # fw-indexes \(sort: (\w+)\).*\n)(?:        (?!# end).*\n)*(        # end fw-indexes\n)", indexes, text)
    assert n == 2, "fw-indexes markers not found in both tables"
    return text


def collection_controls():
    import json
    with open(os.path.join(ROOT, "catalogue", "controls.json")) as f:
        return json.load(f)


def schedule_name(control_id):
    return "Schedule" + "".join(part.capitalize() for part in re.split(r"[^a-z0-9]+", control_id) if part)


def schedule_input(control_id):
    import json
    return json.dumps({"controls": [control_id], "scheduled_time": "<aws.scheduler.scheduled-time>"})


def schedule_block(name, description, group, expression, function, role, schedule_input, max_age, dlq):
    """One AWS::Scheduler::Schedule resource, as the generated template sections write it."""
    return (
        f"  {name}:\n"
        f"    Type: AWS::Scheduler::Schedule\n"
        f"    Properties:\n"
        f"      Description: \"{description}\"\n"
        f"      GroupName: !Ref {group}\n"
        f"      ScheduleExpression: \"{expression}\"\n"
        f"      ScheduleExpressionTimezone: UTC\n"
        f"      FlexibleTimeWindow: {{ Mode: \"OFF\" }}\n"
        f"      Target:\n"
        f"        Arn: !GetAtt {function}.Arn\n"
        f"        RoleArn: !GetAtt {role}.Arn\n"
        f"        Input: '{schedule_input}'\n"
        f"        RetryPolicy: {{ MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: {max_age} }}\n"
        f"        DeadLetterConfig: {{ Arn: !GetAtt {dlq}.Arn }}\n\n"
    )


def replace_section(text, marker, body):
    text, n = re.subn(rf"(  # {marker}:.*\n)(?:(?!  # end {marker}).*\n)*(  # end {marker}\n)",
                      lambda m: m.group(1) + body + m.group(2), text)
    assert n == 1, f"{marker} markers not found"
    return text


def fix_schedules(text):
    body = "".join(
        schedule_block(schedule_name(c["id"]), f"Collect {c['id']}", "CollectScheduleGroup", c["schedule"],
                       "CollectFunction", "CollectSchedulerRole", schedule_input(c["id"]), 3600,
                       "CollectDeadLetterQueue")
        for c in collection_controls())
    return replace_section(text, "collect-schedules", body)


def report_schedule_name(framework):
    return "ReportSchedule" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", framework.lower()) if part)


def report_schedule_input(framework):
    import json
    return json.dumps({"framework": framework, "period": "previous_month",
                       "scheduled_time": "<aws.scheduler.scheduled-time>"})


# Monthly reports for the previous calendar month, early on the 1st (after the day's collections).
REPORT_CRON = "cron(0 6 1 * ? *)"


def fix_report_schedules(text):
    body = "".join(
        schedule_block(report_schedule_name(fw), f"Monthly {fw} report", "ReportScheduleGroup", REPORT_CRON,
                       "ReportFunction", "ReportSchedulerRole", report_schedule_input(fw), 21600,
                       "ReportDeadLetterQueue")
        for fw in frameworks())
    return replace_section(text, "report-schedules", body)


def fix():
    with open(TEMPLATE) as f:
        original = f.read()
    updated = fix_report_schedules(fix_schedules(fix_framework_indexes(original)))
    with open(TEMPLATE, "w") as f:
        f.write(updated)
    calls = catalogue_calls()
    sources = sorted({s for s, _ in calls})
    names = sorted({n for _, n in calls})
    with open(TEMPLATE) as f:
        text = f.read()
    block = "          eventSource:\n" + "".join(f"            - {s}\n" for s in sources) + \
            "          eventName:\n" + "".join(f"            - {n}\n" for n in names)
    text, n = re.subn(r"          eventSource:\n(?:            - .*\n)+          eventName:\n(?:            - .*\n)+", block, text)
    assert n == 1, "could not find the CloudTrail rule's lists"
    with open(TEMPLATE, "w") as f:
        f.write(text)


def statements(function):
    """Every IAM statement a SAM function's inline `Policies` give its role."""
    out = []
    for policy in function["Properties"].get("Policies", []):
        if isinstance(policy, dict):
            out += policy.get("Statement", [])
    return out


def as_list(v):
    return v if isinstance(v, list) else [v]


def check_real_account_routes(t):
    """What a real account needs and the local server cannot show, since it ignores IAM, key
    policies, asynchronous invocation and storage classes."""
    errors = []
    # S3 answers a missing key with 404 only to a caller allowed ListBucket (403 otherwise), and
    # report publishing asks "is the signature stored yet" on every run.
    if not any("s3:ListBucket" in as_list(st["Action"]) and st.get("Resource") == {"Fn::GetAtt": ["EvidenceBucket", "Arn"]}
               for st in statements(t["ReportFunction"])):
        errors.append("ReportFunction lacks s3:ListBucket on EvidenceBucket (HeadObject of a missing key would be 403)")
    # Scheduler invokes asynchronously: a function error only surfaces through an on-failure destination.
    for function, dlq in (("CollectFunction", "CollectDeadLetterQueue"), ("ReportFunction", "ReportDeadLetterQueue"),
                          ("DigestFunction", "DigestDeadLetterQueue")):
        on_failure = t[function]["Properties"].get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure", {})
        if on_failure.get("Destination") != {"Fn::GetAtt": [dlq, "Arn"]}:
            errors.append(f"{function} has no on-failure destination {dlq} for its asynchronous invocations")
        if not any("sqs:SendMessage" in as_list(st["Action"]) and st.get("Resource") == {"Fn::GetAtt": [dlq, "Arn"]}
                   for st in statements(t[function])):
            errors.append(f"{function} may not send to its on-failure destination {dlq}")
    # Alarms publish to the alerts topic, which the evidence key encrypts.
    if t["AlertsTopic"]["Properties"].get("KmsMasterKeyId") == {"Ref": "EvidenceKey"}:
        key_policy = t["EvidenceKey"]["Properties"]["KeyPolicy"]["Statement"]
        if not any(isinstance(st.get("Principal"), dict) and st["Principal"].get("Service") == "cloudwatch.amazonaws.com"
                   and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(as_list(st["Action"])) for st in key_policy):
            errors.append("EvidenceKey's policy does not let CloudWatch publish alarms to the encrypted alerts topic")
    # The notify queue gets transitions only: an alarm on the shared topic would fail in the
    # function and fill the dead-letter queue, whose own alarm would then loop through the topic.
    sub = t["NotifySubscription"]["Properties"]
    if sub.get("FilterPolicyScope") != "MessageAttributes" or sub.get("FilterPolicy", {}).get("source") != [{"exists": True}]:
        errors.append("NotifySubscription does not filter on the transition attributes (alarms would reach the notify function)")
    if sub.get("RawMessageDelivery") is not True:
        errors.append("NotifySubscription must use raw message delivery (the function reads the `sqs` body)")
    if sub.get("RedrivePolicy", {}).get("deadLetterTargetArn") != {"Fn::GetAtt": ["NotifyDeadLetterQueue", "Arn"]}:
        errors.append("NotifySubscription has no dead-letter queue: a transition SNS cannot queue would be dropped")
    # SNS writes to the KMS-encrypted notify queues only if the key lets it.
    key_policy = t["EvidenceKey"]["Properties"]["KeyPolicy"]["Statement"]
    if not any(isinstance(st.get("Principal"), dict) and st["Principal"].get("Service") == "sns.amazonaws.com"
               and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(as_list(st["Action"])) for st in key_policy):
        errors.append("EvidenceKey's policy does not let SNS deliver to the encrypted notify queues")
    # Remediation hears failures only, and never changes the evidence bucket itself.
    sub = t["RemediateSubscription"]["Properties"]
    if sub.get("FilterPolicy", {}).get("change") != ["FAILED"] or sub.get("RawMessageDelivery") is not True:
        errors.append("RemediateSubscription must take raw FAILED transitions only")
    if not any(st.get("Effect") == "Deny" and st.get("Resource") == {"Fn::GetAtt": ["EvidenceBucket", "Arn"]}
               for st in statements(t["RemediateFunction"])):
        errors.append("RemediateFunction's role does not deny changing the evidence bucket")
    # Secrets are read by ARN, only the configured ones.
    secrets = [st for st in statements(t["NotifyFunction"]) if "secretsmanager:GetSecretValue" in as_list(st["Action"])]
    if len(secrets) != 1 or "*" in json.dumps(secrets[0]["Resource"]):
        errors.append("NotifyFunction must read exactly the configured secrets (no wildcard)")
    # Nobody but the root user (or the configuration admin) may shred evidence or the signing key,
    # or loosen the bucket.
    def denied_to_all_but_admins(policy_statements, actions):
        for st in policy_statements:
            if st.get("Effect") == "Deny" and st.get("Principal") == "*" and set(actions) <= set(as_list(st["Action"])) \
                    and "aws:PrincipalArn" in st.get("Condition", {}).get("ArnNotEquals", {}):
                return True
        return False
    for key in ("EvidenceKey", "ReportSigningKey"):
        if not denied_to_all_but_admins(t[key]["Properties"]["KeyPolicy"]["Statement"], ["kms:ScheduleKeyDeletion", "kms:DisableKey"]):
            errors.append(f"{key}'s policy lets any allowed principal schedule its deletion or disable it")
    bucket_actions = ["s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning", "s3:PutLifecycleConfiguration",
                      "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutReplicationConfiguration"]
    if not denied_to_all_but_admins(t["EvidenceBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"], bucket_actions):
        errors.append("EvidenceBucketPolicy does not deny loosening the bucket (retention, versioning, lifecycle, replication, policy)")
    # Objects must stay readable by GetObject for fetch, verify and re-rendering.
    for rule in t["EvidenceBucket"]["Properties"].get("LifecycleConfiguration", {}).get("Rules", []):
        for tr in rule.get("Transitions", []) + rule.get("NoncurrentVersionTransitions", []):
            if tr["StorageClass"] in ("GLACIER", "DEEP_ARCHIVE"):
                errors.append(f"lifecycle rule {rule.get('Id')} moves objects to {tr['StorageClass']}, where GetObject fails")
    return errors


def normalised_detail_types():
    """The EventBridge detail-types intake normalises (its `*_DETAIL_TYPE` constants)."""
    text = open(os.path.join(ROOT, "shared", "domain", "src", "normalize", "mod.rs")).read()
    return set(re.findall(r'pub const \w+_DETAIL_TYPE: &str = "([^"]+)";', text))


def check_intake_routes(t):
    """Every detail-type intake reads is routed to its queue by a rule the queue policy lets send."""
    errors = []
    to_intake = {name: r for name, r in t.items() if r["Type"] == "AWS::Events::Rule"
                 and any(target.get("Arn") == {"Fn::GetAtt": ["IntakeQueue", "Arn"]}
                         for target in r["Properties"].get("Targets", []))}
    routed = {d for r in to_intake.values() for d in r["Properties"]["EventPattern"].get("detail-type", [])}
    for missing in sorted(normalised_detail_types() - routed):
        errors.append(f"no EventBridge rule routes `{missing}` events to the intake queue")
    allowed = t["IntakeQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"]
    allowed = {a["Fn::GetAtt"][0] for a in allowed if isinstance(a, dict) and "Fn::GetAtt" in a}
    for name in sorted(set(to_intake) - allowed):
        errors.append(f"IntakeQueuePolicy does not let {name} send to the intake queue")
    return errors


def check():
    errors = []
    t = load_template(TEMPLATE)["Resources"]
    errors += check_intake_routes(t)
    pattern = t["CloudTrailChangesRule"]["Properties"]["EventPattern"]["detail"]
    calls = catalogue_calls()
    missing_sources = {s for s, _ in calls} - set(pattern["eventSource"])
    missing_names = {n for _, n in calls} - set(pattern["eventName"])
    extra_names = set(pattern["eventName"]) - {n for _, n in calls}
    if missing_sources or missing_names:
        errors.append(f"CloudTrailChangesRule does not route mapped calls: sources {sorted(missing_sources)}, names {sorted(missing_names)}")
    if extra_names:
        errors.append(f"CloudTrailChangesRule routes calls the catalogue does not map: {sorted(extra_names)}")
    for table in ("StateTable", "HistoryTable"):
        props = t[table]["Properties"]
        names = {g["IndexName"]: g for g in props["GlobalSecondaryIndexes"]}
        defined = {a["AttributeName"] for a in props["AttributeDefinitions"]}
        for fw in frameworks():
            index = names.get(f"Fw-{fw}")
            if index is None or index["KeySchema"][0]["AttributeName"] != f"fw_{fw}" or f"fw_{fw}" not in defined:
                errors.append(f"{table} lacks index Fw-{fw} keyed on fw_{fw} (run scripts/check_template.py --fix)")
        if len(names) > 20:
            errors.append(f"{table} has {len(names)} indexes; DynamoDB allows 20")
    import json
    for c in collection_controls():
        sched = t.get(schedule_name(c["id"]), {}).get("Properties", {})
        if sched.get("ScheduleExpression") != c["schedule"]:
            errors.append(f"{schedule_name(c['id'])} missing or its expression differs from controls.json (run --fix)")
        elif json.loads(sched["Target"]["Input"]) != json.loads(schedule_input(c["id"])):
            errors.append(f"{schedule_name(c['id'])} does not pass the control and the scheduled time")
    for fw in frameworks():
        sched = t.get(report_schedule_name(fw), {}).get("Properties", {})
        if not sched or json.loads(sched["Target"]["Input"]) != json.loads(report_schedule_input(fw)):
            errors.append(f"{report_schedule_name(fw)} missing or its input differs (run --fix)")
    # Each function's variable list (`VARIABLES` in its config.rs) is what the template must set.
    for function, config_file in [("IntakeFunction", "functions/intake/src/config.rs"),
                                  ("CollectFunction", "functions/collect/src/config.rs"),
                                  ("ReportFunction", "functions/report/src/config.rs"),
                                  ("AlertFunction", "functions/alert/src/config.rs"),
                                  ("NotifyFunction", "functions/notify/src/config.rs"),
                                  ("DigestFunction", "functions/notify/src/digest_config.rs"),
                                  ("RemediateFunction", "functions/remediate/src/config.rs")]:
        env = t[function]["Properties"]["Environment"]["Variables"]
        with open(os.path.join(ROOT, config_file)) as f:
            config_rs = f.read()
        declared = set(re.findall(r'Variable::(?:required|bounded|list|optional|text)\(\s*"(ATTEST_[A-Z_]+)"', config_rs))
        if not declared:
            errors.append(f"{config_file} declares no variables")
        for var in sorted(declared - set(env)):
            errors.append(f"{function} does not set {var}")
        for var in sorted(v for v in set(env) - declared if v.startswith("ATTEST_")):
            errors.append(f"{function} sets {var}, which {config_file} does not declare")
    errors += check_real_account_routes(t)
    for e in errors:
        print(f"template check: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"template check: ok ({len(calls)} CloudTrail calls routed, {len(frameworks())} framework indexes per table, "
          f"{len(collection_controls())} collection schedules)")


if __name__ == "__main__":
    fix() if "--fix" in sys.argv else check()
