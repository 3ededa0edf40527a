"""Who is asking: the client's address, through trusted proxies only."""

import ipaddress

from django.conf import settings


def client_ip(peer: str, forwarded_for: str) -> str:
    """The address of the client. ``X-Forwarded-For`` counts only when the peer is one of
    TRUSTED_PROXIES, and then its last address that is not a trusted proxy: anything to the left
    of that was written by the client itself."""
    trusted = settings.TRUSTED_PROXIES
    if peer not in trusted or not forwarded_for:
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if hop not in trusted:
            return hop if _is_ip(hop) else peer
    return peer


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
        return True
    except ValueError:
        return False


def scope_client_ip(scope: dict) -> str:
    peer = (scope.get("client") or ("", 0))[0] or ""
    headers = dict(scope.get("headers") or [])
    return client_ip(peer, headers.get(b"x-forwarded-for", b"").decode("latin-1"))


def request_client_ip(request) -> str:
    return client_ip(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR", ""))
