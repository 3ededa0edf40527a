// The map of the event's cities (templates/liveblog/_city_map.html): the server draws it; here a
// city's dot grows as frames bring its count of entries, and pulses when that count goes up.

import { interpolate, ngettext, number } from "./i18n.js";

const REDUCED_MOTION = window.matchMedia("(prefers-reduced-motion: reduce)");
const SVG = "http://www.w3.org/2000/svg";

export class CityMap {
  constructor(svg) {
    this.svg = svg;
    // As liveblog/citymap.py sizes a dot: grown by the square root of its entries, to a bound.
    [this.min, this.perEntry, this.max] = svg.dataset.radius.split(" ").map(Number);
  }

  apply(frame) {
    for (const [slug, count] of Object.entries(frame.counts?.cities ?? {})) this.count(slug, count);
  }

  count(slug, count) {
    const city = this.svg.querySelector(`a[data-city="${CSS.escape(slug)}"]`);
    if (!city || typeof count !== "number") return;
    const before = Number(city.dataset.entries);
    if (count === before) return;
    city.dataset.entries = String(count);
    const dot = city.querySelector(".city-map__dot");
    dot.setAttribute("r", this.radius(count).toFixed(1));
    const title = city.querySelector("title");
    title.textContent = interpolate(ngettext("%(city)s, %(count)s entry", "%(city)s, %(count)s entries", count), {
      city: city.dataset.name,
      count: number(count),
    });
    if (count > before) this.pulse(dot);
  }

  radius(count) {
    return Math.min(this.max, this.min + this.perEntry * Math.sqrt(count));
  }

  pulse(dot) {
    // A ring that widens from the dot and fades, twice; none for readers who asked for less motion.
    if (REDUCED_MOTION.matches) return;
    const ring = document.createElementNS(SVG, "circle");
    for (const name of ["cx", "cy", "r"]) ring.setAttribute(name, dot.getAttribute(name));
    ring.setAttribute("class", "city-map__pulse");
    ring.addEventListener("animationend", () => ring.remove());
    dot.after(ring);
  }
}

export function cityMap() {
  const svg = document.querySelector(".city-map__svg[data-radius]");
  return svg ? new CityMap(svg) : null;
}
