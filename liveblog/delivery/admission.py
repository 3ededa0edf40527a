"""How many WebSockets one client address may hold open in this process."""

import ipaddress

from django.conf import settings


class Admission:
    def __init__(self) -> None:
        self.sockets_per_ip: dict[str, int] = {}

    def admit(self, ip: str) -> bool:
        """Count a new socket of ``ip``, unless it already holds LIVEBLOG_MAX_SOCKETS_PER_IP.
        Loopback is not counted: it is a proxy on this host whose clients cannot be told apart
        (until it is named in TRUSTED_PROXIES), or a local tool."""
        if _loopback(ip):
            return True
        held = self.sockets_per_ip.get(ip, 0)
        if held >= settings.LIVEBLOG_MAX_SOCKETS_PER_IP:
            return False
        self.sockets_per_ip[ip] = held + 1
        return True

    def release(self, ip: str) -> None:
        if _loopback(ip):
            return
        held = self.sockets_per_ip.get(ip, 0) - 1
        if held > 0:
            self.sockets_per_ip[ip] = held
        else:
            self.sockets_per_ip.pop(ip, None)


def _loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False
