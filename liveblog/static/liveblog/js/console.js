// The editor console: a composer that never loses a word, and the event's entries, live.

import { Composer } from "./composer.js";
import { ConsoleAgenda } from "./console-agenda.js";
import { eventApi, messages, peopleApi } from "./console-api.js";
import { enableEditing } from "./console-edit.js";
import { EntryList } from "./console-entries.js";
import { excerpt } from "./entries.js";
import "./embeds.js";
import { showEventStatus } from "./event-status.js";
import { gettext, interpolate } from "./i18n.js";
import { LiveFeed } from "./live.js";
import { Outbox } from "./outbox.js";
import { PeoplePanel } from "./console-people.js";
import { photoStore } from "./photo-store.js";

const root = document.getElementById("console");
const slug = root.dataset.event;
const api = eventApi(slug);
const $ = (selector) => document.querySelector(selector);

const desk = { role: root.dataset.role || "editor", user: root.dataset.user };
const lists = { entries: $("#entries"), review: $("#review"), scheduled: $("#scheduled"), mine: $("#mine") };
const entries = new EntryList(root, lists, desk);
const agenda = new ConsoleAgenda(slug, $("#agenda-panel"));
enableEditing(entries, $("#undo"));

// An entry with photos: each photo uploaded first (once: its key), then the entry naming them.
async function send(item) {
  const { photos = [], ...payload } = item.payload;
  for (const photo of photos.filter((p) => !p.id)) {
    const file = await photoStore.get(photo.key).catch(() => null);
    if (!file) return { ok: false, status: 400, data: { media: [interpolate(gettext("The photo “%(name)s” is no longer in this browser: add it again."), { name: photo.name })] } };
    const result = await api.upload(file, photo);
    if (!result.ok) return { ...result, data: photoProblem(photo, result.data) };
    photo.id = result.data.id;
    outbox.save(); // uploaded: a retry of the entry does not upload it again
  }
  if (photos.length) payload.media = photos.map((p) => p.id);
  return api.create(payload, item.key);
}

function photoProblem(photo, data) {
  const reasons = data && typeof data === "object" ? Object.values(data).flat().join(" ") : gettext("the server could not take it.");
  return { media: [interpolate(gettext("The photo “%(name)s” was not accepted: %(reasons)s"), { name: photo.name, reasons })] };
}

function accepted(item, entry) {
  entries.upsert(entry);
  for (const photo of item.payload.photos || []) photoStore.delete(photo.key).catch(() => {});
}

const outbox = new Outbox({
  storage: localStorage,
  name: `liveblog:${slug}:outbox`,
  send,
  sent: accepted,
  changed: (items) => renderOutbox($("#outbox"), items),
  explain: (data) => messages(data).join(" "),
});

const composer = new Composer($("#composer"), {
  api,
  outbox,
  deliver: send,
  accepted,
  storage: localStorage,
  slug,
  timezone: root.dataset.timezone,
  event: { status: root.dataset.status, startsAt: root.dataset.startsAt },
  onStage: (city) => agenda.onStage(city),
});
if ($("#add-city-toggle")) composer.enableAddCity($("#add-city"), $("#add-city-toggle"));
if ($("#people-panel")) new PeoplePanel($("#people-panel"), peopleApi(slug), desk.user);

$("#outbox").addEventListener("click", (event) => {
  const key = event.target.dataset.fix;
  const item = key && outbox.items.find((i) => i.key === key);
  if (item && composer.correct(item)) outbox.take(key);
});

const OUTBOX_STATES = {
  pending: () => gettext("Waiting for the connection…"),
  sending: () => gettext("Sending…"),
  rejected: () => gettext("Not accepted."),
};

function renderOutbox(list, items) {
  list.replaceChildren(...items.map(outboxItem));
  const section = list.closest("section");
  section.hidden = items.length === 0;
  const refusedOnly = items.every((item) => item.state === "rejected");
  const someRefused = items.some((item) => item.state === "rejected");
  section.querySelector("h2").textContent = refusedOnly
    ? gettext("Not accepted by the server")
    : someRefused
      ? gettext("Not sent yet")
      : gettext("Waiting to be sent");
}

function outboxItem(item) {
  const li = document.createElement("li");
  li.className = `outbox-item outbox-item--${item.state}`;
  li.dataset.key = item.key;
  const state = Object.assign(document.createElement("strong"), { textContent: OUTBOX_STATES[item.state]?.() });
  const text = Object.assign(document.createElement("q"), { textContent: excerpt(item.payload.body) });
  li.append(state, " ", text);
  if (item.state === "rejected") {
    const reason = Object.assign(document.createElement("p"), { className: "outbox-item__reason" });
    reason.textContent = item.error || gettext("The server did not take it.");
    const fix = Object.assign(document.createElement("button"), { type: "button", className: "button" });
    fix.textContent = gettext("Back to the composer");
    fix.dataset.fix = item.key;
    li.append(reason, fix);
  }
  return li;
}

// The event's status ---------------------------------------------------------------------------

function showStatus(status) {
  showEventStatus($("#event-status"), status);
  for (const button of document.querySelectorAll("[data-set-status]")) {
    button.hidden = (button.dataset.setStatus === "live") === (status === "live");
  }
  composer.setEventStatus(status);
}

const END_EVENT = () =>
  interpolate(
    gettext(
      "End “%(title)s”?\n\nReaders will see the report as over: the live updates stop on " +
        "their pages and it becomes the archive. You can set it live again afterwards.",
    ),
    { title: root.dataset.title },
  );

document.querySelectorAll("[data-set-status]").forEach((button) => {
  button.addEventListener("click", async () => {
    const status = button.dataset.setStatus;
    if (status === "ended" && !window.confirm(END_EVENT())) return;
    const result = await api.setStatus(status);
    if (result.ok) showStatus(result.data.status);
  });
});

// Live: the event's feed, and who else has the console open ------------------------------------

function showPresence(frame) {
  const others = frame.editors.filter((name) => name !== root.dataset.user);
  // Translators: what goes between two names in a list ("ann, ben").
  $("#presence").textContent = others.length ? interpolate(gettext("Also here: %(names)s"), { names: others.join(gettext(", ")) }) : "";
}

// The connection in its own words: "Live" is the event's status, shown beside it.
const CONNECTION = {
  live: () => gettext("connected"),
  polling: () => gettext("connected (checking every 10 s)"),
  reconnecting: () => gettext("reconnecting…"),
};

class ConsoleFeed extends LiveFeed {
  setStatus(state, text) {
    super.setStatus(state, text === gettext("Reloading…") ? gettext("reloading…") : CONNECTION[state]?.() ?? text);
  }
}

const feed = new ConsoleFeed({
  slug,
  seq: Number(root.dataset.seq),
  epoch: root.dataset.epoch,
  route: "console/",
  apply: (frame) => {
    if (frame.type !== "event.updated") return entries.apply(frame);
    agenda.apply(frame);
    showStatus(frame.event.status);
    composer.updateCities(frame.event);
    entries.retitle(frame);
  },
  notice: (frame) => {
    if (frame.type === "hello") outbox.flush(); // the connection is back: so may the server be
    else if (frame.type === "presence") showPresence(frame);
  },
  status: $(".live-status"),
});

window.addEventListener("online", () => outbox.flush());
renderOutbox($("#outbox"), outbox.items);
composer.start();
entries.load(api.entries()).then(() => outbox.flush());
agenda.load();
feed.start();
