import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from liveblog.models import Change, Entry, Event, Speaker
from liveblog.reports.importer import import_report
from tests.conftest import SAMPLE

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def import_sample(*options: str) -> str:
    return run(
        "import_report",
        str(SAMPLE),
        "--event",
        "massacre-1988",
        "--date",
        "2018-08-25",
        "--timezone",
        "Europe/Paris",
        "--title",
        "Online Conference",
        *options,
    )


def test_it_imports_the_sample_report_exactly():
    output = import_sample()

    assert "30 created" in output
    event = Event.objects.get(slug="massacre-1988")
    entries = list(
        Entry.objects.filter(event=event).select_related("session", "speaker").order_by("occurred_at")
    )
    assert len(entries) == 30
    assert event.sessions.count() == 17
    assert event.seq == 30 and Change.objects.filter(event=event).count() == 30

    first = entries[0]
    assert first.local_time == "17:03" and first.city_name == "Paris"
    assert first.occurred_at.isoformat() == "2018-08-25T15:03:00+00:00"
    assert (first.speaker.honorific, first.speaker.name) == ("Mrs.", "Maryam Rajavi")
    assert first.speaker.title == "the President-elect of the National Council of Resistance of Iran"
    assert first.body.startswith("Thirty years have passed")

    by_time = {f"{e.occurred_at.astimezone(event.tzinfo):%H:%M}": e for e in entries}  # as the report reads
    assert by_time["18:23"].city_name == "Paris" and by_time["18:23"].speaker is None
    assert by_time["18:23"].body.startswith("Video Clip airs") and by_time["18:23"].kind == "media"
    assert by_time["19:31"].session is None and by_time["19:31"].speaker is None
    assert by_time["19:31"].kind == "breaking"
    assert by_time["20:18"].session is None and by_time["20:18"].body.startswith("Rajavi closes")
    assert by_time["19:20"].speaker.name == "John Paul (?)"
    assert "Those heroes of the 1988 massacre" in by_time["19:20"].body  # the continuation paragraph
    assert by_time["17:52"].body.endswith("against the Iranian people.")  # header right after it
    assert by_time["17:59"].speaker.name == "Farzaneh Majidi"
    assert not any("Exit mobile version" in e.body or "Home News" in e.body for e in entries)


def test_importing_again_adds_nothing_and_updates_a_changed_entry(tmp_path):
    import_sample()
    again = import_sample()
    assert "0 created, 0 updated, 30 unchanged" in again

    edited = tmp_path / "report.txt"
    edited.write_text(
        SAMPLE.read_text().replace("It is our duty, our democratic", "It is our shared duty, our democratic")
    )
    out = run(
        "import_report",
        str(edited),
        "--event",
        "massacre-1988",
        "--date",
        "2018-08-25",
        "--timezone",
        "Europe/Paris",
    )
    assert "0 created, 1 updated, 29 unchanged" in out
    entry = Entry.objects.get(event__slug="massacre-1988", body__startswith="It is our shared duty")
    assert entry.version == 2
    assert Entry.objects.count() == 30 and Speaker.objects.count() == 27


def test_a_dry_run_prints_and_saves_nothing():
    output = import_sample("--dry-run")
    assert "would create: 17:03 Paris" in output and "nothing was saved" in output
    assert not Event.objects.exists() and not Entry.objects.exists() and not Speaker.objects.exists()


