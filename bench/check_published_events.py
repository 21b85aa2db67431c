#!/usr/bin/env python3
"""Check `attest normalize` against what AWS documents for the published events.

The events themselves are reference data kept outside the repository
(`../shared/fixtures/published-events/` next to the repo root, or $ATTEST_PUBLISHED_EVENTS);
`bench/published-expectations.json` holds, for each file, what the cited AWS documentation says
it means (status, control or rule, resources, account, observed time, framework controls), or
that it should be refused. Nothing in the expectations comes from attest's own output.

    python3 bench/check_published_events.py [FIXTURES_DIR]

Environment: ATTEST_PUBLISHED_EVENTS (fixtures folder), ATTEST_BIN (default
$CARGO_TARGET_DIR/debug/attest, by default ~/.cache/attest/target). If the folder is absent the check prints
"skipped: folder not present" and exits 0 (CI does not have it). Exit 1 on any mismatch,
2 when the check itself cannot run (no binary, unreadable expectations).

`attest normalize FILE` prints the findings as one JSON array (cli/src/main.rs,
`normalized_files`: each `Finding` serialised with `subject` flattened, plus evidence_key and
evidence_sha256), names refused records on stderr and exits 2 when some were refused. This
script reads that JSON; it does not parse text.

Comparison rules (all documented in docs/published-events.md):
- status: the expected word(s) in AWS's vocabulary (PASSED/FAILED/WARNING/NOT_AVAILABLE,
  COMPLIANT/NON_COMPLIANT) are mapped to attest's status enum; a list means any of them.
- control / rule / event: compared with the finding's rule_id (Security Hub control id, Config
  rule name as deployed, CloudTrail eventSource:eventName).
- resources: as a set of (type, id); an id matches if equal, if one is `AWS::::Account:{id}`
  of the other, or if one is an ARN whose last segment (after '/' or ':') is the other.
- account, disposition: equal. observed_at: equal as instants (RFC 3339, any precision).
- frameworks: every expected control must be present (missing -> MISMATCH); controls attest
  adds beyond the expectation are listed as "extra", which is not a mismatch.
  frameworks_unverified: reported as present/absent, never a mismatch.
- a field absent from an expectation is not compared (the docs do not decide it).
"""

import datetime
import json
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXPECTATIONS = os.path.join(REPO, "bench", "published-expectations.json")
DEFAULT_DIR = os.path.normpath(os.path.join(REPO, "..", "shared", "fixtures", "published-events"))
DEFAULT_BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.expanduser("~/.cache/attest/target"),
                           "debug", "attest")

# AWS status words -> attest's ComplianceStatus (shared/domain/src/finding.rs).
STATUS = {
    "PASSED": "COMPLIANT",
    "COMPLIANT": "COMPLIANT",
    "FAILED": "NON_COMPLIANT",
    "NON_COMPLIANT": "NON_COMPLIANT",
    "WARNING": "WARNING",
    "NOT_AVAILABLE": "INSUFFICIENT_DATA",
    "INSUFFICIENT_DATA": "INSUFFICIENT_DATA",
    "NOT_APPLICABLE": "NOT_APPLICABLE",
}


def parse_time(text):
    if not isinstance(text, str):
        return None
    t = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # fromisoformat before 3.11 takes only 0, 3 or 6 fractional digits: pad to 6.
    if "." in t:
        head, rest = t.split(".", 1)
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        t = head + "." + (digits + "000000")[:6] + rest
    try:
        value = datetime.datetime.fromisoformat(t)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def last_segment(ident):
    return ident.replace(":", "/").rstrip("/").rsplit("/", 1)[-1]


def same_id(expected, actual):
    if expected == actual:
        return True
    strip = lambda s: s[len("AWS::::Account:"):] if s.startswith("AWS::::Account:") else s
    e, a = strip(expected), strip(actual)
    if e == a:
        return True
    if a.startswith("arn:") and not e.startswith("arn:"):
        return last_segment(a) == e
    if e.startswith("arn:") and not a.startswith("arn:"):
        return last_segment(e) == a
    return False


