#!/usr/bin/env python3
"""Check Attest's evidence bytes against an independent RFC 8785 implementation (Python's `rfc8785`).

Usage: check_rfc8785.py CASES_FILE

CASES_FILE holds one JSON object per line, written by shared/domain/tests/cross_language.rs:
  {"event": PATH, "canonical": TEXT, "evidence": [TEXT, ...], "refused": N}
where PATH is a sample EventBridge event, "canonical" is Attest's RFC 8785 form of the whole event,
"evidence" holds Attest's evidence document of each finding, in order, and N is how many records
of the event Attest refused (a malformed finding in a Security Hub batch).

For each event this script reads the file itself (Python's json, refusing repeated member names as
I-JSON does), rebuilds every evidence document from it as docs/evidence.md describes
({"envelope": the six envelope members, "record": detail.findings[i] or detail,
"resource": its index when the record names several resources, "schema": "attest.evidence/v1"}),
canonicalises it with `rfc8785.dumps` and compares the bytes. Every record but the N refused must
have one document per distinct resource.

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
    expected = {}
    for i, record in enumerate(records(event)):
        indices = distinct_resources(record)
        expected[i] = [
            rfc8785.dumps({"envelope": envelope, "record": record, "schema": SCHEMA}
                          | ({"resource": r} if len(indices) > 1 else {}))
            for r in indices
        ] or [rfc8785.dumps({"envelope": envelope, "record": record, "schema": SCHEMA})]
    ours = [text.encode("utf-8") for text in case["evidence"]]
    # Attest's documents, in order, are those of the records it did not refuse, record by record.
    position, produced = 0, 0
    for i, documents in expected.items():
        if ours[position:position + len(documents)] == documents:
            position += len(documents)
            produced += 1
    if position != len(ours):
        mine = ours[position]
        failures.append(f"evidence #{position} is no record's document:\n  attest:  {mine!r}\n"
                        f"  rfc8785 (first candidates): {[d[:200] for docs in expected.values() for d in docs][:4]!r}")
    elif len(expected) - produced != case.get("refused", 0):
        failures.append(f"{len(expected) - produced} record(s) have no document, but Attest refused {case.get('refused', 0)}")
    return len(ours), failures


def distinct_resources(record):
    """Indices of the resources a finding names, each (type, id) once, as intake reads them:
    ASFF `Resources[].{Type,Id}`, OCSF `resources[].{type, uid_alt or uid}`."""
    seen, indices = [], []
    for r, resource in enumerate(record.get("Resources") or record.get("resources") or []):
        if "Type" in resource:
            named = (resource["Type"], resource.get("Id"))
        else:
            named = (resource.get("type"), resource.get("uid_alt") or resource.get("uid"))
        if named not in seen:
            seen.append(named)
            indices.append(r)
    return indices


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
