"""Google's guidance for Event structured data, as a checker the tests run on a page's JSON-LD.

From developers.google.com/search/docs/appearance/structured-data/event: required are ``name``,
``startDate`` (ISO 8601, with the time zone's offset) and ``location`` (a ``Place`` with an
``address``, a ``VirtualLocation`` with a ``url``; an event both online and in a venue lists
both and says ``MixedEventAttendanceMode``). Recommended are ``description``, ``endDate``,
``eventAttendanceMode``, ``eventStatus`` (one of schema.org's EventStatusType), ``image``,
``offers``, ``organizer`` and ``performer`` (each with a ``name``)."""

from datetime import datetime
from typing import Any

REQUIRED = ("name", "startDate", "location")
RECOMMENDED = (
    "description",
    "endDate",
    "eventAttendanceMode",
    "eventStatus",
    "image",
    "offers",
    "organizer",
    "performer",
)
STATUSES = {
    f"https://schema.org/{status}"
    for status in (
        "EventScheduled",
        "EventCancelled",
        "EventMovedOnline",
        "EventPostponed",
        "EventRescheduled",
    )
}
MODES = {
    "https://schema.org/OfflineEventAttendanceMode": {"Place"},
    "https://schema.org/OnlineEventAttendanceMode": {"VirtualLocation"},
    "https://schema.org/MixedEventAttendanceMode": {"Place", "VirtualLocation"},
}


def listed(value: Any) -> list:
    return value if isinstance(value, list) else [value] if value else []


def missing_recommended(event: dict[str, Any]) -> set[str]:
    return {name for name in RECOMMENDED if not event.get(name)}


def errors(event: dict[str, Any]) -> list[str]:
    """What Google's Rich Results test would call an error in this Event (missing recommended
    properties are not errors: see missing_recommended)."""
    found = [f"{name} is required" for name in REQUIRED if not event.get(name)]
    if event.get("@type") != "Event":
        found.append(f"@type is {event.get('@type')!r}, not 'Event'")
    for name in ("startDate", "endDate"):
        if event.get(name) and not _zoned(event[name]):
            found.append(f"{name} {event[name]!r} is not an ISO 8601 date-time with its offset")
    start, end = event.get("startDate"), event.get("endDate")
    if _zoned(start) and _zoned(end) and datetime.fromisoformat(end) < datetime.fromisoformat(start):
        found.append("endDate is before startDate")
    found += _location_errors(event)
    if event.get("eventStatus") and event["eventStatus"] not in STATUSES:
        found.append(f"eventStatus {event['eventStatus']!r} is not an EventStatusType")
    for image in listed(event.get("image")):
        if not str(image).startswith(("https://", "http://")):
            found.append(f"image {image!r} is not an absolute URL")
    for performer in listed(event.get("performer")):
        if performer.get("@type") not in ("Person", "PerformingGroup") or not performer.get("name"):
            found.append(f"performer {performer!r} needs a @type of Person or PerformingGroup and a name")
    return found


def _zoned(value: Any) -> bool:
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def _location_errors(event: dict[str, Any]) -> list[str]:
    found = []
    kinds = set()
    for place in listed(event.get("location")):
        kinds.add(place.get("@type"))
        if place.get("@type") == "Place":
            address = place.get("address") or {}
            if not (
                isinstance(address, str) or address.get("addressLocality") or address.get("streetAddress")
            ):
                found.append(f"Place {place.get('name')!r} needs an address")
        elif place.get("@type") == "VirtualLocation":
            if not str(place.get("url", "")).startswith(("https://", "http://")):
                found.append("VirtualLocation needs an absolute url")
        else:
            found.append(f"location of @type {place.get('@type')!r}")
    mode = event.get("eventAttendanceMode")
    if mode and mode not in MODES:
        found.append(f"eventAttendanceMode {mode!r} is not one of schema.org's")
    elif mode and not MODES[mode] <= kinds:
        found.append(f"{mode.rsplit('/', 1)[-1]} needs a location of each of {sorted(MODES[mode])}")
    return found
