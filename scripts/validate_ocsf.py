#!/usr/bin/env python3
"""Check OCSF Compliance Finding (class_uid 2003) JSON lines against OCSF 1.3.0.

Usage: validate_ocsf.py FILE...

Every line must be a JSON object (the file ends with a newline, no blank lines) carrying the
attributes OCSF 1.3.0 requires of a Compliance Finding, with values in the schema's enumerations
and captions that match their ids. Sources (OCSF 1.3.0):
  ocsf/ocsf-schema events/base_event.json, events/findings/finding.json,
  events/findings/compliance_finding.json, objects/compliance.json, objects/finding_info.json,
  objects/metadata.json, objects/cloud.json, objects/account.json;
  rendered at https://docs.tenzir.com/reference/ocsf/1-3-0/classes/compliance_finding
Where the schema only recommends an attribute that Attest always emits (activity_name,
finding_info.title, product name and vendor, cloud.region on resource events), it is checked too,
so a regression in Attest's output is caught.

Prints one line per file; exits 1 naming each invalid file, line and error, 2 on bad usage.
"""

import json
import pathlib
import sys

OCSF_VERSION = "1.3.0"
CLASS_UID = {2003: "Compliance Finding"}
CATEGORY_UID = {2: "Findings"}
# finding.json activity_id, plus the dictionary's 0 Unknown and 99 Other.
ACTIVITY_ID = {0: "Unknown", 1: "Create", 2: "Update", 3: "Close", 99: "Other"}
# base_event.json severity_id.
SEVERITY_ID = {
    0: "Unknown",
    1: "Informational",
    2: "Low",
    3: "Medium",
    4: "High",
    5: "Critical",
    6: "Fatal",
    99: "Other",
}
# compliance.json status_id (1-3) plus the dictionary's 0 Unknown and 99 Other.
COMPLIANCE_STATUS_ID = {0: "Unknown", 1: "Pass", 2: "Warning", 3: "Fail", 99: "Other"}
# finding.json status_id (finding lifecycle) as of 1.3.0.
FINDING_STATUS_ID = {
    0: "Unknown",
    1: "New",
    2: "In Progress",
    3: "Suppressed",
    4: "Resolved",
    99: "Other",
}
# account.json type_id: the values Attest emits.
ACCOUNT_TYPE_ID = {10: "AWS Account"}

REQUIRED = [
    "activity_id",
    "category_uid",
    "class_uid",
    "type_uid",
    "severity_id",
    "time",
    "metadata",
    "finding_info",
    "compliance",
]


class Invalid(Exception):
    pass


def need(obj, key, kind, where):
    if not isinstance(obj, dict) or key not in obj:
        raise Invalid(f"{where}{key} is missing")
    value = obj[key]
    # bool is an int in Python; OCSF integers are never booleans.
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise Invalid(f"{where}{key} is {value!r}, not {kind.__name__}")
    if kind is str and not value.strip():
        raise Invalid(f"{where}{key} is empty")
    return value


def enum(obj, key, values, where, caption_key=None, other_free=True):
    value = need(obj, key, int, where)
    if value not in values:
        raise Invalid(f"{where}{key} {value} is not one of {sorted(values)}")
    if caption_key and caption_key in obj:
        caption = obj[caption_key]
        if not (other_free and value == 99) and caption != values[value]:
            raise Invalid(f"{where}{caption_key} {caption!r} does not match {key} {value} ({values[value]!r})")
    return value


def timestamp(obj, key, where):
    value = need(obj, key, int, where)
    # Epoch milliseconds: after 2001-09-09 and before 2286 (seconds would be 1000 times smaller).
    if not 10**12 <= value < 10**13:
        raise Invalid(f"{where}{key} {value} is not epoch milliseconds")
    return value


