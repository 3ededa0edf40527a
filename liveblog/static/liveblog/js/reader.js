// The reader page and the embed: the report view kept in step with the event's live feed.

import { showEventStatus } from "./event-status.js";
import { LiveFeed } from "./live.js";
import { ReportView } from "./report-view.js";

// What a frame changes on the page; the feed has put it in seq order.
function applyFrame(view, feed, frame) {
  if (frame.type === "entry.created" || frame.type === "entry.updated") view.upsert(frame.entry);
  else if (frame.type === "entry.deleted") view.remove(frame.entry.id);
  else if (frame.type === "event.updated") updateEvent(view, feed, frame.event);
}

function updateEvent(view, feed, event) {
  if (event.status === "ended") end(feed);
  showEventStatus(document.querySelector(".event-header .status"), event.status);
  const title = document.querySelector(".event-header h1");
  if (title && title.textContent !== event.title) {
    document.title = document.title.split(title.textContent).join(event.title);
    title.textContent = event.title;
  }
  updateCities(view, event.cities);
}

function updateCities(view, cities) {
  const nav = document.querySelector("nav.cities ul");
  if (!nav || !Array.isArray(cities)) return;
  const links = [...nav.querySelectorAll("a")].slice(1); // after "All cities"
  const shown = links.map((a) => new URL(a.href).searchParams.get("city") + "=" + a.firstChild.textContent.trim());
  if (shown.join("|") === cities.map((c) => `${c.slug}=${c.name}`).join("|")) return;
  links.forEach((a) => a.parentElement.remove());
  for (const city of cities) {
    const url = new URL(location.href);
    url.searchParams.set("city", city.slug);
    url.hash = "";
    const link = Object.assign(document.createElement("a"), { href: url.search, textContent: city.name });
    if (city.slug === view.filter.city) link.setAttribute("aria-current", "page");
    const item = document.createElement("li");
    item.append(link);
    nav.append(item);
  }
}

function end(feed) {
  // The report is complete: no more live frames, and no reconnecting.
  feed.stop("ended", "");
  if (!document.querySelector(".ended-notice")) {
    const notice = Object.assign(document.createElement("p"), { className: "ended-notice" });
    notice.textContent = "This event has ended. The report below is the complete archive.";
    notice.setAttribute("role", "status");
    document.querySelector(".live-bar")?.after(notice);
  }
}

function showReaders(frame) {
  const count = frame.type === "hello" ? frame.readers : frame.count;
  const readers = document.querySelector(".live-readers");
  if (!readers || typeof count !== "number" || count < 1) return;
  readers.hidden = false;
  readers.textContent = `${count.toLocaleString()} reading`;
}

function storage() {
  // A third-party iframe (the embed) may be denied storage: the page works without it.
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function rememberOrder() {
  // The reader's choice of order is kept; a link that names an order wins.
  const key = "liveblog:order";
  const store = storage();
  const params = new URLSearchParams(location.search);
  document.querySelectorAll(".order a[data-order]").forEach((link) => {
    link.addEventListener("click", () => store?.setItem(key, link.dataset.order));
  });
  const saved = store?.getItem(key);
  const root = document.querySelector(".entries[data-order]");
  if (!params.has("order") && saved && root && saved !== root.dataset.order) {
    params.set("order", saved);
    location.replace(`${location.pathname}?${params}${location.hash}`);
    return true;
  }
  return false;
}

function loadOnScroll(view) {
  const more = document.querySelector(".more");
  if (!more) return;
  more.querySelector("a").addEventListener("click", (event) => {
    event.preventDefault();
    view.loadMore();
  });
  new IntersectionObserver((seen) => {
    if (seen.some((e) => e.isIntersecting)) view.loadMore();
  }, { rootMargin: "400px" }).observe(more);
}

const root = document.querySelector(".entries[data-event]");
if (root && !rememberOrder()) {
  const view = new ReportView(root);
  const feed = new LiveFeed({
    slug: root.dataset.event,
    seq: Number(root.dataset.seq),
    epoch: root.dataset.epoch,
    apply: (frame) => applyFrame(view, feed, frame),
    notice: showReaders,
    status: document.querySelector(".live-status"),
  });
  if (root.dataset.status !== "ended") feed.start();
  loadOnScroll(view);
  const target = location.hash.match(/^#entry-(\d+)$/);
  if (target) view.reveal(target[1]);
  document.querySelector("#filter-speaker")?.addEventListener("change", (event) => event.target.form.submit());
  window.liveblog = feed;
}
