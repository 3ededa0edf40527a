"""Several Daphne processes on one Redis, as production runs them, including a Redis outage."""

import asyncio
import concurrent.futures
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from contextlib import ExitStack, contextmanager

import pytest
from websockets.asyncio.client import connect

from tests.conftest import require_service
from tests.server import daphne, demo_site, free_port, manage, production_env

SLUG = "1988-massacre-conference"


def wait_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port} after {seconds} s")


@contextmanager
def redis_server(port: int, *options: str):
    """A Redis of the test's own, so that it can be stopped and started again."""
    binary = shutil.which("redis-server")
    if binary is None:
        require_service("redis-server", "127.0.0.1", 0)  # skips, or fails on CI, with a reason
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", *options],
        stdout=subprocess.DEVNULL,
    )
    wait_port(port)
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def post(base: str, token: str, body: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/events/{SLUG}/entries/",
        data=json.dumps({"body": body, "city": "paris"}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


async def read_frames(ws, n: int, timeout: float = 10) -> list[dict]:
    """The next ``n`` frames, leaving out reader counts (they come every few seconds)."""
    got: list[dict] = []
    async with asyncio.timeout(timeout):
        while len(got) < n:
            frame = json.loads(await ws.recv())
            if frame["type"] != "readers":
                got.append(frame)
    return got


def run(coroutine):
    """Run a scenario on a loop of its own: Playwright's sync API may hold this thread's loop."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def head(base: str) -> int:
    with urllib.request.urlopen(f"{base}/api/events/{SLUG}/", timeout=10) as response:
        return json.loads(response.read())["seq"]


def reader(base: str, after: int):
    ws_url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/?after={after}"
    return connect(ws_url, origin=base)


@pytest.fixture
def two_processes(tmp_path):
    if not shutil.which("redis-server"):
        require_service("redis-server binary", "127.0.0.1", 1)
    redis_port = free_port()
    env = production_env(
        tmp_path, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", LIVEBLOG_READERS_INTERVAL="0.5"
    )
    demo_site(env)
    token = manage(env, "create_editor", "newsdesk", "--event", SLUG, "--token").split()[-1]
    with ExitStack() as stack:
        stack.enter_context(redis_server(redis_port))
        first, second = stack.enter_context(daphne(env)), stack.enter_context(daphne(env))
        yield first, second, token, redis_port


def test_a_change_posted_through_one_process_reaches_readers_of_another(two_processes):
    first, second, token, _ = two_processes
    seq = head(first)

    async def scenario():
        async with reader(second, seq) as on_second, reader(first, seq) as on_first:
            assert (await read_frames(on_second, 1))[0]["seq"] == seq
            await read_frames(on_first, 1)
            assert await asyncio.to_thread(post, first, token, "Posted through the first process.") == 201
            for ws in (on_second, on_first):
                frame = (await read_frames(ws, 1))[0]
                assert (frame["type"], frame["seq"]) == ("entry.created", seq + 1)
                assert frame["entry"]["body"] == "Posted through the first process."

    run(scenario())


def page(base: str) -> str:
    with urllib.request.urlopen(f"{base}/events/{SLUG}/", timeout=10) as response:
        return response.read().decode()


def test_a_page_reloaded_on_another_process_right_after_a_post_shows_it(two_processes):
    """Each process answers page loads from the event's head kept for a second; a change made
    through another process must still show on the next load once its frame has arrived."""
    first, second, token, _ = two_processes
    seq = head(first)

    async def scenario():
        async with reader(second, seq) as on_second:
            await read_frames(on_second, 1)
            assert "Posted a moment ago." not in await asyncio.to_thread(page, second)
            assert await asyncio.to_thread(post, first, token, "Posted a moment ago.") == 201
            await read_frames(on_second, 1)  # the second process has the change
            assert "Posted a moment ago." in await asyncio.to_thread(page, second)

    run(scenario())


def test_posts_succeed_while_redis_is_down_and_reach_readers_when_it_returns(two_processes, tmp_path):
    first, second, token, redis_port = two_processes
    seq = head(first)

    async def scenario(outage: ExitStack):
        async with reader(second, seq) as ws:
            await read_frames(ws, 1)
            outage.close()  # Redis goes away
            statuses = [
                await asyncio.to_thread(post, first, token, f"During the outage {n}") for n in range(3)
            ]
            assert statuses == [201, 201, 201]
            with redis_server(redis_port):
                got = await read_frames(ws, 3, timeout=20)
                assert [f["seq"] for f in got] == [seq + 1, seq + 2, seq + 3]
                assert [f["entry"]["body"] for f in got] == [f"During the outage {n}" for n in range(3)]

    # The fixture's Redis is the one that goes away; a new one takes its port.
    stack = ExitStack()
    stack.callback(
        lambda: subprocess.run(["redis-cli", "-p", str(redis_port), "shutdown", "nosave"], check=False)
    )
    run(scenario(stack))


@pytest.mark.parametrize("access", ["password", "sentinel"])
def test_a_managed_redis_with_a_password_or_behind_sentinel_carries_changes(tmp_path, access):
    if not shutil.which("redis-server"):
        require_service("redis-server binary", "127.0.0.1", 1)
    redis_port = free_port()
    url = f"redis://:s3cret-pass@127.0.0.1:{redis_port}/0"
    with ExitStack() as stack:
        stack.enter_context(redis_server(redis_port, "--requirepass", "s3cret-pass"))
        extra = {"REDIS_URL": url}
        if access == "sentinel":
            sentinel_port = stack.enter_context(sentinel_for_password(redis_port, tmp_path))
            extra = {
                "REDIS_URL": "redis://:s3cret-pass@unused:1/0",
                "REDIS_SENTINELS": f"127.0.0.1:{sentinel_port}",
                "REDIS_SENTINEL_MASTER": "liveblog",
            }
        env = production_env(tmp_path, **extra)
        manage(env, "migrate", "--noinput")
        manage(env, "load_demo")
        token = manage(env, "create_editor", "newsdesk", "--event", SLUG, "--token").split()[-1]
        first, second = stack.enter_context(daphne(env)), stack.enter_context(daphne(env))
        seq = head(first)

        async def scenario():
            async with reader(second, seq) as ws:
                await read_frames(ws, 1)
                await asyncio.to_thread(post, first, token, "Through a guarded Redis.")
                return (await read_frames(ws, 1))[0]

        assert run(scenario())["entry"]["body"] == "Through a guarded Redis."


@contextmanager
def sentinel_for_password(redis_port: int, tmp_path):
    """A Sentinel for a master that needs the password."""
    port = free_port()
    conf = tmp_path / "sentinel.conf"
    conf.write_text(
        f"port {port}\nbind 127.0.0.1\nsentinel monitor liveblog 127.0.0.1 {redis_port} 1\n"
        "sentinel auth-pass liveblog s3cret-pass\n"
    )
    proc = subprocess.Popen(
        [shutil.which("redis-server"), str(conf), "--sentinel"], stdout=subprocess.DEVNULL
    )
    try:
        wait_port(port)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)
