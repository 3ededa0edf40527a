// What the composer tells the editor before and after Publish: how much room is left in a field,
// a refusal's reasons next to the field they concern, and which day a typed time means.

import { FIELD_LABELS, fieldErrors } from "./console-api.js";
import { gettext, interpolate, locale, number } from "./i18n.js";

/** "1,234 / 20,000" under a field, a warning from `warnAt` of the limit on, an error past it. */
export class Counter {
  constructor(field, counter, { warnAt = 0.9 } = {}) {
    Object.assign(this, { field, counter, max: Number(counter.dataset.max), warnAt });
    field.addEventListener("input", () => this.update());
  }

  update() {
    const length = this.field.value.length;
    const over = length - this.max;
    const near = length >= this.max * this.warnAt;
    this.counter.dataset.state = over > 0 ? "over" : near ? "near" : "";
    let text = interpolate(gettext("%(length)s / %(max)s characters"), { length: number(length), max: number(this.max) });
    if (over > 0) text += interpolate(gettext(" — %(count)s too many"), { count: number(over) });
    else if (near) text += interpolate(gettext(" — %(count)s left"), { count: number(-over) });
    this.counter.textContent = text;
  }

  /** The words to show when the field is over its limit; null when it fits. */
  problem(name) {
    const over = this.field.value.length - this.max;
    if (over <= 0) return null;
    return interpolate(gettext("%(name)s is %(length)s characters long; an entry takes at most %(max)s. Cut %(over)s."), {
      name,
      length: number(this.field.value.length),
      max: number(this.max),
      over: number(over),
    });
  }
}

/** A refusal shown field by field: each reason under its field, the rest in the general box. */
export class FieldErrors {
  /** @param {Record<string, {field: HTMLElement, box: HTMLElement}>} places by API field name */
  constructor(places, general) {
    Object.assign(this, { places, general });
  }

  show(data) {
    this.clear();
    const general = [];
    let first = null;
    for (const [name, lines] of Object.entries(fieldErrors(data))) {
      const place = this.places[name];
      if (!place) {
        general.push(...lines.map((line) => (name === "detail" ? line : interpolate(gettext("%(field)s: %(reason)s"), { field: FIELD_LABELS[name], reason: line }))));
        continue;
      }
      place.box.textContent = [place.box.textContent, ...lines].filter(Boolean).join(" ");
      place.field.setAttribute("aria-invalid", "true");
      first ||= place.field;
    }
    this.general.textContent = general.join(" ");
    first?.focus();
  }

  /** One field's own reason, found before sending (a length, a time). */
  set(name, line) {
    const place = this.places[name];
    place.box.textContent = line || "";
    place.field.toggleAttribute("aria-invalid", Boolean(line));
  }

  /** A field the editor changes loses its reason: it may no longer hold. */
  clearOnInput() {
    for (const { field, box } of Object.values(this.places)) {
      const clear = () => {
        box.textContent = "";
        field.removeAttribute("aria-invalid");
      };
      field.addEventListener("input", clear);
      field.addEventListener("change", clear);
    }
  }

  clear() {
    for (const { field, box } of Object.values(this.places)) {
      box.textContent = "";
      field.removeAttribute("aria-invalid");
    }
    this.general.textContent = "";
  }
}

// Days, in a zone ----------------------------------------------------------------------------------

/** The calendar day of `date` in `zone`, as YYYY-MM-DD. */
export function dayIn(zone, date = new Date()) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    date,
  );
}

/** "Sat 25 Aug", with the year when it is not this year's. */
export function dayLabel(day, today = dayIn("UTC")) {
  const [year, month, date] = day.split("-").map(Number);
  const noon = new Date(Date.UTC(year, month - 1, date, 12));
  const options = { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" };
  if (day.slice(0, 4) !== today.slice(0, 4)) options.year = "numeric";
  return new Intl.DateTimeFormat(locale(), options).format(noon).replace(",", "");
}

/** Minutes from now to HH:MM on `day` in `zone` (negative: in the past). */
export function minutesFromNow(day, clock, zone, now = new Date()) {
  const [hour, minute] = clock.split(":").map(Number);
  const wall = Date.UTC(...day.split("-").map((n, i) => Number(n) - (i === 1 ? 1 : 0)), hour, minute);
  const offset = zoneOffset(zone, new Date(wall));
  return Math.round((wall - offset - now.getTime()) / 60000);
}

/** How far `zone`'s clock is ahead of UTC at `instant`, in ms. */
function zoneOffset(zone, instant) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    })
      .formatToParts(instant)
      .map((p) => [p.type, Number(p.value)]),
  );
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** A clock time as the API reads it ("17:03", "1703", "17.03", "17h03"), as HH:MM; null otherwise. */
export function clockTime(text) {
  const match = text.trim().match(/^([01]?\d|2[0-3])[:.h]?([0-5]\d)$/);
  return match ? `${match[1].padStart(2, "0")}:${match[2]}` : null;
}
