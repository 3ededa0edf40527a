// The reader page's DOM: entries in order, pinned copies, key moments, "N new updates",
// times in the reader's own zone, "Show older", and the place a reader is reading kept still.

import { compare, dateline, excerpt, sortKey, toNode } from "./entries.js";
import { copyLink } from "./share.js";

const AGO = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
const READER_TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const READER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

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
    document.querySelectorAll(".pinned article.entry").forEach((node) => this.enhance(node));
    this.banner?.querySelector("button").addEventListener("click", () => this.showNewest());
    window.addEventListener("scroll", () => this.noticeSeen(), { passive: true });
    setInterval(() => this.refreshTimes(), 30000);
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
    if (!this.matches(entry)) return this.keepPlace(() => existing?.remove());
    const node = this.enhance(toNode(entry.html));
    if (existing && existing.dataset.occurredAt === node.dataset.occurredAt) {
      return this.keepPlace(() => existing.replaceWith(node));
    }
    if (!existing && !this.belongsOnPage(node)) return this.countUnseen(1);
    this.keepPlace(() => {
      existing?.remove();
      this.insertInOrder(node);
    });
    if (!existing) this.arrived(node);
  }

  remove(id) {
    this.keepPlace(() => document.getElementById(`entry-${id}`)?.remove());
    document.getElementById(`pinned-${id}`)?.remove();
    this.removeKeyMoment(document.querySelector(`.key-moments li[data-id="${id}"]`));
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
    if (time) {
      const when = new Date(time.dateTime);
      const venueZone = time.title.match(/\(([^)]+)\)$/)?.[1];
      time.title = `${time.title} — ${READER_TIME.format(when)} your time`;
      const meta = node.querySelector(".entry__meta");
      if (meta && venueZone && venueZone !== READER_ZONE) {
        meta.insertAdjacentHTML("beforeend", `<span class="entry__reader-time">${READER_TIME.format(when)} your time</span>`);
      }
      meta?.insertAdjacentHTML("beforeend", '<span class="entry__ago"></span>');
      this.refreshTimes(node);
    }
    const link = node.querySelector("a.entry__time[href]");
    if (link && navigator.clipboard && !node.querySelector(".entry__share")) {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: "Copy link" });
      button.className = "link-button entry__share";
      button.dataset.copy = link.getAttribute("href");
      button.addEventListener("click", () => copyLink(button));
      node.querySelector(".entry__meta")?.append(button);
    }
    return node;
  }

  refreshTimes(scope = document) {
    const now = Date.now();
    for (const node of scope.querySelectorAll ? scope.querySelectorAll(".entry__ago") : []) {
      const time = node.closest("article")?.querySelector("time[datetime]");
      if (time) node.textContent = relative(new Date(time.dateTime).getTime() - now);
    }
  }

  // Pinned entries and key moments -----------------------------------------------------------

  syncHighlights(entry) {
    const copy = document.getElementById(`pinned-${entry.id}`);
    if (entry.pinned) {
      const node = this.enhance(toNode(entry.html));
      node.id = `pinned-${entry.id}`;
      if (copy) copy.replaceWith(node);
      else this.pinnedSection()?.querySelector("h2").after(node);
    } else copy?.remove();
    const item = document.querySelector(`.key-moments li[data-id="${entry.id}"]`);
    if (!entry.key_moment) return this.removeKeyMoment(item);
    const list = document.querySelector(".key-moments ol");
    if (!list) return;
    list.closest("nav").hidden = false;
    const li = document.createElement("li");
    li.dataset.id = entry.id;
    const a = Object.assign(document.createElement("a"), { href: `#entry-${entry.id}` });
    a.textContent = `${dateline(entry)} — ${excerpt(entry.body)}`;
    li.append(a);
    if (item) item.replaceWith(li);
    else list.append(li);
  }

  removeKeyMoment(item) {
    const nav = item?.closest("nav");
    item?.remove();
    if (nav && !nav.querySelector("li")) nav.hidden = true;
  }

  pinnedSection() {
    if (this.filter.city || this.filter.speaker || this.filter.key) return null;
    let section = document.querySelector(".pinned");
    if (!section) {
      section = document.createElement("section");
      section.className = "pinned";
      section.setAttribute("aria-labelledby", "pinned-heading");
      section.innerHTML = '<h2 id="pinned-heading">Pinned</h2>';
      (document.querySelector(".key-moments") || this.banner || this.root).before(section);
    }
    return section;
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
    this.announce(1);
    if (this.away()) return this.countUnseen(1);
    node.classList.add("entry--new");
  }

  countUnseen(n) {
    this.unseen += n;
    if (!this.banner) return;
    this.banner.hidden = false;
    this.banner.querySelector("button").textContent =
      this.unseen === 1 ? "1 new update" : `${this.unseen} new updates`;
    document.title = `(${this.unseen}) ${this.title}`;
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

  announce(n) {
    // One polite announcement for a burst, not one per frame.
    this.announced += n;
    clearTimeout(this.announceTimer);
    this.announceTimer = setTimeout(() => {
      if (this.announcer) {
        this.announcer.textContent = this.announced === 1 ? "1 new update" : `${this.announced} new updates`;
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
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const node of page.querySelectorAll(".entries article.entry")) {
        if (!document.getElementById(node.id)) this.root.append(this.enhance(document.adoptNode(node)));
      }
      const next = page.querySelector(".more__link");
      if (next) link.href = next.getAttribute("href");
      else {
        link.closest(".more").remove();
        this.complete = true;
      }
      return true;
    } finally {
      this.loading = false;
    }
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

function relative(ms) {
  const seconds = Math.round(ms / 1000);
  if (Math.abs(seconds) < 60) return "just now";
  const minutes = Math.round(seconds / 60);
  if (Math.abs(minutes) < 60) return AGO.format(minutes, "minute");
  const hours = Math.round(minutes / 60);
  if (Math.abs(hours) < 24) return AGO.format(hours, "hour");
  const days = Math.round(hours / 24);
  if (Math.abs(days) < 30) return AGO.format(days, "day");
  if (Math.abs(days) < 365) return AGO.format(Math.round(days / 30), "month");
  return AGO.format(Math.round(days / 365), "year");
}
