"""A PostgreSQL that vanishes without a word: its packets dropped on the way (tests/netdrop.py),
as when a host or a network goes away. Requests answer 503 within seconds instead of hanging
until nginx's 60 s; nothing half-done is saved, clients that retry with their Idempotency-Key get one entry
each; WebSocket connections that failed meanwhile leave their address nothing held."""

import asyncio
import collections
import concurrent.futures
import json
import time
import urllib.error
import urllib.request

import pytest

from bench.schedule import SLUG, fresh_site
from deploy.launch import serving
from tests.helpers import Api
from tests.netdrop import vanishing_postgres
from tests.server import require_service

pytestmark = [pytest.mark.server, pytest.mark.postgres]

SOCKETS_PER_ADDRESS = 50
FAILED_CONNECTS = 500


def post(base: str, token: str, body: str, key: str) -> tuple[int, dict, float]:
    """POST an entry with an Idempotency-Key; the status, the answer and the seconds it took."""
    request = urllib.request.Request(
        f"{base}/api/events/{SLUG}/entries/",
        data=json.dumps({"body": body}).encode(),
        headers={
            "Authorization": f"Token {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
        method="POST",
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer = response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        status, answer = error.code, json.loads(error.read() or b"{}")
    return status, answer, time.monotonic() - started


def recovered(base: str, seconds: float = 30) -> float:
    """Seconds until the worker's /healthz finds the database again, as a load balancer would."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:
                if json.loads(response.read())["database"] == "ok":
                    return time.monotonic() - started
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"the database was still unreachable {seconds} s after the network returned")


async def connect(base: str) -> str:
    """A reader's WebSocket: "hello" when it is admitted, else the close code."""
    from websockets.asyncio.client import connect as ws_connect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/?after=0"
    try:
        # One reader's address, forwarded by a proxy the server trusts (loopback is not counted).
        ws = await ws_connect(
            url, origin=base, open_timeout=30, additional_headers={"X-Forwarded-For": "203.0.113.7"}
        )
    except InvalidStatus as error:  # refused before the upgrade, as a full address is
        return f"refused {error.response.status_code}"
    except Exception as error:
        return type(error).__name__
    readers.append(ws)  # closed once every connection of the batch is made
    try:
        return json.loads(await asyncio.wait_for(ws.recv(), 30))["type"]
    except ConnectionClosed:
        return str(ws.close_code)


readers: list = []


def test_requests_answer_503_within_seconds_and_retries_with_their_key_save_once():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    with fresh_site() as run, vanishing_postgres() as (address, vanish):
        env = {
            **run.env,
            "DATABASE_URL": run.env["DATABASE_URL"].replace("127.0.0.1:5432", address),
            "DATABASE_POOL_SIZE": "4",
            "LIVEBLOG_MAX_SOCKETS_PER_IP": str(SOCKETS_PER_ADDRESS),
            "TRUSTED_PROXIES": "127.0.0.1",
        }
        with serving(env, run.logs / "worker.log") as server:
            base, api = server.url, Api(server.url, run.token)
            api.post_entry("Before the database went silent.", slug=SLUG)

            vanish(True)  # for about 30 s: eight POSTs one after another, 500 sockets meanwhile
            with concurrent.futures.ThreadPoolExecutor(1) as pool:
                sockets = pool.submit(asyncio.run, gather(base, FAILED_CONNECTS))
                during = [post(base, run.token, f"Posted while silent {n}.", f"silent-{n}") for n in range(8)]
                failed_sockets = sockets.result()
            vanish(False)
            back = recovered(base)

            retried = [post(base, run.token, f"Posted while silent {n}.", f"silent-{n}") for n in range(8)]
            admitted = asyncio.run(gather(base, SOCKETS_PER_ADDRESS + 1))
            listed = api.call("GET", f"/api/events/{SLUG}/entries/")["results"]

    print("POSTs while silent:", [f"{status} in {took:.1f} s" for status, _, took in during])
    print("sockets while silent:", collections.Counter(failed_sockets))
    print(f"database answering again {back:.1f} s after the network returned")
    assert [status for status, _, _ in during] == [503] * 8
    assert all("database is unavailable" in answer["detail"] for _, answer, _ in during)
    assert "hello" not in failed_sockets and "refused 403" not in failed_sockets  # none on the cap
    assert [status for status, _, _ in retried] == [201] * 8
    bodies = sorted(entry["body"] for entry in listed)
    assert bodies == ["Before the database went silent."] + [f"Posted while silent {n}." for n in range(8)]
    # 500 failed connections held nothing: the address holds exactly its live sockets.
    assert sorted(admitted) == ["hello"] * SOCKETS_PER_ADDRESS + ["refused 403"]


async def gather(base: str, count: int) -> list[str]:
    """``count`` connections, at most as many at once as one address may hold."""
    limit = asyncio.Semaphore(SOCKETS_PER_ADDRESS)

    async def one() -> str:
        async with limit:
            return await connect(base)

    try:
        return list(await asyncio.gather(*(one() for _ in range(count))))
    finally:
        for ws in readers:
            await ws.close()
        readers.clear()
