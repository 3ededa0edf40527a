// The live feed's rules on their own: order, gaps, epochs, resets, polling. The socket, the
// changes endpoint and the clock are stand-ins; the browser tests run the real ones.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, mock, test } from "node:test";

// Loaded from its text: see outbox.test.mjs.
const source = await readFile(new URL("../../liveblog/static/liveblog/js/live.js", import.meta.url), "utf8");
const { LiveFeed } = await import(`data:text/javascript,${encodeURIComponent(source)}`);

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

let changes; // what the changes endpoint answers: {epoch, frames}, or null for no answer
let fetched;

beforeEach(() => {
  mock.timers.enable({ apis: ["setTimeout"] });
  FakeSocket.opened = [];
  changes = null;
  fetched = [];
  Object.assign(globalThis, {
    WebSocket: FakeSocket,
    location: { protocol: "https:", host: "live.example", reload: () => {} },
    window: { addEventListener: () => {} },
    document: { addEventListener: () => {}, hidden: false },
    fetch: async (url) => {
      fetched.push(url);
      if (!changes) throw new TypeError("Failed to fetch");
      return { ok: true, json: async () => changes };
    },
  });
  mock.method(console, "warn", () => {});
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
  // Lets awaited fetches finish, then moves the clock.
  for (let i = 0; i < 5; i++) await Promise.resolve();
  mock.timers.tick(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
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
  await settle(30000);
  assert.equal(fetched.length, polls, "no more polling");
});

test("reconnecting backs off with jitter, doubling from 0.5 s up to 30 s", async () => {
  changes = { epoch: "e1", seq: 41, frames: [] }; // polling answers, the sockets never do
  const { socket } = feed();
  const delays = [];
  const clock = globalThis.setTimeout;
  globalThis.setTimeout = (callback, ms) => {
    if (ms !== 10000) delays.push(ms); // polls are every 10 s
    return clock(callback, ms);
  };
  for (const dice of [0, 0.5, 1, 1, 1, 1, 1, 1, 1]) {
    mock.method(Math, "random", () => dice);
    socket().close();
    await settle(30000);
  }
  globalThis.setTimeout = clock;
  assert.deepEqual(delays, [250, 750, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
});
