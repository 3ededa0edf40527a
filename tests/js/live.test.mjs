// The live feed's rules on their own: order, gaps, epochs, resets, polling. The socket, the
// changes endpoint and the clock are stand-ins; the browser tests run the real ones.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, mock, test } from "node:test";

// Loaded from its text: see outbox.test.mjs.
// The modules are scripts of the page (no package.json says "module"): loaded as data, with the
// one they import (the interface's words) loaded the same way.
const asModule = (text) => `data:text/javascript,${encodeURIComponent(text)}`;
const read = (name) => readFile(new URL(`../../liveblog/static/liveblog/js/${name}`, import.meta.url), "utf8");
const words = asModule(await read("i18n.js"));
const source = (await read("live.js")).replace('"./i18n.js"', JSON.stringify(words));
const { LiveFeed } = await import(asModule(source));

class FakeSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static opened = [];
  constructor(url) {
    this.url = url;
    this.readyState = FakeSocket.CONNECTING;
    this.listeners = {};
    FakeSocket.opened.push(this);
  }
  addEventListener(type, listener) {
    (this.listeners[type] ||= []).push(listener);
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    for (const listener of this.listeners.close || []) listener({});
  }
  frame(frame) {
    this.readyState = FakeSocket.OPEN;
    for (const listener of this.listeners.message || []) listener({ data: JSON.stringify(frame) });
  }
}

let changes; // what the changes endpoint answers: {epoch, frames}, {status, retryAfter}, or null for no answer
let fetched;
let listeners; // the page's: "online", "visibilitychange", "pageshow"

beforeEach(() => {
  mock.timers.enable({ apis: ["setTimeout"] });
  FakeSocket.opened = [];
  changes = null;
  fetched = [];
  listeners = {};
  const listen = (type, listener) => (listeners[type] ||= []).push(listener);
  const stored = new Map();
  Object.assign(globalThis, {
    WebSocket: FakeSocket,
    location: { protocol: "https:", host: "live.example", reload: () => {} },
    window: { addEventListener: listen },
    document: { addEventListener: listen, hidden: false },
    sessionStorage: { getItem: (key) => stored.get(key) ?? null, setItem: (key, value) => stored.set(key, value) },
    fetch: async (url) => {
      fetched.push(url);
      if (!changes) throw new TypeError("Failed to fetch");
      const headers = { get: (name) => (name === "Retry-After" ? changes.retryAfter ?? null : null) };
      if (changes.status) return { ok: false, status: changes.status, headers, json: async () => ({}) };
      return { ok: true, status: 200, headers, json: async () => changes };
    },
  });
  mock.method(console, "warn", () => {});
  mock.method(console, "error", () => {});
});

afterEach(() => mock.reset());

function feed(extra = {}) {
  const applied = [];
  const resets = [];
  const status = { dataset: {}, textContent: "" };
  const live = new LiveFeed({
    slug: "summit",
    seq: 41,
    epoch: "e1",
    apply: (frame) => applied.push(frame.seq),
    status,
    reset: () => resets.push("reset"),
    ...extra,
  });
  live.start();
  return { live, applied, resets, status, socket: () => FakeSocket.opened.at(-1) };
}

const change = (seq, epoch = "e1") => ({ type: "entry.updated", seq, epoch, entry: { id: seq } });
const hello = (seq, epoch = "e1") => ({ type: "hello", event: "summit", epoch, seq, readers: 3 });

async function settle(ms) {
  // Lets awaited fetches finish, then moves the clock (setImmediate is not faked: it runs once
  // every promise settled).
  await new Promise((resolve) => setImmediate(resolve));
  mock.timers.tick(ms);
  await new Promise((resolve) => setImmediate(resolve));
}

test("it resumes after the page's seq, in the page's epoch, on the route it is given", () => {
  const { socket } = feed({ route: "console/" });
  assert.equal(socket().url, "wss://live.example/ws/events/summit/console/?after=41&epoch=e1");
});

test("frames apply once each, in seq order; notices go to the page", () => {
  const notices = [];
  const { applied, status, socket } = feed({ notice: (frame) => notices.push(frame.type) });
  socket().frame(hello(41));
  assert.equal(status.dataset.state, "live");
  for (const seq of [42, 43, 43, 42, 44]) socket().frame(change(seq));
  socket().frame({ type: "presence", editors: ["bob"] });
  assert.deepEqual(applied, [42, 43, 44]);
  assert.deepEqual(notices, ["hello", "presence"]);
});

