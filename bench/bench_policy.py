"""Policy engine speed: decisions per second for a ten-statement policy with conditions.

Run by hand (never by CI):  .venv/bin/python bench/bench_policy.py [--runs 7] [--n 20000]

Reports the median over several runs of
  cold   -- parse_policy + evaluate for every decision (a policy seen for the first time);
  cached -- evaluate only, on the compiled Policy (the request hot path).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from karashi.policy import Principal, evaluate, parse_policy

ACCOUNT = "123456789012"
POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "ListAll", "Effect": "Allow", "Action": "s3:ListAllMyBuckets",
         "Resource": "arn:aws:s3:::*"},
        {"Sid": "ListHome", "Effect": "Allow", "Action": "s3:ListBucket",
         "Resource": "arn:aws:s3:::team",
         "Condition": {"StringLike": {"s3:prefix": ["home/${aws:username}/*", ""]}}},
        {"Sid": "HomeRW", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::team/home/${aws:username}/*"},
        {"Sid": "ReadShared", "Effect": "Allow", "Action": "s3:Get*",
         "Resource": ["arn:aws:s3:::team/shared/*", "arn:aws:s3:::public/*"]},
        {"Sid": "OfficeOnly", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*",
         "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
        {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "FreshMfa", "Effect": "Deny", "Action": "s3:PutBucketPolicy", "Resource": "*",
         "Condition": {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}},
        {"Sid": "BeforeCutoff", "Effect": "Allow", "Action": "s3:PutObjectTagging",
         "Resource": "arn:aws:s3:::team/*",
         "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},
        {"Sid": "TaggedOnly", "Effect": "Allow", "Action": "s3:PutObjectTagging",
         "Resource": "arn:aws:s3:::team/*",
         "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["owner", "team"]}}},
        {"Sid": "DenyNoMFA", "Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
})
PRINCIPAL = Principal(arn=f"arn:aws:iam::{ACCOUNT}:user/alice", account=ACCOUNT)
CONTEXT = {
    "aws:MultiFactorAuthPresent": "true", "aws:MultiFactorAuthAge": "120",
    "aws:CurrentTime": "2025-06-01T12:00:00Z", "aws:EpochTime": "1748779200",
    "aws:username": "alice", "aws:userid": "AIDAEXAMPLE",
    "aws:PrincipalArn": PRINCIPAL.arn or "", "aws:PrincipalAccount": ACCOUNT,
    "aws:PrincipalType": "User", "aws:SecureTransport": "true",
    "aws:SourceIp": "203.0.113.7",
}
# A realistic mix: allowed by a variable resource, allowed by a wildcard, implicit deny.
REQUESTS = [
    ("s3:PutObject", "arn:aws:s3:::team/home/alice/notes.txt"),
    ("s3:GetObject", "arn:aws:s3:::team/shared/report.pdf"),
    ("s3:DeleteObject", "arn:aws:s3:::team/home/bob/x"),
    ("s3:GetObject", "arn:aws:s3:::private/secret"),
]


def run_cached(n: int) -> float:
    policy = parse_policy(POLICY, name="bench")
    policies = [policy]
    start = time.perf_counter()
    for i in range(n):
        action, resource = REQUESTS[i & 3]
        evaluate(action=action, resource=resource, context=CONTEXT,
                 identity_policies=policies, principal=PRINCIPAL)
    return time.perf_counter() - start


def run_cold(n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        action, resource = REQUESTS[i & 3]
        policy = parse_policy(POLICY, name="bench")
        evaluate(action=action, resource=resource, context=CONTEXT,
                 identity_policies=[policy], principal=PRINCIPAL)
    return time.perf_counter() - start


def report(label: str, runs: list[float], n: int) -> None:
    median = statistics.median(runs)
    print(f"{label:7s} {n / median:12,.0f} decisions/s  {median / n * 1e6:8.2f} µs/decision"
          f"  (median of {len(runs)} runs of {n:,}; spread "
          f"{min(runs) / n * 1e6:.2f}-{max(runs) / n * 1e6:.2f} µs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()

    # Sanity: the mix decides as intended before it is timed.
    policy = parse_policy(POLICY, name="bench")
    for action, resource in REQUESTS:
        decision = evaluate(action=action, resource=resource, context=CONTEXT,
                            identity_policies=[policy], principal=PRINCIPAL)
        print(f"  {action:16s} {resource:42s} -> {decision}")

    run_cached(1000)  # warm-up
    cached = [run_cached(args.n) for _ in range(args.runs)]
    cold_n = max(1, args.n // 10)
    cold = [run_cold(cold_n) for _ in range(args.runs)]
    report("cached", cached, args.n)
    report("cold", cold, cold_n)


if __name__ == "__main__":
    main()