def finding_resources(f):
    """attest findings carry one resource each (a finding naming several is split)."""
    return [{"type": f.get("resource_type"), "id": f.get("resource_id")}]


def finding_controls(f):
    out = {}
    for c in f.get("controls") or []:
        if isinstance(c, dict):
            out.setdefault(c.get("framework"), set()).add(c.get("control_id"))
        elif isinstance(c, str) and ":" in c:
            fw, cid = c.split(":", 1)
            out.setdefault(fw, set()).add(cid)
    return out


def compare(exp, f):
    """Differences between one expected finding and one attest finding: (mismatches, extras, info)."""
    diffs, extra, info = [], [], []
    if "status" in exp:
        wanted = exp["status"] if isinstance(exp["status"], list) else [exp["status"]]
        mapped = {STATUS.get(w, w) for w in wanted}
        if f.get("status") not in mapped:
            diffs.append("status: want %s, got %s (%s)" % ("|".join(wanted), f.get("status"), f.get("source_status")))
    for key in ("control", "rule", "event"):
        if key in exp and f.get("rule_id") != exp[key]:
            diffs.append("%s: want %s, got %s" % (key, exp[key], f.get("rule_id")))
    if "resources" in exp:
        got = finding_resources(f)
        for r in exp["resources"]:
            hit = any((r.get("type") is None or r["type"] == g["type"])
                      and (r.get("id") is None or same_id(r["id"], g["id"] or "")) for g in got)
            if not hit:
                diffs.append("resource: want %s %s, got %s" % (
                    r.get("type"), r.get("id"), ", ".join("%s %s" % (g["type"], g["id"]) for g in got)))
    if "account" in exp and f.get("account") != exp["account"]:
        diffs.append("account: want %s, got %s" % (exp["account"], f.get("account")))
    if "disposition" in exp and f.get("disposition") != exp["disposition"]:
        diffs.append("disposition: want %s, got %s" % (exp["disposition"], f.get("disposition")))
    if "observed_at" in exp:
        want, got = parse_time(exp["observed_at"]), parse_time(f.get("observed_at"))
        if want is None or got is None or want != got:
            diffs.append("observed_at: want %s, got %s" % (exp["observed_at"], f.get("observed_at")))
    actual = finding_controls(f)
    expected = {fw: set(ids) for fw, ids in (exp.get("frameworks") or {}).items()}
    unverified = {fw: set(ids) for fw, ids in (exp.get("frameworks_unverified") or {}).items()}
    if "frameworks" in exp:
        missing = ["%s:%s" % (fw, c) for fw in sorted(expected)
                   for c in sorted(expected[fw] - actual.get(fw, set()))]
        if missing:
            diffs.append("frameworks missing: " + ", ".join(missing))
    for fw in sorted(actual):
        for c in sorted(actual[fw]):
            if c not in expected.get(fw, set()) and c not in unverified.get(fw, set()):
                extra.append("%s:%s" % (fw, c))
    for fw in sorted(unverified):
        for c in sorted(unverified[fw]):
            info.append("unverified %s:%s %s" % (fw, c, "present" if c in actual.get(fw, set()) else "absent"))
    return diffs, extra, info


def pair(expected, findings):
    """Match each expected finding to the attest finding it differs least from."""
    left = list(range(len(findings)))
    pairs = []
    for exp in expected:
        if not left:
            pairs.append((exp, None))
            continue
        best = min(left, key=lambda i: len(compare(exp, findings[i])[0]))
        left.remove(best)
        pairs.append((exp, findings[best]))
    return pairs, [findings[i] for i in left]


