"""Hardening: headers, rate limits, WebSocket limits, the database out of reach, deploy checks."""

import asyncio
import html
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client
from websockets.asyncio.client import connect

from config.asgi import application
from liveblog.ratelimit import RETRY_REDIS
from tests.conftest import ROOT, make_event, token_client
from tests.helpers import SLUG, head, read_frames, reader, run
from tests.server import daphne, free_port, production_env, redis_server

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(client, event):
    page = client.get("/events/summit/")
    policy = page["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert page["X-Content-Type-Options"] == "nosniff" and page["Referrer-Policy"] == "same-origin"
    assert "camera=()" in page["Permissions-Policy"]
    assert "frame-ancestors *" in client.get("/events/summit/embed/")["Content-Security-Policy"]
    assert "<script>" not in page.content.decode().replace('<script type="application/ld+json">', "")


def test_sign_in_attempts_are_limited(client, alice, settings):
    settings.LIVEBLOG_LOGIN_RATE = "3/m"
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "alice", "password": "wrong"}).status_code == 200
    refused = client.post("/accounts/login/", {"username": "alice", "password": "alice-password"})
    assert refused.status_code == 429 and "Too many sign-in attempts" in refused.content.decode()


def test_nobody_elsewhere_can_lock_an_editor_out_and_correct_passwords_never_count(alice, settings):
    settings.LIVEBLOG_LOGIN_RATE = "3/m"
    attacker = Client(REMOTE_ADDR="198.51.100.66")
    for _ in range(6):
        attacker.post("/accounts/login/", {"username": "alice", "password": "guess"})
    refused = attacker.post("/accounts/login/", {"username": "alice", "password": "guess"})

    signed_in = [
        Client(REMOTE_ADDR="203.0.113.5").post(
            "/accounts/login/", {"username": "alice", "password": "alice-password"}
        )
        for _ in range(5)
    ]

    assert refused.status_code == 429
    assert [response.status_code for response in signed_in] == [302] * 5


def test_writes_are_limited_per_user(alice, bob, event, settings):
    settings.LIVEBLOG_WRITE_RATE = "2/m"
    event.editors.add(bob)
    client = token_client(alice)
    responses = [
        client.post("/api/events/summit/entries/", {"body": f"n{n}"}, format="json") for n in range(3)
    ]
    assert [response.status_code for response in responses] == [201, 201, 429]
    assert 0 < int(responses[-1]["Retry-After"]) <= 60
    assert client.get("/api/events/summit/entries/").status_code == 200  # reads are not limited
    other = token_client(bob).post("/api/events/summit/entries/", {"body": "Bob's."}, format="json")
    assert other.status_code == 201  # counted per user


def test_sign_ins_and_writes_are_counted_in_redis_for_every_process(client, alice, settings, redis_url):
    import redis

    settings.REDIS_URL, settings.LIVEBLOG_LOGIN_RATE = redis_url, "3/m"
    for _ in range(2):
        client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    counted = redis.Redis.from_url(redis_url).keys("liveblog:ratelimit:login-user:alice@*")
    assert len(counted) == 1
    redis.Redis.from_url(redis_url).incr(counted[0])  # another process's attempt
    refused = client.post("/accounts/login/", {"username": "alice", "password": "alice-password"})
    assert refused.status_code == 429


def test_limits_hold_in_each_process_while_redis_is_down_and_go_back_to_redis(alice, settings, caplog):
    """A Redis of the test's own, stopped: writes and sign-ins are still limited (per process),
    and once it is back the counting is shared in Redis again."""
    import redis

    port = free_port()
    settings.REDIS_URL = url = f"redis://127.0.0.1:{port}/0"
    settings.LIVEBLOG_WRITE_RATE = settings.LIVEBLOG_LOGIN_RATE = "2/h"  # no window ends mid-test
    editor = token_client(alice)

    def write():
        return editor.post("/api/events/summit/entries/", {"body": "Doors open."}, format="json")

    def sign_in():
        return Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})

    with redis_server(port):
        assert write().status_code == 201
        assert redis.Redis.from_url(url).keys("liveblog:ratelimit:writes:*")  # counted in Redis

    writes, sign_ins = [write() for _ in range(3)], [sign_in() for _ in range(3)]  # Redis is down

    assert [response.status_code for response in writes] == [201, 201, 429]
    assert 0 < int(writes[-1]["Retry-After"]) <= 3600
    assert "Request was throttled" in writes[-1].json()["detail"]
    assert [response.status_code for response in sign_ins] == [200, 200, 429]
    assert "Too many sign-in attempts" in sign_ins[-1].content.decode()
    assert "Redis unreachable; counting in this process" in caplog.text

    with redis_server(port):  # back, and empty: its count for alice starts again
        time.sleep(RETRY_REDIS)
        assert write().status_code == 201
        assert int(redis.Redis.from_url(url).get(*redis.Redis.from_url(url).keys("*writes*"))) == 1
    assert "Redis answers again; counting there" in caplog.text


