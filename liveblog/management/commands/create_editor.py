from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.authtoken.models import Token

from liveblog.management import manage_py
from liveblog.models import Event


class Command(BaseCommand):
    help = (
        "Create a user (or reuse one) and make them an editor of an event. --token prints an API token last."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--event", required=True, dest="slug")
        parser.add_argument(
            "--token", action="store_true", help="Print the user's API token as the last line."
        )

    def handle(self, *args, username: str, slug: str, token: bool, **options) -> None:
        event = Event.objects.filter(slug=slug).first()
        if event is None:
            raise CommandError(f"No event has the slug “{slug}”.")
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_unusable_password()
            user.save()
        event.editors.add(user)
        state = "created" if created else "existing user"
        self.stdout.write(f"{username} ({state}) is an editor of {event.slug}.")
        if created:
            hint = manage_py("changepassword", username)
            self.stdout.write(f"Set a password for the console with: {hint}")
        if token:
            self.stdout.write(Token.objects.get_or_create(user=user)[0].key)
