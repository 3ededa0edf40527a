// The console's lists of the event's entries, kept live from the feed's frames: the published
// ones and drafts, newest first; for editors, the entries waiting for review and the scheduled
// ones; for a contributor, their own drafts and submissions with where each stands. A published
// entry's payload is its html as readers see it, so nothing is fetched again; any other change
// reaches the console as the entry's id alone, and the entry is read from the API.

import { entryApi } from "./console-api.js";
import { dayIn, dayLabel } from "./composer-feedback.js";
import { compare, retitle, sortKey } from "./entries.js";
import { gettext, interpolate, locale, number } from "./i18n.js";
import { translationsLine } from "./translations.js";

export class EntryList {
  /**
   * @param {HTMLElement} root holds every list (clicks on controls are heard here)
   * @param {Record<string, HTMLOListElement>} lists entries, and review, scheduled or mine
   * @param {{role: string, user: string}} desk who is looking
   */
  constructor(root, lists, { role = "editor", user = "" } = {}) {
    Object.assign(this, { list: root, lists, role, user });
    this.entries = new Map(); // id -> the entry's payload, as the API and the frames give it
  }

  get editor() {
    return this.role === "editor";
  }

  get(id) {
    return this.entries.get(Number(id));
  }

  item(id) {
    return this.list.querySelector(`li.console-entry[data-id="${id}"]`);
  }

  /** Which list shows the entry: review and schedule are the editors', a contributor's own
   * unpublished entries are theirs. */
  place(entry) {
    if (this.editor && entry.status === "submitted") return this.lists.review;
    if (this.editor && entry.status === "scheduled") return this.lists.scheduled;
    if (!this.editor && entry.status !== "published") return this.lists.mine;
    return this.lists.entries;
  }

  /** Shows this version of the entry unless a newer one, or this very one, is shown (an editor's
   * own change comes back in its frame); an open edit form stays put. ``redraw``: show it whatever is shown. */
  upsert(entry, { redraw = false } = {}) {
    const current = this.entries.get(entry.id);
    if (current && current.version > entry.version) return;
    // The same version can read differently: a renamed city or speaker is sent again unversioned.
    if (!redraw && current && same(current, entry)) return;
    // A frame carries what readers see; the desk's part (author, review) stays from the API's copy.
    const shown = { ...(current?.version === entry.version ? pick(current) : {}), ...entry };
    this.entries.set(entry.id, shown);
    const existing = this.item(entry.id);
    if (existing?.classList.contains("editing") && existing.parentElement === this.place(shown)) return;
    const item = render(shown, this);
    existing?.remove();
    this.insert(item, this.place(shown) || this.lists.entries);
    this.counted();
  }

  /** Newest first. An older entry than all shown (the list loading, page by page) goes last
   * without a walk through the list. */
  insert(item, list) {
    const key = sortKey(item);
    const last = list.lastElementChild;
    if (!last || compare(key, sortKey(last)) < 0) return list.append(item);
    const before = [...list.children].find((other) => compare(key, sortKey(other)) > 0);
    list.insertBefore(item, before || null);
  }

  remove(id) {
    this.entries.delete(Number(id));
    this.item(id)?.remove();
    this.counted();
  }

  /** Each desk list says how many it holds, and that it is empty when it is. */
  counted() {
    for (const [name, list] of Object.entries(this.lists)) {
      if (name === "entries" || !list) continue;
      const section = list.closest("section");
      const count = section.querySelector(".desk-count");
      if (count) count.textContent = list.children.length ? `(${number(list.children.length)})` : "";
      section.classList.toggle("desk-list--empty", list.children.length === 0);
    }
  }

  /** Reads the entry as it is now: shown if this desk may see it, gone if not. */
  async refresh(id) {
    const { status, data } = await entryApi.get(id);
    if (status === 200) this.upsert(data, { redraw: true });
    else if (status === 404 || status === 403) this.remove(id);
  }

  apply(frame) {
    if (frame.type === "entry.created" || frame.type === "entry.updated") this.upsert(frame.entry);
    // A change to an entry readers do not see (a draft, a submission, a scheduled entry) goes
    // out as `entry.deleted` with the id only: only the API tells this desk what became of it.
    else if (frame.type === "entry.deleted") this.refresh(frame.entry.id);
  }

  /** A city renamed or moved to another zone, a speaker corrected: one event.updated says so,
   * and the entries showing them read afresh, in the list and in what is kept of them. */
  retitle(frame) {
    for (const entry of [...this.entries.values()]) {
      if (!entry.html) continue;
      const holder = document.createElement("div");
      holder.innerHTML = entry.html;
      retitle(holder, frame);
      if (holder.innerHTML === entry.html) continue;
      const city = entry.city && frame.event?.cities?.find((c) => c.slug === entry.city.slug);
      const speaker = entry.speaker && frame.speakers?.find((s) => s.id === entry.speaker.id);
      const time = holder.querySelector(".entry__time time")?.firstChild?.textContent;
      this.upsert(
        {
          ...entry,
          html: holder.innerHTML,
          city: city ? { ...entry.city, name: city.name } : entry.city,
          speaker: speaker ? { ...entry.speaker, ...speaker } : entry.speaker,
          local_time: time ?? entry.local_time,
        },
        { redraw: true },
      );
    }
  }