def ws(path: str, origin: bytes = b"http://localhost", **scope):
    communicator = WebsocketCommunicator(application, path, headers=[(b"origin", origin)])
    communicator.scope.update(scope)
    return communicator


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_foreign_origin_is_refused_and_the_sites_own_accepted():
    await asyncio.to_thread(make_event, "summit")
    foreign = ws("/ws/events/summit/", origin=b"https://evil.example")
    assert (await foreign.connect())[0] is False
    own = ws("/ws/events/summit/")
    assert (await own.connect())[0] is True
    await own.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_readers_that_talk_too_much_or_send_binary_are_closed(settings):
    await asyncio.to_thread(make_event, "summit")
    settings.LIVEBLOG_READER_MESSAGES_PER_MINUTE = 3
    chatty = ws("/ws/events/summit/")
    await chatty.connect()
    await chatty.receive_from()  # hello
    for _ in range(4):
        await chatty.send_to(text_data="hello?")
    assert (await chatty.receive_output(timeout=1)) == {"type": "websocket.close", "code": 1008}
    binary = ws("/ws/events/summit/")
    await binary.connect()
    await binary.receive_from()
    await binary.send_to(bytes_data=b"\x00\x01")
    assert (await binary.receive_output(timeout=1)) == {"type": "websocket.close", "code": 1003}


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_one_client_address_holds_a_bounded_number_of_sockets(settings):
    await asyncio.to_thread(make_event, "summit")
    settings.LIVEBLOG_MAX_SOCKETS_PER_IP = 2
    settings.TRUSTED_PROXIES = {"10.0.0.2"}
    forwarded = [(b"origin", b"http://localhost"), (b"x-forwarded-for", b"203.0.113.9, 10.0.0.2")]

    def behind_proxy():
        return WebsocketCommunicator(application, "/ws/events/summit/", headers=forwarded)

    held = []
    for _ in range(2):
        reader = behind_proxy()
        reader.scope["client"] = ("10.0.0.2", 5000)
        assert (await reader.connect())[0] is True
        held.append(reader)
    third = behind_proxy()
    third.scope["client"] = ("10.0.0.2", 5001)
    assert await third.connect() == (False, 4029)
    other = ws("/ws/events/summit/", client=("198.51.100.7", 5002))
    assert (await other.connect())[0] is True  # another address is not affected
    await held[0].disconnect()
    again = behind_proxy()
    again.scope["client"] = ("10.0.0.2", 5003)
    assert (await again.connect())[0] is True
    for reader in (held[1], other, again):
        await reader.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_connect_that_fails_gives_its_addresss_slot_back(settings, monkeypatch):
    """Each failed connect once kept its slot until restart: enough of them locked a carrier's
    address out (4029) for good."""
    from liveblog.delivery.hub import hub

    await asyncio.to_thread(make_event, "summit")
    settings.LIVEBLOG_MAX_SOCKETS_PER_IP = 2

    async def broken(*args, **kwargs):
        raise ConnectionError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(hub, "stream", broken)
        for port in range(5):
            failing = ws("/ws/events/summit/", client=("203.0.113.50", 6000 + port))
            with pytest.raises(ConnectionError):
                await failing.connect()
    assert hub.admission.sockets_per_ip.get("203.0.113.50", 0) == 0
    reader = ws("/ws/events/summit/", client=("203.0.113.50", 6100))
    assert (await reader.connect())[0] is True  # the address connects normally
    assert hub.admission.sockets_per_ip["203.0.113.50"] == 1  # its live sockets, no more
    await reader.disconnect()


@pytest.fixture
def small_messages(new_site):
    """A copy of the demo whose readers may send at most 1 KiB in a message."""
    return new_site(LIVEBLOG_WS_MAX_MESSAGE="1024")


@pytest.mark.server
def test_an_oversized_message_closes_the_socket_with_1009(small_messages):
    with small_messages.serve() as base:

        async def scenario():
            url = base.replace("http://", "ws://") + f"/ws/events/{SLUG}/"
            async with connect(url, origin=base) as socket:
                await socket.recv()
                await socket.send("x" * 5000)
                await asyncio.wait_for(socket.wait_closed(), 5)
                return socket.close_code

        assert run(scenario()) == 1009