test("after a gap, the missing frames are fetched from the changes endpoint", async () => {
  const { applied, socket } = feed();
  socket().frame(hello(41));
  socket().frame(change(42));
  socket().frame(change(44)); // 43 was lost
  assert.deepEqual(applied, [42]);
  changes = { epoch: "e1", seq: 44, frames: [change(43), change(44)] };
  await settle(250);
  await settle(0);
  assert.deepEqual(fetched, ["/api/events/summit/changes/?after=42"]);
  assert.deepEqual(applied, [42, 43, 44]);
});

test("a gap the endpoint cannot fill ends in a fresh socket that replays after the last seq", async () => {
  const { applied, socket } = feed();
  const first = socket();
  first.frame(hello(41));
  first.frame(change(43));
  for (const wait of [250, 500, 1000, 2000]) await settle(wait);
  assert.equal(first.readyState, 3);
  await settle(500);
  assert.equal(socket().url, "wss://live.example/ws/events/summit/?after=41&epoch=e1");
  assert.deepEqual(applied, []);
});

test("another epoch, from a hello, a frame or the endpoint, or a reset frame starts the page again", async () => {
  for (const arrives of [
    (s) => s.frame(hello(50, "e2")),
    (s) => s.frame(change(42, "e2")),
    (s) => s.frame({ type: "reset", reason: "restored" }),
  ]) {
    const { applied, resets, socket } = feed();
    arrives(socket());
    assert.deepEqual([resets, applied], [["reset"], []]);
    assert.equal(socket().readyState, 3, "and listens no more");
  }
  const { resets, socket } = feed();
  socket().frame(hello(41));
  changes = { epoch: "e2", seq: 3, frames: [] };
  socket().frame(change(43));
  await settle(250);
  await settle(0);
  assert.deepEqual(resets, ["reset"]);
});

test("a page that cannot hold a socket polls the changes endpoint, and stops once a socket holds", async () => {
  const { applied, status, socket } = feed();
  changes = { epoch: "e1", seq: 42, frames: [change(42)] };
  socket().close(); // refused before its hello
  assert.equal(status.dataset.state, "reconnecting");
  await settle(500);
  socket().close();
  await settle(0);
  assert.equal(status.dataset.state, "polling");
  assert.deepEqual(applied, [42]);

  await settle(1000);
  socket().frame(hello(42));
  assert.equal(status.dataset.state, "live");
  const polls = fetched.length;
  await settle(20000); // under the quiet while of the socket (30 s, give or take a fifth)
  assert.equal(fetched.length, polls, "no more polling");
});

