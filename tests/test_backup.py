"""Backup and restore on PostgreSQL: the report comes back, and readers reload."""

import asyncio
import subprocess
import sys

import psycopg
import pytest
from websockets.asyncio.client import connect

from tests.conftest import ROOT, require_service
from tests.helpers import SLUG, Api, read_frames, run
from tests.server import daphne, manage, production_env

pytestmark = pytest.mark.server

DATABASE = "liveblog_backup_test"


@pytest.fixture
def database_url():
    require_service("PostgreSQL", "127.0.0.1", 5432)
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    return f"postgres://postgres@127.0.0.1:5432/{DATABASE}"


def script(env: dict[str, str], name: str, *args: str) -> str:
    done = subprocess.run(
        [f"deploy/{name}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHON": sys.executable},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_restore_brings_the_report_back_and_readers_reload(tmp_path, database_url):
    env = production_env(tmp_path, DATABASE_URL=database_url, LIVEBLOG_READERS_INTERVAL="0.5")
    manage(env, "migrate", "--noinput")
    manage(env, "load_demo")
    token = manage(env, "create_editor", "newsdesk", "--event", SLUG, "--token").split()[-1]
    backup = tmp_path / "liveblog.dump"
    script(env, "backup.sh", database_url, str(backup))

    with daphne(env) as base:
        api = Api(base, token)
        before = api.call("GET", f"/api/events/{SLUG}/")
        api.call("POST", f"/api/events/{SLUG}/entries/", {"body": "Written after the backup."})
        after_post = api.call("GET", f"/api/events/{SLUG}/")

        async def restore_under_an_open_page():
            query = f"?after={after_post['seq']}&epoch={after_post['epoch']}"
            ws_url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/{query}"
            async with connect(ws_url, origin=base) as ws:
                await read_frames(ws, 1)
                await asyncio.to_thread(script, env, "restore.sh", database_url, str(backup))
                return (await read_frames(ws, 1, timeout=10))[0]

        told = run(restore_under_an_open_page())
        assert told["type"] == "reset"

        restored = api.call("GET", f"/api/events/{SLUG}/")
        assert restored["seq"] == before["seq"] and restored["epoch"] != before["epoch"]
        assert api.call("GET", f"/api/events/{SLUG}/entries/")["count"] == 30

        async def resume():
            # A page built before the restore resumes with its old epoch and seq: it must reload.
            query = f"?after={after_post['seq']}&epoch={after_post['epoch']}"
            ws_url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/{query}"
            async with connect(ws_url, origin=base) as ws:
                return await read_frames(ws, 2)

        hello, reset = run(resume())
        assert hello["epoch"] == restored["epoch"]
        assert reset["type"] == "reset" and "restored" in reset["reason"]
