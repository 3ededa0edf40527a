// The reader page and the embed: the report view kept in step with the event's live feed.

import "./embeds.js";
import "./lightbox.js";
import { cityMap } from "./city-map.js";
import { showEventStatus } from "./event-status.js";
import { retitle } from "./entries.js";
import { gettext, interpolate, ngettext, number } from "./i18n.js";
import { LiveFeed } from "./live.js";
import { OnStage } from "./on-stage.js";
import { ReportView } from "./report-view.js";

// What a frame changes on the page; the feed has put it in seq order.
function applyFrame(view, feed, frame) {
  if (frame.type === "entry.created" || frame.type === "entry.updated") view.upsert(frame.entry);
  else if (frame.type === "entry.deleted") view.remove(frame.entry.id);
  else if (frame.type === "event.updated") updateEvent(view, feed, frame);
  view.changed(frame);
  if (frame.agenda) onStage?.update(frame.agenda);
  map?.apply(frame);
}

function updateEvent(view, feed, frame) {
  const { event } = frame;
  if (reopened(event.status)) return;
  showEnded(event.status === "ended");
  showEventStatus(document.querySelector(".event-header .status"), event.status);
  const title = document.querySelector(".event-header h1");
  const reader = document.querySelector(".entries[data-lang]")?.dataset.lang;
  const wanted = event.translations?.[reader]?.title || event.title; // in the page's language
  if (title && title.textContent !== wanted) {
    document.title = document.title.split(title.textContent).join(wanted);
    title.textContent = wanted;
  }
  updateCities(view, event.cities);
  retitle(document, frame);
}

function updateCities(view, cities) {
  // A city added or renamed: the list beside the stream and the filter's suggestions follow.
  if (!Array.isArray(cities)) return;
  const options = document.querySelector("#filter-cities");
  if (options) options.replaceChildren(...cities.map((c) => Object.assign(document.createElement("option"), { value: c.name })));
  const list = document.querySelector(".cities ul");
  if (!list) return;
  const links = new Map([...list.querySelectorAll("a[data-city]")].map((a) => [a.dataset.city, a]));
  for (const city of cities) {
    const link = links.get(city.slug);
    if (link) link.firstChild.textContent = `${city.name} `;
    else if (list.children.length - 1 < Number(list.dataset.max)) list.append(cityItem(view, city)); // 1: "All cities"
  }
  const count = document.querySelector(".cities .panel__count");
  if (count) count.textContent = String(cities.length);
}

function cityItem(view, city) {
  const url = new URL(location.href);
  url.searchParams.set("city", city.slug);
  url.searchParams.delete("cursor");
  url.hash = "";
  const link = Object.assign(document.createElement("a"), { href: url.search });
  link.dataset.city = city.slug;
  if (city.slug === view.filter.city) link.setAttribute("aria-current", "page");
  const count = Object.assign(document.createElement("span"), { className: "count", textContent: number(0) });
  count.dataset.count = city.slug;
  const unit = Object.assign(document.createElement("span"), { className: "visually-hidden", textContent: ` ${gettext("entries")}` });
  link.append(`${city.name} `, count, unit);
  const item = document.createElement("li");
  item.append(link);
  return item;
}

function openPanelsOnWideScreens() {
  // Key moments and cities sit open beside the stream on a wide screen, folded on a phone.
  const wide = window.matchMedia("(min-width: 64rem)");
  const apply = () => document.querySelectorAll("details[data-open-wide]").forEach((d) => (d.open = wide.matches));
  apply();
  wide.addEventListener("change", apply);
}

function linksLeaveTheFrame() {
  // In a frame on another site, a link to one of the report's pages opens it in a new tab: the
  // pages themselves refuse to be framed, and the host page stays where the reader left it.
  if (window.parent === window) return;
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[href]");
    if (!link || link.getAttribute("href").startsWith("#") || link.classList.contains("more__link")) return;
    link.target = "_blank";
    link.rel = "noopener";
  });
}

function reportHeight() {
  // In a frame on another site: tell the host page how tall the report is, so that it can size
  // the frame (see the README's "Embedding").
  if (window.parent === window) return;
  let last = 0;
  new ResizeObserver(() => {
    const height = Math.ceil(document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "liveblog:height", event: root.dataset.event, height }, "*");
  }).observe(document.body);
}

function reopened(status) {
  // A page loaded while the event was ended reads as an archive, oldest first; set live again (an
  // end by mistake), the live report is loaded instead, with the reader's own choice of order.
  const entries = document.querySelector(".entries[data-event]");
  if (status === "ended" || entries?.dataset.status !== "ended") return false;
  entries.dataset.status = status;
  location.reload();
  return true;
}

function showEnded(ended) {
  // The report is complete, until an editor sets the event live again (an end by mistake): the
  // connection stays open, so the page follows either way.
  const notice = document.querySelector(".ended-notice");
  if (!ended) return notice?.remove();
  if (notice) return;
  const added = Object.assign(document.createElement("p"), { className: "ended-notice" });
  added.textContent = gettext("This event has ended. The report below is the complete archive.");
  added.setAttribute("role", "status");
  document.querySelector(".toolbar")?.before(added);
}

function showReaders(frame) {
  const count = frame.type === "hello" ? frame.readers : frame.count;
  const readers = document.querySelector(".live-readers");
  if (!readers || typeof count !== "number" || count < 1) return;
  readers.hidden = false;
  readers.textContent = interpolate(ngettext("%(count)s reading", "%(count)s reading", count), { count: number(count) });
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

const map = cityMap();
const stage = document.querySelector(".on-stage");
const onStage = stage ? new OnStage(stage) : null;
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
    poll: Number(root.dataset.poll),
    quiet: Number(root.dataset.quiet),
  });
  feed.start();
  loadOnScroll(view);
  const target = location.hash.match(/^#entry-(\d+)$/);
  if (target) view.reveal(target[1]);
  openPanelsOnWideScreens();
  linksLeaveTheFrame();
  reportHeight();
  window.liveblog = feed;
}
