"""The agenda: speaker slots written through the services (the event's lock, a change readers
are told of), imported from the text format, served by the API and on the agenda page."""

import json
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from liveblog import agenda, services
from liveblog.models import Change, Event, Speaker, SpeakerSlot
from tests.conftest import make_event, token_client

pytestmark = pytest.mark.both_databases

T1742 = datetime(2018, 8, 25, 15, 42, tzinfo=UTC)  # 17:42 in Berlin


def last_frame(event: Event) -> dict:
    return json.loads(Change.objects.filter(event=event).latest("seq").frame)


def berlin_slot(event: Event, by=None, **fields) -> SpeakerSlot:
    values = {"session": event.sessions.get(slug="berlin"), "speaker": "Mr. Hamid Moaser", "starts_at": T1742}
    return services.slot_create(event=event, by=by, **{**values, **fields})


# Services -----------------------------------------------------------------------------------


def test_it_tells_readers_of_each_change_to_the_agenda(event, alice):
    slot = berlin_slot(event, alice, ends_at=T1742 + timedelta(minutes=6), title="Remembering 1988")
    assert last_frame(event)["type"] == "event.updated"
    shown = last_frame(event)["agenda"]
    assert [(s["city"]["name"], s["speaker"]["name"], s["local_start"], s["title"]) for s in shown] == [
        ("Berlin", "Hamid Moaser", "17:42", "Remembering 1988")
    ]
    assert shown[0]["until"] == "2018-08-25T15:48:00+00:00"

    services.slot_update(slot=slot, by=alice, starts_at=T1742 - timedelta(minutes=2))
    assert last_frame(event)["agenda"][0]["local_start"] == "17:40"
    services.slot_delete(slot=slot, by=alice)
    assert last_frame(event)["agenda"] == []
    assert list(Change.objects.filter(event=event).values_list("seq", flat=True)) == [1, 2, 3]
    assert Change.objects.filter(event=event, actor=alice).count() == 3


def test_a_slot_without_an_end_lasts_until_the_next_in_its_city(event):
    first = berlin_slot(event)
    berlin_slot(event, speaker="Ms. Farideh Goudarzi", starts_at=T1742 + timedelta(minutes=6))
    until = {s["speaker"]["name"]: s["until"] for s in agenda.agenda_payload(event)}
    assert until["Hamid Moaser"] == "2018-08-25T15:48:00+00:00"
    assert until["Farideh Goudarzi"] == "2018-08-25T16:18:00+00:00"  # the last: half an hour
    stages = agenda.on_stage(agenda.slots_of(event), at=T1742 + timedelta(minutes=1))
    assert [(str(s.now.speaker), str(s.next.speaker)) for s in stages] == [
        ("Mr. Hamid Moaser", "Ms. Farideh Goudarzi")
    ]
    assert stages[0].until == "17:48" and stages[0].next_at == "17:48"
    assert first.speaker == Speaker.objects.get(name="Hamid Moaser")


def test_it_refuses_a_slot_that_ends_before_it_starts(event):
    with pytest.raises(ValidationError) as refused:
        berlin_slot(event, ends_at=T1742 - timedelta(minutes=1))
    assert refused.value.message_dict == {"ends_at": ["A slot must end after it starts."]}
    assert not SpeakerSlot.objects.exists() and not Change.objects.exists()


