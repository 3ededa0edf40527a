"""Photos where production keeps them, fetched as readers fetch them: under MEDIA_ROOT and served
by the app, or in S3-compatible object storage (MEDIA_STORAGE=s3) and served by the bucket.

The S3-compatible endpoint here is moto's server mode (``moto.server.ThreadedMotoServer``): a
local server speaking S3's HTTP API, bucket policies included, in place of AWS S3, MinIO or R2.
The sites are real (Daphne through bin/serve, tests/server.py) and talk to it over HTTP.
"""

import io
import json
import os
import re
import subprocess
import tarfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from email.message import Message
from pathlib import Path
from urllib.parse import urljoin

import boto3
import psycopg
import pytest
from moto.server import ThreadedMotoServer
from PIL import Image

from tests.helpers import SLUG, Api
from tests.server import ROOT, Site, free_port, require_service, wait_port

pytestmark = pytest.mark.server

IMMUTABLE = "public, max-age=31536000, immutable"
BUCKET = "liveblog-media"
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_S3_REGION_NAME": "us-east-1",
}
# The policy docs/deploy.md gives: anyone may read the renditions, nothing else.
PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicReadMedia",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/media/*",
        }
    ],
}
RED, BLUE = (255, 0, 0), (0, 0, 255)
GPS_IFD, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """moto's server on a port of its own, with the bucket and its public-read policy."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_port(port)
        client = s3_client(endpoint)
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(PUBLIC_READ))
        yield endpoint
    finally:
        # moto keeps its buckets in this process: the next test starts from none.
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).close()
        server.stop()


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=S3_CREDENTIALS["AWS_S3_REGION_NAME"],
    )


def s3_settings(endpoint: str) -> dict[str, str]:
    return {
        "MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        **S3_CREDENTIALS,
    }


def phone_photo() -> bytes:
    """A JPEG as a phone held upright writes it: 400 × 200 pixels stored sideways (red on the
    left, blue on the right) with EXIF Orientation 6 to turn them, the camera's make, and where
    the photo was taken (GPS)."""
    image = Image.new("RGB", (400, 200), RED)
    image.paste(BLUE, (200, 0, 400, 200))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 7.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)
    return out.getvalue()


def fetch(url: str) -> tuple[int, Message, bytes]:
    """Status, headers (their names in any case: moto's are lower case) and body, whatever the
    status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


CONTENT_TYPES = {"webp": "image/webp", "jpg": "image/jpeg"}
PILLOW_FORMATS = {"webp": "WEBP", "jpg": "JPEG"}


def renditions(photo: dict) -> list[tuple[str, int, str]]:
    """Every file a browser may fetch for the photo, with its width and extension: ``srcset``'s
    WebPs, and ``src``, the JPEG for browsers without WebP. Their names end ``-<width>.<ext>``."""
    found = [(url, int(width)) for url, width in re.findall(r"(\S+) (\d+)w", photo["srcset"])]
    found.append((photo["src"], 0))
    named = []
    for url, width in found:
        name = re.search(r"-(\d+)\.(webp|jpg)$", url)
        assert name and width in (0, int(name[1])), url
        named.append((url, int(name[1]), name[2]))
    assert {ext for _, _, ext in named} == {"webp", "jpg"}, photo
    return named


def opened(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


def test_it_keeps_photos_in_the_bucket_upright_without_metadata_and_cached_forever(
    new_site, s3_endpoint, tmp_path
):
    original = phone_photo()
    assert opened(original).getexif().get_ifd(GPS_IFD), "the upload must carry GPS for this test"
    site = new_site(MEDIA_ROOT=str(tmp_path / "media"), **s3_settings(s3_endpoint))
    with site.serve() as base:
        photo = site.api(base).upload_photo(original)

    assert (photo["width"], photo["height"]) == (200, 400)  # turned upright
    for url, width, ext in renditions(photo):
        assert re.fullmatch(rf"{s3_endpoint}/{BUCKET}/media/{SLUG}/[0-9a-f/]+-{width}\.{ext}", url)
        status, headers, body = fetch(url)  # as a reader's browser does: no credentials
        assert status == 200 and headers["Cache-Control"] == IMMUTABLE
        assert headers["Content-Type"] == CONTENT_TYPES[ext]
        image = opened(body).convert("RGB")
        assert image.size == (width, 2 * width)
        # Turned, not only resized: the left of the sensor (red) is now the top.
        assert near(image.getpixel((width // 2, width // 2)), RED)
        assert near(image.getpixel((width // 2, 3 * width // 2)), BLUE)
        served = opened(body)
        assert not served.getexif() and not {"exif", "xmp", "icc_profile"} & set(served.info)
        assert b"PhoneMaker" not in body
    # Only renditions went to the bucket: no copy of the original with its metadata.
    keys = [o["Key"] for o in s3_client(s3_endpoint).list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert all(re.fullmatch(rf"media/{SLUG}/[0-9a-f/]+-\d+\.(webp|jpg)", key) for key in keys), keys
    assert not (tmp_path / "media").exists()


@contextmanager
def two_workers(new_site, root_a: Path, root_b: Path, **env: str) -> Iterator[tuple[str, str, str]]:
    """Two workers on one database (the same SQLite file), each with its media root: their
    URLs and an editor's token."""
    site = new_site(**env)
    with ExitStack() as stack:
        a, b = (
            stack.enter_context(Site({**site.env, "MEDIA_ROOT": str(root)}).serve())
            for root in (root_a, root_b)
        )
        yield a, b, site.token


def photo_published_through(base: str, token: str) -> dict:
    """A photo uploaded through one worker and published in an entry: the photo."""
    api = Api(base, token)
    photo = api.upload_photo(phone_photo())
    entry = api.post_entry("The speaker holds up the report.", media=[photo["id"]])
    assert photo["src"] in entry["html"]
    return photo


def page(base: str) -> str:
    status, _, body = fetch(f"{base}/events/{SLUG}/")
    assert status == 200
    return body.decode()


def test_a_worker_with_a_media_root_of_its_own_shows_a_broken_photo(new_site, tmp_path):
    """What docs/deploy.md warns about: two workers, two disks, one database."""
    with two_workers(new_site, tmp_path / "a", tmp_path / "b") as (a, b, token):
        photo = photo_published_through(a, token)
        assert fetch(urljoin(a, photo["src"]))[0] == 200
        # Worker B's page shows the entry with the photo, whose file B does not have.
        assert f'src="{photo["src"]}"' in page(b)
        assert fetch(urljoin(b, photo["src"]))[0] == 404


@pytest.mark.parametrize("store", ["one shared media root", "S3-compatible storage"])
def test_every_worker_shows_the_photo_from_a_shared_store(request, new_site, tmp_path, store):
    if store == "one shared media root":
        roots, env = (tmp_path / "shared", tmp_path / "shared"), {}
    else:  # each worker's own media root stays unused
        roots, env = (tmp_path / "a", tmp_path / "b"), s3_settings(request.getfixturevalue("s3_endpoint"))
    with two_workers(new_site, *roots, **env) as (a, b, token):
        photo = photo_published_through(a, token)
        for worker in (a, b):  # with S3, both pages name the bucket's URLs
            assert f'src="{photo["src"]}"' in page(worker)
            for url, width, _ in renditions(photo):
                status, headers, body = fetch(urljoin(worker, url))
                assert status == 200 and headers["Cache-Control"] == IMMUTABLE
                assert opened(body).size == (width, 2 * width)


def test_the_app_serves_the_media_root_with_immutable_caching(new_site, tmp_path):
    site = new_site(MEDIA_ROOT=str(tmp_path / "media"))
    with site.serve() as base:
        photo = site.api(base).upload_photo(phone_photo())
        for url, width, ext in renditions(photo):
            assert url.startswith("/media/") and f"/{SLUG}/" in url
            status, headers, body = fetch(urljoin(base, url))
            assert status == 200, url
            assert headers["Cache-Control"] == IMMUTABLE
            assert headers["Content-Type"] == CONTENT_TYPES[ext]
            image = opened(body)
            assert image.format == PILLOW_FORMATS[ext] and image.size == (width, 2 * width)
        # Nothing else is: no other file, no listing of a folder, nothing outside MEDIA_ROOT.
        folder = photo["src"].rsplit("/", 1)[0]
        for missing in (f"{folder}/0000-320.webp", f"{folder}/", "/media/"):
            assert fetch(base + missing)[0] == 404, missing
        for outside in ("/media/../manage.py", "/media/%2e%2e/manage.py", "/media/%2e%2e/%2e%2e/etc/passwd"):
            status, _, body = fetch(base + outside)
            assert status in (400, 404) and b"DJANGO_SETTINGS_MODULE" not in body, outside


BACKUP_DATABASE = "liveblog_media_backup_test"


@pytest.fixture
def empty_database() -> str:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    with psycopg.connect(host="127.0.0.1", user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BACKUP_DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BACKUP_DATABASE}")
    return f"postgres://postgres@127.0.0.1:5432/{BACKUP_DATABASE}"


def backup(url: str, file: Path, **env: str) -> str:
    done = subprocess.run(
        ["deploy/backup.sh", url, str(file)],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "MEDIA_STORAGE"}, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_backup_keeps_the_photos_beside_the_database(empty_database, tmp_path):
    rendition = tmp_path / "media" / "media" / SLUG / "0123abcd-320.webp"
    rendition.parent.mkdir(parents=True)
    rendition.write_bytes(b"RIFF\x00\x00\x00\x00WEBP")
    dump = tmp_path / "liveblog.dump"

    said = backup(empty_database, dump, MEDIA_ROOT=str(tmp_path / "media"))
    assert dump.exists() and f"{dump}.media.tar" in said
    with tarfile.open(f"{dump}.media.tar") as archive:
        archive.extractall(tmp_path / "restored", filter="data")  # as docs/deploy.md says to restore
    assert (tmp_path / "restored" / "media" / SLUG / rendition.name).read_bytes() == rendition.read_bytes()

    # Photos in a bucket are the object store's to back up: the database alone.
    elsewhere = tmp_path / "with-s3.dump"
    backup(empty_database, elsewhere, MEDIA_ROOT=str(tmp_path / "media"), MEDIA_STORAGE="s3")
    assert elsewhere.exists() and not Path(f"{elsewhere}.media.tar").exists()
