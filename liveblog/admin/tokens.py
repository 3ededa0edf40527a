"""API tokens in the admin: knox's pages (a new token is shown once, in the message after saving;
deleting a token revokes it), with a new token's expiry set to LIVEBLOG_TOKEN_TTL days from now
rather than left empty, which would make it last for ever."""

from django.contrib import admin
from django.utils import timezone
from knox.admin import AuthTokenAdmin as KnoxAuthTokenAdmin
from knox.admin import AuthTokenCreateForm
from knox.models import AuthToken

from liveblog.tokens import token_lifetime


class TokenCreateForm(AuthTokenCreateForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        expiry = self.fields["expiry"]
        expiry.required, expiry.initial = True, timezone.now() + token_lifetime()
        expiry.help_text = "Requests with the token are refused from then on."


admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(KnoxAuthTokenAdmin):
    add_form = TokenCreateForm
    list_display = ("user", "token_key", "created", "expiry")