def test_a_file_with_no_entries_fails_with_a_reason(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("Home News\nExit mobile version\n")
    with pytest.raises(CommandError, match="no entries"):
        run("import_report", str(empty), "--event", "x", "--date", "2018-08-25", "--timezone", "Europe/Paris")
    assert not Event.objects.exists()


def test_bad_options_are_explained():
    with pytest.raises(CommandError, match="--date must be a date"):
        import_sample_with(date="25/08/2018")
    with pytest.raises(CommandError, match="--timezone must be an IANA timezone"):
        import_sample_with(timezone="Paris")


def import_sample_with(*, date: str = "2018-08-25", timezone: str = "Europe/Paris") -> str:
    return run("import_report", str(SAMPLE), "--event", "x", "--date", date, "--timezone", timezone)


def test_a_failure_part_way_leaves_nothing_behind(monkeypatch):
    from liveblog.reports import importer

    calls = {"n": 0}
    real = importer.services.entry_create

    def failing_create(**kwargs):
        calls["n"] += 1
        if calls["n"] == 10:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(importer.services, "entry_create", failing_create)
    with pytest.raises(RuntimeError):
        import_report(SAMPLE.read_text(), slug="massacre-1988", day=date(2018, 8, 25), tz="Europe/Paris")
    assert not Event.objects.exists() and not Entry.objects.exists() and not Change.objects.exists()


def test_export_json_lists_the_entries_as_imported():
    import_sample()
    document = json.loads(run("export_report", "massacre-1988", "--format", "json"))

    assert document["event"]["title"] == "Online Conference"
    entries = document["entries"]
    assert len(entries) == 30
    assert entries[3]["occurred_at"] == "2018-08-25T15:42:00+00:00"
    assert entries[3]["local_time"] == "17:42"
    assert entries[3]["dateline"] == "17:42 · Berlin · Mr. Hamid Moaser"
    assert entries[3]["city"] == "Berlin"
    assert entries[3]["speaker"] == {"name": "Hamid Moaser", "honorific": "Mr.", "title": ""}
    assert entries[3]["body"].startswith("Also the resistance was chanting")


def test_export_text_imports_back_to_the_same_entries(tmp_path):
    import_sample()
    text = tmp_path / "export.txt"
    text.write_text(run("export_report", "massacre-1988", "--format", "text"))
    run("import_report", str(text), "--event", "copy", "--date", "2018-08-25", "--timezone", "Europe/Paris")

    def shape(slug):
        return [
            (e.local_time, e.city_name, e.speaker and str(e.speaker), e.speaker and e.speaker.title, e.body)
            for e in Entry.objects.filter(event__slug=slug)
            .select_related("session", "speaker", "event")
            .order_by("occurred_at")
        ]

    assert shape("copy") == shape("massacre-1988")


def test_create_editor_prints_the_token_last(event):
    out = run("create_editor", "newsdesk", "--event", "summit", "--token")
    token = out.strip().splitlines()[-1]
    assert len(token) == 64 and "valid until" in out and "shown only this once" in out
    assert event.editors.filter(username="newsdesk").exists()
    # Only a hash is kept, so a second run cannot show the first token again: it makes another.
    assert run("create_editor", "newsdesk", "--event", "summit", "--token").strip().splitlines()[-1] != token
    with pytest.raises(CommandError, match="No event has the slug"):
        run("create_editor", "newsdesk", "--event", "nope")


def test_importing_into_an_existing_event_tells_readers_of_its_new_city(client, event, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text(
        "1742: Berlin: Mr. Hamid Moaser\nThe resistance was chanting.\n\n"
        "1750: Toronto: Ms. Farideh Goudarzi\nGreetings from Canada.\n"
    )
    import_into_summit(report)

    feed = client.get("/api/events/summit/changes/?after=0").json()
    assert [frame["type"] for frame in feed["frames"]] == ["event.updated", "entry.created", "entry.created"]
    cities = feed["frames"][0]["event"]["cities"]
    assert [city["name"] for city in cities] == ["Paris", "Berlin", "London", "Toronto"]
    assert feed["frames"][2]["entry"]["city"] == {"slug": "toronto", "name": "Toronto"}


def test_importing_cities_an_event_has_already_sends_no_event_change(client, event, tmp_path):
    report = tmp_path / "report.txt"
    report.write_text("1742: Berlin: Mr. Hamid Moaser\nThe resistance was chanting.\n")
    import_into_summit(report)

    feed = client.get("/api/events/summit/changes/?after=0").json()
    assert [frame["type"] for frame in feed["frames"]] == ["entry.created"]


def import_into_summit(report) -> str:
    return run("import_report", str(report), "--event", "summit", "--date", "2018-08-25", "--timezone", "UTC")
