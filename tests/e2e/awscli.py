"""Running the real AWS CLI with a temporary HOME, as a person would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

AWS = str(Path(sys.executable).parent / "aws")


class AwsCli:
    def __init__(self, home: Path, endpoint: str, ca_bundle: Path | None = None) -> None:
        self.home = home
        self.endpoint = endpoint
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env["HOME"] = str(home)
        if ca_bundle is not None:
            self.env["AWS_CA_BUNDLE"] = str(ca_bundle)

    def run(self, *args: str, env: dict[str, str] | None = None, endpoint: bool = True,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        argv = [AWS, *args]
        if endpoint:
            argv.append(f"--endpoint-url={self.endpoint}")
        result = subprocess.run(argv, capture_output=True, text=True,
                                env={**self.env, **(env or {})}, cwd=self.home, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"aws {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stderr}")
        return result

    def json(self, *args: str, **kwargs: Any) -> Any:
        return json.loads(self.run(*args, "--output", "json", **kwargs).stdout)

    def configure(self, profile: str, key: str, secret: str, region: str = "us-east-1") -> None:
        """``aws configure --profile`` without the prompts."""
        for name, value in (("aws_access_key_id", key), ("aws_secret_access_key", secret),
                            ("region", region)):
            self.run("configure", "set", name, value, "--profile", profile, endpoint=False)
