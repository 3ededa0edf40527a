from datetime import UTC

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from liveblog import services, translations
from liveblog.management import manage_py
from liveblog.models import Event
from liveblog.tokens import token_create


class Command(BaseCommand):
    help = (
        "Create a user (or reuse one) and put them on an event's desk: an editor, a contributor "
        "(--role contributor), optionally limited to some cities (--city SLUG, repeatable), or a "
        "translator (--role translator), optionally into some languages only (--languages fr,de). "
        "--token prints a new API token last: shown only this once, it lasts LIVEBLOG_TOKEN_TTL days."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--event", required=True, dest="slug")
        parser.add_argument("--role", choices=["editor", "contributor", "translator"], default="editor")
        parser.add_argument(
            "--city",
            action="append",
            default=[],
            dest="cities",
            help="A city (session slug) a contributor reports from; repeat for several.",
        )
        parser.add_argument(
            "--languages",
            default="",
            help="The languages a translator translates into, e.g. fr,de; none: any.",
        )
        parser.add_argument(
            "--token",
            action="store_true",
            help="Create an API token and print it as the last line: it is shown only this once.",
        )

    def handle(
        self,
        *args,
        username: str,
        slug: str,
        role: str,
        cities: list[str],
        languages: str,
        token: bool,
        **options,
    ) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(f"No event has the slug “{slug}”.")
        sessions = {s.slug: s for s in event.sessions.all()}
        unknown = [city for city in cities if city not in sessions]
        if unknown:
            raise CommandError(
                f"{event.slug} has no city {', '.join(unknown)}; its cities are: {', '.join(sessions)}."
            )
        if cities and role != "contributor":
            raise CommandError("Only contributors are limited to cities: --city is for --role contributor.")
        codes = [code.strip() for code in languages.split(",") if code.strip()]
        if codes and role != "translator":
            raise CommandError("--languages is for --role translator.")
        try:
            translations.check_languages(codes)
        except ValidationError as error:
            raise CommandError(error.messages[0]) from None
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
        services.desk_set_role(
            event=event, user=user, role=role, cities=[sessions[c] for c in cities], languages=codes
        )
        state = "created" if created else "existing user"
        where = f", reporting from {', '.join(cities)}" if cities else ""
        where += f", into {', '.join(codes)}" if codes else ""
        self.stdout.write(
            f"{username} ({state}) is {'an' if role == 'editor' else 'a'} {role} of {event.slug}{where}."
        )
        if created:
            hint = manage_py("changepassword", username)
            self.stdout.write(f"Set a password for the console with: {hint}")
        if token:
            key, expiry = token_create(user=user)
            until = expiry.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            self.stdout.write(
                f"A new API token for {username}, valid until {until} ({settings.LIVEBLOG_TOKEN_TTL} days). "
                f"It is shown only this once; revoke it with: {manage_py('revoke_tokens', username)}"
            )
            self.stdout.write(key)
