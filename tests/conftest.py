"""Personas and fixtures.

alice edits the event under test, bob edits another event, carol is a signed-in reader with no
rights, and the anonymous reader has no account at all.
"""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from liveblog.models import Event, Session

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "minute-by-minute-report.txt"


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests run in the second pass of `make test`, not skipped in the first."""
    if connection.vendor == "postgresql":
        return
    kept = [item for item in items if "postgres" not in item.keywords]
    deselected = [item for item in items if "postgres" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


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


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def require_service(name: str, host: str, port: int) -> None:
    """Skip on a newcomer's machine without the service; on CI (CI=true) fail instead."""
    import os
    import socket

    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as error:
        message = f"{name} is not reachable at {host}:{port} ({error})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {message}")
        pytest.skip(f"{message}; start it to run this test")


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
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {message}")
        pytest.skip(message)
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
