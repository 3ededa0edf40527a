import io
import random
import secrets
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw, ImageFont

from liveblog import media, services
from liveblog.demo_agenda import schedule_demo_agenda
from liveblog.demo_translations import translate_demo
from liveblog.models import Entry, Event, Media
from liveblog.reports.importer import import_report

SAMPLE = Path(settings.BASE_DIR) / "samples" / "minute-by-minute-report.txt"
SLUG = "1988-massacre-conference"
TITLE = (
    "International Online Conference of the Iranian Communities "
    "on the 30th Anniversary of 1988 Massacre in Iran"
)
SUMMARY = (
    "Iranian communities in 17 cities, from Paris and Berlin to Toronto and Ottawa, marked thirty "
    "years since the 1988 massacre of political prisoners in Iran, calling for justice for the victims."
)


def password_file() -> Path:
    """Beside the SQLite database (so each `make run` prints the same working login, and a
    throwaway database keeps its own), or in the project for any other database."""
    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3") and str(database["NAME"]) != ":memory:":
        return Path(database["NAME"]).with_name(".demo-admin-password")
    return Path(settings.BASE_DIR) / ".demo-admin-password"


def venue_photo(city: str, seed: int) -> bytes:
    """A drawn stand-in for a photo from the venue (a hall, a stage, a banner with the city's
    name), encoded as a camera would, so the demo shows what photos look like."""
    rng = random.Random(seed)
    width, height = 1600, 1067
    hue = rng.randrange(360)
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(image, Image.new("RGB", image.size, f"hsl({hue}, 35%, 30%)"), 0.7)
    draw = ImageDraw.Draw(image)
    draw.rectangle((220, 260, 1380, 640), fill=f"hsl({hue}, 30%, 18%)")  # the stage's wall
    draw.rectangle((360, 330, 1240, 470), fill="#f4f1ea")  # the banner
    font = ImageFont.load_default(size=84)
    draw.text((800, 400), city, fill="#7a1f1a", font=font, anchor="mm")
    draw.rectangle((160, 640, 1440, 700), fill=f"hsl({hue}, 25%, 45%)")  # the stage
    for _ in range(420):  # the audience
        x, y = rng.randrange(width), rng.randrange(720, height)
        r = rng.randrange(14, 26) * (y / height)
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=f"hsl({rng.randrange(360)}, 20%, {rng.randrange(10, 40)}%)"
        )
    grain = Image.effect_noise((width, height), 30).convert("RGB")
    out = io.BytesIO()
    Image.blend(image, grain, 0.08).save(out, "JPEG", quality=88)
    return out.getvalue()


def add_photos(event: Event, entries: list[Entry]) -> None:
    """A photo from the venue on each of the latest entries (what readers see first), two on
    the earliest of them: a gallery."""
    for seed, entry in enumerate(entries):
        city = entry.city_name or "Paris"
        shots = [demo_photo(event, city, seed)]
        if seed == 0:
            shots.append(demo_photo(event, city, seed + len(entries)))
        services.entry_update(entry=entry, by=None, media=shots)


def demo_photo(event: Event, city: str, seed: int) -> Media:
    data = venue_photo(city, seed)
    return services.media_create(
        event=event,
        by=None,
        photo=media.process(io.BytesIO(data), len(data)),
        alt=f"The hall in {city}: the audience facing a stage under a banner reading “{city}”.",
        caption=f"The gathering in {city}.",
        credit="Liveblog demo",
    )


class Command(BaseCommand):
    help = "Load the demo event from the sample report (once) and print an admin login."

    def handle(self, *args, **options) -> None:
        loaded = Event.objects.filter(slug=SLUG).first()
        if loaded:
            services.sessions_place(event=loaded, by=None)  # loaded before the gazetteer: each city's zone
            schedule_demo_agenda(loaded)  # the programme running now, whenever the demo is served
            translate_demo(loaded)  # loaded before there were translations
            self.stdout.write(f"Demo event “{SLUG}” is already loaded.")
        else:
            result = import_report(
                SAMPLE.read_text(encoding="utf-8"),
                slug=SLUG,
                day=date(2018, 8, 25),
                tz="Europe/Paris",
                title=TITLE,
            )
            services.event_update(event=result.event, by=None, summary=SUMMARY)
            # The opening and closing speeches: the report's key moments.
            entries = list(Entry.objects.published().filter(event=result.event).in_reader_order())
            for entry in (entries[0], entries[-1]):
                services.entry_set_flags(entry=entry, by=None, key_moment=True)
            add_photos(result.event, entries[-3:])
            translated = translate_demo(result.event)
            schedule_demo_agenda(result.event)
            # Left live so that entries posted through the API reach open reader pages.
            services.event_set_status(event=result.event, status=Event.Status.LIVE, by=None)
            self.stdout.write(
                f"Loaded the demo event “{SLUG}”: {len(result.created)} entries, "
                f"{translated} of them translated into French, German and Persian."
            )
        password = self._admin_password()
        self.stdout.write(f"Admin login: http://127.0.0.1:8000/admin/  user: admin  password: {password}")

    def _admin_password(self) -> str:
        User = get_user_model()
        admin = User.objects.filter(username="admin").first()
        saved = password_file()
        if admin and saved.exists() and admin.check_password(saved.read_text().strip()):
            return saved.read_text().strip()
        password = secrets.token_urlsafe(12)
        admin = admin or User(username="admin", is_staff=True, is_superuser=True)
        admin.set_password(password)
        admin.save()
        saved.write_text(password + "\n")
        saved.chmod(0o600)
        return password
