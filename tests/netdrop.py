"""A database host that can vanish from the network: PostgreSQL reached through a network
namespace (``ip netns``, a veth pair), whose far end can be taken down. Packets are then dropped
silently — nothing refused, nothing reset — as when a host or a network goes away; connecting
hangs (the neighbour entry is permanent, so no "no route to host" gives it away).

The server under test connects to ``address``; a forwarder inside the namespace passes the
connection back to a forwarder on this side, which reaches PostgreSQL on 127.0.0.1. Run as
``python -m tests.netdrop LISTEN_HOST:PORT TARGET_HOST:PORT`` it is the forwarder itself."""

import asyncio
import os
import shutil
import subprocess
import sys
import threading
from contextlib import contextmanager

from tests.helpers import unavailable
from tests.server import free_port, wait_port


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


async def forward(listen: tuple[str, int], target: tuple[str, int], started: threading.Event | None = None):
    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pump(reader, upstream), _pump(upstream_reader, writer))

    server = await asyncio.start_server(connection, *listen)
    if started:
        started.set()
    async with server:
        await server.serve_forever()


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@contextmanager
def vanishing_postgres(port: int = 5432):
    """``(address, vanish)``: where to reach PostgreSQL, and ``vanish(True)`` to drop every
    packet on the way, ``vanish(False)`` to bring it back."""
    if shutil.which("ip") is None or os.geteuid() != 0:
        unavailable("a vanishing host needs iproute2's ip and root (network namespaces)")
    n = os.getpid() % 250
    ns, here, there = f"lbdb{os.getpid()}", f"lbh{os.getpid()}", f"lbn{os.getpid()}"
    near, far = f"10.232.{n}.1", f"10.232.{n}.2"
    ip("netns", "add", ns)
    inside = None
    try:
        ip("link", "add", here, "type", "veth", "peer", "name", there)
        ip("link", "set", there, "netns", ns)
        ip("addr", "add", f"{near}/30", "dev", here)
        ip("link", "set", here, "up")
        ip("netns", "exec", ns, "ip", "addr", "add", f"{far}/30", "dev", there)
        ip("netns", "exec", ns, "ip", "link", "set", there, "up")
        mac = subprocess.run(
            ["ip", "netns", "exec", ns, "cat", f"/sys/class/net/{there}/address"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()  # fmt: skip
        ip("neigh", "replace", far, "lladdr", mac, "dev", here, "nud", "permanent")

        back = free_port()
        started = threading.Event()
        loop = asyncio.new_event_loop()
        threading.Thread(
            target=loop.run_until_complete,
            args=(forward((near, back), ("127.0.0.1", port), started),),
            daemon=True,
        ).start()
        started.wait(10)
        listen = free_port()
        inside = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, "-m", "tests.netdrop", f"{far}:{listen}",
             f"{near}:{back}"],
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )  # fmt: skip
        wait_port(listen, host=far)

        def vanish(gone: bool) -> None:
            ip("netns", "exec", ns, "ip", "link", "set", there, "down" if gone else "up")

        yield f"{far}:{listen}", vanish
    finally:
        if inside is not None:
            inside.kill()
            inside.wait()
        subprocess.run(["ip", "link", "del", here], capture_output=True)
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


if __name__ == "__main__":
    (listen_host, listen_port), (target_host, target_port) = (a.rsplit(":", 1) for a in sys.argv[1:3])
    asyncio.run(forward((listen_host, int(listen_port)), (target_host, int(target_port))))
