"""Profiles as the AWS CLI and botocore see them, in ``~/.aws/credentials`` and ``config``.

Locations and precedence follow "Configuration and credential file settings" (AWS CLI
User Guide): ``AWS_SHARED_CREDENTIALS_FILE`` and ``AWS_CONFIG_FILE`` move the files;
the config file names profiles ``[profile NAME]`` (``[default]`` for the default), the
credentials file ``[NAME]``; a key in the credentials file wins over the same key in the
config file.

A profile this helper writes carries ``karashi_mfa_source`` (the long-term profile it
came from); botocore ignores keys it does not know. A profile without it was written by
someone else and is never overwritten without ``--force``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from configupdater import ConfigUpdater, Section

from karashi.mfa.inifile import locked, parse, read_text, write_atomic

MARKER = "karashi_mfa_source"
IDENTITY = "karashi_mfa_identity"
EXPIRATION = "aws_credential_expiration"
#: Older SDKs read the session token under this name; a stale one confuses them.
LEGACY_TOKEN = "aws_security_token"


@dataclass(frozen=True)
class AwsFiles:
    credentials: Path
    config: Path

    @classmethod
    def locate(cls, environ: Mapping[str, str]) -> AwsFiles:
        home = Path(environ.get("HOME") or Path.home())

        def place(variable: str, default: str) -> Path:
            given = environ.get(variable)
            path = Path(given) if given else home / ".aws" / default
            if str(path).startswith("~"):
                path = home / str(path)[2:]
            return path

        return cls(place("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
                   place("AWS_CONFIG_FILE", "config"))


def config_section(name: str) -> str:
    return "default" if name == "default" else f"profile {name}"


def nested(value: str | None) -> dict[str, str]:
    """A nested setting (``s3 =`` followed by indented ``key = value`` lines) as a dict."""
    entries: dict[str, str] = {}
    for line in (value or "").splitlines():
        key, sep, item = line.partition("=")
        if sep:
            entries[key.strip()] = item.strip()
    return entries


class Profiles:
    """Both files, parsed for reading and for editing in place."""

    def __init__(self, files: AwsFiles, credentials: ConfigUpdater, config: ConfigUpdater,
                 texts: tuple[str, str]) -> None:
        self.files = files
        self._credentials = credentials
        self._config = config
        self._texts = texts

    @classmethod
    def load(cls, files: AwsFiles) -> Profiles:
        cred_text, conf_text = read_text(files.credentials), read_text(files.config)
        return cls(files, parse(files.credentials, cred_text),
                   parse(files.config, conf_text), (cred_text, conf_text))

    # Reading

    def _config_block(self, name: str) -> Section | None:
        for section in (config_section(name), f"profile {name}"):
            if self._config.has_section(section):
                block = self._config[section]
                assert isinstance(block, Section)
                return block
        return None

    def _credentials_block(self, name: str) -> Section | None:
        if self._credentials.has_section(name):
            block = self._credentials[name]
            assert isinstance(block, Section)
            return block
        return None

    def names(self) -> list[str]:
        found = list(self._credentials.sections())
        for section in self._config.sections():
            name = section.removeprefix("profile").strip() if section.startswith(
                "profile ") else section if section == "default" else None
            if name and name not in found:
                found.append(name)
        return found

    def exists(self, name: str) -> bool:
        return self._credentials_block(name) is not None or self._config_block(name) is not None

    def in_credentials(self, name: str) -> dict[str, str]:
        return _values(self._credentials_block(name))

    def in_config(self, name: str) -> dict[str, str]:
        return _values(self._config_block(name))

    def settings(self, name: str) -> dict[str, str]:
        """What botocore sees for the profile: the config file, then the credentials file."""
        return {**self.in_config(name), **self.in_credentials(name)}

    def services(self, name: str) -> dict[str, dict[str, str]]:
        """A ``[services NAME]`` section: service id -> its nested settings."""
        section = f"services {name}"
        if not self._config.has_section(section):
            return {}
        return {key: nested(value) for key, value in _values(self._config[section]).items()}

    def is_ours(self, name: str) -> bool:
        return MARKER in self.in_credentials(name) or MARKER in self.in_config(name)

    def temporaries(self) -> list[str]:
        """Profiles holding session credentials this helper wrote."""
        return [name for name in self._credentials.sections()
                if MARKER in self.in_credentials(name)]

    # Editing

    def put_credentials(self, name: str, values: Mapping[str, str | None]) -> None:
        """Set (or, with None, remove) keys of ``[name]`` in the credentials file."""
        _put(self._credentials, self._credentials_block(name) or name, values)

    def put_config(self, name: str, values: Mapping[str, str | dict[str, str] | None]
                   ) -> None:
        """Set keys of the profile in the config file; a dict becomes a nested setting."""
        _put(self._config, self._config_block(name) or config_section(name), values)

    def put_services(self, name: str, entries: Mapping[str, dict[str, str]]) -> None:
        section = f"services {name}"
        block: Section | str = section
        if self._config.has_section(section):
            existing = self._config[section]
            assert isinstance(existing, Section)
            block = existing
        _put(self._config, block, dict(entries))

    def texts(self) -> tuple[str, str]:
        return str(self._credentials), str(self._config)

    def save(self) -> None:
        """Write whichever file changed since it was read."""
        credentials, config = self.texts()
        if config != self._texts[1]:
            write_atomic(self.files.config, config)
        if credentials != self._texts[0]:
            write_atomic(self.files.credentials, credentials)
        self._texts = (credentials, config)


def _values(block: Section | None) -> dict[str, str]:
    if block is None:
        return {}
    return {key: (option.value or "") for key, option in block.items()
            if hasattr(option, "value")}


def _put(updater: ConfigUpdater, block: Section | str,
         values: Mapping[str, str | dict[str, str] | None]) -> None:
    if isinstance(block, str):
        if all(value is None for value in values.values()):
            return
        block = _new_section(updater, block)
    for key, value in values.items():
        if value is None:
            if key in block:
                del block[key]
            continue
        if key not in block:
            _add_option(block, key)
        if isinstance(value, dict):
            block[key].set_values([f"{k} = {v}" for k, v in value.items()], indent="  ")
        else:
            block[key] = value


def _add_option(block: Section, key: str) -> None:
    """A new key after the section's last key, not after its trailing blank lines."""
    options = block.option_blocks()
    if options:
        options[-1].add_after.option(key, "")
    else:
        block.set(key, "")


def _new_section(updater: ConfigUpdater, name: str) -> Section:
    """A section appended at the end, after one blank line, leaving the rest untouched."""
    sections = updater.section_blocks()
    if not sections:
        updater.add_section(name)
    else:
        last = sections[-1]
        # configupdater ends an unterminated last line itself; add the blank line.
        if not str(last).endswith("\n\n"):
            last.add_after.space(1)
        updater.add_section(name)
    block = updater[name]
    assert isinstance(block, Section)
    return block


@contextlib.contextmanager
def editing(files: AwsFiles) -> Iterator[Profiles]:
    """Read both files under the lock, let the caller edit, write what changed.

    If the block raises, nothing is written.
    """
    with locked(files.credentials.resolve().parent):
        profiles = Profiles.load(files)
        yield profiles
        profiles.save()
