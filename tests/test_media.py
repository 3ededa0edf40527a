"""Photos through the API: renditions stripped of what the camera knew, clear refusals of bad
files that leave nothing behind, and entries that show them everywhere they go."""

import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from liveblog import services
from liveblog.models import Change, Media
from tests import photos
from tests.conftest import token_client
from tests.helpers import post_entry


def upload(client, data: bytes, *, name: str = "photo.jpg", slug: str = "summit", headers=None, **fields):
    fields = {"alt": "The stage in Paris", **fields}
    return client.post(
        f"/api/events/{slug}/media/",
        {"file": SimpleUploadedFile(name, data), **fields},
        format="multipart",
        headers=headers,
    )


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def served(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def editor(alice):
    return token_client(alice)


def test_it_makes_webp_renditions_up_to_the_photos_width_and_a_jpeg(editor, settings):
    response = upload(editor, photos.phone_jpeg(1200, 800), caption="Opening", credit="Anna Berg")

    assert response.status_code == 201, response.data
    body = response.json()
    assert body["type"] == "image" and body["alt"] == "The stage in Paris"
    assert (body["caption"], body["credit"], body["width"], body["height"]) == (
        "Opening",
        "Anna Berg",
        1200,
        800,
    )
    widths = [int(part.rsplit(" ", 1)[1][:-1]) for part in body["srcset"].split(", ")]
    assert widths == [320, 640, 1024, 1200]  # never wider than the original
    assert body["src"].endswith(".jpg") and all(".webp " in part for part in body["srcset"].split(", "))
    assert len(stored_files(settings)) == 5


def test_it_serves_renditions_without_exif_gps_or_xmp_and_upright(editor, client):
    # A phone held upright stores landscape pixels and says "rotate 90°" in EXIF.
    body = upload(editor, photos.phone_jpeg(400, 200, orientation=6)).json()

    assert (body["width"], body["height"]) == (200, 400)
    urls = [part.rsplit(" ", 1)[0] for part in body["srcset"].split(", ")] + [body["src"]]
    for url in urls:
        image = served(client, url)
        assert image.size == (200, 400)
        assert not image.getexif() and "exif" not in image.info and "xmp" not in image.info
        assert not image.getexif().get_ifd(0x8825)  # no GPS


def test_it_serves_renditions_with_immutable_caching(editor, client):
    body = upload(editor, photos.png()).json()

    response = client.get(body["src"])

    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["Content-Type"] == "image/jpeg"


def test_it_keeps_transparency_in_webp_and_flattens_it_on_white_in_the_jpeg(editor, client):
    body = upload(editor, photos.png(), name="logo.png").json()

    webp = served(client, body["srcset"].split(" ")[0])
    jpeg = served(client, body["src"])
    assert webp.mode == "RGBA" and webp.getpixel((0, 0))[3] == 128
    assert jpeg.mode == "RGB" and jpeg.getpixel((0, 0))[0] > 100  # blue at half opacity on white


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (photos.PDF, "report.jpg", "This file is a PDF, not a photo."),
        (photos.SVG, "logo.svg", "SVG drawings are refused: they can carry scripts."),
        (b"just some words", "notes.jpg", "This file is not an image Liveblog can read"),
        (photos.phone_jpeg()[:3000], "cut.jpg", "The image is damaged or cut short"),
        (photos.bomb_png(8000, 8000), "bomb.png", "The image is 8000 × 8000 pixels (64 megapixels)"),
        (photos.HEIC, "IMG_0001.heic", "HEIC photos cannot be read yet: set the phone's camera to"),
    ],
    ids=["pdf-renamed-jpg", "svg", "text", "truncated-jpeg", "decompression-bomb", "heic"],
)
def test_it_refuses_bad_files_saying_why_and_keeps_nothing(editor, settings, data, name, message):
    response = upload(editor, data, name=name)

    assert response.status_code == 400
    assert response.json()["file"][0].startswith(message)
    assert stored_files(settings) == [] and not Media.objects.exists()


