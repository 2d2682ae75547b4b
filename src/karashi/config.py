"""Settings for ``karashi serve`` and the admin commands.

Precedence, highest first: command-line flags, ``KARASHI_*`` environment variables, a
TOML file (``--config`` or ``KARASHI_CONFIG``), built-in defaults. The defaults need no
other service: SQLite in WAL mode and a data folder, listening on loopback.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

COMPAT_MODES = ("wasabi", "aws")


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("./karashi-data")
    host: str = "127.0.0.1"
    port: int = 9000
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: SQLAlchemy URL; empty means SQLite in ``data_dir``.
    database_url: str = ""
    region: str = "us-east-1"
    #: "wasabi": long-term keys carry aws:MultiFactorAuthPresent=false; "aws": absent.
    compat: str = "wasabi"
    #: Base domain for virtual-hosted-style bucket addressing (``bucket.<domain>``).
    domain: str = ""
    #: Base64 of a 32-byte key for secrets at rest; empty means ``data_dir/master.key``.
    master_key: str = ""
    log_level: str = "info"
    #: Networks (CIDR) of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are
    #: believed. Empty by default: the client is the socket peer, whatever headers say.
    trusted_proxies: tuple[str, ...] = ()

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'karashi.db').resolve()}"

    @property
    def secure(self) -> bool:
        return self.tls_cert is not None

    def validate(self) -> None:
        if self.compat not in COMPAT_MODES:
            raise ValueError(f"compat must be one of {', '.join(COMPAT_MODES)}, "
                             f"not {self.compat!r}")
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("--tls-cert and --tls-key must be given together")
        if not 0 < self.port < 65536:
            raise ValueError(f"port must be between 1 and 65535, not {self.port}")
        for cidr in self.trusted_proxies:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {cidr!r} is not an address or a network "
                                 "in CIDR notation (such as 10.0.0.0/8)") from None


def _coerce(name: str, value: Any) -> Any:
    if value is None or value == "":
        if name == "trusted_proxies":
            return ()
        return None if name in ("tls_cert", "tls_key") else value
    if name in ("data_dir", "tls_cert", "tls_key"):
        return Path(str(value)).expanduser()
    if name == "port":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"port must be a number, not {value!r}") from None
    if name == "trusted_proxies":
        # A TOML list, or a comma-separated string from the environment or a flag.
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(str(item).strip() for item in items if str(item).strip())
    return str(value)


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Merge the TOML file, the environment and the given overrides (flags)."""
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}

    config_file = config_file or os.environ.get("KARASHI_CONFIG")
    if config_file:
        with open(config_file, "rb") as fh:
            table = tomllib.load(fh)
        table = table.get("karashi", table)
        unknown = set(table) - {n.replace("_", "-") for n in names} - names
        if unknown:
            raise ValueError(f"unknown setting(s) in {config_file}: {', '.join(sorted(unknown))}")
        for key, value in table.items():
            values[key.replace("-", "_")] = value

    for name in names:
        env = os.environ.get(f"KARASHI_{name.upper()}")
        if env is not None:
            values[name] = env

    for name, value in overrides.items():
        if value is not None:
            values[name] = value

    settings = replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})
    settings.validate()
    return settings
