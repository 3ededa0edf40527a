// The agenda's clock: who is on stage in each city at a moment, from the slots the page was
// given (and the frames that change them). Each slot carries `until`, its end as the server
// worked it out (liveblog/agenda.py), so the page and the server agree on who is on.

import { language } from "./i18n.js";

const at = (iso) => Date.parse(iso);

/** Per city, who is on at `now` and who is next; cities with neither left out. Cities with
 * someone on first, then by who starts soonest. `city`: that city's stage only. */
export function stages(slots, now = Date.now(), city = "") {
  const byCity = new Map();
  for (const slot of [...slots].sort((a, b) => at(a.starts_at) - at(b.starts_at) || a.id - b.id)) {
    if (city && slot.city.slug !== city) continue;
    const stage = byCity.get(slot.city.slug) || { city: slot.city, now: null, next: null };
    byCity.set(slot.city.slug, stage);
    if (at(slot.starts_at) <= now && now < at(slot.until)) stage.now = slot;
    else if (at(slot.starts_at) > now && !stage.next) stage.next = slot;
  }
  const shown = [...byCity.values()].filter((s) => s.now || s.next);
  const key = (s) => [s.now ? 0 : 1, at((s.now || s.next).starts_at)];
  return shown.sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
}

/** The speaker on stage in `city` at `now`, or null. */
export function onStageIn(slots, city, now = Date.now()) {
  return city ? stages(slots, now, city)[0]?.now?.speaker || null : null;
}

/** The next moment the stages change after `now` (a slot starts or ends), or null. */
export function nextChange(slots, now = Date.now()) {
  const moments = slots.flatMap((s) => [at(s.starts_at), at(s.until)]).filter((t) => t > now);
  return moments.length ? Math.min(...moments) : null;
}

/** Call `render` now, and again each time the stages change (at least once a minute: a
 * computer that slept wakes to the right stage). Returns a function that stops it. */
export function everyChange(getSlots, render) {
  let timer = null;
  const tick = () => {
    const now = Date.now();
    render(now);
    const next = nextChange(getSlots(), now);
    timer = setTimeout(tick, Math.min(next === null ? 60000 : next - now + 50, 60000));
  };
  tick();
  return () => clearTimeout(timer);
}

const formats = new Map();
// English as written in Britain (24-hour, "Wed 3 Jun"); other languages as they write it.
function format(options, locale = language() === "en" ? "en-GB" : language()) {
  const key = locale + JSON.stringify(options);
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(locale, options));
  return formats.get(key);
}

/** "17:42" in `timeZone` (the reader's own when none is given). */
export function clock(iso, timeZone) {
  return format({ hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone }).format(at(iso));
}

/** The date in `timeZone`: "2026-06-03", to compare days. */
export function day(iso, timeZone) {
  return format({ year: "numeric", month: "2-digit", day: "2-digit", timeZone }, "en-CA").format(at(iso));
}

/** "Wed 3 Jun" in `timeZone`. */
export function dayName(iso, timeZone) {
  return format({ weekday: "short", day: "numeric", month: "short", timeZone }).format(at(iso));
}

export const fullName = (speaker) => [speaker.honorific, speaker.name].filter(Boolean).join(" ");
