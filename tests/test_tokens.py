"""API tokens: stored as hashes, shown once, expiring after LIVEBLOG_TOKEN_TTL days, revocable;
a refused token is told why."""

import io
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.conftest import ROOT

pytestmark = pytest.mark.django_db


def manage(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def post_with(token: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.post("/api/events/summit/entries/", {"body": "By token."}, format="json")


def test_it_shows_a_token_once_with_its_expiry_and_keeps_only_a_hash(event, settings):
    settings.LIVEBLOG_TOKEN_TTL = 30
    out = manage("create_editor", "newsdesk", "--event", "summit", "--token")
    token = out.strip().splitlines()[-1]

    assert post_with(token).status_code == 201
    stored = AuthToken.objects.get(user__username="newsdesk")
    assert token not in (stored.digest, stored.token_key)  # the key itself is nowhere in the database
    assert abs(stored.expiry - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert f"valid until {stored.expiry:%Y-%m-%d %H:%M} UTC (30 days)" in out


def test_an_expired_token_is_refused_with_a_401_that_says_so(event):
    token = manage("create_editor", "newsdesk", "--event", "summit", "--token").strip().splitlines()[-1]
    AuthToken.objects.update(expiry=timezone.now() - timedelta(seconds=1))  # its days have passed

    for _ in range(2):  # and it keeps saying so: an expired token is not deleted on sight
        refused = post_with(token)
        assert refused.status_code == 401
        detail = refused.json()["detail"]
        assert detail.startswith("This API token expired on ")
        assert "create_editor newsdesk --event SLUG --token" in detail


def test_a_revoked_token_is_refused_and_the_users_other_tokens_too(event):
    first = manage("create_editor", "newsdesk", "--event", "summit", "--token").strip().splitlines()[-1]
    second = manage("create_editor", "newsdesk", "--event", "summit", "--token").strip().splitlines()[-1]
    assert [post_with(first).status_code, post_with(second).status_code] == [201, 201]

    assert manage("revoke_tokens", "newsdesk").strip() == "Revoked 2 API tokens of newsdesk."

    for token in (first, second):
        refused = post_with(token)
        assert refused.status_code == 401
        assert refused.json()["detail"].startswith("This API token was revoked or never issued; ask an admin")


def test_revoking_the_tokens_of_nobody_says_so(db):
    with pytest.raises(Exception, match="No user is called “ghost”"):
        manage("revoke_tokens", "ghost")


def test_a_plain_text_token_from_before_is_told_it_no_longer_works(event):
    refused = post_with("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")  # the old format: 40 characters
    assert refused.status_code == 401
    assert "from before tokens were stored hashed, and no longer works" in refused.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_upgrading_drops_the_table_of_plain_text_tokens():
    call_command("migrate", "liveblog", "0006", verbosity=0)
    with connection.cursor() as cursor:  # what Django REST framework's authtoken app left
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', 1)")
    call_command("migrate", "liveblog", verbosity=0)
    assert "authtoken_token" not in connection.introspection.table_names()


def test_a_token_lifetime_that_is_not_a_number_of_days_stops_the_start(tmp_path):
    checked = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "LIVEBLOG_TOKEN_TTL": "2w"},
        capture_output=True,
        text=True,
    )
    assert checked.returncode != 0
    assert "LIVEBLOG_TOKEN_TTL is “2w”: the days a token lasts, a whole number." in checked.stderr


def test_an_admin_creates_a_token_shown_once_and_revokes_it_by_deleting_it(client, event, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="admin-password")
    client.force_login(admin)
    form = client.get("/admin/knox/authtoken/add/").content.decode()
    assert 'name="expiry_0"' in form and "refused from then on" in form

    added = client.post(
        "/admin/knox/authtoken/add/",
        {"user": admin.pk, "expiry_0": "2099-01-01", "expiry_1": "12:00:00"},
        follow=True,
    )
    [shown] = [str(m) for m in added.context["messages"] if str(m).startswith("TOKEN ")]
    token = shown.removeprefix("TOKEN ")
    event.editors.add(admin)
    assert post_with(token).status_code == 201

    stored = AuthToken.objects.get(user=admin)
    client.post(f"/admin/knox/authtoken/{stored.pk}/delete/", {"post": "yes"})
    assert post_with(token).status_code == 401


def test_an_admin_cannot_create_a_token_that_never_expires(client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", password="admin-password")
    client.force_login(admin)
    refused = client.post("/admin/knox/authtoken/add/", {"user": admin.pk, "expiry_0": "", "expiry_1": ""})
    assert refused.status_code == 200 and "This field is required." in refused.content.decode()
    assert not AuthToken.objects.exists()