def run_attest(binary, path):
    proc = subprocess.run([binary, "normalize", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    try:
        findings = json.loads(proc.stdout) if proc.stdout.strip() else []
    except ValueError:
        findings = None
    return proc.returncode, findings, proc.stderr.strip()


def check(name, exp, binary, folder):
    """(ok, mismatches, extras, info) for one fixture."""
    path = os.path.join(folder, name)
    if not os.path.exists(path):
        return False, ["fixture file missing"], [], []
    code, findings, stderr = run_attest(binary, path)
    if findings is None:
        return False, ["attest printed no JSON (exit %d): %s" % (code, stderr[:200])], [], []
    refused_msg = [line for line in stderr.splitlines() if "refused" in line or "attest:" in line]
    if exp.get("refused"):
        if code != 0 and not findings:
            return True, [], [], ["refused as expected: " + (stderr.splitlines() or [""])[0][:160]]
        if code != 0:
            return False, ["refused: want the event refused, got exit %d with %d finding(s) stored" % (code, len(findings))], [], refused_msg
        got = "; ".join("%s %s %s" % (f.get("rule_id"), f.get("status"), f.get("resource_id")) for f in findings)
        return False, ["refused: want refused, got exit 0 and %d finding(s): %s" % (len(findings), got)], [], []
    diffs, extras, info = [], [], []
    if code != 0:
        diffs.append("exit %d: %s" % (code, stderr.splitlines()[0][:200] if stderr else ""))
    expected = exp.get("findings", [])
    if len(findings) != len(expected):
        diffs.append("count: want %d finding(s), got %d" % (len(expected), len(findings)))
    pairs, unmatched = pair(expected, findings)
    for n, (e, f) in enumerate(pairs, 1):
        tag = "#%d " % n if len(expected) > 1 else ""
        if f is None:
            diffs.append(tag + "no finding")
            continue
        d, x, i = compare(e, f)
        diffs += [tag + s for s in d]
        if x:
            extras.append(tag + ", ".join(x))
        info += [tag + s for s in i]
    for f in unmatched:
        diffs.append("unexpected finding: %s %s %s" % (f.get("rule_id"), f.get("status"), f.get("resource_id")))
    return not diffs, diffs, extras, info


def main(argv):
    folder = argv[1] if len(argv) > 1 else os.environ.get("ATTEST_PUBLISHED_EVENTS", DEFAULT_DIR)
    binary = os.environ.get("ATTEST_BIN", DEFAULT_BIN)
    if not os.path.isdir(folder):
        print("skipped: folder not present (%s)" % folder)
        return 0
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print("error: attest binary not found at %s (set ATTEST_BIN, or build with "
              "`make published-events`, which builds it first)" % binary, file=sys.stderr)
        return 2
    try:
        with open(EXPECTATIONS, encoding="utf-8") as fh:
            expectations = json.load(fh)
    except (OSError, ValueError) as e:
        print("error: cannot read %s: %s" % (EXPECTATIONS, e), file=sys.stderr)
        return 2
    present = sorted(f for f in os.listdir(folder) if f.endswith(".json"))
    ok = bad = 0
    rows = []
    for name in sorted(expectations):
        passed, diffs, extras, info = check(name, expectations[name], binary, folder)
        ok, bad = ok + passed, bad + (not passed)
        rows.append((name, "ok" if passed else "MISMATCH", diffs, extras, info))
    width = max(len(r[0]) for r in rows)
    print("%-*s  %s" % (width, "fixture", "result"))
    print("%s  %s" % ("-" * width, "-" * 8))
    for name, result, diffs, extras, info in rows:
        print("%-*s  %s" % (width, name, result))
        for d in diffs:
            print("%*s    - %s" % (width, "", d))
        for x in extras:
            print("%*s    extra: %s" % (width, "", x))
        for i in info:
            print("%*s    note: %s" % (width, "", i))
    unexpected = [f for f in present if f not in expectations]
    for f in unexpected:
        print("%-*s  (no expectation)" % (width, f))
    print()
    print("summary: %d fixtures, %d ok, %d mismatch%s" % (
        ok + bad, ok, bad, ", %d without expectation" % len(unexpected) if unexpected else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