@pytest.mark.server
def test_the_database_out_of_reach_gets_a_clear_503(site):
    down = {**site.env, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/liveblog"}
    with daphne(down, health=False) as base:
        for path, kind in (("/api/events/", "json"), ("/events/x/", "html"), ("/healthz", "json")):
            with pytest.raises(urllib.error.HTTPError) as failed:
                urllib.request.urlopen(base + path, timeout=10)
            assert failed.value.code == 503
            body = failed.value.read().decode()
            assert ("database" in body.lower()) and (kind != "json" or json.loads(body))
            if path != "/healthz":
                assert "Nothing was saved" in body
        request = urllib.request.Request(
            base + f"/api/events/{SLUG}/entries/",
            data=b'{"body": "x"}',
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": "Token abc"},
        )
        with pytest.raises(urllib.error.HTTPError) as failed:
            urllib.request.urlopen(request, timeout=10)
        assert failed.value.code == 503 and failed.value.headers["Retry-After"] == "5"


def test_deploy_checks_pass_with_production_settings(tmp_path):
    env = production_env(
        tmp_path, SECURE_SSL_REDIRECT="1", SECURE_COOKIES="1", ALLOWED_HOSTS="live.example.org"
    )
    env["SECRET_KEY"] = "k2v!9pX#Lq7@zR4tW8mN1sB6yD3fH5jC0gU2eA9oI7uY4rT1wQ8xZ6vM3nP5kL0"
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_metrics_are_for_the_monitoring_network_only(client, settings):
    settings.METRICS_ALLOWED = {"127.0.0.1"}
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "# TYPE liveblog_readers_connected gauge" in text and "liveblog_fanout_seconds_bucket" in text
    assert "liveblog_publish_failures_total" in text
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_TOKEN = "scrape-secret"
    bearer = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer scrape-secret")
    assert bearer.status_code == 200


def test_logs_can_be_json_lines():
    import logging

    from liveblog.logs import JsonFormatter

    record = logging.LogRecord(
        "liveblog.delivery.bus", logging.WARNING, __file__, 1, "publish of %s failed", ("x",), None
    )
    line = json.loads(JsonFormatter().format(record))
    assert (
        line["level"] == "warning"
        and line["message"] == "publish of x failed"
        and line["logger"] == "liveblog.delivery.bus"
    )


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.9", "198.51.100.1", set(), "203.0.113.9"),  # no proxy trusted: the header is ignored
        ("10.0.0.2", "198.51.100.1", {"10.0.0.2"}, "198.51.100.1"),
        ("172.18.0.5", "198.51.100.1, 172.18.0.9", {"172.16.0.0/12"}, "198.51.100.1"),
        ("10.0.0.2", "spoofed, 198.51.100.1", {"10.0.0.2"}, "198.51.100.1"),  # left of it: the client's say
        ("10.0.0.2", "not-an-address", {"10.0.0.2"}, "10.0.0.2"),
    ],
)
def test_the_client_address_is_read_through_trusted_proxies_only(
    settings, peer, forwarded, trusted, expected
):
    from liveblog.clients import client_ip

    settings.TRUSTED_PROXIES = trusted
    assert client_ip(peer, forwarded) == expected


@pytest.mark.server
def test_frames_larger_than_what_readers_may_send_still_reach_them(small_messages):
    with small_messages.serve() as base:
        seq = head(base)

        async def scenario():
            async with reader(base, seq) as ws:
                await read_frames(ws, 1)
                await asyncio.to_thread(small_messages.api(base).post_entry, "Long. " * 2000)
                return (await read_frames(ws, 1))[0]

        frame = run(scenario())
        assert frame["type"] == "entry.created" and len(frame["entry"]["body"]) > 10_000


def test_the_embed_snippet_escapes_the_title(client, event, alice):
    event.title = '</title><script>alert(1)</script>"><img src=x onerror=alert(2)>'
    event.save()
    client.force_login(alice)
    page = client.get("/events/summit/console/").content.decode()
    copied = html.unescape(
        page.split('<textarea id="embed-code" readonly rows="2">')[1].split("</textarea>")[0]
    )
    assert copied.startswith('<iframe src="http://testserver/events/summit/embed/" title="&lt;/title&gt;')
    assert "<script>" not in copied and "<img" not in copied
