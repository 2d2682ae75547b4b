"""The ``karashi`` command: serve, admin, and (later) the client-side helpers."""

from __future__ import annotations

import json
import socket
import ssl
import sys
from typing import Any

import click

from karashi.cli.policy import policy
from karashi.config import COMPAT_MODES, Settings, load_settings
from karashi.errors import ServiceError
from karashi.mfa.cli import mfa


def _settings(ctx_params: dict[str, Any]) -> Settings:
    config = ctx_params.pop("config", None)
    try:
        return load_settings(config, **ctx_params)
    except (ValueError, OSError) as exc:
        raise click.UsageError(str(exc)) from exc


@click.group()
@click.version_option(package_name="karashi")
def main() -> None:
    """Karashi: an S3-compatible object store with IAM, STS and MFA-aware policies."""


@main.command()
@click.option("--config", type=click.Path(dir_okay=False), help="TOML settings file.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Data folder.")
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 9000).")
@click.option("--tls-cert", type=click.Path(dir_okay=False, exists=True))
@click.option("--tls-key", type=click.Path(dir_okay=False, exists=True))
@click.option("--database-url", help="SQLAlchemy URL (default: SQLite in the data folder).")
@click.option("--region", help="Region this endpoint serves (default us-east-1).")
@click.option("--compat", type=click.Choice(COMPAT_MODES),
              help="wasabi (default): long-term keys carry MultiFactorAuthPresent=false; "
                   "aws: the key is absent, as on AWS.")
@click.option("--domain", help="Base domain for virtual-hosted-style buckets.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]))
def serve(**params: Any) -> None:
    """Run the server: S3, IAM and STS on one port."""
    import uvicorn

    from karashi.http.app import Application
    from karashi.identity.accounts import account_count, create_account
    from karashi.logs import configure_logging
    from karashi.store import Store

    settings = _settings(params)
    configure_logging(settings.log_level)
    # Everything that can stop the server is tried before a first start creates the
    # account: its root key is shown only once.
    listener = _listen(settings)
    try:
        store = Store.open(settings.data_dir, settings.database_url, settings.master_key)
    except Exception as exc:
        listener.close()
        raise click.ClickException(f"cannot open the data folder or database: {exc}") from exc
    if account_count(store) == 0:
        account = create_account(store, "default")
        # Shown once, on the terminal that started the server; never logged.
        click.echo(f"Created account {account.account_id} ({account.name}).\n"
                   f"Root access key id:     {account.access_key_id}\n"
                   f"Root secret access key: {account.secret_access_key}\n"
                   "Store them now: the secret is not shown again.", err=False)
    scheme = "https" if settings.secure else "http"
    click.echo(f"Karashi listening on {scheme}://{settings.host}:{settings.port} "
               f"(data in {settings.data_dir})")
    sys.stdout.flush()
    config = uvicorn.Config(
        Application(settings, store), host=settings.host, port=settings.port,
        ssl_certfile=str(settings.tls_cert) if settings.tls_cert else None,
        ssl_keyfile=str(settings.tls_key) if settings.tls_key else None,
        loop="uvloop", http="httptools", log_config=None, access_log=False,
        server_header=False, date_header=True, lifespan="on",
        # Never let uvicorn rewrite the client address from X-Forwarded-For: Karashi
        # follows it only through its own trusted_proxies (identity/context.py).
        proxy_headers=False)
    uvicorn.Server(config).run(sockets=[listener])


def _listen(settings: Settings) -> socket.socket:
    """The listening socket, and the TLS files loaded once, or a one-line error."""
    if settings.tls_cert is not None and settings.tls_key is not None:
        try:
            ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(
                settings.tls_cert, settings.tls_key)
        except (OSError, ssl.SSLError) as exc:
            raise click.ClickException(f"cannot use --tls-cert {settings.tls_cert} with "
                                       f"--tls-key {settings.tls_key}: {exc}") from exc
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            settings.host, settings.port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(2048)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {settings.host}:{settings.port}: "
                                   f"{exc.strerror or exc}") from exc
    return listener


@main.group()
def admin() -> None:
    """Administer a Karashi data folder (the server may be running or not)."""


@admin.command("create-account")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML settings file.")
@click.option("--data-dir", type=click.Path(file_okay=False), help="Data folder.")
@click.option("--database-url", help="SQLAlchemy URL (default: SQLite in the data folder).")
def create_account_cmd(name: str, as_json: bool, **params: Any) -> None:
    """Create an account and print its id and root access key."""
    from karashi.identity.accounts import create_account
    from karashi.store import Store

    settings = _settings(params)
    store = Store.open(settings.data_dir, settings.database_url, settings.master_key)
    try:
        account = create_account(store, name)
    except ServiceError as err:
        raise click.ClickException(err.message) from err
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"account_id": account.account_id, "name": account.name,
                               "access_key_id": account.access_key_id,
                               "secret_access_key": account.secret_access_key}))
    else:
        click.echo(f"Account {account.account_id} ({account.name})\n"
                   f"Root access key id:     {account.access_key_id}\n"
                   f"Root secret access key: {account.secret_access_key}")


main.add_command(mfa)
main.add_command(policy)
