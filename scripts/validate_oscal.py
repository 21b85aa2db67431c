#!/usr/bin/env python3
"""Validate OSCAL assessment-results JSON files with an independent implementation.

Usage: validate_oscal.py FILE...

Each file is loaded with compliance-trestle's pydantic model of the OSCAL assessment-results
schema (`trestle.oscal.assessment_results.AssessmentResults.oscal_read`, pinned in
requirements-dev.txt): required fields, types, token/UUID/date-time patterns, enumerations and no
unknown members. Trestle does not check references between elements, so this script also checks
the OSCAL constraints Attest's output relies on: UUIDs are unique, `import-ap` points at a
back-matter resource, every `related-observations` entry names an observation of its result, and
`oscal-version` is the 1.1.x release Attest targets.

Prints one line per file; exits 1 naming each invalid file and its error, 2 on bad usage.
"""

import collections
import json
import logging
import pathlib
import re
import sys

OSCAL_VERSION = re.compile(r"^1\.1\.\d+$")


def uuids(value, out):
    """Every `uuid` member (element definitions; references use other member names)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "uuid":
                out.append(item)
            uuids(item, out)
    elif isinstance(value, list):
        for item in value:
            uuids(item, out)


def check_references(doc):
    root = doc["assessment-results"]
    version = root["metadata"]["oscal-version"]
    if not OSCAL_VERSION.match(version):
        raise ValueError(f"oscal-version {version!r} is not 1.1.x")
    seen = []
    uuids(root, seen)
    duplicates = sorted(u for u, n in collections.Counter(seen).items() if n > 1)
    if duplicates:
        raise ValueError(f"UUIDs defined more than once: {duplicates[:5]}")
    href = root["import-ap"]["href"]
    if href.startswith("#"):
        resources = {r["uuid"] for r in root.get("back-matter", {}).get("resources", [])}
        if href[1:] not in resources:
            raise ValueError(f"import-ap href {href!r} names no back-matter resource")
    for result in root["results"]:
        observations = {o["uuid"] for o in result.get("observations", [])}
        selected = [
            c["control-id"]
            for s in result["reviewed-controls"]["control-selections"]
            for c in s.get("include-controls", [])
        ]
        if len(selected) != len(set(selected)):
            raise ValueError("a control is selected twice in reviewed-controls")
        for finding in result.get("findings", []):
            for rel in finding.get("related-observations", []):
                if rel["observation-uuid"] not in observations:
                    raise ValueError(
                        f"finding {finding['uuid']} relates to unknown observation {rel['observation-uuid']}"
                    )


def check(path, model):
    if not path.is_file():
        raise ValueError("no such file")
    doc = json.loads(path.read_bytes())
    # Raises TrestleError with pydantic's list of violations when the document is invalid.
    parsed = model.oscal_read(path)
    if parsed is None:
        raise ValueError("trestle could not read the file")
    check_references(doc)


def main(argv):
    if not argv:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    # Trestle logs its own copy of each error; this script prints one line per file instead.
    logging.disable(logging.CRITICAL)
    from trestle.oscal.assessment_results import AssessmentResults

    failed = 0
    for name in argv:
        path = pathlib.Path(name)
        try:
            check(path, AssessmentResults)
        except Exception as e:  # every failure is reported against its file
            failed += 1
            print(f"{path}: INVALID OSCAL assessment-results: {type(e).__name__}: {e}", file=sys.stderr)
        else:
            print(f"{path}: valid OSCAL assessment-results")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
