"""``Idempotency-Key`` on POST: a retry returns the first response and creates nothing.

The key is claimed by inserting its row in the same transaction as the write, so concurrent
retries queue on the unique index: the loser sees the winner's committed response."""

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from liveblog.models import IdempotencyKey

REPLAYED_HEADERS = ("Location", "ETag")


def _fingerprint(request: Request) -> str:
    payload = json.dumps([request.path, request.data], sort_keys=True, default=_described)
    return hashlib.sha256(payload.encode()).hexdigest()


def _described(value: object) -> str:
    """An uploaded file by its content: the same key with another photo is another request."""
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return digest.hexdigest()
    return str(value)


def _error(status: int, message: str) -> Response:
    return Response({"Idempotency-Key": [message]}, status=status)


def _claim(user: User, key: str, fingerprint: str) -> IdempotencyKey | Response:
    """The key's new row, or the response to send instead: the first one, or a refusal."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
    except IntegrityError:
        first = IdempotencyKey.objects.get(user=user, key=key)
    if first.fingerprint != fingerprint:
        return _error(422, _("This key was already used for a different request; use a new key."))
    stored = first.response
    assert stored is not None, "a committed key holds its response: a failed request rolls its key back"
    headers = {**stored["headers"], "Idempotent-Replayed": "true"}
    return Response(stored["body"], status=first.status_code, headers=headers)


def idempotent(handler: Callable) -> Callable:
    """Wrap a POST handler. Only a successful response is kept: after an error the same key may
    be sent again, and is then handled afresh."""

    @wraps(handler)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get("Idempotency-Key")
        user = request.user
        if key is None or isinstance(user, AnonymousUser):  # anonymous writes are refused anyway
            return handler(view, request, *args, **kwargs)
        if not 8 <= len(key) <= 100 or not key.isprintable():
            return _error(400, _("Send a unique value of 8 to 100 characters, such as a UUID."))
        with transaction.atomic():
            record = _claim(user, key, _fingerprint(request))
            if isinstance(record, Response):
                return record
            response = handler(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            headers = {name: response[name] for name in REPLAYED_HEADERS if response.has_header(name)}
            record.response = {"body": response.data, "headers": headers}
            record.save(update_fields=["status_code", "response"])
            return response

    return wrapper
