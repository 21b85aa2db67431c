#!/usr/bin/env python3
"""Checks that infra/template.yaml agrees with the catalogue and the code (run by `make test`):
- the CloudTrail rule routes exactly the calls catalogue/mappings-v1.csv maps (console sign-ins have
  their own rule), so no mapped call is silently never delivered;
- every ATTEST_* variable the intake reads is set on the function.
With --fix, rewrites the rule's eventSource/eventName lists from the catalogue."""
import csv
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


def fix():
    calls = catalogue_calls()
    sources = sorted({s for s, _ in calls})
    names = sorted({n for _, n in calls})
    text = open(TEMPLATE).read()
    block = "          eventSource:\n" + "".join(f"            - {s}\n" for s in sources) + \
            "          eventName:\n" + "".join(f"            - {n}\n" for n in names)
    text, n = re.subn(r"          eventSource:\n(?:            - .*\n)+          eventName:\n(?:            - .*\n)+", block, text)
    assert n == 1, "could not find the CloudTrail rule's lists"
    open(TEMPLATE, "w").write(text)


def check():
    errors = []
    t = load_template(TEMPLATE)["Resources"]
    pattern = t["CloudTrailChangesRule"]["Properties"]["EventPattern"]["detail"]
    calls = catalogue_calls()
    missing_sources = {s for s, _ in calls} - set(pattern["eventSource"])
    missing_names = {n for _, n in calls} - set(pattern["eventName"])
    extra_names = set(pattern["eventName"]) - {n for _, n in calls}
    if missing_sources or missing_names:
        errors.append(f"CloudTrailChangesRule does not route mapped calls: sources {sorted(missing_sources)}, names {sorted(missing_names)}")
    if extra_names:
        errors.append(f"CloudTrailChangesRule routes calls the catalogue does not map: {sorted(extra_names)}")
    env = t["IntakeFunction"]["Properties"]["Environment"]["Variables"]
    config_rs = open(os.path.join(ROOT, "functions", "intake", "src", "config.rs")).read()
    for var in sorted(set(re.findall(r'"(ATTEST_[A-Z_]+)"', config_rs))):
        if var not in env:
            errors.append(f"IntakeFunction does not set {var}")
    for e in errors:
        print(f"template check: {e}", file=sys.stderr)
    if errors:
        sys.exit(1)
    print(f"template check: ok ({len(calls)} CloudTrail calls routed, {len(env)} function variables set)")


if __name__ == "__main__":
    fix() if "--fix" in sys.argv else check()