  async load(pages) {
    for await (const entries of pages) entries.forEach((entry) => this.upsert(entry));
    this.counted();
  }
}

const DESK_FIELDS = ["author", "review", "publish_at", "correction", "corrected_at"];

function pick(entry) {
  return Object.fromEntries(DESK_FIELDS.filter((name) => name in entry).map((name) => [name, entry[name]]));
}

function same(a, b) {
  return (
    a.version === b.version &&
    a.html === b.html &&
    a.status === b.status &&
    JSON.stringify(a.translations ?? {}) === JSON.stringify(b.translations ?? {}) &&
    JSON.stringify(a.review ?? null) === JSON.stringify(b.review ?? a.review ?? null)
  );
}

function render(entry, desk) {
  const item = document.createElement("li");
  item.className = `console-entry console-entry--${entry.status}`;
  item.dataset.id = entry.id;
  item.dataset.occurredAt = entry.occurred_at;
  item.insertAdjacentHTML("beforeend", entry.html);
  const article = item.querySelector("article");
  if (article) {
    article.id = `console-entry-${entry.id}`; // the reader page owns entry-<id>
    // The date beside the time only when it is not today, in the entry's city.
    const today = article.dataset.zone && article.dataset.day === dayIn(article.dataset.zone);
    article.querySelector(".entry__date")?.toggleAttribute("hidden", Boolean(today));
  }
  const state = stateLine(entry, desk, article?.dataset.zone);
  if (state) item.prepend(state);
  const translated = translationsLine(entry);
  if (translated) item.append(translated);
  item.append(controls(entry, desk));
  return item;
}

const SCHEDULE_TIME = (zone) =>
  new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });

/** Where the entry stands on the desk, in words: a draft, by whom, returned with a note, due when. */
function stateLine(entry, desk, zone) {
  if (entry.status === "published") return null;
  const line = Object.assign(document.createElement("p"), { className: "desk-state" });
  const label = Object.assign(document.createElement("strong"), { className: "desk-state__label" });
  const by = entry.author && entry.author !== desk.user ? interpolate(gettext(" · by %(author)s"), { author: entry.author }) : "";
  if (entry.status === "draft") label.textContent = interpolate(gettext("Draft%(by)s"), { by });
  if (entry.status === "submitted") {
    label.textContent = desk.editor ? interpolate(gettext("Submitted%(by)s"), { by }) : gettext("Waiting for review");
  }
  if (entry.status === "scheduled") {
    const at = new Date(entry.publish_at);
    const place = zone || "UTC";
    const time = SCHEDULE_TIME(place).format(at);
    label.textContent =
      dayIn(place, at) === dayIn(place)
        ? interpolate(gettext("Scheduled for %(time)s%(by)s"), { time, by })
        : interpolate(gettext("Scheduled for %(time)s on %(day)s%(by)s"), { time, day: dayLabel(dayIn(place, at)), by });
  }
  line.append(label);
  const review = entry.review;
  if (entry.status === "draft" && review?.action === "returned") {
    const note = Object.assign(document.createElement("span"), { className: "desk-state__note" });
    note.textContent = ` ${interpolate(gettext("Returned by %(editor)s: “%(note)s”"), { editor: review.by, note: review.note })}`;
    line.append(note);
    line.classList.add("desk-state--returned");
  }
  return line;
}

function controls(entry, desk) {
  const mine = entry.author === desk.user;
  const edit = ["edit", gettext("Edit")];
  const remove = ["delete", gettext("Delete")];
  const pin = ["pin", entry.pinned ? gettext("Unpin") : gettext("Pin")];
  const key = ["key", entry.key_moment ? gettext("Not a key moment") : gettext("Key moment")];
  const editorButtons = {
    published: [edit, remove, pin, key],
    draft: [["publish", gettext("Publish draft")], edit, remove, pin, key],
    submitted: [["approve", gettext("Approve")], ["edit-approve", gettext("Edit, then approve")], ["return", gettext("Return with a note")], remove],
    scheduled: [["unschedule", gettext("Cancel schedule")], edit, remove],
  };
  const contributorButtons = {
    draft: [["submit", gettext("Submit for review")], edit, remove],
    submitted: [edit],
  };
  const buttons = desk.editor ? editorButtons[entry.status] : mine ? contributorButtons[entry.status] : null;
  const bar = document.createElement("p");
  bar.className = "entry-controls";
  for (const [action, label] of buttons || []) {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
    button.dataset.action = action;
    button.textContent = label;
    bar.append(button);
  }
  return bar;
}
