"""docker-compose.yml read as Docker reads it (Docker itself is not needed): nginx's network is
one TRUSTED_PROXIES names, so readers behind it are counted by their own address."""

import ipaddress
import re
from pathlib import Path

import yaml

from liveblog.clients import client_ip

ROOT = Path(__file__).resolve().parent.parent


def default_of(value: str) -> str:
    """``${NAME:-default}`` as compose fills it when NAME is unset."""
    return re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def trusted(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in value.split(",") if entry.strip()]


def nginx_subnets(config: dict) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = config["services"]["nginx"].get("networks", ["default"])
    return [
        ipaddress.ip_network(pool["subnet"])
        for name in networks
        for pool in config["networks"][name]["ipam"]["config"]
    ]


def test_nginx_is_on_a_network_that_trusted_proxies_names():
    config = compose()
    [subnet] = nginx_subnets(config)
    proxies = trusted(default_of(config["services"]["web"]["environment"]["TRUSTED_PROXIES"]))
    assert any(subnet.subnet_of(network) for network in proxies), (subnet, proxies)
    example = re.search(r"^TRUSTED_PROXIES=(.*)$", (ROOT / ".env.compose.example").read_text(), re.M)
    assert example and any(subnet.subnet_of(network) for network in trusted(example.group(1)))


def test_a_reader_behind_nginx_is_counted_by_their_own_address(settings):
    config = compose()
    settings.TRUSTED_PROXIES = set(
        default_of(config["services"]["web"]["environment"]["TRUSTED_PROXIES"]).split(",")
    )
    nginx = str(next(nginx_subnets(config)[0].hosts()))  # wherever Docker puts nginx in that network
    assert client_ip(nginx, "203.0.113.7") == "203.0.113.7"
    assert client_ip("198.51.100.9", "203.0.113.7") == "198.51.100.9"  # from outside: not believed
