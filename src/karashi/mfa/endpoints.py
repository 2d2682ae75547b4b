"""Where STS, S3 and IAM live, resolved the way botocore resolves them.

S3-compatible services often put STS and S3 on different hosts (Wasabi:
``sts.wasabisys.com`` and ``s3.<region>.wasabisys.com``). The order is the one in
"Service-specific endpoints" (AWS SDKs and Tools Reference Guide), with this helper's
flags first:

1. ``--sts-endpoint`` / ``--s3-endpoint`` / ``--iam-endpoint``, then ``--endpoint-url``;
2. ``AWS_ENDPOINT_URL_<SERVICE>``, then ``AWS_ENDPOINT_URL``;
3. the ``endpoint_url`` of the service in the profile's ``[services NAME]`` section,
   then the profile's own ``endpoint_url``;
4. the SDK's default (AWS).

``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` or ``ignore_configured_endpoint_urls`` in the
profile skips steps 2 and 3.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from karashi.mfa.errors import UsageError
from karashi.mfa.profiles import Profiles, nested

SERVICES = ("sts", "s3", "iam")


def env_name(service: str) -> str:
    return f"AWS_ENDPOINT_URL_{service.upper()}"


def check_url(url: str, where: str) -> str:
    """An endpoint must be an absolute http(s) URL; anything else is a usage error."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{where} is not an endpoint URL: {url!r}",
                         "give one like https://sts.wasabisys.com or http://127.0.0.1:9000")
    return url.strip().rstrip("/")


@dataclass(frozen=True)
class EndpointFlags:
    """Endpoints given on the command line: one for every service, or one per service."""

    endpoint_url: str | None = None
    per_service: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, endpoint_url: str | None = None, **per_service: str | None) -> EndpointFlags:
        checked = {service: check_url(url, f"--{service}-endpoint")
                   for service, url in per_service.items() if url}
        return cls(check_url(endpoint_url, "--endpoint-url") if endpoint_url else None, checked)

    def __bool__(self) -> bool:
        return bool(self.endpoint_url or self.per_service)


@dataclass(frozen=True)
class Endpoint:
    service: str
    url: str | None  # None: the SDK's default endpoint (AWS)
    origin: str  # where the URL came from, for messages and ``doctor``


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def resolve(service: str, profiles: Profiles, profile: str, environ: Mapping[str, str],
            flags: EndpointFlags | None = None) -> Endpoint:
    """The endpoint botocore would use for ``service`` with this profile and these flags."""
    flags = flags or EndpointFlags()
    if service in flags.per_service:
        return Endpoint(service, flags.per_service[service], f"--{service}-endpoint")
    if flags.endpoint_url:
        return Endpoint(service, flags.endpoint_url, "--endpoint-url")

    settings = profiles.settings(profile)
    if _true(environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) or _true(
            settings.get("ignore_configured_endpoint_urls")):
        return Endpoint(service, None, "default (configured endpoints are ignored)")
    for variable in (env_name(service), "AWS_ENDPOINT_URL"):
        if environ.get(variable):
            return Endpoint(service, environ[variable], variable)
    section = settings.get("services")
    if section:
        url = profiles.services(section).get(service, {}).get("endpoint_url")
        if url:
            return Endpoint(service, url, f"[services {section}] {service}")
    if settings.get("endpoint_url"):
        return Endpoint(service, settings["endpoint_url"], f"profile {profile} endpoint_url")
    return Endpoint(service, None, "default")


def region(profiles: Profiles, profile: str, environ: Mapping[str, str]) -> str | None:
    """The region botocore would sign for: ``AWS_DEFAULT_REGION``, then the profile's."""
    return environ.get("AWS_DEFAULT_REGION") or profiles.settings(profile).get("region")


#: Settings a temporary profile takes from its long-term profile so that the AWS CLI
#: reaches the same service with no flags. Credentials, ``mfa_serial``,
#: ``credential_process`` and role settings are deliberately not copied.
#: The helper manages these: they always follow the long-term profile, and one the
#: long-term profile lacks is removed (a stale endpoint would send the session elsewhere).
MANAGED = ("region", "endpoint_url", "services", "ignore_configured_endpoint_urls",
           "sts_regional_endpoints")
#: These are copied when the long-term profile has them, but never removed: the person
#: may have set them in the temporary profile themselves. A nested ``s3`` setting is
#: merged entry by entry, the long-term profile's entries winning.
SHARED = ("output", "ca_bundle", "s3", "addressing_style", "signature_version")
COPIED = MANAGED + SHARED


def for_temporary(profiles: Profiles, source: str, target: str, flags: EndpointFlags
                  ) -> tuple[dict[str, str | dict[str, str] | None], dict[str, dict[str, str]]]:
    """The config settings for the target profile and, when endpoints were given per
    service, the ``[services TARGET]`` section holding them."""
    settings = profiles.in_config(source)
    current = profiles.in_config(target)
    values: dict[str, str | dict[str, str] | None] = {}
    for key in MANAGED:
        value = settings.get(key)
        values[key] = nested(value) if _is_nested(value) else value
    for key in SHARED:
        value = settings.get(key)
        if not value:
            continue  # Not the helper's to remove: keep what the target has.
        if _is_nested(value):
            mine = current.get(key)
            values[key] = {**(nested(mine) if _is_nested(mine) else {}), **nested(value)}
        else:
            values[key] = value
    if flags.endpoint_url:
        values["endpoint_url"] = flags.endpoint_url
    services: dict[str, dict[str, str]] = {}
    if flags.per_service:
        inherited = settings.get("services")
        if inherited:
            services = {name: dict(entry) for name, entry in profiles.services(inherited).items()}
        for service, url in flags.per_service.items():
            services.setdefault(service, {})["endpoint_url"] = url
        values["services"] = target
    return values, services


def _is_nested(value: str | None) -> bool:
    return bool(value) and str(value).startswith("\n")


def wasabi(region_name: str) -> dict[str, str]:
    """Wasabi's endpoints for a region: S3 is regional, STS and IAM are global."""
    return {"s3": f"https://s3.{region_name}.wasabisys.com",
            "sts": "https://sts.wasabisys.com", "iam": "https://iam.wasabisys.com"}
