// The event's status badge ("Live", "Ended"), as the page and the console show it.

import { gettext } from "./i18n.js";

// The labels of Event.Status, as the server writes them.
const LABELS = { scheduled: gettext("Scheduled"), live: gettext("Live"), ended: gettext("Ended") };

export function showEventStatus(badge, status) {
  if (!badge) return;
  badge.className = `status status--${status}`;
  badge.textContent = LABELS[status] ?? status;
}
