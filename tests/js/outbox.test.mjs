// The console's outbox on its own: storage and the network are stand-ins, time is ours.
// Run with `node --test tests/js/`; tests/test_js.py runs it in the suite.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

// Loaded from its text: the static files have no package.json saying they are ES modules, and
// Node before 22 would read a .js file as CommonJS.
const source = await readFile(new URL("../../liveblog/static/liveblog/js/outbox.js", import.meta.url), "utf8");
const { Outbox, newKey } = await import(`data:text/javascript,${encodeURIComponent(source)}`);

const NAME = "liveblog:summit:outbox";

class Storage {
  constructor(items = {}) {
    this.items = { ...items };
  }
  getItem(key) {
    return key in this.items ? this.items[key] : null;
  }
  setItem(key, value) {
    this.items[key] = String(value);
  }
  stored() {
    return JSON.parse(this.items[NAME]);
  }
}

class Timers {
  constructor() {
    this.waiting = [];
  }
  setTimeout(callback, delay) {
    const timer = { callback, delay };
    this.waiting.push(timer);
    return timer;
  }
  clearTimeout(timer) {
    this.waiting = this.waiting.filter((waiting) => waiting !== timer);
  }
  async runNext() {
    const { callback } = this.waiting.shift();
    await callback();
  }
}

/** A server that answers each POST with the next of `answers`; `null` is no answer at all. */
function server(...answers) {
  const posted = [];
  const send = async (item) => {
    posted.push({ key: item.key, body: item.payload.body });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === null) throw new TypeError("Failed to fetch");
    return answer;
  };
  return { posted, send };
}

const created = (id) => ({ ok: true, status: 201, data: { id } });
const refused = { ok: false, status: 400, data: { city: ["No city 'atlantis' in this event."] } };

function outbox(storage, send, extra = {}) {
  return new Outbox({ storage, name: NAME, send, timers: new Timers(), random: () => 1, ...extra });
}

test("an entry is stored before it is sent, and removed once the server has it", async () => {
  const storage = new Storage();
  const { posted, send } = server(created(7));
  const sent = [];
  const box = outbox(storage, send, { sent: (item, entry) => sent.push([item.payload.body, entry.id]) });

  const item = box.add({ body: "The hall is full." });
  assert.deepEqual(storage.stored(), [{ key: item.key, payload: { body: "The hall is full." }, state: "pending" }]);
  await box.flush();

  assert.deepEqual(posted, [{ key: item.key, body: "The hall is full." }]);
  assert.deepEqual(sent, [["The hall is full.", 7]]);
  assert.deepEqual(storage.stored(), []);
});

test("offline, entries wait in order and go out with the same keys when the server answers", async () => {
  const storage = new Storage();
  const { posted, send } = server(null, null, created(1), created(2));
  const timers = new Timers();
  const box = outbox(storage, send, { timers });
  const first = box.add({ body: "First." });
  const second = box.add({ body: "Second." });

  await box.flush();
  const waiting = storage.stored().map((i) => [i.payload.body, i.state]);
  assert.deepEqual(waiting, [["First.", "pending"], ["Second.", "pending"]]);
  assert.equal(timers.waiting.length, 1);
  await timers.runNext(); // still offline
  await timers.runNext();

  assert.deepEqual(posted.map((p) => p.key), [first.key, first.key, first.key, second.key]);
  assert.deepEqual(storage.stored(), []);
  assert.equal(timers.waiting.length, 0);
});

test("retries back off, doubling up to 30 s, and start again from 1 s once through", async () => {
  const { send } = server(...Array(8).fill(null), created(1), null);
  const timers = new Timers();
  const box = outbox(new Storage(), send, { timers });
  box.add({ body: "Patience." });
  const delays = [];
  await box.flush();
  while (timers.waiting.length) {
    delays.push(timers.waiting[0].delay);
    await timers.runNext();
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  box.add({ body: "Next." });
  await box.flush();
  assert.equal(timers.waiting[0].delay, 1000);
});

test("a server error or a rate limit is retried; a refusal is kept for the editor with its reason", async () => {
  const storage = new Storage();
  const unavailable = { ok: false, status: 503, data: null };
  const tooMany = { ok: false, status: 429, data: null };
  const { posted, send } = server(unavailable, tooMany, refused, created(3));
  const timers = new Timers();
  const box = outbox(storage, send, { timers, explain: (data) => Object.values(data).flat().join(" ") });
  box.add({ body: "From Atlantis.", city: "atlantis" });
  const later = box.add({ body: "From Paris.", city: "paris" });

  await box.flush();
  await timers.runNext();
  await timers.runNext();

  assert.equal(posted.length, 4);
  const [kept] = storage.stored();
  assert.deepEqual(
    [kept.state, kept.error, kept.payload.body],
    ["rejected", "No city 'atlantis' in this event.", "From Atlantis."],
  );
  assert.equal(storage.stored().length, 1, "the refusal does not hold back the entry after it");
  assert.ok(!storage.stored().some((i) => i.key === later.key));
});

test("a refused entry is taken back out to be corrected", () => {
  const storage = new Storage({
    [NAME]: JSON.stringify([{ key: "k1", payload: { body: "Typo" }, state: "rejected", error: "body: too short" }]),
  });
  const box = outbox(storage, server(created(1)).send);
  const item = box.take("k1");
  assert.equal(item.error, "body: too short");
  assert.deepEqual(storage.stored(), []);
});

test("after a reload, an entry that was being sent is sent again with its key, never twice by the server", async () => {
  const before = [{ key: "k-sending", payload: { body: "Cut off mid-send." }, state: "sending" }];
  const storage = new Storage({ [NAME]: JSON.stringify(before) });
  const { posted, send } = server(created(5));
  const box = outbox(storage, send);
  assert.equal(box.items[0].state, "pending");
  await box.flush();
  assert.deepEqual(posted, [{ key: "k-sending", body: "Cut off mid-send." }]);
});

test("flushing twice at once sends each entry once", async () => {
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  const posted = [];
  const send = async (item) => {
    posted.push(item.key);
    await gate;
    return created(1);
  };
  const box = outbox(new Storage(), send);
  box.add({ body: "Once." });
  const first = box.flush();
  const second = box.flush();
  release();
  await Promise.all([first, second]);
  assert.equal(posted.length, 1);
});

test("every change is shown: the view hears of each state an entry passes through", async () => {
  const states = [];
  const box = outbox(new Storage(), server(created(1)).send, {
    changed: (items) => states.push(items.map((i) => i.state).join(",")),
  });
  box.add({ body: "Watched." });
  await box.flush();
  assert.deepEqual(states, ["pending", "sending", ""]);
});

test("keys are version 4 UUIDs", () => {
  assert.match(newKey(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test("entries submitted while offline keep one retry waiting, not one each", async () => {
  const { send } = server(null);
  const timers = new Timers();
  const box = outbox(new Storage(), send, { timers });
  for (const body of ["First.", "Second.", "Third."]) {
    box.add({ body });
    await box.flush();
  }
  assert.equal(timers.waiting.length, 1);
});
