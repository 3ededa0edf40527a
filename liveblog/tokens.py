"""API tokens: django-rest-knox keeps only a hash of each, with an expiry (LIVEBLOG_TOKEN_TTL days),
so a token is shown once, when it is created. Clients send it as `Authorization: Token <key>`.

A refused token gets a 401 that says why (expired, revoked, or a plain-text token from before
tokens were hashed) and how to get a new one."""

import binascii
from datetime import UTC, datetime, timedelta
from hmac import compare_digest

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox import auth
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.settings import CONSTANTS
from rest_framework.exceptions import AuthenticationFailed

from liveblog.management import manage_py

# The length of the plain-text keys of Django REST framework's tokens, used before.
OLD_KEY_LENGTH = 40


def token_lifetime() -> timedelta:
    return timedelta(days=settings.LIVEBLOG_TOKEN_TTL)


def token_create(*, user: AbstractBaseUser) -> tuple[str, datetime]:
    """A new token for ``user`` and when it expires. Only its hash is stored: the key returned
    here cannot be read back later."""
    instance, key = AuthToken.objects.create(user=user, expiry=token_lifetime())
    assert instance.expiry is not None
    return key, instance.expiry


def tokens_revoke(*, user: AbstractBaseUser) -> int:
    """Delete every token of ``user``; requests carrying one of them are refused from now on."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def tokens_prune(*, before: datetime, dry_run: bool = False) -> int:
    """Delete the tokens that expired before ``before`` (kept a while so that their clients
    are told they expired, not that they are unknown)."""
    expired = AuthToken.objects.filter(expiry__lt=before)
    return expired.count() if dry_run else expired.delete()[0]


def _ask_for_new(username: str = "USERNAME") -> str:
    return (
        f"ask an admin for a new one ({manage_py('create_editor', username, '--event', 'SLUG', '--token')})."
    )


class TokenAuthentication(auth.TokenAuthentication):
    """Knox's token check, with refusals that say what is wrong. Expired tokens are kept (knox
    deletes them when seen) until `manage.py prune`, so a client keeps being told they expired."""

    def authenticate_credentials(self, token: bytes) -> tuple[AbstractBaseUser, AuthToken]:
        key = token.decode("utf-8", errors="replace")
        try:
            digest = hash_token(key)
        except (TypeError, binascii.Error):
            raise AuthenticationFailed(f"This API token is not valid; {_ask_for_new()}") from None
        candidates = AuthToken.objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
        for stored in candidates.select_related("user"):
            if not compare_digest(digest, stored.digest):
                continue
            if stored.expiry is not None and stored.expiry <= timezone.now():
                when = stored.expiry.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
                name = stored.user.get_username()
                raise AuthenticationFailed(f"This API token expired on {when}; {_ask_for_new(name)}")
            return self.validate_user(stored)
        if len(key) == OLD_KEY_LENGTH:
            raise AuthenticationFailed(
                "This API token is from before tokens were stored hashed, and no longer works; "
                + _ask_for_new()
            )
        raise AuthenticationFailed(f"This API token was revoked or never issued; {_ask_for_new()}")


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI document's description of these tokens (`Authorization: Token <key>`)."""

    target_class = "liveblog.tokens.TokenAuthentication"
    name = "tokenAuth"