def test_it_refuses_a_file_above_the_limit_with_413(editor, settings):
    settings.LIVEBLOG_MEDIA_MAX_BYTES = 50_000
    data = photos.phone_jpeg(1600, 1200)
    assert len(data) > 50_000

    response = upload(editor, data)

    assert response.status_code == 413
    assert response.json()["file"] == [f"The file is {len(data) / 1e6:.2g} MB; photos may be up to 0.05 MB."]
    assert stored_files(settings) == []


def test_it_refuses_a_declared_oversized_body_before_reading_it(editor, settings):
    settings.LIVEBLOG_MEDIA_MAX_BYTES = 1_000_000
    response = editor.post(
        "/api/events/summit/media/",
        b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH="9000000",
    )

    assert response.status_code == 413
    assert response.json()["file"] == ["The file is 9 MB; photos may be up to 1 MB."]


def test_it_keeps_the_first_frame_of_an_animated_gif(editor, client):
    body = upload(editor, photos.animated_gif(), name="clap.gif").json()

    still = served(client, body["srcset"].split(" ")[0])
    assert getattr(still, "n_frames", 1) == 1
    assert still.convert("RGB").getpixel((10, 10))[0] > 200  # red: the first frame


def test_it_asks_for_alt_text(editor, settings):
    response = upload(editor, photos.png(), alt="")

    assert response.status_code == 400
    assert response.json() == {"alt": ["Describe the photo for readers who cannot see it (alt)."]}
    assert stored_files(settings) == []


def test_only_the_events_editors_upload(api, event, bob, carol):
    assert upload(api, photos.png()).status_code in {401, 403}
    assert upload(token_client(carol), photos.png()).status_code == 403
    assert upload(token_client(bob), photos.png()).status_code == 403


def test_an_upload_retried_with_its_idempotency_key_is_stored_once(editor, settings):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    data = photos.phone_jpeg(700, 500)

    first = upload(editor, data, headers=key)
    again = upload(editor, data, headers=key)
    other = upload(editor, photos.phone_jpeg(700, 500, seed=2), headers=key)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422  # the same key with another photo
    assert Media.objects.count() == 1 and len(stored_files(settings)) == 4


def test_an_entry_shows_its_photos_in_order_as_a_gallery(editor, event):
    first = upload(editor, photos.phone_jpeg(800, 600), caption="Paris", credit="AB").json()
    second = upload(editor, photos.png(), alt="The banner").json()

    response = post_entry(
        editor, body="Doors open.", media=[second["id"], first["id"]], headline="Doors open"
    )

    assert response.status_code == 201, response.data
    entry = response.json()
    assert [m["id"] for m in entry["media"]] == [second["id"], first["id"]]
    assert entry["headline"] == "Doors open"
    html = entry["html"]
    assert '<h3 class="entry__headline" lang="en" dir="ltr">Doors open</h3>' in html
    assert '<div class="gallery" role="group" aria-label="2 photos">' in html
    assert html.index('alt="The banner"') < html.index('alt="The stage in Paris"')
    assert 'loading="lazy"' in html and 'width="800" height="600"' in html
    assert f'srcset="{first["srcset"]}"' in html
    assert (
        '<figcaption class="photo__caption">Paris <span class="photo__credit">AB</span></figcaption>' in html
    )


def test_an_entry_takes_only_photos_of_its_own_event(editor, bob):
    theirs = upload(token_client(bob), photos.png(), slug="other-summit").json()

    response = post_entry(editor, body="Look.", media=[theirs["id"], 999999])

    assert response.status_code == 400
    assert response.json() == {
        "media": [f"No photo {theirs['id']}, 999999 was uploaded to this event: upload it first."]
    }


def test_the_frame_and_a_replay_carry_the_photos(editor, event):
    photo = upload(editor, photos.png()).json()
    entry = post_entry(editor, body="Look.", media=[photo["id"]]).json()

    frame = json.loads(Change.objects.get(event=event, seq=event.seq + 1).frame)

    assert frame["entry"]["media"] == [photo]
    assert 'alt="The stage in Paris"' in frame["entry"]["html"]
    replay = editor.get("/api/events/summit/changes/?after=0").json()["frames"]
    assert replay[-1]["entry"]["id"] == entry["id"] and replay[-1]["entry"]["media"] == [photo]