def check_event(event):
    if not isinstance(event, dict):
        raise Invalid("not a JSON object")
    for key in REQUIRED:
        if key not in event:
            raise Invalid(f"required attribute {key} is missing")
    class_uid = enum(event, "class_uid", CLASS_UID, "", "class_name", other_free=False)
    enum(event, "category_uid", CATEGORY_UID, "", "category_name", other_free=False)
    activity = enum(event, "activity_id", ACTIVITY_ID, "", "activity_name")
    need(event, "activity_name", str, "")
    type_uid = need(event, "type_uid", int, "")
    if type_uid != class_uid * 100 + activity:
        raise Invalid(f"type_uid {type_uid} is not class_uid * 100 + activity_id ({class_uid * 100 + activity})")
    if "type_name" in event and event["type_name"] != f"{CLASS_UID[class_uid]}: {ACTIVITY_ID[activity]}":
        raise Invalid(f"type_name {event['type_name']!r} does not match type_uid {type_uid}")
    enum(event, "severity_id", SEVERITY_ID, "", "severity")
    timestamp(event, "time", "")

    metadata = need(event, "metadata", dict, "")
    if need(metadata, "version", str, "metadata.") != OCSF_VERSION:
        raise Invalid(f"metadata.version {metadata['version']!r} is not {OCSF_VERSION}")
    product = need(metadata, "product", dict, "metadata.")
    need(product, "name", str, "metadata.product.")
    need(product, "vendor_name", str, "metadata.product.")

    info = need(event, "finding_info", dict, "")
    need(info, "uid", str, "finding_info.")
    need(info, "title", str, "finding_info.")
    for key in ("first_seen_time", "last_seen_time"):
        if key in info:
            timestamp(info, key, "finding_info.")

    compliance = need(event, "compliance", dict, "")
    standards = need(compliance, "standards", list, "compliance.")
    if not standards or not all(isinstance(s, str) and s.strip() for s in standards):
        raise Invalid("compliance.standards must be a non-empty list of strings")
    if "control" in compliance:
        need(compliance, "control", str, "compliance.")
    status_id = enum(compliance, "status_id", COMPLIANCE_STATUS_ID, "compliance.", "status")
    if status_id == 99:
        need(compliance, "status", str, "compliance.")

    if "status_id" in event:
        if enum(event, "status_id", FINDING_STATUS_ID, "", "status") == 99:
            need(event, "status", str, "")

    if "cloud" in event:
        cloud = need(event, "cloud", dict, "")
        need(cloud, "provider", str, "cloud.")
        if "account" in cloud:
            account = need(cloud, "account", dict, "cloud.")
            need(account, "uid", str, "cloud.account.")
            if "type_id" in account:
                enum(account, "type_id", ACCOUNT_TYPE_ID, "cloud.account.", "type", other_free=False)
    if "resources" in event:
        resources = need(event, "resources", list, "")
        for i, resource in enumerate(resources):
            need(resource, "uid", str, f"resources[{i}].")
    if "remediation" in event:
        need(need(event, "remediation", dict, ""), "desc", str, "remediation.")
    return info["uid"]


def check_file(path):
    data = path.read_bytes()
    if not data:
        raise Invalid("empty file")
    if not data.endswith(b"\n"):
        raise Invalid("last line is not terminated by \\n")
    uids = set()
    lines = data[:-1].split(b"\n")
    for number, line in enumerate(lines, start=1):
        try:
            if not line.strip():
                raise Invalid("blank line")
            try:
                event = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise Invalid(f"not JSON: {e}")
            uid = check_event(event)
            if uid in uids:
                raise Invalid(f"finding_info.uid {uid} repeats an earlier line")
            uids.add(uid)
        except Invalid as e:
            raise Invalid(f"line {number}: {e}")
    return len(lines)


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    failed = 0
    for name in argv:
        path = pathlib.Path(name)
        try:
            count = check_file(path)
        except (Invalid, OSError) as e:
            failed += 1
            print(f"{path}: INVALID OCSF compliance findings: {e}", file=sys.stderr)
        else:
            print(f"{path}: {count} valid OCSF {OCSF_VERSION} Compliance Finding events")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
