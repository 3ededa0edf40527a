"""The production topology on this machine: nginx in front of two Daphne workers sharing
PostgreSQL and Redis (deploy/topology.py)."""

import asyncio
import concurrent.futures
import gzip
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from urllib.parse import urljoin

import psycopg
import pytest
from PIL import Image

from tests import test_media_storage as media
from tests.conftest import ROOT, require_service
from tests.helpers import SLUG, Api, head, read_frames, reader, run
from tests.server import manage

pytestmark = pytest.mark.server

DATABASE = "liveblog_topology_test"


def recreate_database() -> str:
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return f"postgres://postgres@127.0.0.1:5432/{DATABASE}"


@pytest.fixture
def topology(tmp_path):
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    if not shutil.which("nginx"):
        require_service("nginx (apt-get install -y nginx)", "127.0.0.1", 1)
    database_url = recreate_database()
    env = {**os.environ, "LIVEBLOG_WRITE_RATE": "100000/m", "LIVEBLOG_READERS_INTERVAL": "1"}
    command = [
        sys.executable,
        "deploy/topology.py",
        "--dir",
        str(tmp_path),
        "--port",
        "0",
        "--database-url",
        database_url,
        "--redis-url",
        "redis://127.0.0.1:6379/11",
    ]
    up = subprocess.run([*command, "up"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        state = json.loads((tmp_path / "topology.json").read_text())
        manage_env = {
            **env,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "x" * 50,
            "DEBUG": "0",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "STATIC_ROOT": str(tmp_path / "static"),
        }
        manage(manage_env, "load_demo")
        token = manage(manage_env, "create_editor", "newsdesk", "--event", SLUG, "--token").split()[-1]
        yield state, token
    finally:
        subprocess.run([*command, "down"], cwd=ROOT, env=env, capture_output=True, timeout=60)


def test_a_reader_through_nginx_sees_entries_posted_through_every_worker(topology):
    state, token = topology
    entrance, workers = state["entrance"], state["workers"]
    seq = head(entrance)

    async def scenario():
        async with reader(entrance, seq) as via_nginx:
            await read_frames(via_nginx, 1)
            for n, worker in enumerate(workers):
                await asyncio.to_thread(
                    Api(worker, token).call,
                    "POST",
                    f"/api/events/{SLUG}/entries/",
                    {"body": f"Through worker {n}."},
                )
            got = await read_frames(via_nginx, len(workers))
            assert [f["entry"]["body"] for f in got] == [f"Through worker {n}." for n in range(len(workers))]

    run(scenario())

    # Pages go out compressed: by nginx here (the workers leave it to nginx, LIVEBLOG_GZIP=0).
    def fetch(base: str) -> tuple[str | None, bytes]:
        request = urllib.request.Request(f"{base}/events/{SLUG}/", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers.get("Content-Encoding"), response.read()

    encoding, body = fetch(entrance)
    assert encoding == "gzip" and b"<h1>International Online Conference" in gzip.decompress(body)
    assert fetch(workers[0])[0] is None

    # In this topology rather than one of its own: it takes seconds to set up.
    photos_go_up_through_nginx_and_nginx_serves_them_cacheable_for_good(entrance, token)


def photos_go_up_through_nginx_and_nginx_serves_them_cacheable_for_good(entrance: str, token: str) -> None:
    noise = Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG")
    assert out.tell() > 1024 * 1024  # above the 1 MB every other request is held to

    photo = Api(entrance, token).upload_photo(out.getvalue(), name="noise.png")

    for url, _, ext in media.renditions(photo):
        status, headers, _ = media.fetch(urljoin(entrance, url))
        assert status == 200 and headers["Cache-Control"] == media.IMMUTABLE
        assert headers["Content-Type"] == media.CONTENT_TYPES[ext]
        assert headers["Accept-Ranges"] == "bytes"  # nginx's own answer: the app's has no ranges


def test_two_hundred_concurrent_posts_through_two_workers_are_gap_free_for_every_reader(topology):
    state, token = topology
    workers = state["workers"]
    seq = head(state["entrance"])

    def post(n: int) -> int:
        return Api(workers[n % 2], token).call(
            "POST", f"/api/events/{SLUG}/entries/", {"body": f"Post {n}."}
        )["id"]

    async def scenario():
        async with (
            reader(workers[0], seq) as first,
            reader(workers[1], seq) as second,
            reader(state["entrance"], seq) as third,
        ):
            for ws in (first, second, third):
                await read_frames(ws, 1)
            with concurrent.futures.ThreadPoolExecutor(8) as pool:
                ids = await asyncio.get_running_loop().run_in_executor(
                    None, lambda: list(pool.map(post, range(200)))
                )
            assert len(set(ids)) == 200
            for ws in (first, second, third):
                frames = await read_frames(ws, 200, timeout=60)
                assert [f["seq"] for f in frames] == list(range(seq + 1, seq + 201))
                assert {f["entry"]["id"] for f in frames} == set(ids)

    run(scenario())
