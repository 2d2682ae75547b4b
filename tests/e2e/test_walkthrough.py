"""The article (shared seed: "How do I use MFA to authenticate access to Wasabi using AWS
CLI?"), step by step, with the real AWS CLI against a real Karashi server.

The console steps (create the user, the policy, attach it, activate a virtual MFA
device, copy the ARN) are done with ``aws iam`` commands, as the README shows.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pyotp
import pytest

from e2e.awscli import AwsCli
from server import Server

ARTICLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "arn:aws:s3:::*"},
        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
    ],
}


def totp_code(seed: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(seed).at(time.time() + 30 * steps_ahead)


@pytest.fixture(params=["https", "http"])
def target(request: pytest.FixtureRequest) -> Server:
    return request.getfixturevalue("tls_server" if request.param == "https" else "server")


def test_article_walkthrough(target: Server, tmp_path: Path) -> None:
    """Following the article: long-term keys are denied, MFA session credentials work,
    from a profile in ~/.aws/credentials and from exported environment variables."""
    cli = AwsCli(tmp_path, target.endpoint, target.tls[0] if target.tls else None)
    root = target.root  # type: ignore[attr-defined]
    cli.configure("admin", root["access_key_id"], root["secret_access_key"])
    user = f"mfa-demo-{tmp_path.name[-6:]}".replace("_", "-")
    bucket = f"mfa-demo-{'tls' if target.tls else 'plain'}-bucket"

    # 1. Create the user, with programmatic and console access.
    created = cli.json("iam", "create-user", "--user-name", user, "--profile", "admin")
    assert created["User"]["UserName"] == user
    keys = cli.json("iam", "create-access-key", "--user-name", user, "--profile", "admin")
    cli.run("iam", "create-login-profile", "--user-name", user, "--password",
            "Correct-Horse-9", "--profile", "admin")

    # 2-3. Create the policy that forces MFA and attach it to the user.
    (tmp_path / "policy.json").write_text(json.dumps(ARTICLE_POLICY))
    policy = cli.json("iam", "create-policy", "--policy-name", f"policy-for-{user}",
                      "--policy-document", "file://policy.json", "--profile", "admin")
    policy_arn = policy["Policy"]["Arn"]
    cli.run("iam", "attach-user-policy", "--user-name", user, "--policy-arn", policy_arn,
            "--profile", "admin")

    # 5. aws configure --profile <name-for-this-user>
    access = keys["AccessKey"]
    cli.configure(user, access["AccessKeyId"], access["SecretAccessKey"])

    # 6. Activate a virtual MFA device (the seed as an authenticator app would take it).
    device = cli.json("iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", user,
                      "--outfile", "seed.txt", "--bootstrap-method", "Base32StringSeed",
                      "--profile", "admin")
    seed = (tmp_path / "seed.txt").read_text().strip()
    serial = device["VirtualMFADevice"]["SerialNumber"]
    cli.run("iam", "enable-mfa-device", "--user-name", user, "--serial-number", serial,
            "--authentication-code1", totp_code(seed, -1),
            "--authentication-code2", totp_code(seed, 0), "--profile", "admin")

    # 7. "Copy the ARN of this user": Karashi takes it when the user has one device.
    user_arn = created["User"]["Arn"]

    # 10, first half: the account has a bucket; with the user's regular credentials
    # every S3 action on it is denied.
    cli.run("s3", "mb", f"s3://{bucket}", "--profile", "admin")
    (tmp_path / "report.txt").write_text("quarterly numbers\n")
    denied = cli.run("s3", "ls", f"s3://{bucket}", "--profile", user, check=False)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr
    denied = cli.run("s3", "cp", "report.txt", f"s3://{bucket}/report.txt",
                     "--profile", user, check=False)
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr

    # 8. Get a session token with the code from the app.
    code = totp_code(seed, 1)
    session = cli.json("sts", "get-session-token", "--serial-number", user_arn,
                       "--token-code", code, "--profile", user)
    creds = session["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    assert set(creds) == {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    hours = (_parse(creds["Expiration"]) - time.time()) / 3600
    assert 11.9 < hours <= 12.0, "the default session lasts 12 hours"

    # The same code is never accepted twice; a wrong one never.
    reused = cli.run("sts", "get-session-token", "--serial-number", serial, "--token-code",
                     code, "--profile", user, check=False)
    assert reused.returncode != 0 and "AccessDenied" in reused.stderr
    wrong = cli.run("sts", "get-session-token", "--serial-number", serial, "--token-code",
                    _wrong(seed), "--profile", user, check=False)
    assert wrong.returncode != 0 and "AccessDenied" in wrong.stderr

    # 9. Edit ~/.aws/credentials: a new profile with the temporary credentials.
    with open(tmp_path / ".aws" / "credentials", "a") as fh:
        fh.write(f"\n[{user}-temporary]\n"
                 f"aws_access_key_id = {creds['AccessKeyId']}\n"
                 f"aws_secret_access_key = {creds['SecretAccessKey']}\n"
                 f"aws_session_token = {creds['SessionToken']}\n")

    # 10, second half: with the temporary credentials the same upload succeeds.
    temp = f"{user}-temporary"
    cli.run("s3", "mb", f"s3://{bucket}-own", "--profile", temp)
    cli.run("s3", "cp", "report.txt", f"s3://{bucket}/report.txt", "--profile", temp)
    listing = cli.run("s3", "ls", f"s3://{bucket}/", "--profile", temp).stdout
    assert "report.txt" in listing
    # A download starts with HeadObject, whose errors have no body: S3 says 403 Forbidden.
    denied = cli.run("s3", "cp", f"s3://{bucket}/report.txt", "-", "--profile", user,
                     check=False)
    assert denied.returncode != 0 and "(403)" in denied.stderr

    # Without named profiles: the three environment variables, exported.
    exported = {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
                "AWS_SESSION_TOKEN": creds["SessionToken"],
                "AWS_DEFAULT_REGION": "us-east-1"}
    (tmp_path / "second.txt").write_text("second upload\n")
    cli.run("s3", "cp", "second.txt", f"s3://{bucket}/second.txt", env=exported)
    downloaded = cli.run("s3", "cp", f"s3://{bucket}/second.txt", "-", env=exported).stdout
    assert downloaded == "second upload\n"

    # No secret reached the server's log.
    log = target.log()
    for secret in (access["SecretAccessKey"], creds["SecretAccessKey"],
                   creds["SessionToken"], seed):
        assert secret not in log


def _parse(stamp: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def _wrong(seed: str) -> str:
    valid = {totp_code(seed, step) for step in (-1, 0, 1, 2)}
    return next(c for c in ("000000", "111111", "222222", "333333", "444444")
                if c not in valid)
