// Keeps a reader page in step with the report: applies the change feed's frames in seq order,
// reconnects with jittered backoff, fills gaps from the changes endpoint, reloads on reset.

import { ReportView } from "./report-view.js";

const MAX_BACKOFF_MS = 30000;

export class LiveReport {
  constructor(root, view, { status, readers } = {}) {
    this.root = root;
    this.view = view;
    this.slug = root.dataset.event;
    this.epoch = root.dataset.epoch;
    this.seq = Number(root.dataset.seq);
    this.statusEl = status;
    this.readersEl = readers;
    this.attempts = 0;
    this.pending = new Map(); // frames that arrived ahead of a gap, by seq
    this.filling = null;
  }

  start() {
    this.connect();
    window.addEventListener("online", () => this.reconnectNow());
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams({ after: String(this.seq), epoch: this.epoch });
    return `${scheme}//${location.host}/ws/events/${this.slug}/?${query}`;
  }

  connect() {
    clearTimeout(this.retryTimer);
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempts = 0;
      this.setStatus("live", "Live");
    });
    socket.addEventListener("message", (message) => this.receive(JSON.parse(message.data)));
    socket.addEventListener("close", () => {
      if (this.socket === socket && !this.closedForGood) this.scheduleReconnect();
    });
  }

  reconnectNow() {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) return;
    this.attempts = 0;
    this.connect();
  }

  scheduleReconnect() {
    this.setStatus("reconnecting", "Reconnecting…");
    const ceiling = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts);
    this.attempts += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  receive(frame) {
    switch (frame.type) {
      case "hello":
        if (frame.epoch !== this.epoch) return this.reload();
        return this.showReaders(frame.readers); // what was missed follows as frames
      case "readers":
        return this.showReaders(frame.count);
      case "reset":
        return this.reload();
      default:
        return this.accept(frame);
    }
  }

  accept(frame) {
    if (frame.epoch && frame.epoch !== this.epoch) return this.reload();
    if (frame.seq <= this.seq) return; // seen already (replay and live can overlap)
    this.pending.set(frame.seq, frame);
    this.drain();
    if (this.pending.size) this.fillGap();
  }

  drain() {
    while (this.pending.has(this.seq + 1)) {
      const frame = this.pending.get(this.seq + 1);
      this.pending.delete(this.seq + 1);
      this.apply(frame);
      this.seq = frame.seq;
      this.root.dataset.seq = String(this.seq);
    }
  }

  async fillGap() {
    if (this.filling) return this.filling;
    this.filling = (async () => {
      for (let attempt = 0; attempt < 4 && this.pending.size; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt)); // maybe on its way
        if (this.pending.size && (await this.fetchMissed()) === "reset") return this.reload();
      }
      // Still a gap: a fresh connection replays everything after the last applied seq.
      if (this.pending.size) this.socket?.close();
    })().finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  async fetchMissed() {
    try {
      const url = `/api/events/${this.slug}/changes/?after=${this.seq}`;
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new Error(`changes: HTTP ${response.status}`);
      for (const frame of (await response.json()).frames) {
        if (frame.type === "reset") return "reset";
        if (frame.seq > this.seq) this.pending.set(frame.seq, frame);
      }
      this.drain();
    } catch (error) {
      console.warn("Could not fetch missed updates; trying again.", error);
    }
    return "ok";
  }

  apply(frame) {
    if (frame.type === "entry.created" || frame.type === "entry.updated") this.view.upsert(frame.entry);
    else if (frame.type === "entry.deleted") this.view.remove(frame.entry.id);
    else if (frame.type === "event.updated") this.updateEvent(frame.event);
  }

  updateEvent(event) {
    if (event.status === "ended") this.end();
    const badge = document.querySelector(".event-header .status");
    if (badge) {
      badge.className = `status status--${event.status}`;
      badge.textContent = event.status.charAt(0).toUpperCase() + event.status.slice(1);
    }
    const title = document.querySelector(".event-header h1");
    if (title && title.textContent !== event.title) {
      document.title = document.title.split(title.textContent).join(event.title);
      title.textContent = event.title;
    }
    this.updateCities(event.cities);
  }

  updateCities(cities) {
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
      if (city.slug === this.view.filter.city) link.setAttribute("aria-current", "page");
      const item = document.createElement("li");
      item.append(link);
      nav.append(item);
    }
  }

  end() {
    // The report is complete: no more live frames, and no reconnecting.
    this.closedForGood = true;
    this.socket?.close();
    this.setStatus("ended", "");
    if (!document.querySelector(".ended-notice")) {
      const notice = Object.assign(document.createElement("p"), { className: "ended-notice" });
      notice.textContent = "This event has ended. The report below is the complete archive.";
      notice.setAttribute("role", "status");
      document.querySelector(".live-bar")?.after(notice);
    }
  }

  showReaders(count) {
    if (!this.readersEl || typeof count !== "number" || count < 1) return;
    this.readersEl.hidden = false;
    this.readersEl.textContent = `${count.toLocaleString()} reading`;
  }

  setStatus(state, text) {
    if (!this.statusEl) return;
    this.statusEl.dataset.state = state;
    this.statusEl.textContent = text;
  }

  reload() {
    this.closedForGood = true;
    this.socket?.close();
    location.reload();
  }
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
  const report = new LiveReport(root, view, {
    status: document.querySelector(".live-status"),
    readers: document.querySelector(".live-readers"),
  });
  if (root.dataset.status !== "ended") report.start();
  loadOnScroll(view);
  const target = location.hash.match(/^#entry-(\d+)$/);
  if (target) view.reveal(target[1]);
  document.querySelector("#filter-speaker")?.addEventListener("change", (event) => event.target.form.submit());
  window.liveblog = report;
}
