// The event's status badge ("Live", "Ended"), as the page and the console show it.

export function showEventStatus(badge, status) {
  if (!badge) return;
  badge.className = `status status--${status}`;
  badge.textContent = status.charAt(0).toUpperCase() + status.slice(1);
}
