"""`manage.py prune`: old changes of ended events, Idempotency-Key records, expired sessions and
expired API tokens go; what a resuming reader or an export needs stays."""

import io
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken

from liveblog import services
from liveblog.frames import REPLAY_LIMIT
from liveblog.models import Change, IdempotencyKey
from liveblog.tokens import token_create
from tests.conftest import make_event

pytestmark = pytest.mark.django_db


def manage(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def resume(client, after: int, slug: str = "summit") -> list[dict]:
    """What a reader who saw up to ``after`` gets to catch up (the WebSocket sends the same)."""
    return client.get(f"/api/events/{slug}/changes/?after={after}").json()["frames"]


def age(queryset, days: int, field: str = "created_at") -> None:
    queryset.update(**{field: timezone.now() - timedelta(days=days)})


def test_it_prunes_old_changes_of_ended_events_and_resuming_readers_lose_nothing(client, event, alice):
    for n in range(REPLAY_LIMIT + 20):
        services.entry_create(event=event, by=alice, body=f"Entry {n}.")
    services.event_set_status(event=event, status="ended", by=alice)
    live = make_event("still-live")
    services.entry_create(event=live, by=alice, body="Old, but its event goes on.")
    age(Change.objects.all(), days=40)
    event.refresh_from_db()
    points = (event.seq - REPLAY_LIMIT, event.seq - 3, event.seq - REPLAY_LIMIT - 1, 0)
    before = {after: resume(client, after) for after in points}
    export = manage("export_report", "summit", "--format", "json")

    assert "changes of ended events: 0" in manage("prune", "--changes-days", "50")  # younger than that
    out = manage("prune")

    assert f"changes of ended events: {event.seq - REPLAY_LIMIT}" in out
    assert Change.objects.filter(event=event).count() == REPLAY_LIMIT
    assert Change.objects.filter(event=live).count() == 1
    assert {after: resume(client, after) for after in points} == before  # nothing silently missing
    assert before[event.seq - REPLAY_LIMIT - 1][0]["type"] == "reset"  # past the kept range: reload
    assert before[event.seq - REPLAY_LIMIT][0]["seq"] == event.seq - REPLAY_LIMIT + 1
    assert manage("export_report", "summit", "--format", "json") == export


def test_a_dry_run_counts_and_deletes_nothing_then_prune_deletes_only_what_is_old(alice, carol):
    for key, days in (("old", 2), ("fresh", 0)):
        age(IdempotencyKey.objects.filter(pk=IdempotencyKey.objects.create(user=alice, key=key).pk), days)
    for user in (alice, carol):
        Client().post(
            "/accounts/login/", {"username": user.username, "password": f"{user.username}-password"}
        )
    age(Session.objects.filter(pk=Session.objects.order_by("expire_date").first().pk), 1, "expire_date")
    token_create(user=alice), token_create(user=carol)
    age(AuthToken.objects.filter(user=alice), 40, "expiry")
    age(AuthToken.objects.filter(user=carol), 1, "expiry")  # expired lately: its client is told so

    dry = manage("prune", "--dry-run")
    assert dry.splitlines() == [
        "Would delete (dry run):",
        "  changes of ended events: 0",
        "  idempotency keys: 1",
        "  expired API tokens: 1",
        "  expired sessions: 1",
    ]
    assert (IdempotencyKey.objects.count(), Session.objects.count(), AuthToken.objects.count()) == (2, 2, 2)

    assert manage("prune").splitlines()[0] == "Deleted:"
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]
    assert (Session.objects.count(), list(AuthToken.objects.values_list("user__username", flat=True))) == (
        1,
        ["carol"],
    )


def test_a_negative_age_is_refused_with_what_it_should_be(db):
    with pytest.raises(Exception, match=r"--keys-days is a number of days, 0 or more; it is -1\."):
        manage("prune", "--keys-days", "-1")
