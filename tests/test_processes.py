"""Several Daphne processes on one Redis, as production runs them, including a Redis outage."""

import asyncio
import shutil
import subprocess
import urllib.request
from contextlib import ExitStack, contextmanager

import pytest

from tests.helpers import SLUG, Api, head, read_frames, reader, run
from tests.server import free_port, redis_server, require_service, wait_port

pytestmark = pytest.mark.server


def test_a_change_posted_through_one_process_reaches_readers_of_another(two_processes):
    first, second, token, _ = two_processes
    seq = head(first)

    async def scenario():
        async with reader(second, seq) as on_second, reader(first, seq) as on_first:
            assert (await read_frames(on_second, 1))[0]["seq"] == seq
            await read_frames(on_first, 1)
            await asyncio.to_thread(Api(first, token).post_entry, "Posted through the first process.")
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
            await asyncio.to_thread(Api(first, token).post_entry, "Posted a moment ago.")
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
            created = [
                await asyncio.to_thread(Api(first, token).post_entry, f"During the outage {n}")
                for n in range(3)
            ]
            assert [entry["body"] for entry in created] == [f"During the outage {n}" for n in range(3)]
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
def test_a_managed_redis_with_a_password_or_behind_sentinel_carries_changes(tmp_path, new_site, access):
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
        site = new_site(**extra)
        first, second = stack.enter_context(site.serve()), stack.enter_context(site.serve())
        seq = head(first)

        async def scenario():
            async with reader(second, seq) as ws:
                await read_frames(ws, 1)
                await asyncio.to_thread(Api(first, site.token).post_entry, "Through a guarded Redis.")
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
