"""The ``karashi mfa`` commands: flags in, one of the helper's modules called, result out.

Every failure the user can act on is an ``MfaError``: one line on stderr and its exit
status. Tests may pass a ``Runtime`` as the click context object to control the clock.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from karashi.mfa import credential_process as process
from karashi.mfa import doctor as doctor_module
from karashi.mfa import schedule, shells
from karashi.mfa import status as status_module
from karashi.mfa.clock import duration, local_time
from karashi.mfa.configure import Answers, configure
from karashi.mfa.endpoints import SERVICES, EndpointFlags, region, resolve
from karashi.mfa.errors import MfaError
from karashi.mfa.login import LoginRequest, login
from karashi.mfa.runtime import Runtime
from karashi.mfa.terminal import TtyTerminal
from karashi.mfa.watch import watch as watch_loop

F = TypeVar("F", bound=Callable[..., Any])


def reporting(command: F) -> F:
    """Turn an ``MfaError`` into one line on stderr and its exit status."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MfaError as exc:
            click.echo(f"karashi mfa: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("karashi mfa: interrupted; nothing was changed.", err=True)
            sys.exit(130)

    return run  # type: ignore[return-value]


def endpoint_options(command: F) -> F:
    """``--endpoint-url`` for one host, or one flag per service."""
    for service in reversed(SERVICES):
        command = click.option(f"--{service}-endpoint", f"{service}_endpoint", metavar="URL",
                               help=f"The {service.upper()} endpoint.")(command)
    return click.option("--endpoint-url", metavar="URL",
                        help="One endpoint for STS, S3 and IAM.")(command)


def _flags(params: dict[str, Any]) -> EndpointFlags:
    return EndpointFlags.of(params.pop("endpoint_url"),
                            **{s: params.pop(f"{s}_endpoint") for s in SERVICES})


def _runtime(messages_to_tty: bool = False) -> Runtime:
    given = click.get_current_context().find_object(Runtime)
    return given or Runtime(terminal=TtyTerminal(messages_to_tty=messages_to_tty))


def _secret_from_stdin() -> str:
    """One line of stdin, its line break dropped; the secret never appears on argv."""
    line = sys.stdin.readline().rstrip("\r\n").strip()
    if not line:
        raise MfaError("--secret-access-key-stdin read no secret from stdin",
                       "pipe it in: printf '%s\\n' \"$SECRET\" | karashi mfa configure ... "
                       "--secret-access-key-stdin; nothing was written")
    return line


profile_option = click.option("--profile", default="default", show_default=True,
                              help="The long-term profile (the user's access key).")


@click.group("mfa")
def mfa() -> None:
    """Turn an MFA code into session credentials for the AWS CLI and SDKs."""


@mfa.command("login")
@profile_option
@click.option("--target-profile", help="Where to write the session [<profile>-temporary].")
@click.option("--serial-number", help="The MFA device ARN [mfa_serial of the profile].")
@click.option("--token-code", help="The code [mfa_process of the profile, or asked].")
@click.option("--duration-seconds", type=int,
              help="900-129600 [duration_seconds of the profile, else 43200].")
@endpoint_options
@click.option("--force", is_flag=True, help="Overwrite a target profile not written here.")
@reporting
def login_cmd(profile: str, target_profile: str | None, serial_number: str | None,
              token_code: str | None, duration_seconds: int | None, force: bool,
              **params: Any) -> None:
    """Get session credentials with an MFA code and write them as a profile."""
    request = LoginRequest(profile, target_profile, serial_number, token_code,
                           duration_seconds, _flags(params), force)
    runtime = _runtime()
    result = login(request, runtime)
    creds = result.credentials
    left = creds.seconds_left(runtime.clock.time())
    who = f" for {result.identity}" if result.identity else ""
    click.echo(f"Wrote profile {result.target}{who}.\n"
               f"The session ends {local_time(creds.expiration)} (in {duration(left)}).\n"
               f"Use it: aws s3 ls --profile {result.target}")


@mfa.command("env")
@click.option("--profile", help="A temporary profile, or the long-term one it came from.")
@click.option("--shell", type=click.Choice(shells.SHELLS),
              help="Output syntax [detected from the parent process or $SHELL].")
@click.option("--unset", is_flag=True, help="Print the lines that clear the variables.")
@reporting
def env_cmd(profile: str | None, shell: str | None, unset: bool) -> None:
    """Print the session as environment variables: eval "$(karashi mfa env --profile X)"."""
    runtime = _runtime()
    shell = shell or shells.detect(runtime.environ)
    if unset:
        click.echo(shells.render_unset(shells.ALL_NAMES, shell))
        return
    if not profile:
        raise MfaError("which session? give --profile", "karashi mfa status lists them")
    profiles = runtime.profiles()
    temporary = status_module.find_temporary(profiles, profile)
    creds = temporary.require()
    if creds.seconds_left(runtime.clock.time()) <= 0:
        raise MfaError(f"the session of {temporary.name} ended {local_time(creds.expiration)}",
                       f"run: karashi mfa login --profile {temporary.source or profile}",
                       exit_code=status_module.EXPIRED)
    # Endpoints as configured in the files: the variables replace the profile.
    endpoints = {s: resolve(s, profiles, temporary.name, {}) for s in SERVICES}
    variables = shells.session_variables(creds, region(profiles, temporary.name, {}),
                                         endpoints)
    click.echo(shells.render(variables, shell))


@mfa.command("status")
@click.option("--profile", help="One profile, long-term or temporary [all].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--warning-minutes", type=float, default=status_module.WARNING_MINUTES,
              show_default=True, help="Exit 10 when a session ends within this window.")
@reporting
def status_cmd(profile: str | None, as_json: bool, warning_minutes: float) -> None:
    """Show each session and the time it has left; exit 0 valid, 10 ending, 11 ended."""
    runtime = _runtime()
    entries = status_module.collect(runtime.profiles(), profile, runtime.clock.time(),
                                    warning_minutes)
    render = status_module.render_json if as_json else status_module.render_text
    click.echo(render(entries))
    sys.exit(status_module.exit_code(entries))


@mfa.command("watch")
@click.option("--profile", help="Watch one profile [every temporary profile].")
@click.option("--interval", type=float, default=60, show_default=True, help="Seconds.")
@click.option("--warning-minutes", type=float, default=status_module.WARNING_MINUTES,
              show_default=True, help="Warn when a session ends within this window.")
@click.option("--refresh", is_flag=True, help="Ask for a new code and renew the profile.")
@click.option("--once", is_flag=True, help="Check once and exit with the status code.")
@reporting
def watch_cmd(profile: str | None, interval: float, warning_minutes: float, refresh: bool,
              once: bool) -> None:
    """Warn before sessions end (and renew them with --refresh)."""
    code = watch_loop(_runtime(), profile, warning_minutes=warning_minutes,
                      interval=interval, refresh=refresh, checks=1 if once else None)
    sys.exit(code)


@mfa.command("install-watch")
@click.option("--profile", help="Watch one profile [every temporary profile].")
@click.option("--every", "minutes", type=int, default=5, show_default=True,
              help="Minutes between checks.")
@click.option("--warning-minutes", type=int, default=15, show_default=True)
@click.option("--refresh", is_flag=True, help="Renew too (needs mfa_process: no terminal).")
@click.option("--method", type=click.Choice(["auto", "systemd", "cron"]), default="auto",
              show_default=True)
@click.option("--remove", is_flag=True, help="Remove the timer or crontab line.")
@reporting
def install_watch_cmd(profile: str | None, minutes: int, warning_minutes: int, refresh: bool,
                      method: str, remove: bool) -> None:
    """Run ``watch --once`` from a systemd user timer or cron."""
    job = schedule.Job(profile, minutes, refresh, warning_minutes)
    click.echo(schedule.apply(job, method, remove, _runtime().environ))


@mfa.command("credential-process")
@click.option("--profile", required=True, help="The long-term profile.")
@click.option("--target-profile", help="Where the session is kept [<profile>-temporary].")
@click.option("--duration-seconds", type=int, help="900-129600.")
@endpoint_options
@reporting
def credential_process_cmd(profile: str, target_profile: str | None,
                           duration_seconds: int | None, **params: Any) -> None:
    """For credential_process = in ~/.aws/config: print the session as botocore wants it."""
    runtime = _runtime(messages_to_tty=True)
    creds = process.credentials_for(runtime, profile, target_profile, _flags(params),
                                    duration_seconds)
    click.echo(creds.process_output())


@mfa.command("doctor")
@profile_option
@endpoint_options
@click.option("--timeout", type=float, default=5.0, show_default=True,
              help="Seconds to wait for each endpoint.")
@reporting
def doctor_cmd(profile: str, timeout: float, **params: Any) -> None:
    """Check files, environment, endpoints, clock, key and MFA devices."""
    findings = doctor_module.diagnose(_runtime(), profile, _flags(params), timeout)
    for finding in findings:
        click.echo(finding.line())
    sys.exit(1 if any(f.level == doctor_module.FAIL for f in findings) else 0)


@mfa.command("configure")
@profile_option
@click.option("--access-key-id", help="Skip the question.")
@click.option("--region", help="Skip the question.")
@endpoint_options
@click.option("--wasabi", is_flag=True, help="Use Wasabi's endpoints for the region.")
@click.option("--serial-number", help="The MFA device ARN (skips the question).")
@click.option("--secret-access-key-stdin", "secret_stdin", is_flag=True,
              help="Read the secret access key from one line on stdin (no terminal needed).")
@reporting
def configure_cmd(profile: str, access_key_id: str | None, region: str | None, wasabi: bool,
                  serial_number: str | None, secret_stdin: bool, **params: Any) -> None:
    """Write the long-term profile: key (secret typed hidden), region, endpoints, MFA."""
    secret = _secret_from_stdin() if secret_stdin else None
    answers = Answers(profile, access_key_id, region, _flags(params), wasabi, serial_number,
                      secret)
    name = configure(answers, _runtime())
    click.echo(f"Saved profile {name}. Next: karashi mfa login --profile {name}")
