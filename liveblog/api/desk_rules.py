"""What each role on an event's desk may do with entries. Editors (and staff) may do anything;
a contributor writes drafts and submits them, changes only their own entries until an editor
has published or scheduled them, reports from their cities only, and never publishes."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request

from liveblog import translations
from liveblog.frames import entry_payload
from liveblog.models import Entry, EntryQuerySet, Event, Role
from liveblog.translations import in_language


def role(request: Request, event: Event) -> Role | None:
    """The requester's role on the event's desk, read once per request and event."""
    cache = request.__dict__.setdefault("_desk_roles", {})
    if event.pk not in cache:
        cache[event.pk] = event.role_of(request.user)
    return cache[event.pk]


def payload_for(request: Request, entry: Entry) -> dict[str, Any]:
    """The entry as readers see it; to its event's desk, with its way through the desk too."""
    payload = entry_payload(entry)
    if role(request, entry.event) is not None:
        payload.update(desk_payload(entry))
    return in_language(payload, entry, translations.known(request.query_params.get("lang")))


def desk_payload(entry: Entry) -> dict[str, Any]:
    """An entry's author, schedule and last review step: prefetched for a list (desk_entries)."""
    reviews = list(entry.reviews.all())
    last = reviews[-1] if reviews else None
    return {
        "publish_at": entry.publish_at.isoformat() if entry.publish_at else None,
        "author": entry.author.get_username() if entry.author else None,
        "review": {
            "action": last.action,
            "note": last.note,
            "by": last.by.get_username() if last.by else None,
            "at": last.at.isoformat(),
        }
        if last
        else None,
    }


def desk_entries(entries: EntryQuerySet) -> EntryQuerySet:
    """With what desk_payload reads, in two queries for the whole page, not two per entry."""
    return entries.select_related("author").prefetch_related("reviews__by")


CONTRIBUTOR_STATUSES = {Entry.Status.DRAFT, Entry.Status.SUBMITTED}
EDITORS_ONLY = ("publish_at", "correction")


def may_see(role: Role | None, entry: Entry, user: AbstractBaseUser | AnonymousUser) -> bool:
    """Published entries are everybody's; the others are the desk's (a contributor's own only)."""
    if entry.status == Entry.Status.PUBLISHED:
        return True
    if role is None:
        return False
    return role.editor or entry.author_id == user.pk


def check_create(role: Role | None, fields: dict[str, Any]) -> None:
    """A contributor's entry goes to review unless they keep it as a draft."""
    if role is None:
        raise PermissionDenied(_("Only editors and contributors of this event can write its entries."))
    if not role.editor:
        fields.setdefault("status", Entry.Status.SUBMITTED)
        _check_contributor_fields(role, fields, city=fields.get("session"))


def check_update(
    role: Role | None, entry: Entry, user: AbstractBaseUser | AnonymousUser, fields: dict[str, Any]
) -> None:
    if role is None:
        raise PermissionDenied(_("Only editors and contributors of this event can change its entries."))
    if role.editor:
        return
    if entry.author_id != user.pk:
        raise PermissionDenied(_("Contributors change their own entries only."))
    if entry.status not in CONTRIBUTOR_STATUSES:
        raise PermissionDenied(
            _("This entry is %(status)s: only an editor can change it now.")
            % {"status": str(entry.get_status_display()).lower()}
        )
    _check_contributor_fields(role, fields, city=fields.get("session", entry.session))


def _check_contributor_fields(role: Role, fields: dict[str, Any], *, city) -> None:
    status = fields.get("status")
    if status is not None and status not in CONTRIBUTOR_STATUSES:
        raise PermissionDenied(_("Contributors submit entries for review; an editor publishes them."))
    if any(fields.get(name) for name in EDITORS_ONLY):
        raise PermissionDenied(_("Only an editor schedules or corrects entries."))
    slug = city.slug if city is not None else None
    if not role.may_report_from(slug):
        raise PermissionDenied(
            _("You report from %(cities)s only: choose one as the city.")
            % {"cities": ", ".join(sorted(role.cities))}
        )
