"""Admin for events, sessions, speakers and entries. Every save goes through the services, so
admin edits get their seq, their change row and their broadcast like any other write.

Times are shown and typed in the zone they belong to, and their labels name it: an event's and
its cities' in the event's zone, an entry's in its city's. Django's admin reads and writes
datetimes in the current time zone, so each change form is built, checked and rendered with that
zone activated (ZonedAdmin)."""

from liveblog.admin import agenda, entries, events, records, speakers, tokens, zones  # noqa: F401  (registers the models)
