#!/usr/bin/env python3
"""RFC 8785 differential: Attest's canonical form of each fuzz-corpus file against Python's `rfc8785`.

Usage: rfc8785_differential.py CASES_FILE

CASES_FILE holds one JSON line per file, written by `cargo run --example canonical_cases`:
  {"file": PATH, "canonical": TEXT} or {"file": PATH, "error": MESSAGE}

Each file is read again here: strict UTF-8, Python's json with repeated member names, NaN and
Infinity refused, and every number read as an IEEE double (`parse_int=float`), as RFC 8785 and
ECMAScript's JSON.parse read numbers (`rfc8785` itself refuses integers beyond 2^53 instead).
Then:
- both write a form: the bytes must be equal;
- Attest refuses and the reason is a documented limit of its reader (nesting deeper than 64
  levels): counted as known (a lone UTF-16 surrogate is refused by both: Attest when reading,
  rfc8785 when writing, so it counts as "both refuse");
- any other disagreement (one refuses, the other writes) is a difference.

Prints the counts; exits 1 on any difference (each named), 2 on bad usage or input.
"""

import json
import sys
from collections import Counter

import rfc8785

# Attest refusals (their message) that are documented differences, not bugs: docs/reliability.md.
KNOWN_ATTEST_REFUSALS = {
    "nested deeper than": "nesting beyond Attest's 64 levels",
}


def unique_members(pairs):
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names):
        raise ValueError("repeated member name")
    return dict(pairs)


def refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def python_form(data):
    """rfc8785's bytes for `data`, or the reason Python refuses it."""
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=unique_members,
            parse_int=float,
            parse_constant=refuse_constant,
        )
        return rfc8785.dumps(value), None
    except (UnicodeDecodeError, ValueError, RecursionError, rfc8785.CanonicalizationError) as e:
        return None, f"{type(e).__name__}: {e}"


def known_refusal(message):
    for needle, kind in KNOWN_ATTEST_REFUSALS.items():
        if needle in message:
            return kind
    return None


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
    counts = Counter()
    differences = []
    for case in cases:
        with open(case["file"], "rb") as f:
            data = f.read()
        theirs, why_not = python_form(data)
        ours = case.get("canonical")
        if ours is not None and theirs is not None:
            if ours.encode("utf-8") == theirs:
                counts["same bytes"] += 1
            else:
                differences.append(
                    f"{case['file']}: bytes differ\n  rfc8785: {theirs!r}\n  attest:  {ours!r}"
                )
        elif ours is None and theirs is None:
            counts["both refuse"] += 1
        elif ours is None:
            kind = known_refusal(case["error"])
            if kind:
                counts[f"only Attest refuses ({kind})"] += 1
            else:
                differences.append(f"{case['file']}: Attest refuses ({case['error']}), rfc8785 writes it")
        else:
            differences.append(f"{case['file']}: rfc8785 refuses ({why_not}), Attest writes it")
    for what, n in sorted(counts.items()):
        print(f"{n:8} {what}")
    for d in differences:
        print(f"DIFFERENT {d}")
    print(f"{len(cases)} files, {len(differences)} differences")
    return 1 if differences or not cases else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
