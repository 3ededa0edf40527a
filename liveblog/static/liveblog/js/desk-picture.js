// The desk's picture in the console (templates/liveblog/_desk_picture.html): which live cities have
// gone quiet, entries and readers over time as small bar charts, and each city's last entry.
// Drawn here as plain SVG from GET /api/events/<slug>/desk/: no chart library, nothing from the
// network but that. Fetched again when the console's entries change and every minute; "quiet for"
// follows the clock in between.

import { gettext, interpolate, locale, ngettext, number } from "./i18n.js";

const QUIET_MINUTES = 10; // a live city with no entry for this long is named as quiet
const DAY_MINUTES = 24 * 60;
const QUIET_NAMED = 4; // at the top; the table below has every city
const REFRESH = 60 * 1000;
const MINUTE = 60 * 1000;
const SVG = "http://www.w3.org/2000/svg";

function timeIn(zone) {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
}

function duration(minutes) {
  if (minutes < 60) return interpolate(ngettext("%(minutes)s min", "%(minutes)s min", minutes), { minutes: number(minutes) });
  if (minutes < 48 * 60) {
    return interpolate(gettext("%(hours)s h %(minutes)s min"), { hours: number(Math.floor(minutes / 60)), minutes: number(minutes % 60) });
  }
  const days = Math.floor(minutes / 1440);
  return interpolate(ngettext("%(days)s day", "%(days)s days", days), { days: number(days) });
}

// Whether a city is on now: its session's times where it has them, else the event's being live.
function onNow(city, status, now) {
  const starts = city.starts_at ? Date.parse(city.starts_at) : null;
  const ends = city.ends_at ? Date.parse(city.ends_at) : null;
  if (starts !== null && now < starts) return false;
  if (ends !== null) return now <= ends;
  return status === "live";
}

// How long a city on now has been quiet ({ minutes, text: "Berlin quiet for 14 min" }), or null:
// it is not on, or reported lately.
export function quiet(city, status, now) {
  if (!onNow(city, status, now)) return null;
  const since = city.last_entry_at ?? city.starts_at;
  if (!since) return { minutes: Infinity, text: interpolate(gettext("%(city)s: no entry yet"), { city: city.name }) };
  const minutes = Math.floor((now - Date.parse(since)) / MINUTE);
  if (minutes < QUIET_MINUTES) return null;
  // Past a day, a date says more than "quiet for 3,018 days" (a report resumed, a demo).
  if (minutes >= DAY_MINUTES) {
    const day = new Date(Date.parse(since)).toLocaleDateString(locale(), { day: "numeric", month: "short", year: "numeric" });
    const last = { city: city.name, day };
    return {
      minutes,
      text: city.last_entry_at
        ? interpolate(gettext("%(city)s: nothing since %(day)s"), last)
        : interpolate(gettext("%(city)s: no entry since %(day)s"), last),
    };
  }
  const text = interpolate(
    city.last_entry_at
      ? ngettext("%(city)s quiet for %(duration)s", "%(city)s quiet for %(duration)s", minutes)
      : ngettext("%(city)s: no entry in %(duration)s", "%(city)s: no entry in %(duration)s", minutes),
    { city: city.name, duration: duration(minutes) },
  );
  return { minutes, text };
}

function bars(svg, values, { width = 10, height = 40, most = Math.max(1, ...values.filter((v) => v !== null)) } = {}) {
  // One bar per bucket, scaled to ``most``; a bucket with no count (null) has none.
  svg.setAttribute("viewBox", `0 0 ${values.length * width} ${height}`);
  svg.replaceChildren(
    ...values.flatMap((value, i) => {
      if (!value) return [];
      const bar = document.createElementNS(SVG, "rect");
      const h = Math.max(1, (value / most) * height);
      Object.entries({ x: i * width + 1, y: height - h, width: width - 2, height: h }).forEach(([k, v]) => bar.setAttribute(k, v));
      return [bar];
    }),
  );
}

export class DeskPicture {
  constructor(root) {
    this.root = root;
    this.picture = null;
    this.clock = timeIn(root.dataset.timezone);
  }

  start() {
    this.refresh();
    setInterval(() => this.refresh(), REFRESH);
    setInterval(() => this.showQuiet(), MINUTE / 2);
    const entries = document.getElementById("entries");
    if (entries) new MutationObserver(() => this.soon()).observe(entries, { childList: true });
  }

  soon() {
    // Entries arrive in bursts (a load, a replay): one fetch after the burst.
    clearTimeout(this.pending);
    this.pending = setTimeout(() => this.refresh(), 1000);
  }

