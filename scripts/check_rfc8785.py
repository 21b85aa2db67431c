#!/usr/bin/env python3
"""Check Attest's evidence bytes against an independent RFC 8785 implementation (Python's `rfc8785`).

Usage: check_rfc8785.py CASES_FILE

CASES_FILE holds one JSON object per line, written by shared/domain/tests/cross_language.rs:
  {"event": PATH, "canonical": TEXT, "evidence": [TEXT, ...]}
where PATH is a sample EventBridge event, "canonical" is Attest's RFC 8785 form of the whole event
and "evidence" holds Attest's evidence document of each finding, in order.

For each event this script reads the file itself (Python's json, refusing repeated member names as
I-JSON does), rebuilds every evidence document from it as docs/evidence.md describes
({"envelope": the six envelope members, "record": detail.findings[i] or detail,
"schema": "attest.evidence/v1"}), canonicalises it with `rfc8785.dumps` and compares the bytes.

Prints one line per event and a total; exits 1 naming each mismatch, 2 on bad usage or input.
"""

import json
import sys

import rfc8785

ENVELOPE = ("id", "source", "detail-type", "account", "region", "time")
SCHEMA = "attest.evidence/v1"


def unique_members(pairs):
    names = [name for name, _ in pairs]
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise ValueError(f"repeated member names: {sorted(repeated)}")
    return dict(pairs)


def records(event):
    detail = event["detail"]
    return detail["findings"] if "findings" in detail else [detail]


def check(case):
    with open(case["event"], "rb") as f:
        event = json.loads(f.read().decode("utf-8"), object_pairs_hook=unique_members)
    failures = []
    if rfc8785.dumps(event) != case["canonical"].encode("utf-8"):
        failures.append("the event's canonical form differs")
    envelope = {name: event[name] for name in ENVELOPE}
    expected = [
        rfc8785.dumps({"envelope": envelope, "record": record, "schema": SCHEMA})
        for record in records(event)
    ]
    ours = [text.encode("utf-8") for text in case["evidence"]]
    if len(expected) != len(ours):
        failures.append(f"{len(ours)} evidence documents, expected {len(expected)}")
    for i, (theirs, mine) in enumerate(zip(expected, ours)):
        if theirs != mine:
            failures.append(f"evidence #{i} differs:\n  rfc8785: {theirs!r}\n  attest:  {mine!r}")
    return len(ours), failures


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1], encoding="utf-8") as f:
            cases = [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError) as e:
        print(f"cannot read {argv[1]}: {e}", file=sys.stderr)
        return 2
    documents, bad = 0, 0
    for case in cases:
        try:
            count, failures = check(case)
        except (OSError, ValueError, KeyError, rfc8785.CanonicalizationError) as e:
            count, failures = 0, [f"cannot check: {e!r}"]
        documents += count
        print(f"{case['event']}: {count} evidence documents, {'ok' if not failures else 'MISMATCH'}")
        for failure in failures:
            print(f"  {failure}")
        bad += bool(failures)
    print(f"{len(cases)} events, {documents} evidence documents, {bad} mismatched")
    return 1 if bad or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
