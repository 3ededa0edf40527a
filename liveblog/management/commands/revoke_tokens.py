from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from liveblog.tokens import tokens_revoke


class Command(BaseCommand):
    help = "Revoke every API token of a user: requests that carry one are refused from now on."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called “{username}”.")
        revoked = tokens_revoke(user=user)
        self.stdout.write(f"Revoked {revoked} API token{'' if revoked == 1 else 's'} of {username}.")
