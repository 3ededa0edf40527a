// The reader page's "On stage" panel: per city, who speaks now and who is next, kept right as
// time passes (from the slots' times) and as editors change the plan (frames carrying `agenda`).

import { clock, day, dayName, everyChange, fullName, stages } from "./agenda.js";
import { gettext, interpolate } from "./i18n.js";

const element = (tag, className, text) => Object.assign(document.createElement(tag), { className, textContent: text ?? "" });

function label(text) {
  return element("span", "stage__label", text);
}

function card(stage, now) {
  const item = element("li", "stage");
  item.dataset.city = stage.city.slug;
  const link = element("a", "stage__city", stage.city.name);
  link.href = `?city=${encodeURIComponent(stage.city.slug)}`;
  const where = element("p", "stage__where");
  where.append(link);
  item.append(where);
  const zone = stage.city.timezone;
  if (stage.now) {
    where.append(" ", element("span", "stage__until", interpolate(gettext("until %(time)s"), { time: clock(stage.now.until, zone) })));
    const line = element("p", "stage__now");
    line.append(label(gettext("Now")), " ", element("strong", "", fullName(stage.now.speaker)));
    item.append(line);
  }
  if (stage.next) {
    const starts = stage.next.starts_at;
    const today = day(starts, zone) === day(new Date(now).toISOString(), zone);
    const when = today ? clock(starts, zone) : `${dayName(starts, zone)} ${clock(starts, zone)}`;
    const line = element("p", "stage__next");
    line.append(label(gettext("Next")), ` ${when} ${fullName(stage.next.speaker)}`);
    item.append(line);
  }
  return item;
}

export class OnStage {
  constructor(section) {
    this.section = section;
    this.list = section.querySelector(".on-stage__list");
    this.city = section.dataset.city || "";
    this.slots = JSON.parse(document.getElementById("agenda-data")?.textContent || "[]");
    this.start();
  }

  start() {
    this.stop = everyChange(() => this.slots, (now) => this.render(now));
  }

  /** A frame's agenda: the whole plan as editors left it. */
  update(slots) {
    if (!Array.isArray(slots)) return;
    this.slots = slots;
    this.stop();
    this.start(); // the new plan's own moments of change

  }

  render(now) {
    const shown = stages(this.slots, now, this.city);
    this.list.replaceChildren(...shown.map((stage) => card(stage, now)));
    this.section.hidden = shown.length === 0;
  }
}
