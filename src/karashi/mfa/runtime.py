"""What a command runs against: the environment, the clock and the terminal.

Commands take these as a parameter so tests can give a clock they control and an
environment of their own; the command line builds the real ones.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from karashi.mfa.clock import Clock, SystemClock
from karashi.mfa.codes import UsedCodes
from karashi.mfa.profiles import AwsFiles, Profiles
from karashi.mfa.terminal import Terminal, TtyTerminal


@dataclass
class Runtime:
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    clock: Clock = field(default_factory=SystemClock)
    terminal: Terminal = field(default_factory=TtyTerminal)

    @property
    def files(self) -> AwsFiles:
        return AwsFiles.locate(self.environ)

    def profiles(self) -> Profiles:
        return Profiles.load(self.files)

    @property
    def state_dir(self) -> Path:
        """The helper's own files, beside the AWS files (the AWS CLI keeps ``cli/cache``
        there the same way)."""
        return self.files.credentials.resolve().parent / "karashi-mfa"

    @property
    def used_codes(self) -> UsedCodes:
        return UsedCodes(self.state_dir / "used-codes.json")