def test_a_patch_reorders_and_removes_photos_and_readers_get_it(editor, event):
    a, b = (upload(editor, photos.png(), alt=alt).json() for alt in ("A", "B"))
    entry = post_entry(editor, body="Look.", media=[a["id"], b["id"]]).json()

    response = editor.patch(
        f"/api/entries/{entry['id']}/", {"media": [b["id"]]}, format="json", headers={"If-Match": '"1"'}
    )

    assert [m["alt"] for m in response.json()["media"]] == ["B"]
    event.refresh_from_db()
    frame = json.loads(Change.objects.get(event=event, seq=event.seq).frame)
    assert [m["alt"] for m in frame["entry"]["media"]] == ["B"] and 'alt="A"' not in frame["entry"]["html"]


def test_a_deleted_entrys_photos_are_listed_nowhere_and_served_to_nobody(
    editor, event, client, django_capture_on_commit_callbacks
):
    photo = upload(editor, photos.png()).json()
    entry = post_entry(editor, body="Wrong photo.", media=[photo["id"]]).json()
    assert client.get(photo["src"]).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        editor.delete(f"/api/entries/{entry['id']}/")

    assert client.get(photo["src"]).status_code == 404
    frames = editor.get("/api/events/summit/changes/?after=0").json()["frames"]
    assert photo["src"] not in json.dumps(frames)
    assert photo["src"] not in client.get("/events/summit/").content.decode()
    again = post_entry(editor, body="Again.", media=[photo["id"]])
    assert again.json() == {"media": ["A photo was withdrawn with its deleted entry: upload it again."]}


def test_a_photo_shown_by_another_entry_stays_when_one_is_deleted(
    editor, client, django_capture_on_commit_callbacks
):
    photo = upload(editor, photos.png()).json()
    first = post_entry(editor, body="One.", media=[photo["id"]]).json()
    post_entry(editor, body="Two.", media=[photo["id"]])

    with django_capture_on_commit_callbacks(execute=True):
        editor.delete(f"/api/entries/{first['id']}/")

    assert client.get(photo["src"]).status_code == 200


def test_a_failed_record_leaves_no_files(alice, event, settings, monkeypatch):
    from liveblog import media

    photo = media.process(io.BytesIO(photos.png()), len(photos.png()))
    with pytest.raises(Exception, match="alt"):
        services.media_create(event=event, by=alice, photo=photo, alt="x" * 600)
    assert stored_files(settings) == []


@pytest.fixture
def photo_entry(editor, event):
    """An entry with a headline and two photos, the first with a caption and credit."""
    first = upload(editor, photos.phone_jpeg(800, 600), caption="Opening", credit="Anna Berg").json()
    second = upload(editor, photos.png(), alt="The banner").json()
    body = post_entry(
        editor,
        body="Doors open.",
        headline="The doors open in Paris",
        city="paris",
        media=[first["id"], second["id"]],
    )
    return body.json(), first, second


def test_the_permalink_shares_the_first_photo_as_a_large_card(client, photo_entry):
    entry, first, _ = photo_entry

    html = client.get(f"/events/summit/entries/{entry['id']}/").content.decode()

    assert f'<meta property="og:image" content="http://testserver{first["src"]}">' in html
    assert '<meta property="og:image:alt" content="The stage in Paris">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert (
        f'<meta property="og:title" content="{entry["local_time"]} · Paris — The doors open in Paris">'
        in html
    )


def test_json_ld_lists_the_updates_images_and_headline(client, photo_entry):
    entry, first, second = photo_entry

    html = client.get("/events/summit/").content.decode()
    data = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])

    [update] = [u for u in data["liveBlogUpdate"] if u["headline"] == "The doors open in Paris"]
    assert update["image"] == [
        "http://testserver" + first["srcset"].split(", ")[-1].split(" ")[0],
        "http://testserver" + second["srcset"].split(", ")[-1].split(" ")[0],
    ]


