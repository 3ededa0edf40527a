"""The error responses of the API, added to every operation of the OpenAPI document: the views
answer them all in the same shape (a JSON object naming the problem), so they are described once.
"""

from drf_spectacular.openapi import AutoSchema


class Schema(AutoSchema):
    """Declares what the views do: a GET answered to anyone (its permission says
    ``public_reads``) needs no credentials."""

    def get_auth(self) -> list[dict]:
        auth = super().get_auth()
        public = any(getattr(p, "public_reads", False) for p in self.view.get_permissions())
        if self.method == "GET" and public and {} not in auth:
            auth.append({})
        return auth


ERROR = {
    "description": "",
    "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
}
WHY = {
    400: "Invalid input: one message per bad field.",
    401: "No credentials: send a token or sign in.",
    403: "Signed in, but not allowed (not an editor of this event), or the CSRF token is missing.",
    404: "No such event, entry or page (or a draft you may not see).",
    413: "The photo is larger than LIVEBLOG_MEDIA_MAX_BYTES.",
    409: "The entry is not awaiting review (any more).",
    412: 'The entry changed since that version: {"detail", "current": <Entry>}.',
    422: "This Idempotency-Key was used for a different request.",
    428: 'Send If-Match: "<version>".',
    429: "Too many writes: wait for Retry-After seconds.",
}


def _statuses(method: str, path: str) -> list[int]:
    if path.startswith("/api/speakers/"):
        return [401, 403]
    if path.endswith(("/people/", "/desk/")) and method == "get":
        return [401, 403, 404]
    if method == "get":
        return [400, 404] if path.endswith("/changes/") else [404]
    statuses = [400, 401, 403, 404, 429]
    if method == "post" and path.endswith(("/entries/", "/media/")):
        statuses.append(422)
    if path.endswith("/media/"):
        statuses.append(413)
    if path.startswith("/api/entries/"):
        statuses += [412, 428]
    if path.endswith(("/approve/", "/return/")):
        statuses.append(409)
    return statuses


def add_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook."""
    for path, operations in result.get("paths", {}).items():
        if path == "/api/schema/":
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in _statuses(method, path):
                responses.setdefault(str(status), {**ERROR, "description": WHY[status]})
    return result
