#!/usr/bin/env python3
"""Collect a full catalogue against the local AWS server: 200 controls, 20 sources each (20 buckets
for the S3 posture controls, 20 trails for the CloudTrail controls), with the engine's real claim,
evidence and run-record path. Prints total time and peak memory. Uses the dev profile build."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import demo  # noqa: E402

import boto3  # noqa: E402

CONTROLS = int(os.environ.get("BENCH_CONTROLS", "200"))
SOURCES = 20


def main():
    out = os.path.join(demo.ROOT, "out", "bench")
    os.makedirs(out, exist_ok=True)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": demo.REGION})
    subprocess.check_call(["cargo", "build", "--quiet", "-p", "attest-collect", "--example", "collect_scale"], cwd=demo.ROOT)
    server, endpoint = demo.start_local_aws(out, "moto-collect")
    try:
        res = demo.provision(endpoint, "attest-scale")
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name=demo.REGION)
        ct = boto3.client("cloudtrail", endpoint_url=endpoint, region_name=demo.REGION)
        for i in range(SOURCES):
            name = f"scale-src-{i:02}"
            s3.create_bucket(Bucket=name)
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
            ct.create_trail(Name=f"scale-trail-{i:02}", S3BucketName=name, IsMultiRegionTrail=bool(i % 2))
            ct.start_logging(Name=f"scale-trail-{i:02}")
        env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, **res["_environments"]["CollectFunction"])
        binary = os.path.join(demo.TARGET, "debug", "examples", "collect_scale")
        line = subprocess.check_output([binary, str(CONTROLS), "scale-src-"], env=env, cwd=demo.ROOT).decode()
        r = json.loads(line)
        print(f"{'collect the catalogue: controls x sources (dev profile, local moto server)':<72} {'value':>10}")
        print(f"{'  controls collected (each: claim, collect, canonical evidence to S3, record)':<72} {r['collected']:>10}")
        print(f"{'  sources per control (buckets: 4 calls each; trails: 1 call each)':<72} {SOURCES:>10}")
        print(f"{'  total time (s)':<72} {r['seconds']:>10.1f}")
        print(f"{'  controls per second':<72} {r['runs_per_second']:>10.1f}")
        print(f"{'  peak resident memory, VmHWM (MB)':<72} {r['peak_rss_mb']:>10.1f}")
    finally:
        server.terminate()


if __name__ == "__main__":
    main()
