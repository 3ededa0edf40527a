"""What a photo costs: renditions' sizes and bytes for a phone-sized photo, the time to make them,
and an upload through a running site's API, end to end.

    .venv/bin/python -m bench.media [--width 4032 --height 3024] [--uploads 5]

The photo is drawn (tests/photos.py: gradients, shapes and grain, so it compresses as a photo
does) at a phone camera's 12 megapixels with EXIF, GPS and an orientation tag."""

import argparse
import io
import os
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4032)
    parser.add_argument("--height", type=int, default=3024)
    parser.add_argument("--uploads", type=int, default=5)
    args = parser.parse_args()

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from liveblog import media
    from tests import photos

    data = photos.phone_jpeg(args.width, args.height)
    print(f"photo: {args.width} × {args.height}, {len(data) / 1e6:.2f} MB JPEG with EXIF and GPS")
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        photo = media.process(io.BytesIO(data), len(data))
        timings.append(time.perf_counter() - started)
    assert photo.fallback is not None
    for rendition in [*photo.renditions, photo.fallback]:
        print(
            row(
                f"{rendition.width} × {rendition.height} {rendition.extension}",
                f"{len(rendition.data) / 1e3:.1f} KB",
            )
        )
    total = sum(len(r.data) for r in photo.renditions) + len(photo.fallback.data)
    print(row("all renditions", f"{total / 1e3:.1f} KB ({total / len(data):.0%} of the original)"))
    print(row("processing (3 runs)", ", ".join(f"{t * 1e3:.0f} ms" for t in timings)))
    upload_times(data, args.uploads)


def row(label: str, value: str) -> str:
    return f"  {label:<36} {value}"


def upload_times(data: bytes, uploads: int) -> None:
    """POST the photo to a fresh site (Daphne, SQLite, media on disk) as the console does."""
    from deploy.launch import manage, production_env, serving
    from tests.helpers import Api

    with tempfile.TemporaryDirectory() as tmp:
        env = production_env(Path(tmp))
        manage(env, "migrate", "--noinput")
        token = manage(env, "shell", "-c", SET_UP_EDITOR).splitlines()[-1]
        with serving(env, Path(tmp) / "daphne.log") as server:
            api = Api(server.url, token)
            took = []
            for _ in range(uploads):
                started = time.perf_counter()
                api.upload_photo(data, slug="bench", name="phone.jpg")
                took.append(time.perf_counter() - started)
    print(
        row(
            f"upload, POST to 201 ({uploads} runs)",
            f"median {statistics.median(took) * 1e3:.0f} ms, {min(took) * 1e3:.0f}–{max(took) * 1e3:.0f} ms",
        )
    )


SET_UP_EDITOR = """
from datetime import UTC, datetime
from django.contrib.auth.models import User
from liveblog.tokens import token_create
from liveblog.models import Event
event = Event.objects.create(slug="bench", title="Bench", starts_at=datetime.now(UTC))
user = User.objects.create_user("bench")
event.editors.add(user)
print(token_create(user=user)[0])
"""

if __name__ == "__main__":
    main()
