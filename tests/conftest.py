"""Personas and fixtures.

alice edits the event under test, bob edits another event, carol is a signed-in reader with no
rights, and the anonymous reader has no account at all.

Tests that start servers are marked ``server``; tests that use the ``browser`` fixture are marked
``browser`` and ``server`` by it. ``pytest -m "not server and not browser"`` runs the rest, a
quick loop while working. Live sites: ``site`` is a copy of the demo for one test (``new_site``
with settings of its own), ``demo_server`` the demo served once a session to the tests that only
read it.
"""

import shutil
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from liveblog.models import Event, Session
from liveblog.tokens import token_create
from tests import server
from tests.helpers import head, unavailable
from tests.server import require_service

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "minute-by-minute-report.txt"


def pytest_collection_modifyitems(config, items):
    """A test in Chromium is marked ``browser`` and ``server`` (it needs a site to look at).
    PostgreSQL-only tests run in the second pass of `make test`, not skipped in the first."""
    for item in items:
        if "browser" in item.fixturenames:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.server)
    if connection.vendor == "postgresql":
        return
    kept = [item for item in items if "postgres" not in item.keywords]
    deselected = [item for item in items if "postgres" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before the test's fixtures: only a test marked ``server`` may start one."""
    server.servers_allowed = item.get_closest_marker("server") is not None


def make_event(slug: str = "summit", *, cities: tuple[str, ...] = ("Paris", "Berlin"), **fields) -> Event:
    values = {
        "title": slug.replace("-", " ").title(),
        "timezone": "Europe/Paris",
        "starts_at": datetime(2018, 8, 25, 15, 0, tzinfo=UTC),
        "status": Event.Status.LIVE,
        **fields,
    }
    event = Event.objects.create(slug=slug, **values)
    for position, city in enumerate(cities):
        Session.objects.create(event=event, city=city, slug=city.lower(), position=position)
    return event


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Each test's uploads in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def event(db) -> Event:
    return make_event("summit", cities=("Paris", "Berlin", "London"))


@pytest.fixture
def other_event(db) -> Event:
    return make_event("other-summit", cities=("Toronto",))


@pytest.fixture
def alice(db, event, django_user_model):
    user = django_user_model.objects.create_user("alice", password="alice-password")
    event.editors.add(user)
    return user


@pytest.fixture
def bob(db, other_event, django_user_model):
    user = django_user_model.objects.create_user("bob", password="bob-password")
    other_event.editors.add(user)
    return user


@pytest.fixture
def carol(db, django_user_model):
    return django_user_model.objects.create_user("carol", password="carol-password")


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_user("sam", password="sam-password", is_staff=True)


def token_client(user, **options) -> APIClient:
    """An API client that signs in with a new token of ``user``'s."""
    client = APIClient(**options)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user)[0]}")
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


REDIS_TEST_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_url() -> str:
    """Redis database 15, emptied for each test."""
    import redis

    require_service("Redis", "127.0.0.1", 6379)
    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
    return REDIS_TEST_URL


@pytest.fixture(params=["memory", "redis"])
def layer(request, settings) -> str:
    """Run a live test with the in-memory layer and again with real Redis."""
    if request.param == "redis":
        settings.REDIS_URL = request.getfixturevalue("redis_url")
    else:
        settings.REDIS_URL = ""
    return request.param


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; no browser is downloaded."""
    import os

    if not os.path.exists(CHROMIUM):
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no sign-in attempts or writes counted."""
    from django.core.cache import caches

    caches["ratelimit"].clear()
    caches["default"].clear()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> server.DemoTemplate:
    """The demo site set up once a session; see tests/server.py."""
    return server.DemoTemplate(tmp_path_factory.mktemp("demo-template"))


@pytest.fixture
def new_site(demo_template, tmp_path_factory):
    """``new_site(**env)``: a copy of the demo of the test's own, with ``env`` added to its
    environment; ``demo=False`` leaves the demo event out (only migrated)."""

    def make(*, demo: bool = True, **env: str) -> server.Site:
        return demo_template.copy(tmp_path_factory.mktemp("site"), demo=demo, **env)

    return make


@pytest.fixture
def site(new_site) -> server.Site:
    """A copy of the demo of the test's own, not serving until ``site.serve()``."""
    return new_site()


@pytest.fixture(scope="session")
def _demo_served(demo_template, tmp_path_factory):
    with server.daphne(demo_template.copy(tmp_path_factory.mktemp("demo-served")).env) as base:
        yield base


@pytest.fixture
def demo_server(_demo_served) -> server.Served:
    """The demo, served once for the whole session to the tests that only read it. A test that
    changes it fails: the next test would see its changes."""
    seq = head(_demo_served)
    yield _demo_served
    assert head(_demo_served) == seq, "this test changed the shared demo: give it a `site` of its own"


@pytest.fixture
def two_processes(new_site):
    """Two Daphne processes serving one copy of the demo through a Redis of the test's own:
    their URLs, the newsdesk editor's token and the Redis's port."""
    if not shutil.which("redis-server"):
        require_service("redis-server binary", "127.0.0.1", 1)
    redis_port = server.free_port()
    site = new_site(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0", LIVEBLOG_READERS_INTERVAL="0.5")
    with ExitStack() as stack:
        stack.enter_context(server.redis_server(redis_port))
        first, second = stack.enter_context(site.serve()), stack.enter_context(site.serve())
        yield first, second, site.token, redis_port
