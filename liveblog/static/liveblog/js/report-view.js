// The reader page's DOM: entries in order, pinned copies, key moments, "N new updates",
// times in the reader's own zone, "Show older", and the place a reader is reading kept still.

import { compare, excerpt, sortKey, toNode } from "./entries.js";
import { digits, gettext, interpolate, language, longDate, longDateTime, ngettext, number, shortDate } from "./i18n.js";
import { share } from "./share.js";
import { localize, spokenText } from "./translations.js";

const AGO = new Intl.RelativeTimeFormat(language(), { numeric: "auto" });
// One clock on the page: 24-hour, as the venues' times are written.
const READER_TIME = new Intl.DateTimeFormat(language(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const READER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;
const HOUR = 3600 * 1000;

export class ReportView {
  constructor(root) {
    this.root = root;
    this.order = root.dataset.order === "newest" ? "newest" : "oldest";
    this.filter = { city: root.dataset.city, speaker: Number(root.dataset.speaker) || 0, key: !!root.dataset.key };
    this.complete = root.dataset.complete !== "0";
    this.banner = document.querySelector(".new-updates");
    this.announcer = document.querySelector(".announcer");
    this.title = document.title;
    this.unseen = 0;
    this.announced = 0;
    root.querySelectorAll("article.entry").forEach((node) => this.enhance(node));
    this.drawDays();
    if (language() !== "en") localizePage();
    this.refreshTimes();
    this.banner?.querySelector("button").addEventListener("click", () => this.showNewest());
    window.addEventListener("scroll", () => this.noticeSeen(), { passive: true });
    setInterval(() => this.refreshTimes(), 30000);
  }

  // The report as a whole: counts and the time it last changed ---------------------------------

  changed(frame) {
    // Any change to the feed: the report was updated now, and its counts are as the frame says.
    const updated = document.querySelector("time[data-ago]");
    if (updated) {
      updated.dateTime = new Date().toISOString();
      this.refreshTimes();
    }
    if (!frame.counts) return;
    const counts = { "": frame.counts.all, ...frame.counts.cities };
    for (const [slug, count] of Object.entries(counts)) {
      for (const node of document.querySelectorAll(`.count[data-count="${CSS.escape(slug)}"]`)) {
        node.textContent = number(count);
      }
    }
  }

  // Entries ---------------------------------------------------------------------------------

  matches(entry) {
    const { city, speaker, key } = this.filter;
    if (city && entry.city?.slug !== city) return false;
    if (speaker && entry.speaker?.id !== speaker) return false;
    return !key || entry.key_moment;
  }

  upsert(entry) {
    this.syncHighlights(entry);
    const existing = document.getElementById(`entry-${entry.id}`);
    if (!this.matches(entry)) return this.keepPlace(() => this.drop(existing));
    const node = this.enhance(localize(toNode(entry.html), entry));
    if (existing && existing.dataset.occurredAt === node.dataset.occurredAt) {
      return this.keepPlace(() => existing.replaceWith(node));
    }
    if (!existing && !this.belongsOnPage(node)) return this.countUnseen(1);
    this.keepPlace(() => {
      existing?.remove();
      this.insertInOrder(node);
      this.drawDays();
    });
    if (!existing) this.arrived(node);
  }

  remove(id) {
    this.keepPlace(() => this.drop(document.getElementById(`entry-${id}`)));
    document.getElementById(`pinned-${id}`)?.remove();
    this.removeEmptyPinned();
    this.removeKeyMoment(document.querySelector(`.key-moments li[data-id="${id}"]`));
  }

  drop(node) {
    if (!node) return;
    node.remove();
    this.drawDays();
  }

  drawDays() {
    // A date line wherever the day (in the venue's time) changes from one entry to the next.
    this.root.querySelectorAll("h3.day").forEach((line) => line.remove());
    let previous = null;
    for (const node of this.root.querySelectorAll("article.entry")) {
      const day = node.dataset.day;
      if (day && day !== previous) {
        const line = Object.assign(document.createElement("h3"), { className: "day", textContent: dayLabel(node) });
        line.dataset.day = day;
        node.before(line);
      }
      previous = day;
    }
  }

  belongsOnPage(node) {
    // Pages further on are not loaded: a newer entry belongs there, not at this page's end.
    if (this.order === "newest" || this.complete) return true;
    const last = [...this.root.querySelectorAll("article.entry")].pop();
    return !last || compare(sortKey(node), sortKey(last)) < 0;
  }

  insertInOrder(node) {
    const key = sortKey(node);
    const newestFirst = this.order === "newest";
    const before = [...this.root.querySelectorAll("article.entry")].find((other) => {
      const cmp = compare(key, sortKey(other));
      return newestFirst ? cmp > 0 : cmp < 0;
    });
    this.root.querySelector(".entries__empty")?.remove();
    if (before) before.before(node);
    else this.root.append(node);
  }

  enhance(node) {
    const time = node.querySelector("time[datetime]");
    const meta = node.querySelector(".entry__meta");
    if (time && meta) {
      const when = new Date(time.dateTime);
      const zone = node.dataset.zone;
      const today = zone && node.dataset.day === dayIn(zone, new Date());
      node.querySelector(".entry__date")?.toggleAttribute("hidden", !!today);
      if (language() !== "en") localizeTimes(node);
      // Not when the event's time shown beside the venue's is the reader's already.
      const reportZone = node.querySelector(".entry__event-time")?.dataset.zone;
      if (zone && zone !== READER_ZONE && reportZone !== READER_ZONE) {
        const own = Object.assign(document.createElement("span"), { className: "entry__reader-time" });
        own.textContent = interpolate(gettext("%(time)s your time"), { time: READER_TIME.format(when) });
        meta.append(own);
      }
      meta.insertAdjacentHTML("beforeend", '<span class="entry__ago"></span>');
      this.refreshTimes(node);
    }
    const link = node.querySelector("a.entry__time[href]");
    if (link && meta && (navigator.share || navigator.clipboard) && !node.querySelector(".entry__share")) {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: gettext("Share") });
      button.className = "entry__share";
      button.dataset.copy = link.getAttribute("href");
      button.setAttribute("aria-label", interpolate(gettext("Share the entry of %(time)s"), { time: link.textContent.trim() }));
      button.addEventListener("click", () => share(button));
      meta.append(button);
    }
    return node;
  }

  refreshTimes(scope = document) {
    // Relative times only where they help: within the last hour ("just now", "12 minutes ago").
    const now = Date.now();
    for (const node of scope.querySelectorAll(".entry__ago")) {
      const time = node.closest("article")?.querySelector("time[datetime]");
      node.textContent = time ? recently(now - new Date(time.dateTime).getTime()) : "";
    }
    if (scope !== document) return;
    for (const time of document.querySelectorAll("time[data-ago]")) {
      time.dataset.absolute ??= digits(time.textContent);
      const ago = recently(now - new Date(time.dateTime).getTime());
      time.textContent = ago || time.dataset.absolute;
    }
  }

  // Pinned entries and key moments -----------------------------------------------------------

  syncHighlights(entry) {
    const parsed = entry.pinned || entry.key_moment ? localize(toNode(entry.html), entry) : null;
    const copy = document.getElementById(`pinned-${entry.id}`);
    if (entry.pinned) {
      const item = this.highlightItem(entry, parsed, 16);
      item.className = "pinned__item";
      item.id = `pinned-${entry.id}`;
      item.prepend(Object.assign(document.createElement("span"), { className: "pinned__label", textContent: gettext("Pinned") }), " ");
      if (copy) copy.replaceWith(item);
      else this.pinnedList()?.prepend(item);
    } else {
      copy?.remove();
      this.removeEmptyPinned();
    }
    const existing = document.querySelector(`.key-moments li[data-id="${entry.id}"]`);
    if (!entry.key_moment) return this.removeKeyMoment(existing);
    const list = document.querySelector(".key-moments ol");
    if (!list) return;
    list.closest(".key-moments").hidden = false;
    const item = this.highlightItem(entry, parsed, 14);
    item.querySelector("span").className = "key-moments__text";
    const time = Object.assign(document.createElement("time"), { dateTime: entry.occurred_at, textContent: entry.dateline });
    item.firstChild.prepend(time, " ");
    if (existing) existing.replaceWith(item);
    else this.insertKeyMoment(list, item, entry);
    this.countKeyMoments();
  }

  highlightItem(entry, parsed, words) {
    // <li><a><span>the start of its text</span></a></li>, linking to the entry in the stream if
    // it is on the page, else to its permalink.
    const item = document.createElement("li");
    item.dataset.id = entry.id;
    const onPage = document.getElementById(`entry-${entry.id}`);
    const permalink = parsed.querySelector("a.entry__time")?.getAttribute("href");
    const link = Object.assign(document.createElement("a"), { href: onPage || !permalink ? `#entry-${entry.id}` : permalink });
    const text = parsed.querySelector(".entry__body")?.textContent.replace(/\s+/g, " ").trim() ?? "";
    link.append(Object.assign(document.createElement("span"), { textContent: excerpt(text, words), dir: "auto" }));
    item.append(link);
    return item;
  }

  insertKeyMoment(list, item, entry) {
    const when = Date.parse(entry.occurred_at);
    const later = [...list.children].find((li) => Date.parse(li.querySelector("time")?.dateTime) > when);
    if (later) later.before(item);
    else list.append(item);
  }

  countKeyMoments() {
    const panel = document.querySelector(".key-moments");
    const count = panel?.querySelector(".panel__count");
    if (count) count.textContent = number(panel.querySelectorAll("li").length);
  }

  removeKeyMoment(item) {
    const panel = item?.closest(".key-moments");
    item?.remove();
    if (panel && !panel.querySelector("li")) panel.hidden = true;
    this.countKeyMoments();
  }

  pinnedList() {
    if (this.filter.city || this.filter.speaker || this.filter.key) return null;
    let section = document.querySelector(".pinned");
    if (!section) {
      section = document.createElement("section");
      section.className = "pinned";
      section.setAttribute("aria-labelledby", "pinned-heading");
      section.innerHTML = `<h2 id="pinned-heading" class="visually-hidden">${gettext("Pinned")}</h2><ul></ul>`;
      (this.banner || this.root).before(section);
    }
    return section.querySelector("ul");
  }

  removeEmptyPinned() {
    const section = document.querySelector(".pinned");
    if (section && !section.querySelector("li")) section.remove();
  }

  // Keeping the reader's place, and telling them what arrived ----------------------------------

  keepPlace(change) {
    const anchor = this.anchor();
    const top = anchor?.getBoundingClientRect().top;
    change();
    if (anchor?.isConnected) {
      const moved = anchor.getBoundingClientRect().top - top;
      if (moved) window.scrollBy(0, moved);
    }
  }

  anchor() {
    // The first entry the reader can see: what must not move under their eyes.
    if (window.scrollY === 0) return null;
    return [...this.root.querySelectorAll("article.entry")].find((node) => node.getBoundingClientRect().bottom > 0);
  }

  away() {
    const entries = [...this.root.querySelectorAll("article.entry")];
    const newest = this.order === "newest" ? entries[0] : entries[entries.length - 1];
    if (!newest) return false;
    const rect = newest.getBoundingClientRect();
    return rect.bottom < 0 || rect.top > window.innerHeight;
  }

  arrived(node) {
    this.announce(1, node);
    if (this.away()) return this.countUnseen(1);
    node.classList.add("entry--new");
  }

  countUnseen(n) {
    this.unseen += n;
    if (!this.banner) return;
    this.banner.hidden = false;
    this.banner.querySelector("button").textContent = newUpdates(this.unseen);
    document.title = `(${number(this.unseen)}) ${this.title}`;
  }

  noticeSeen() {
    if (this.unseen && !this.away() && this.complete) this.clearUnseen();
  }

  clearUnseen() {
    this.unseen = 0;
    if (this.banner) this.banner.hidden = true;
    document.title = this.title;
  }

  async showNewest() {
    while (!this.complete && this.order === "oldest") if (!(await this.loadMore())) break;
    const entries = [...this.root.querySelectorAll("article.entry")];
    const newest = this.order === "newest" ? entries[0] : entries[entries.length - 1];
    newest?.scrollIntoView({ block: "start" });
    newest?.querySelector("a")?.focus({ preventScroll: true });
    this.clearUnseen();
  }

  announce(n, node) {
    // One polite announcement for a burst, not one per frame; a lone entry is read out, in the
    // words the reader is shown (their language's where translated).
    this.announced += n;
    this.spoken = node ? excerpt(spokenText(node), 30) : "";
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(() => {
      if (this.announcer) {
        const one = this.announced === 1 && this.spoken;
        this.announcer.textContent = one ? `${newUpdates(1)}: ${this.spoken}` : newUpdates(this.announced);
      }
      this.announced = 0;
    }, 1500);
  }

  // More entries ---------------------------------------------------------------------------------

  async loadMore() {
    const link = document.querySelector(".more__link");
    if (!link || this.loading) return false;
    this.loading = true;
    try {
      const response = await fetch(link.href, { headers: { Accept: "text/html" } });
      // A busy or failing server (429, 503) is not the end of the report: the link stays.
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const node of page.querySelectorAll(".entries article.entry")) {
        if (!document.getElementById(node.id)) this.root.append(this.enhance(document.adoptNode(node)));
      }
      this.drawDays();
      this.moreProblem(link, "");
      const next = page.querySelector(".more__link");
      if (next) link.href = next.getAttribute("href");
      else {
        link.closest(".more").remove();
        this.complete = true;
      }
      return true;
    } catch (error) {
      console.warn("Could not load more entries.", error);
      const problem = this.order === "newest" ? gettext("Could not load older entries — try again.") : gettext("Could not load later entries — try again.");
      this.moreProblem(link, problem);
      return false;
    } finally {
      this.loading = false;
    }
  }

  moreProblem(link, text) {
    let problem = link.parentElement.querySelector(".more__problem");
    if (!problem && !text) return;
    if (!problem) {
      problem = Object.assign(document.createElement("span"), { className: "more__problem" });
      problem.setAttribute("role", "status");
      link.after(problem);
    }
    problem.textContent = text;
  }

  async reveal(id) {
    // An entry linked as #entry-<id> may be on a later page: load pages until it is here.
    for (let pages = 0; pages < 40 && !document.getElementById(`entry-${id}`); pages++) {
      if (!(await this.loadMore())) break;
    }
    const node = document.getElementById(`entry-${id}`);
    if (!node) return;
    node.classList.add("entry--highlight");
    node.scrollIntoView({ block: "start" });
    node.querySelector("a")?.focus({ preventScroll: true });
  }
}

