// The live connection to an event's change feed, for the reader page, the embed and the console.
//
// Frames are applied once each, in seq order. A frame that arrives after a gap waits for the
// missing ones, then they are fetched from the changes endpoint; a socket that drops reconnects
// with jittered backoff and resumes after the last applied seq. A page that cannot hold a socket
// polls the changes endpoint meanwhile. Another epoch, or a `reset` frame, means the history
// this page was built from is gone: the page starts again from a fresh load.

const MAX_BACKOFF_MS = 30000;
const FAILURES_BEFORE_POLLING = 2; // sockets in a row that closed before their hello
const POLL_MS = 10000;
const GAP_TRIES = 4; // fetches of the missing frames before a fresh socket replays them

export class LiveFeed {
  /**
   * @param {object} options
   * @param {string} options.slug the event
   * @param {number} options.seq the last change the page shows
   * @param {string} options.epoch the history that seq belongs to
   * @param {(frame: object) => void} options.apply applies one change frame, in seq order
   * @param {string} [options.route] after /ws/events/<slug>/, e.g. "console/"
   * @param {(frame: object) => void} [options.notice] frames outside the feed: hello, readers, presence
   * @param {HTMLElement} [options.status] the indicator: data-state live, polling, reconnecting or ended
   * @param {() => void} [options.reset] starts the page again; a reload by default
   */
  constructor({ slug, seq, epoch, apply, route = "", notice = () => {}, status = null, reset = null }) {
    Object.assign(this, { slug, seq, epoch, route, applyFrame: apply, notice, statusEl: status });
    this.resetPage = reset || (() => location.reload());
    this.attempts = 0;
    this.failures = 0;
    this.pending = new Map(); // frames that arrived ahead of a gap, by seq
    this.filling = null;
    this.stopped = false;
  }

  start() {
    this.connect();
    window.addEventListener("online", () => this.reconnectNow());
    // A laptop that slept may hold a socket that is dead without knowing it yet.
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && !this.stopped) this.fetchChanges();
    });
  }

  stop(state = "", text = "") {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stopPolling();
    this.socket?.close();
    this.setStatus(state, text);
  }

  // The socket -------------------------------------------------------------------------------------

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams({ after: String(this.seq), epoch: this.epoch });
    return `${scheme}//${location.host}/ws/events/${this.slug}/${this.route}?${query}`;
  }

  connect() {
    clearTimeout(this.retryTimer);
    this.socket?.close(); // one socket at a time: its close is no longer heard
    const socket = new WebSocket(this.url());
    this.socket = socket;
    socket.addEventListener("message", (message) => {
      if (this.socket === socket) this.receive(JSON.parse(message.data), socket);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket || this.stopped) return;
      this.failures = socket.greeted ? 0 : this.failures + 1;
      if (this.failures >= FAILURES_BEFORE_POLLING) this.startPolling();
      this.scheduleReconnect();
    });
  }

  reconnectNow() {
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    this.attempts = 0;
    this.connect();
  }

  scheduleReconnect() {
    if (!this.polling) this.setStatus("reconnecting", "Reconnecting…");
    const ceiling = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts);
    this.attempts += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  receive(frame, socket) {
    switch (frame.type) {
      case "hello":
        if (frame.epoch !== this.epoch) return this.reset();
        socket.greeted = true;
        this.attempts = 0;
        this.stopPolling();
        this.setStatus("live", "Live");
        return this.notice(frame); // what was missed follows as frames
      case "reset":
        return this.reset();
      case "readers":
      case "presence":
        return this.notice(frame);
      default:
        return this.accept(frame);
    }
  }

  // Frames in seq order -----------------------------------------------------------------------------

  accept(frame) {
    if (this.stopped) return;
    if (frame.epoch && frame.epoch !== this.epoch) return this.reset();
    if (typeof frame.seq !== "number" || frame.seq <= this.seq) return; // replay and live can overlap
    this.pending.set(frame.seq, frame);
    this.drain();
    if (this.pending.size) this.fillGap();
  }

  drain() {
    while (this.pending.has(this.seq + 1) && !this.stopped) {
      const frame = this.pending.get(this.seq + 1);
      this.pending.delete(frame.seq);
      this.seq = frame.seq;
      this.applyFrame(frame);
    }
  }

  fillGap() {
    this.filling ||= (async () => {
      for (let attempt = 0; attempt < GAP_TRIES && this.pending.size; attempt++) {
        await sleep(250 * 2 ** attempt); // the missing frames may be on their way
        if (this.pending.size) await this.fetchChanges();
      }
      // Still a gap: a fresh socket replays everything after the last applied seq.
      if (this.pending.size && !this.stopped) this.socket?.close();
    })().finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  /** Applies the frames after this page's seq from the changes endpoint; true if it answered. */
  async fetchChanges() {
    const feed = await this.readChanges();
    if (feed) this.applyChanges(feed);
    return feed !== null;
  }

  async readChanges() {
    try {
      const response = await fetch(`/api/events/${this.slug}/changes/?after=${this.seq}`, { cache: "no-store" });
      if (!response.ok) throw new Error(`changes: HTTP ${response.status}`);
      return await response.json();
    } catch (error) {
      console.warn("Could not fetch the latest changes; trying again.", error);
      return null;
    }
  }

  applyChanges(feed) {
    if (feed.epoch !== this.epoch || feed.frames.some((frame) => frame.type === "reset")) return this.reset();
    for (const frame of feed.frames) if (frame.seq > this.seq) this.pending.set(frame.seq, frame);
    this.drain();
  }

  // When the socket cannot be held -----------------------------------------------------------------

  startPolling() {
    if (this.polling || this.stopped) return;
    this.polling = true;
    let unreachable = false;
    const poll = async () => {
      const feed = await this.readChanges();
      if (!this.polling) return;
      if (feed && unreachable) this.connect(); // the server is back: its socket replays what was missed
      else if (feed) {
        this.applyChanges(feed);
        this.setStatus("polling", `Live (checking every ${POLL_MS / 1000} s)`);
      } else this.setStatus("reconnecting", "Reconnecting…");
      unreachable = !feed;
      this.pollTimer = setTimeout(poll, POLL_MS);
    };
    poll();
  }

  stopPolling() {
    this.polling = false;
    clearTimeout(this.pollTimer);
  }

  // The page --------------------------------------------------------------------------------------

  setStatus(state, text) {
    if (!this.statusEl) return;
    this.statusEl.dataset.state = state;
    this.statusEl.textContent = text;
  }

  reset() {
    if (this.stopped) return;
    this.stop("reconnecting", "Reloading…");
    this.resetPage();
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
