// The live connection to an event's change feed, for the reader page, the embed and the console.
//
// Frames are applied once each, in seq order. A frame that arrives after a gap waits for the
// missing ones, then they are fetched from the changes endpoint; a socket that drops reconnects
// with jittered backoff and resumes after the last applied seq. A page that cannot hold a socket
// (a proxy refuses it, or it opens and says nothing) polls the changes endpoint meanwhile, and
// goes back to the socket once one says hello. A socket can also die without a close (a laptop
// that slept, a network that drops its packets): after a quiet while, and whenever the page comes
// back into view, the head is read over HTTP, and a database ahead of a silent socket means a new
// socket. Another epoch, or a `reset` frame, means the history this page was built from is gone:
// the page starts again from a fresh load.

import { gettext, interpolate, number } from "./i18n.js";

const MAX_BACKOFF_MS = 30000;
const FAILURES_BEFORE_POLLING = 2; // sockets in a row that closed before their hello
const FALLBACK_MS = 5000; // without a socket's hello this long, the page polls meanwhile
const HELLO_TIMEOUT_MS = 10000; // a socket that opens and says nothing is given up
const GRACE_MS = 1000; // frames on their way when the head was read
const GAP_TRIES = 4; // fetches of the missing frames before a fresh socket replays them
const RELOADED_KEY = "liveblog:reloaded-after-error";
const RELOAD_AT_MOST_EVERY_MS = 60000;

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
   * @param {number} [options.poll] seconds between reads of the changes endpoint without a socket
   * @param {number} [options.quiet] seconds a socket may say nothing before the head is checked
   */
  constructor({ slug, seq, epoch, apply, route = "", notice = () => {}, status = null, reset = null, poll = 10, quiet = 30 }) {
    Object.assign(this, { slug, seq, epoch, route, applyFrame: apply, notice, statusEl: status });
    this.resetPage = reset || (() => location.reload());
    this.pollMs = (poll > 0 ? poll : 10) * 1000;
    this.quietMs = (quiet > 0 ? quiet : 30) * 1000;
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
      if (!document.hidden) this.checkHead();
    });
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return; // back from the back-forward cache: its socket was closed
      this.reconnectNow();
      this.checkHead();
    });
  }

  stop(state = "", text = "") {
    this.stopped = true;
    for (const timer of [this.retryTimer, this.fallbackTimer, this.quietTimer]) clearTimeout(timer);
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
    clearTimeout(this.quietTimer);
    this.socket?.close(); // one socket at a time: its close is no longer heard
    const socket = new WebSocket(this.url());
    this.socket = socket;
    this.fallBackLater();
    socket.silence = setTimeout(() => this.lost(socket), HELLO_TIMEOUT_MS);
    socket.addEventListener("message", (message) => {
      if (this.socket === socket) this.hear(message.data, socket);
    });
    socket.addEventListener("close", () => this.lost(socket));
  }

  /** The socket closed, or said nothing for too long: the next one, after a backoff. */
  lost(socket) {
    clearTimeout(socket.silence);
    if (this.socket !== socket || this.stopped) return;
    this.socket = null;
    socket.close(); // a dead one may never report its close: it is not waited for
    clearTimeout(this.quietTimer);
    this.failures = socket.greeted ? 0 : this.failures + 1;
    if (this.failures >= FAILURES_BEFORE_POLLING) this.startPolling();
    else this.fallBackLater();
    this.scheduleReconnect();
  }

  reconnectNow() {
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    this.attempts = 0;
    this.connect();
  }

  scheduleReconnect() {
    if (!this.polling) this.setStatus("reconnecting", gettext("Reconnecting…"));
    const ceiling = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts);
    this.attempts += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  fallBackLater() {
    if (this.fallbackTimer || this.polling) return;
    this.fallbackTimer = setTimeout(() => {
      this.fallbackTimer = null;
      if (!this.socket?.greeted) this.startPolling();
    }, FALLBACK_MS);
  }

  hear(data, socket) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return console.warn("Ignored a live frame that is not JSON.", data);
    }
    if (frame === null || typeof frame !== "object") return console.warn("Ignored a live frame that is not an object.", frame);
    if (socket.greeted) this.listenQuietly();
    this.receive(frame, socket);
  }

  receive(frame, socket) {
    switch (frame.type) {
      case "hello":
        if (frame.epoch !== this.epoch) return this.reset();
        socket.greeted = true;
        clearTimeout(socket.silence);
        this.attempts = 0;
        this.failures = 0;
        clearTimeout(this.fallbackTimer);
        this.fallbackTimer = null;
        this.stopPolling();
        this.listenQuietly();
        this.setStatus("live", gettext("Live"));
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

  // A socket that says nothing --------------------------------------------------------------------

  listenQuietly() {
    clearTimeout(this.quietTimer);
    if (this.stopped) return;
    this.quietTimer = setTimeout(() => this.checkHead(), jittered(this.quietMs));
  }

  /** Reads the head over HTTP: a database ahead of what the socket said means the socket is dead. */
  async checkHead() {
    if (this.stopped || this.checking) return;
    this.checking = true;
    const socket = this.socket;
    try {
      const feed = await this.readChanges();
      if (!feed || feed.seq <= this.seq) return;
      await sleep(GRACE_MS);
      if (this.seq >= feed.seq || this.stopped) return; // the socket was only slow
      this.applyChanges(feed);
      if (socket && socket === this.socket && socket.greeted) {
        console.warn(`The live connection said nothing of changes up to ${feed.seq}; connecting again.`);
        this.attempts = 0;
        this.connect(); // it replays anything after the seq just applied
      }
    } finally {
      this.checking = false;
      if (this.socket?.greeted) this.listenQuietly();
    }
  }

  // Frames in seq order -----------------------------------------------------------------------------

  accept(frame) {
    if (this.stopped) return;
    if (frame.epoch && frame.epoch !== this.epoch) return this.reset();
    // Replay and live can overlap; a frame without a whole seq is not part of the feed.
    if (!Number.isSafeInteger(frame.seq) || frame.seq <= this.seq) return;
    this.pending.set(frame.seq, frame);
    this.drain();
    if (this.pending.size) this.fillGap();
  }

  drain() {
    while (this.pending.has(this.seq + 1) && !this.stopped) {
      const frame = this.pending.get(this.seq + 1);
      this.pending.delete(frame.seq);
      try {
        this.applyFrame(frame);
      } catch (error) {
        return this.applyFailed(frame, error);
      }
      this.seq = frame.seq;
    }
  }

  /**
   * A frame the page could not show: read again from the server; if the server's copy fails as
   * well, only a fresh load shows the report right, but at most once a minute (a page that fails
   * on every frame must not reload forever): otherwise the frame is skipped.
   */
  applyFailed(frame, error) {
    console.error(`Could not show change ${frame.seq}; reading it again from the server.`, error);
    this.pending.clear();
    if (this.failedSeq !== frame.seq) {
      this.failedSeq = frame.seq;
      this.fetchChanges();
    } else if (reloadedLately()) {
      console.error(`Change ${frame.seq} was skipped: the page failed to show it twice.`);
      this.seq = frame.seq;
      this.fetchChanges();
    } else {
      rememberReload();
      this.reset();
    }
  }

  fillGap() {
    this.filling ||= (async () => {
      for (let attempt = 0; attempt < GAP_TRIES && this.pending.size; attempt++) {
        await sleep(250 * 2 ** attempt); // the missing frames may be on their way
        if (this.pending.size) await this.fetchChanges({ settle: [...this.pending.keys()] });
      }
      // Still a gap: a fresh socket replays everything after the last applied seq.
      if (this.pending.size && !this.stopped) this.socket?.close();
    })().finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  /**
   * Applies the frames after this page's seq from the changes endpoint; true if it answered.
   * `settle`: seqs of frames that were waiting before the read; those past the database's head
   * are not real changes, and are dropped rather than waited for.
   */
  async fetchChanges({ settle = [] } = {}) {
    const feed = await this.readChanges();
    if (!feed) return false;
    this.applyChanges(feed);
    for (const seq of settle) {
      if (seq > feed.seq && this.pending.delete(seq)) console.warn(`Ignored frame ${seq}: the report has no such change.`);
    }
    return true;
  }

  async readChanges() {
    this.retryAfterMs = 0;
    try {
      const response = await fetch(`/api/events/${this.slug}/changes/?after=${this.seq}`, { cache: "no-store" });
      this.retryAfterMs = retryAfter(response);
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
      if (feed) {
        this.applyChanges(feed);
        this.setStatus("polling", interpolate(gettext("Updating every %(seconds)s s"), { seconds: number(Math.round(this.pollMs / 1000)) }));
      } else this.setStatus("reconnecting", gettext("Reconnecting…"));
      unreachable = !feed;
      // Jittered, so that pages that lost their sockets together do not ask together; a server
      // that says when to come back (429, 503) is asked no sooner.
      this.pollTimer = setTimeout(poll, Math.max(jittered(this.pollMs), this.retryAfterMs));
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
    this.stop("reconnecting", gettext("Reloading…"));
    this.resetPage();
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `ms`, give or take a fifth. */
function jittered(ms) {
  return ms * (0.8 + Math.random() * 0.4);
}

/** What a response's Retry-After asks for, in ms (seconds or an HTTP date); 0 without one. */
function retryAfter(response) {
  const value = response.headers?.get("Retry-After");
  if (!value) return 0;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, Math.min(ms, 600000)) : 0;
}

// The page's own storage may be denied (a third-party frame): then the page skips a frame rather
// than risk reloading forever.
function reloadedLately() {
  try {
    return Date.now() - Number(sessionStorage.getItem(RELOADED_KEY) || 0) < RELOAD_AT_MOST_EVERY_MS;
  } catch {
    return true;
  }
}

function rememberReload() {
  try {
    sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
  } catch {
    // nothing to remember with: reloadedLately() says so
  }
}