def test_the_atom_feed_titles_the_entry_by_its_headline_and_shows_its_photos(client, photo_entry):
    import feedparser

    entry, first, _ = photo_entry

    feed = feedparser.parse(client.get("/events/summit/feed/").content)

    [item] = [i for i in feed.entries if i.title == "The doors open in Paris"]
    content = item.summary
    assert f'src="http://testserver{first["src"]}"' in content and 'alt="The stage in Paris"' in content
    assert "<figcaption>Opening (Anna Berg)</figcaption>" in content


def test_key_moments_show_the_headline(editor, client, photo_entry):
    entry, _, _ = photo_entry
    editor.patch(
        f"/api/entries/{entry['id']}/", {"key_moment": True}, format="json", headers={"If-Match": '"1"'}
    )

    html = client.get("/events/summit/").content.decode()

    key_moments = html.split('id="key-heading"')[1].split("</ol>")[0]
    assert ">The doors open in Paris</span>" in key_moments and "key-moments__text" in key_moments


def test_exports_carry_headlines_and_photos_and_the_text_format_still_imports_back(photo_entry, event):
    from liveblog.reports.exporter import export_report

    entry, first, second = photo_entry

    markdown = export_report(event, "markdown", site="https://live.example.org/")
    document = json.loads(export_report(event, "json", site="https://live.example.org/"))
    text = export_report(event, "text")

    assert "### The doors open in Paris" in markdown
    assert f"![The stage in Paris](https://live.example.org{first['src']})\n*Opening (Anna Berg)*" in markdown
    record = document["entries"][0]
    assert record["headline"] == "The doors open in Paris"
    assert [m["src"] for m in record["media"]] == [
        "https://live.example.org" + first["src"],
        "https://live.example.org" + second["src"],
    ]
    assert record["media"][0]["srcset"].startswith("https://live.example.org/media/summit/")
    assert "doors open in Paris" not in text and "Doors open." in text  # the reports have no headlines


def test_a_headline_longer_than_120_characters_is_refused(editor, event):
    response = post_entry(editor, body="Text.", headline="x" * 121)

    assert response.status_code == 400
    assert response.json() == {"headline": ["Keep the headline to 120 characters or fewer."]}


def test_correcting_a_photos_alt_text_in_the_admin_reaches_readers(client, admin_user, photo_entry, event):
    entry, first, _ = photo_entry
    client.force_login(admin_user)

    listing = client.get("/admin/liveblog/media/").content.decode()
    page = client.get(f"/admin/liveblog/media/{first['id']}/change/").content.decode()
    response = client.post(
        f"/admin/liveblog/media/{first['id']}/change/",
        {"alt": "Candles on the stage", "caption": "Opening", "credit": "Anna Berg"},
    )

    assert '<img src="/media/summit/' in listing and "-320.webp" in listing  # thumbnails
    assert f"/admin/liveblog/entry/{entry['id']}/change/" in page  # where it is used
    assert response.status_code == 302
    event.refresh_from_db()
    frame = json.loads(Change.objects.get(event=event, seq=event.seq).frame)
    assert frame["entry"]["media"][0]["alt"] == "Candles on the stage"
    assert 'alt="Candles on the stage"' in frame["entry"]["html"]


@pytest.mark.parametrize(
    ("width", "height", "orientation", "shown"), [(3400, 2000, 1, (1600, 941)), (2000, 3400, 6, (1600, 941))]
)
def test_a_large_photo_is_decoded_small_and_still_gives_the_widest_rendition(
    editor, client, width, height, orientation, shown
):
    body = upload(editor, photos.phone_jpeg(width, height, orientation=orientation)).json()

    assert (body["width"], body["height"]) == shown
    widest = body["srcset"].split(", ")[-1].split(" ")[0]
    assert served(client, widest).size == shown
