#!/usr/bin/env python3
"""Peak memory (VmHWM) of the intake function's own binary, run under cargo-lambda's runtime API
against a local AWS, processing one SQS batch holding a Security Hub event with 100 findings.
The binary is built with the dev profile (dependencies at opt-level 1) unless BENCH_RELEASE=1."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import demo  # noqa: E402  (reuses its local-AWS and Lambda helpers)

ROOT = demo.ROOT
OUT = os.path.join(ROOT, "out", "bench")
TARGET = demo.TARGET
RELEASE = os.environ.get("BENCH_RELEASE") == "1"


def main():
    os.makedirs(OUT, exist_ok=True)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": demo.REGION})
    event_path = os.path.join(OUT, "securityhub-100-findings.json")
    subprocess.check_call([os.path.join(TARGET, "release", "attest-bench"), "--write-100", event_path], stdout=subprocess.DEVNULL)
    children = []
    try:
        server, endpoint = demo.start_local_aws(OUT)
        children.append(server)
        res = demo.provision(endpoint, "attest-bench")
        env = demo.function_env(res["_environment"], endpoint, log_level="WARN")
        port = demo.start_function("intake", env, OUT, children, release=RELEASE)
        body = open(event_path).read()
        batch = {"Records": [{"messageId": "bench-1", "receiptHandle": "r", "body": body, "attributes": {},
                              "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                              "eventSourceARN": res["IntakeQueue"]["Arn"], "awsRegion": demo.REGION}]}
        started = time.time()
        response = demo.invoke(port, batch)
        elapsed = time.time() - started
        profile = "release" if RELEASE else "debug"
        binary = os.path.join(TARGET, profile, "intake")
        pids = subprocess.run(["pgrep", "-f", f"^{binary}$"], capture_output=True, text=True).stdout.split()
        if not pids or response.get("batchItemFailures"):
            raise SystemExit(f"intake did not process the batch: pids={pids} response={response}")
        status = open(f"/proc/{pids[0]}/status").read()
        peak_kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
        print(f"{'intake binary, 1 SQS message = Security Hub event with 100 findings':<70} {'value':>12}")
        print(f"{'  profile':<70} {profile + ' (deps opt-level 1)' if profile == 'debug' else profile:>12}")
        print(f"{'  event size (bytes)':<70} {len(body):>12}")
        print(f"{'  first invoke: 100 S3 puts + 200 conditional DynamoDB puts, moto (s)':<70} {elapsed:>12.2f}")
        print(f"{'  peak resident memory, VmHWM (MB)   [target < 32]':<70} {peak_kb / 1024:>12.1f}")
    finally:
        for p in children:
            if p.poll() is None:
                p.send_signal(2)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    main()