test("reconnecting backs off with jitter, doubling from 0.5 s up to 30 s", async () => {
  changes = { epoch: "e1", seq: 41, frames: [] }; // polling answers, the sockets never do
  const { socket } = feed();
  const delays = [];
  let dice = 0;
  mock.method(Math, "random", () => dice);
  for (dice of [0, 0.5, 1, 1, 1, 1, 1, 1, 1]) {
    const timers = mock.method(globalThis, "setTimeout");
    socket().close(); // the next try is the last timer its close sets
    timers.mock.restore();
    delays.push(timers.mock.calls.at(-1).arguments[1]);
    await settle(30000);
  }
  assert.deepEqual(delays, [250, 750, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});

test("a socket that opens and says nothing is given up; meanwhile the page polls", async () => {
  changes = { epoch: "e1", seq: 42, frames: [change(42)] };
  const { applied, status, socket } = feed();
  const silent = socket();
  silent.readyState = FakeSocket.OPEN; // a proxy that holds the line and passes nothing
  await settle(5000);
  assert.equal(status.dataset.state, "polling");
  assert.equal(status.textContent, "Updating every 10 s");
  assert.deepEqual(applied, [42]);
  await settle(5000);
  assert.equal(silent.readyState, 3, "closed after 10 s without a hello");
  await settle(500);
  assert.notEqual(socket(), silent, "and another one tried");
});

test("polls come at jittered intervals, and never before a server's Retry-After", async () => {
  const { socket } = feed({ poll: 10 });
  changes = { epoch: "e1", seq: 41, frames: [] };
  socket().close();
  await settle(500);
  socket().close(); // the second refusal: polling starts
  await settle(0);
  const polls = () => fetched.length;
  const first = polls();
  mock.method(Math, "random", () => 0); // the earliest a poll may come: 8 s
  await settle(12000);
  assert.equal(polls(), first + 1);
  changes = { status: 503, retryAfter: "30" };
  await settle(12000); // the answer to this one says 30 s
  const refused = polls();
  await settle(25000);
  assert.equal(polls(), refused, "nothing asked before 30 s");
  changes = { epoch: "e1", seq: 41, frames: [] };
  await settle(6000);
  assert.equal(polls(), refused + 1);
});

test("a socket quiet for a while while the database moved on is replaced, and the page catches up", async () => {
  const { applied, socket } = feed({ quiet: 30 });
  const dead = socket();
  dead.frame(hello(41));
  mock.method(Math, "random", () => 0.99); // about the latest the head is read: 36 s
  changes = { epoch: "e1", seq: 41, frames: [] };
  await settle(36000);
  assert.equal(fetched.length, 1, "the head was read");
  await settle(1000);
  assert.equal(socket(), dead, "nothing new: the socket stays");
  changes = { epoch: "e1", seq: 43, frames: [change(42), change(43)] };
  await settle(36000);
  await settle(1000); // the grace for frames on their way
  assert.deepEqual(applied, [42, 43]);
  assert.notEqual(socket(), dead);
  assert.equal(socket().url, "wss://live.example/ws/events/summit/?after=43&epoch=e1");
});

test("a socket that brings the frames within the grace is kept", async () => {
  const { applied, socket } = feed({ quiet: 30 });
  const slow = socket();
  slow.frame(hello(41));
  changes = { epoch: "e1", seq: 42, frames: [change(42)] };
  listeners.visibilitychange[0]();
  await settle(0);
  slow.frame(change(42));
  await settle(1000);
  assert.deepEqual(applied, [42]);
  assert.equal(socket(), slow);
});

test("a page shown again checks the head at once, and reconnects after the back-forward cache", async () => {
  const { applied, socket } = feed();
  const first = socket();
  first.frame(hello(41));
  changes = { epoch: "e1", seq: 42, frames: [change(42)] };
  listeners.pageshow[0]({ persisted: false });
  await settle(0);
  assert.deepEqual(fetched, [], "an ordinary load: nothing to check");
  first.readyState = 3; // closed while in the cache, unheard
  listeners.pageshow[0]({ persisted: true });
  await settle(0);
  await settle(1000);
  assert.deepEqual(applied, [42]);
  assert.equal(FakeSocket.opened.length, 2);
});

test("frames that are not part of the feed are ignored, and block nothing", async () => {
  const { applied, socket } = feed();
  const line = socket();
  line.frame(hello(41));
  for (const listener of line.listeners.message) listener({ data: "not json" });
  line.frame({ type: "mystery", note: "a frame of a later version" });
  for (const seq of [undefined, null, "42", 42.5, -1, Number.MAX_SAFE_INTEGER + 2]) line.frame({ ...change(42), seq });
  line.frame(change(9999)); // a seq the report has not reached
  changes = { epoch: "e1", seq: 41, frames: [] };
  await settle(250);
  await settle(0);
  line.frame(change(42));
  line.frame(change(43));
  for (const wait of [500, 1000, 2000, 4000]) await settle(wait);
  assert.deepEqual(applied, [42, 43]);
  assert.equal(FakeSocket.opened.length, 1, "never reconnected");
  assert.equal(line.readyState, FakeSocket.OPEN);
});

test("a frame the page fails to show is read again; a second failure reloads once a minute at most", async () => {
  let failing = new Set([42]);
  const { applied, resets, socket } = feed({
    apply: (frame) => {
      if (failing.has(frame.seq)) throw new TypeError("broken");
      applied.push(frame.seq);
    },
  });
  socket().frame(hello(41));
  changes = { epoch: "e1", seq: 42, frames: [change(42)] };
  socket().frame(change(42)); // fails here; the server's copy is fine
  failing = new Set();
  await settle(0);
  assert.deepEqual([applied, resets], [[42], []]);

  failing = new Set([43]); // fails here and from the server: the page starts again
  changes = { epoch: "e1", seq: 43, frames: [change(43)] };
  socket().frame(change(43));
  await settle(0);
  assert.deepEqual(resets, ["reset"]);

  const again = feed({
    seq: 43,
    apply: (frame) => {
      if (frame.seq === 44) throw new TypeError("broken");
      applied.push(frame.seq);
    },
  });
  again.socket().frame(hello(43));
  changes = { epoch: "e1", seq: 45, frames: [change(44), change(45)] };
  again.socket().frame(change(44));
  await settle(0);
  await settle(0);
  assert.deepEqual(again.resets, [], "reloaded a moment ago: the change is skipped instead");
  assert.deepEqual(applied.slice(-1), [45]);
  assert.equal(console.error.mock.callCount() >= 3, true, "each failure logged");
});