  async refresh() {
    try {
      const response = await fetch(this.root.dataset.url, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      this.picture = await response.json();
    } catch {
      return; // offline for a moment: the picture stays as it was, and the clock moves it on
    }
    this.draw();
  }

  draw() {
    const picture = this.picture;
    this.showQuiet();
    const unit = interpolate(gettext("per %(duration)s"), { duration: duration(picture.bucket_minutes) });
    const words = {
      name: { entries: gettext("Entries"), readers: gettext("Readers") },
      none: { entries: gettext("No entries counted yet."), readers: gettext("No readers counted yet.") },
    };
    this.chart("entries", picture.entries, unit, words, (n) => interpolate(ngettext("%(count)s entry", "%(count)s entries", n), { count: number(n) }));
    this.chart("readers", picture.readers, unit, words, (n) => interpolate(ngettext("%(count)s reader", "%(count)s readers", n), { count: number(n) }));
    this.cities();
  }

  showQuiet() {
    // The quiet cities, longest quiet first: a few named, the rest counted (the table has them all).
    if (!this.picture) return;
    const { cities, status } = this.picture;
    const now = Date.now();
    const quietNow = cities.map((city) => quiet(city, status, now)).filter(Boolean).sort((a, b) => b.minutes - a.minutes);
    const list = this.root.querySelector(".desk-picture__quiet");
    const items = quietNow.slice(0, QUIET_NAMED).map(({ text }) => Object.assign(document.createElement("li"), { textContent: text }));
    if (quietNow.length > QUIET_NAMED) {
      const more = quietNow.length - QUIET_NAMED;
      const text = interpolate(ngettext("and %(count)s more quiet", "and %(count)s more quiet", more), { count: number(more) });
      items.push(Object.assign(document.createElement("li"), { className: "desk-picture__more", textContent: text }));
    }
    if (!quietNow.length) {
      const on = cities.some((city) => onNow(city, status, now));
      const text = on
        ? interpolate(
            ngettext("Every city on now has reported in the last %(minutes)s min.", "Every city on now has reported in the last %(minutes)s min.", QUIET_MINUTES),
            { minutes: number(QUIET_MINUTES) },
          )
        : gettext("No city is on now.");
      items.push(Object.assign(document.createElement("li"), { className: "desk-picture__calm", textContent: text }));
    }
    list.replaceChildren(...items);
  }

  chart(series, values, unit, words, say) {
    const figure = this.root.querySelector(`.desk-chart[data-series="${series}"]`);
    const buckets = this.picture.buckets;
    figure.querySelector(".desk-chart__unit").textContent = unit;
    const svg = figure.querySelector("svg");
    bars(svg, values);
    const [first, last] = figure.querySelectorAll(".desk-chart__axis span");
    first.textContent = buckets.length ? this.clock.format(Date.parse(buckets[0])) : "";
    last.textContent = buckets.length ? this.clock.format(Date.parse(buckets[buckets.length - 1])) : "";
    const counted = values.filter((v) => v !== null);
    figure.classList.toggle("desk-chart--empty", !counted.some(Boolean));
    if (!counted.length) return svg.setAttribute("aria-label", words.none[series]);
    const most = Math.max(...counted);
    const at = this.clock.format(Date.parse(buckets[values.indexOf(most)]));
    const described = { series: words.name[series], unit, from: first.textContent, to: last.textContent, most: say(most), at };
    svg.setAttribute("aria-label", interpolate(gettext("%(series)s %(unit)s, %(from)s to %(to)s: at most %(most)s, at %(at)s."), described));
  }

  cities() {
    const most = Math.max(1, ...this.picture.cities.flatMap((city) => city.entries)); // one scale for all
    const rows = this.picture.cities.map((city) => {
      const row = document.createElement("tr");
      const name = Object.assign(document.createElement("th"), { scope: "row", textContent: city.name });
      const last = document.createElement("td");
      last.textContent = city.last_entry_at ? timeIn(city.timezone).format(Date.parse(city.last_entry_at)) : "—";
      const over = document.createElement("td");
      const total = city.entries.reduce((a, b) => a + b, 0);
      const spark = document.createElementNS(SVG, "svg");
      spark.setAttribute("class", "desk-cities__spark");
      spark.setAttribute("preserveAspectRatio", "none");
      spark.setAttribute("aria-hidden", "true");
      bars(spark, city.entries, { height: 16, most });
      over.append(spark, ` ${number(total)}`);
      row.append(name, last, over);
      return row;
    });
    this.root.querySelector(".desk-cities tbody").replaceChildren(...rows);
  }
}

const root = document.querySelector(".desk-picture[data-url]");
if (root) new DeskPicture(root).start();
