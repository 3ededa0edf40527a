"""Every page a person opens is valid HTML for every machine that reads it: the Nu Html Checker
(the W3C's validator, vnu.jar from tests/validators/package-lock.json, run with the machine's
Java) finds no error on the home, reader, embed, permalink, speakers, speaker, login and console
pages."""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest

from liveblog import media, services
from liveblog.models import SpeakerSlot
from tests.helpers import unavailable
from tests.photos import phone_jpeg

VALIDATORS = Path(__file__).parent / "validators"
VNU = VALIDATORS / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


@pytest.fixture(scope="session")
def vnu() -> Path:
    if shutil.which("java") is None:
        unavailable("java is not installed (apt-get install -y default-jre-headless)")
    if not VNU.exists():
        if shutil.which("npm") is None:
            unavailable("npm is not installed (apt-get install -y nodejs npm)")
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=VALIDATORS, check=True, capture_output=True
        )
    return VNU


def errors(vnu: Path, pages: dict[str, str], folder: Path) -> list[str]:
    files = []
    for name, html in pages.items():
        files.append(folder / f"{name}.html")
        files[-1].write_text(html)
    checked = subprocess.run(
        ["java", "-jar", str(vnu), "--format", "json", "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(checked.stderr)["messages"]
    return [f"{Path(m['url']).stem}: {m['message']} ({m.get('extract', '').strip()[:80]})" for m in messages]


def test_every_page_is_valid_html(client, event, alice, tmp_path, vnu):
    event.summary = "Communities in three cities mark the anniversary."
    event.save()
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser", title="Spokesman")
    berlin = event.sessions.get(slug="berlin")
    at = datetime(2018, 8, 25, 15, 42, tzinfo=UTC)
    first = services.entry_create(
        event=event,
        by=alice,
        session=berlin,
        speaker=hamid,
        occurred_at=at,
        body="*Down* with them.",
        key_moment=True,
    )
    services.entry_create(event=event, by=alice, body="Read this first.", pinned=True)
    services.entry_create(event=event, by=alice, body="> A quote, and a [link](https://example.org).")
    pages = {
        "home": client.get("/").content.decode(),
        "reader": client.get("/events/summit/").content.decode(),
        "reader-filtered": client.get("/events/summit/?city=Berlin&key=1").content.decode(),
        "embed": client.get("/events/summit/embed/").content.decode(),
        "permalink": client.get(f"/events/summit/entries/{first.pk}/").content.decode(),
        "login": client.get("/accounts/login/").content.decode(),
        "speakers": client.get("/events/summit/speakers/").content.decode(),
        "speaker": speaker_page(client, event, alice, hamid),
    }
    client.force_login(alice)
    pages["console"] = client.get("/events/summit/console/").content.decode()
    assert all("<html" in html for html in pages.values())
    assert (
        'class="speaker-slots__item"' in pages["speaker"]
        and 'class="portrait portrait--large"' in pages["speaker"]
    )
    assert errors(vnu, pages, tmp_path) == []


def speaker_page(client, event, alice, speaker) -> str:
    """A speaker's page with everything it can show: a portrait, a slot and entries."""
    data = phone_jpeg()
    photo = services.media_create(
        event=event, by=alice, photo=media.process(BytesIO(data), len(data)), alt="Him"
    )
    services.speaker_update(speaker=speaker, by=alice, photo=photo)
    berlin = event.sessions.get(slug="berlin")
    SpeakerSlot.objects.create(
        session=berlin, speaker=speaker, starts_at=datetime(2018, 8, 25, 15, 40, tzinfo=UTC)
    )
    return client.get(f"/events/summit/speakers/{speaker.pk}/", follow=True).content.decode()