function newUpdates(count) {
  return interpolate(ngettext("%(count)s new update", "%(count)s new updates", count), { count: number(count) });
}

// The server writes dates in English's order and digits; other languages have their own, and
// Persian its calendar: the Solar Hijri date first, the Gregorian one in brackets or as the title.
function dayLabel(node) {
  if (language() === "en" || !node.dataset.day) return node.dataset.dayLabel;
  return longDate(Date.parse(`${node.dataset.day}T12:00:00Z`), { timeZone: "UTC" });
}

function localizePage() {
  for (const time of document.querySelectorAll(".event-header__when time[data-zone]")) {
    time.textContent = longDateTime(Date.parse(time.dateTime), time.dataset.zone);
  }
  for (const count of document.querySelectorAll(".count, .panel__count")) count.textContent = digits(count.textContent);
  for (const text of document.querySelector(".event-header__when")?.childNodes ?? []) {
    if (text.nodeType === Node.TEXT_NODE) text.textContent = digits(text.textContent); // "· 17 cities"
  }
}

function localizeTimes(node) {
  const date = node.querySelector(".entry__date");
  const at = Date.parse(node.dataset.occurredAt);
  if (date && node.dataset.zone && !Number.isNaN(at)) {
    date.title ||= date.textContent.replace(/^[\s·]+/, "");
    date.textContent = ` · ${shortDate(at, { timeZone: node.dataset.zone })}`;
  }
  for (const time of node.querySelectorAll(".entry__meta time, .entry__event-time")) {
    for (const text of time.childNodes) if (text.nodeType === Node.TEXT_NODE) text.textContent = digits(text.textContent);
  }
}

// "just now", "12 minutes ago" for the last hour; nothing for older times, or for the future.
function recently(ms) {
  if (ms < -60000 || ms >= HOUR) return "";
  const minutes = Math.floor(ms / 60000); // never "60 minutes ago"
  return minutes < 1 ? gettext("just now") : AGO.format(-minutes, "minute");
}

const dayFormats = new Map();

// The date (YYYY-MM-DD) it is at `when` in `zone`.
function dayIn(zone, when) {
  if (!dayFormats.has(zone)) {
    try {
      dayFormats.set(zone, new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }));
    } catch {
      dayFormats.set(zone, null); // a zone this browser does not know: show the date
    }
  }
  return dayFormats.get(zone)?.format(when) ?? "";
}
