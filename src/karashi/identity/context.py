"""The request context a policy is evaluated against.

This is where Wasabi and AWS differ, so the switch lives here and not in the engine:
Wasabi gives long-term keys ``aws:MultiFactorAuthPresent = false`` (the article's
``Bool ... "false"`` deny then refuses them), while AWS leaves the key out for
long-term keys (``--compat aws``). See "AWS global condition context keys",
aws:MultiFactorAuthPresent, in the IAM User Guide.

The caller's address (aws:SourceIp) is the socket peer. X-Forwarded-For and
X-Forwarded-Proto are believed only when that peer is one of the configured
``trusted_proxies``: any client can write those headers, and a policy that allows by
address would otherwise be open to everyone who knows the address it allows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from karashi.identity.caller import Caller

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class ClientAddress:
    """Where a request came from, as far as Karashi can trust it."""

    ip: str
    secure: bool
    #: The socket peer, when a trusted proxy stood between it and the client.
    via_proxy: str | None = None


@lru_cache(maxsize=16)
def trusted_networks(cidrs: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """The configured proxy networks, parsed once (Settings validated them)."""
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _address(text: str) -> IPAddress | None:
    """An address from an X-Forwarded-For hop: bare, ``v4:port`` or ``[v6]:port``."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(ip: IPAddress | None, networks: Sequence[IPNetwork]) -> bool:
    return ip is not None and any(ip in network for network in networks)


def client_address(peer: str, headers: Mapping[str, str], secure: bool,
                   trusted_proxies: tuple[str, ...]) -> ClientAddress:
    """The client's address and scheme, following X-Forwarded-For only through trusted
    proxies.

    X-Forwarded-For lists the hops left to right, each proxy appending the address it
    received the request from; the rightmost hop that is not itself a trusted proxy is
    the client. Hops to its left were written by the client and are ignored.
    """
    networks = trusted_networks(trusted_proxies)
    peer_ip = _address(peer)
    if not networks or not _trusted(peer_ip, networks):
        return ClientAddress(peer, secure)

    client: IPAddress | None = peer_ip
    hops = [hop for hop in headers.get("x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(client, networks):
            break
        address = _address(hop)
        if address is None:
            break  # a hop we cannot read: stop at the last one we could
        client = address
    proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
    if proto in ("http", "https"):
        secure = proto == "https"
    ip = str(client) if client is not None else peer
    return ClientAddress(ip, secure, via_proxy=peer if ip != peer else None)


def request_context(caller: Caller | None, *, now: datetime, secure: bool, source_ip: str,
                    compat: str = "wasabi") -> dict[str, str]:
    """The global condition keys of a request; ``caller`` None for an anonymous one."""
    context = {
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:SecureTransport": "true" if secure else "false",
    }
    if source_ip:
        context["aws:SourceIp"] = source_ip
    if caller is None:
        return context

    context["aws:PrincipalArn"] = caller.arn
    context["aws:PrincipalAccount"] = caller.account_id
    context["aws:PrincipalType"] = "Account" if caller.is_root else "User"
    context["aws:userid"] = caller.user_id
    if caller.user is not None:
        context["aws:username"] = caller.user.name

    session = caller.session
    if session is not None:
        if session.mfa_at is not None:
            context["aws:MultiFactorAuthPresent"] = "true"
            age = max(0, int((now - session.mfa_at).total_seconds()))
            context["aws:MultiFactorAuthAge"] = str(age)
        else:
            context["aws:MultiFactorAuthPresent"] = "false"
    elif compat != "aws":
        context["aws:MultiFactorAuthPresent"] = "false"
    return context