def test_it_refuses_a_slot_in_another_events_city(event, other_event):
    toronto = other_event.sessions.get()
    with pytest.raises(ValidationError) as refused:
        services.slot_create(event=event, by=None, session=toronto, speaker="Mr. X", starts_at=T1742)
    assert refused.value.message_dict == {"session": ["Toronto is a city of another event."]}
    slot = berlin_slot(event)
    with pytest.raises(ValidationError):
        services.slot_update(slot=slot, by=None, session=toronto)
    assert not Change.objects.filter(event=other_event).exists()
    assert SpeakerSlot.objects.get().session.slug == "berlin"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_slots_and_entries_written_at_once_queue_on_the_events_lock():
    event = make_event("agenda-lock")
    berlin = event.sessions.get(slug="berlin")
    writers, each = 6, 8
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(n: int) -> None:
        try:
            start.wait()
            mine = Event.objects.get(pk=event.pk)
            for i in range(each):
                at = T1742 + timedelta(minutes=n * each + i)
                if n % 2:
                    services.slot_create(
                        event=mine, by=None, session=berlin, speaker=f"Speaker {n}", starts_at=at
                    )
                else:
                    services.entry_create(event=mine, by=None, body=f"writer {n} entry {i}")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = list(Change.objects.filter(event=event).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * each + 1))
    # Each agenda frame holds every slot written before it: none was read outside the lock.
    sizes = [
        len(json.loads(f)["agenda"])
        for f in Change.objects.filter(event=event, type="event.updated")
        .order_by("seq")
        .values_list("frame", flat=True)
    ]
    assert sizes == list(range(1, writers // 2 * each + 1))


# import_agenda ------------------------------------------------------------------------------

AGENDA = """\
# The Berlin and London programme, in each city's time
2018-08-25 17:42–17:48 | Berlin | Mr. Hamid Moaser | Remembering 1988
2018-08-25
17:48 | Berlin | Ms. Farideh Goudarzi, former political prisoner
2018-08-25 17:52-17:59 | london | Ms. Naghmeh Rajabi
"""


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_agenda", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def write(tmp_path, text: str) -> str:
    path = tmp_path / "agenda.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_it_imports_an_agenda_in_each_citys_time(event, tmp_path):
    event.sessions.filter(slug="london").update(timezone="Europe/London")
    output = run(event.slug, write(tmp_path, AGENDA))

    assert "summit: 3 slot(s) added, 0 already on the agenda" in output
    assert "added: 2018-08-25 17:48 Berlin: Ms. Farideh Goudarzi" in output
    slots = list(SpeakerSlot.objects.order_by("starts_at").select_related("speaker", "session"))
    assert [(s.session.slug, str(s.speaker), s.starts_at.isoformat()) for s in slots] == [
        ("berlin", "Mr. Hamid Moaser", "2018-08-25T15:42:00+00:00"),
        ("berlin", "Ms. Farideh Goudarzi", "2018-08-25T15:48:00+00:00"),
        ("london", "Ms. Naghmeh Rajabi", "2018-08-25T16:52:00+00:00"),  # 17:52 in London
    ]
    assert slots[0].title == "Remembering 1988" and slots[1].speaker.title == "former political prisoner"
    assert Change.objects.filter(event=event).count() == 1  # readers told once

    again = run(event.slug, write(tmp_path, AGENDA))
    assert "0 slot(s) added, 3 already on the agenda" in again
    assert SpeakerSlot.objects.count() == 3


def test_a_dry_run_saves_nothing(event, tmp_path):
    output = run(event.slug, write(tmp_path, AGENDA), "--dry-run")
    assert "would add: 2018-08-25 17:42 Berlin: Mr. Hamid Moaser" in output
    assert "summit: 3 slot(s) would add" in output
    assert "dry run: nothing was saved" in output
    assert not SpeakerSlot.objects.exists() and not Change.objects.exists()


def test_it_names_each_bad_line_and_imports_nothing(event, tmp_path):
    text = (
        "17:42 | Berlin | Mr. Hamid Moaser\n"  # line 1: no date yet
        "2018-08-25 17:42 | Tirana | Mr. X\n"
        "2018-08-25 25:10 | Berlin | Mr. Y\n"
        "2018-08-25 17:50 | Berlin\n"
        "2018-08-25 17:55 | Berlin | Ms. Z\n"  # a good line: not imported either
    )
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 4 line"):
        call_command("import_agenda", event.slug, write(tmp_path, text), stdout=StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].endswith(
        "line 1: no date: start the line with one (2026-06-03 17:40) or put a date on a line above."
    )
    assert lines[1].endswith("line 2: “Tirana” is not a city of this event (Paris, Berlin, London).")
    assert lines[2].endswith("line 3: “25:10” is not a time of day: 00:00 to 23:59.")
    assert "line 4: expected “time | city | speaker”" in lines[3]
    assert not SpeakerSlot.objects.exists()


def test_it_names_an_unknown_event(db, tmp_path):
    with pytest.raises(CommandError, match="No event “nope”."):
        run("nope", write(tmp_path, AGENDA))


# The API --------------------------------------------------------------------------------------


def test_an_editor_adds_moves_and_removes_a_slot_through_the_api(event, alice, bob):
    client = token_client(alice)
    url = f"/api/events/{event.slug}/agenda/"
    made = client.post(
        url,
        {"city": "berlin", "speaker_name": "mr. hamid MOASER", "starts_at": "2018-08-25T17:42"},
        format="json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["slots"][0]["starts_at"] == "2018-08-25T15:42:00+00:00"  # read in Berlin's time
    slot_url = f"/api/slots/{made.json()['id']}/"

    late = client.patch(slot_url, {"ends_at": "2018-08-25T17:30"}, format="json")
    assert late.status_code == 400 and late.json() == {"ends_at": ["A slot must end after it starts."]}
    assert (
        client.patch(slot_url, {"ends_at": "2018-08-25T17:50", "title": "Words"}, format="json").status_code
        == 200
    )
    assert Client().get(url).json()["slots"][0]["until"] == "2018-08-25T15:50:00+00:00"

    assert token_client(bob).delete(slot_url).status_code == 403  # an editor of another event
    assert Client().post(url, {}, content_type="application/json").status_code in (401, 403)
    assert client.delete(slot_url).json() == {"slots": []}


def test_the_api_names_what_is_wrong_with_a_slot(event, alice):
    refused = token_client(alice).post(
        f"/api/events/{event.slug}/agenda/", {"city": "tirana", "starts_at": "later"}, format="json"
    )
    assert refused.status_code == 400
    errors = refused.json()
    assert errors["city"] == ["“tirana” is not a city of this event (Paris, Berlin, London)."]
    assert "starts_at" in errors


# The agenda page ------------------------------------------------------------------------------


def test_the_agenda_page_lists_each_citys_programme_and_links_what_happened(event, alice):
    berlin = event.sessions.get(slug="berlin")
    berlin.timezone = "Europe/Berlin"
    berlin.save()
    hamid = services.speaker_get_or_create(name="Mr. Hamid Moaser")
    entry = services.entry_create(
        event=event,
        by=alice,
        body="Chants.",
        session=berlin,
        speaker=hamid,
        occurred_at=T1742 + timedelta(minutes=1),
    )
    services.entry_create(
        event=event, by=alice, body="Elsewhere.", speaker=hamid, occurred_at=T1742
    )  # no city
    berlin_slot(event, ends_at=T1742 + timedelta(minutes=6))
    now = timezone.now()
    services.slot_create(
        event=event,
        by=None,
        session=event.sessions.get(slug="paris"),
        speaker="Mrs. Maryam Rajavi",
        starts_at=now + timedelta(hours=1),
        title="Closing words",
    )

    page = Client().get(f"/events/{event.slug}/agenda/")
    assert page.status_code == 200
    html = page.content.decode()
    berlin_part = html.split('id="city-berlin"')[1]
    assert "17:42</time>–<time" in berlin_part and "17:48</time>" in berlin_part
    assert "Happened" in berlin_part
    assert f'href="/events/{event.slug}/entries/{entry.pk}/">17:43</a>' in berlin_part
    assert berlin_part.count("/entries/") == 1  # not the entry without a city
    paris_part = html.split('id="city-paris"')[1].split('id="city-berlin"')[0]
    assert (
        "Mrs. Maryam Rajavi" in paris_part and "Closing words" in paris_part and "Happened" not in paris_part
    )
    assert 'id="city-london"' not in html  # no programme there


def test_an_event_without_an_agenda_says_so(event):
    page = Client().get(f"/events/{event.slug}/agenda/")
    assert "No agenda has been published for this event yet." in page.content.decode()
    assert Client().get("/events/nope/agenda/").status_code == 404


# The admin ------------------------------------------------------------------------------------


def test_the_admin_edits_a_citys_agenda_in_the_citys_time(event, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="root-password")
    client = Client()
    client.force_login(admin_user)
    berlin = event.sessions.get(slug="berlin")
    berlin.timezone = "Europe/Berlin"
    berlin.save()
    slot = berlin_slot(event)
    services.speaker_get_or_create(name="Ms. Farideh Goudarzi")
    url = f"/admin/liveblog/cityagenda/{berlin.pk}/change/"

    shown = client.get(url).content.decode()
    assert "Starts (Berlin, Europe/Berlin)" in shown
    assert 'value="17:42"' in shown  # the slot's time as Berlin reads it
    farideh = Speaker.objects.get(name="Farideh Goudarzi")
    form = {
        "slots-TOTAL_FORMS": "2",
        "slots-INITIAL_FORMS": "1",
        "slots-0-id": str(slot.pk),
        "slots-0-session": str(berlin.pk),
        "slots-0-speaker": str(slot.speaker_id),
        "slots-0-starts_at_0": "2018-08-25",
        "slots-0-starts_at_1": "17:42",
        "slots-0-ends_at_0": "2018-08-25",
        "slots-0-ends_at_1": "17:40",  # before it starts
        "slots-1-session": str(berlin.pk),
        "slots-1-speaker": str(farideh.pk),
        "slots-1-starts_at_0": "2018-08-25",
        "slots-1-starts_at_1": "17:48",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "A slot must end after it starts." in refused.content.decode()
    assert SpeakerSlot.objects.count() == 1

    saved = client.post(url, {**form, "slots-0-ends_at_1": "17:48"})
    assert saved.status_code == 302
    times = [(s.speaker.name, s.starts_at, s.ends_at) for s in SpeakerSlot.objects.select_related("speaker")]
    assert times == [
        ("Hamid Moaser", T1742, T1742 + timedelta(minutes=6)),
        ("Farideh Goudarzi", T1742 + timedelta(minutes=6), None),
    ]
    assert [
        len(json.loads(f)["agenda"]) for f in Change.objects.order_by("seq").values_list("frame", flat=True)
    ] == [1, 1, 2]


# The reader page ------------------------------------------------------------------------------


def test_the_reader_page_shows_who_is_on_stage_now_and_next(event):
    now = timezone.now()
    berlin = event.sessions.get(slug="berlin")
    berlin_slot(event, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(minutes=10))
    berlin_slot(event, speaker="Ms. Farideh Goudarzi", starts_at=now + timedelta(minutes=10))
    services.slot_create(
        event=event,
        by=None,
        session=event.sessions.get(slug="paris"),
        speaker="Mrs. Maryam Rajavi",
        starts_at=now - timedelta(hours=2),
        ends_at=now - timedelta(hours=1),
    )

    html = Client().get(f"/events/{event.slug}/").content.decode()
    panel = html.split('class="on-stage"')[1].split("</section>")[0]
    assert "On stage" in panel and f'href="/events/{event.slug}/agenda/"' in panel
    until = (now + timedelta(minutes=10)).astimezone(berlin.tzinfo)
    assert "<strong>Mr. Hamid Moaser</strong>" in panel and f"until {until:%H:%M}</span>" in panel
    assert f"Next</span> {until:%H:%M} Ms. Farideh Goudarzi" in panel
    assert "Maryam Rajavi" not in panel.split('id="agenda-data"')[0]  # her slot is over
    paris_only = Client().get(f"/events/{event.slug}/?city=paris").content.decode()
    shown = '<section class="on-stage" aria-labelledby="on-stage-heading" data-city="paris" hidden>'
    assert shown in paris_only
