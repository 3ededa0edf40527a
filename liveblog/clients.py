"""Who is asking: the client's address, through trusted proxies only."""

import ipaddress
from collections.abc import Mapping
from typing import Any

from django.conf import settings


def client_ip(peer: str, forwarded_for: str) -> str:
    """The address of the client. ``X-Forwarded-For`` counts only when the peer is one of
    TRUSTED_PROXIES, and then its last address that is not a trusted proxy: anything to the left
    of that was written by the client itself."""
    if not forwarded_for or not _trusted(peer):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _trusted(hop):
            return hop if _address(hop) else peer
    return peer


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(value: str) -> bool:
    """Whether ``value`` is one of TRUSTED_PROXIES: addresses or networks (172.16.0.0/12)."""
    address = _address(value)
    return address is not None and any(address in network for network in _networks())


def _networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in settings.TRUSTED_PROXIES]


def scope_client_ip(scope: Mapping[str, Any]) -> str:
    peer = (scope.get("client") or ("", 0))[0] or ""
    headers = dict(scope.get("headers") or [])
    return client_ip(peer, headers.get(b"x-forwarded-for", b"").decode("latin-1"))


def request_client_ip(request) -> str:
    return client_ip(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""))
