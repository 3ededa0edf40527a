// The editor console: a composer that never loses a word, and the event's entries, live.
//
// Every submission goes to an outbox kept in localStorage before it is sent, with its own
// Idempotency-Key, so a dropped connection, a server error or a reload cannot lose or double it.

const root = document.getElementById("console");
const slug = root.dataset.event;
const api = `/api/events/${slug}`;
const store = {
  outbox: `liveblog:${slug}:outbox`,
  draft: `liveblog:${slug}:draft`,
  city: `liveblog:${slug}:city`,
};
const $ = (selector, scope = document) => scope.querySelector(selector);

// HTTP ----------------------------------------------------------------------------------------

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function request(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, data };
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function messages(data) {
  if (!data || typeof data !== "object") return ["The server could not take this entry."];
  return Object.entries(data).flatMap(([field, errors]) =>
    (Array.isArray(errors) ? errors : [errors]).map((e) => (field === "detail" ? e : `${field}: ${e}`)),
  );
}

// Entries list --------------------------------------------------------------------------------

const list = document.getElementById("entries");
const entries = new Map(); // id -> entry payload

function controls(entry) {
  const buttons = [
    ["edit", "Edit"],
    ["delete", "Delete"],
    ["pin", entry.pinned ? "Unpin" : "Pin"],
    ["key", entry.key_moment ? "Not a key moment" : "Key moment"],
  ];
  if (entry.status === "draft") buttons.unshift(["publish", "Publish draft"]);
  const bar = document.createElement("p");
  bar.className = "entry-controls";
  for (const [action, label] of buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "link-button";
    button.dataset.action = action;
    button.textContent = label;
    bar.append(button);
  }
  return bar;
}

function renderItem(entry) {
  const item = document.createElement("li");
  item.className = `console-entry${entry.status === "draft" ? " console-entry--draft" : ""}`;
  item.dataset.id = entry.id;
  item.dataset.occurredAt = entry.occurred_at;
  if (entry.status === "draft") item.insertAdjacentHTML("beforeend", '<p class="draft-label">Draft</p>');
  item.insertAdjacentHTML("beforeend", entry.html);
  const article = item.querySelector("article");
  if (article) article.id = `console-entry-${entry.id}`; // the reader page owns entry-<id>
  item.append(controls(entry));
  return item;
}

function upsert(entry) {
  const current = entries.get(entry.id);
  if (current && current.version > entry.version) return;
  entries.set(entry.id, entry);
  const item = renderItem(entry);
  const existing = list.querySelector(`li[data-id="${entry.id}"]`);
  if (existing?.classList.contains("editing")) return; // the editor's open form stays put
  existing?.remove();
  const key = [Date.parse(entry.occurred_at), entry.id];
  const before = [...list.children].find((other) => {
    const otherKey = [Date.parse(other.dataset.occurredAt), Number(other.dataset.id)];
    return key[0] - otherKey[0] > 0 || (key[0] === otherKey[0] && key[1] > otherKey[1]);
  });
  list.insertBefore(item, before || null);
}

function removeEntry(id) {
  entries.delete(id);
  list.querySelector(`li[data-id="${id}"]`)?.remove();
}

async function loadEntries() {
  let url = `${api}/entries/?drafts=1&order=newest`;
  while (url) {
    const { ok, data } = await request("GET", url);
    if (!ok) return;
    data.results.forEach(upsert);
    url = data.next;
  }
}

async function refreshEntry(id) {
  const { status, data } = await request("GET", `/api/entries/${id}/`);
  if (status === 200) upsert(data);
  else if (status === 404) removeEntry(id);
}

// Edits, conflicts, flags, delete with undo ----------------------------------------------------

async function patch(id, changes, version) {
  const result = await request("PATCH", `/api/entries/${id}/`, changes, { "If-Match": `"${version}"` });
  if (result.ok) upsert(result.data);
  return result;
}

function openEditor(item, entry, theirs = null) {
  item.classList.add("editing");
  const form = document.createElement("form");
  form.className = "edit-form";
  const mine = form.appendChild(document.createElement("textarea"));
  mine.value = item.querySelector(".edit-form textarea")?.value ?? entry.body;
  mine.rows = 5;
  mine.setAttribute("aria-label", "Your text");
  if (theirs) {
    const conflict = document.createElement("div");
    conflict.className = "conflict";
    conflict.setAttribute("role", "alert");
    conflict.innerHTML = "<p><strong>Someone else changed this entry.</strong> Their text is on the left, " +
      "yours on the right. Reapply yours, or keep theirs.</p>";
    const pre = conflict.appendChild(document.createElement("blockquote"));
    pre.className = "conflict__theirs";
    pre.textContent = theirs.body;
    form.prepend(conflict);
  }
  const save = Object.assign(document.createElement("button"), { type: "submit", className: "button" });
  save.textContent = theirs ? "Reapply mine" : "Save";
  const cancel = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
  cancel.textContent = theirs ? "Keep theirs" : "Cancel";
  form.append(save, cancel);
  item.querySelector(".edit-form")?.remove();
  item.append(form);
  mine.focus();
  const base = theirs || entry;
  cancel.addEventListener("click", () => closeEditor(item, entries.get(base.id) || base));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await patch(base.id, { body: mine.value }, base.version);
    if (result.status === 412 && result.data?.current) return openEditor(item, entry, result.data.current);
    if (!result.ok) return showError(form, messages(result.data));
    closeEditor(item, result.data);
  });
}

function closeEditor(item, entry) {
  item.classList.remove("editing");
  upsert(entry);
}

function showError(scope, lines) {
  let box = scope.querySelector(".errors");
  if (!box) {
    box = document.createElement("div");
    box.className = "errors";
    box.setAttribute("role", "alert");
    scope.append(box);
  }
  box.textContent = lines.join(" ");
}

const undoBox = document.getElementById("undo");

function deleteWithUndo(item, entry) {
  if (!window.confirm("Delete this entry? Readers will no longer see it.")) return;
  item.hidden = true;
  undoBox.hidden = false;
  undoBox.textContent = "Entry deleted. ";
  const undo = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
  undo.textContent = "Undo";
  undoBox.append(undo);
  const timer = setTimeout(async () => {
    undoBox.hidden = true;
    const result = await request("DELETE", `/api/entries/${entry.id}/`, undefined, { "If-Match": `"${entry.version}"` });
    if (result.status === 204 || result.status === 404) removeEntry(entry.id);
    else {
      item.hidden = false;
      showError(item, ["Not deleted:", ...messages(result.data)]);
    }
  }, 5000);
  undo.addEventListener("click", () => {
    clearTimeout(timer);
    item.hidden = false;
    undoBox.hidden = true;
  });
}

list.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const item = button.closest("li");
  const entry = entries.get(Number(item.dataset.id));
  const actions = {
    edit: () => openEditor(item, entry),
    delete: () => deleteWithUndo(item, entry),
    pin: () => patch(entry.id, { pinned: !entry.pinned }, entry.version),
    key: () => patch(entry.id, { key_moment: !entry.key_moment }, entry.version),
    publish: () => patch(entry.id, { status: "published" }, entry.version),
  };
  const result = await actions[button.dataset.action]();
  if (result?.status === 412) {
    await refreshEntry(entry.id);
    showError(list.querySelector(`li[data-id="${entry.id}"]`) || item, ["Someone else changed it first; try again."]);
  }
});

// The composer and its outbox ------------------------------------------------------------------

const composer = document.getElementById("composer");
const fields = {
  city: $("#c-city"),
  time: $("#c-time"),
  speaker: $("#c-speaker"),
  text: $("#c-text"),
  kind: $("#c-kind"),
  pinned: composer.elements.pinned,
  key: composer.elements.key_moment,
};
let timeTyped = false;

function cityTimezone() {
  return fields.city.selectedOptions[0]?.dataset.timezone || root.dataset.timezone;
}

function nowInCity() {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: cityTimezone(),
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(new Date());
}

function tickTime() {
  if (!timeTyped) fields.time.value = nowInCity();
}

function payload(status) {
  const data = {
    body: fields.text.value,
    city: fields.city.value,
    speaker_name: fields.speaker.value.trim(),
    kind: fields.kind.value,
    pinned: fields.pinned.checked,
    key_moment: fields.key.checked,
    status,
  };
  if (timeTyped && fields.time.value.trim()) data.occurred_at = fields.time.value.trim();
  return data;
}

function saveDraft() {
  localStorage.setItem(store.draft, JSON.stringify({ text: fields.text.value, speaker: fields.speaker.value }));
}

function restoreDraft() {
  const draft = JSON.parse(localStorage.getItem(store.draft) || "null");
  if (draft) {
    fields.text.value = draft.text || "";
    fields.speaker.value = draft.speaker || "";
  }
  const city = localStorage.getItem(store.city);
  if (city !== null && [...fields.city.options].some((o) => o.value === city)) fields.city.value = city;
}

function resetComposer() {
  fields.text.value = "";
  fields.pinned.checked = false;
  fields.key.checked = false;
  fields.kind.value = "update";
  timeTyped = false;
  tickTime();
  saveDraft();
  $("#composer-errors").textContent = "";
  document.getElementById("preview").innerHTML = "";
  fields.text.focus();
}

const outboxList = document.getElementById("outbox");
let outbox = JSON.parse(localStorage.getItem(store.outbox) || "[]");
let sending = false;
let retryDelay = 1000;

function saveOutbox() {
  localStorage.setItem(store.outbox, JSON.stringify(outbox));
  renderOutbox();
}

function renderOutbox() {
  outboxList.replaceChildren(
    ...outbox.map((item) => {
      const li = document.createElement("li");
      li.className = `outbox-item outbox-item--${item.state}`;
      li.dataset.key = item.key;
      const label = { pending: "Waiting for the connection…", sending: "Sending…", rejected: "Not accepted:" };
      li.textContent = `${label[item.state]} ${item.error || ""} “${item.payload.body.slice(0, 80)}”`;
      if (item.state === "rejected") {
        const fix = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
        fix.textContent = "Edit in the composer";
        fix.dataset.fix = item.key;
        li.append(" ", fix);
      }
      return li;
    }),
  );
  outboxList.closest("section").hidden = outbox.length === 0;
}

function submit(status) {
  const data = payload(status);
  if (!data.body.trim()) {
    $("#composer-errors").textContent = "Write the entry's text first.";
    fields.text.focus();
    return;
  }
  outbox.push({ key: uuid(), payload: data, state: "pending" });
  saveOutbox();
  resetComposer();
  flush();
}

async function flush() {
  if (sending) return;
  sending = true;
  try {
    while (outbox.some((item) => item.state === "pending")) {
      const item = outbox.find((i) => i.state === "pending");
      if (!(await send(item))) return scheduleRetry();
    }
    retryDelay = 1000;
  } finally {
    sending = false;
  }
}

async function send(item) {
  item.state = "sending";
  renderOutbox();
  let result;
  try {
    result = await request("POST", `${api}/entries/`, item.payload, { "Idempotency-Key": item.key });
  } catch {
    result = { status: 0 };
  }
  if (result.ok) {
    outbox = outbox.filter((i) => i !== item);
    upsert(result.data);
  } else if (result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429) {
    Object.assign(item, { state: "rejected", error: messages(result.data).join(" ") });
  } else {
    item.state = "pending"; // offline or a server error: kept, and sent again
  }
  saveOutbox();
  return item.state !== "pending";
}

function scheduleRetry() {
  setTimeout(flush, retryDelay * (0.5 + Math.random() / 2));
  retryDelay = Math.min(retryDelay * 2, 30000);
}

outboxList.addEventListener("click", (event) => {
  const key = event.target.dataset.fix;
  if (!key) return;
  const item = outbox.find((i) => i.key === key);
  outbox = outbox.filter((i) => i !== item);
  saveOutbox();
  fields.text.value = item.payload.body;
  fields.speaker.value = item.payload.speaker_name;
  fields.city.value = item.payload.city;
  $("#composer-errors").textContent = item.error;
  fields.text.focus();
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  submit(event.submitter?.value === "draft" ? "draft" : "published");
});

composer.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    submit("published");
  }
});

fields.time.addEventListener("input", () => {
  timeTyped = fields.time.value.trim() !== "";
});
fields.city.addEventListener("change", () => {
  localStorage.setItem(store.city, fields.city.value);
  tickTime();
  schedulePreview();
});
for (const field of [fields.text, fields.speaker]) {
  field.addEventListener("input", () => {
    saveDraft();
    schedulePreview();
  });
}

// Preview and speaker type-ahead ----------------------------------------------------------------

let previewTimer;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(preview, 300);
}

async function preview() {
  const data = payload("published");
  const box = document.getElementById("preview");
  if (!data.body.trim()) return box.replaceChildren();
  const result = await request("POST", `${api}/preview/`, data).catch(() => null);
  if (result?.ok) box.innerHTML = result.data.html;
}

let speakerTimer;
fields.speaker.addEventListener("input", () => {
  clearTimeout(speakerTimer);
  speakerTimer = setTimeout(async () => {
    const query = encodeURIComponent(fields.speaker.value.trim());
    const result = await request("GET", `/api/speakers/?q=${query}`).catch(() => null);
    if (!result?.ok) return;
    $("#c-speakers").replaceChildren(
      ...result.data.map((s) => {
        const option = document.createElement("option");
        option.value = [s.honorific, s.name].filter(Boolean).join(" ");
        option.label = s.title ? `${option.value}, ${s.title}` : option.value;
        return option;
      }),
    );
  }, 150);
});

// Event status and cities -------------------------------------------------------------------------

document.querySelectorAll("[data-set-status]").forEach((button) => {
  button.addEventListener("click", async () => {
    const status = button.dataset.setStatus;
    if (status === "ended" && !window.confirm("End the event? Readers will see it as over.")) return;
    const result = await request("POST", `${api}/status/`, { status });
    if (result.ok) showStatus(result.data.status);
  });
});

function showStatus(status) {
  const badge = document.getElementById("event-status");
  badge.className = `status status--${status}`;
  badge.textContent = status.charAt(0).toUpperCase() + status.slice(1);
  $('[data-set-status="live"]').hidden = status === "live";
  $('[data-set-status="ended"]').hidden = status !== "live";
}

const addCity = document.getElementById("add-city");
$("#add-city-toggle").addEventListener("click", (event) => {
  addCity.hidden = !addCity.hidden;
  event.target.setAttribute("aria-expanded", String(!addCity.hidden));
  if (!addCity.hidden) $("#new-city").focus();
});
addCity.addEventListener("submit", async (event) => {
  event.preventDefault();
  const result = await request("POST", `${api}/sessions/`, { city: $("#new-city").value.trim() });
  if (!result.ok) return showError(addCity, messages(result.data));
  const option = new Option(result.data.city, result.data.slug, true, true);
  option.dataset.timezone = result.data.timezone || root.dataset.timezone;
  fields.city.append(option);
  fields.city.dispatchEvent(new Event("change"));
  addCity.reset();
  addCity.hidden = true;
  showError(addCity, []);
  fields.text.focus();
});

// Live: the event's feed and who else is here -----------------------------------------------------

let seq = Number(root.dataset.seq);
let attempts = 0;

function connect() {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}/ws/events/${slug}/console/?after=${seq}`);
  const status = $(".live-status");
  socket.addEventListener("open", () => {
    attempts = 0;
    status.dataset.state = "live";
    status.textContent = "Live";
    flush();
  });
  socket.addEventListener("message", (message) => onFrame(JSON.parse(message.data)));
  socket.addEventListener("close", () => {
    status.dataset.state = "reconnecting";
    status.textContent = "Reconnecting…";
    const ceiling = Math.min(30000, 500 * 2 ** attempts++);
    setTimeout(connect, ceiling / 2 + Math.random() * (ceiling / 2));
  });
}

function onFrame(frame) {
  if (frame.type === "presence") {
    const others = frame.editors.filter((name) => name !== root.dataset.user);
    $("#presence").textContent = others.length ? `Also here: ${others.join(", ")}` : "";
    return;
  }
  if (frame.type === "reset") return location.reload();
  if (typeof frame.seq !== "number" || frame.seq <= seq) return;
  seq = frame.seq;
  if (frame.type === "event.updated") showStatus(frame.event.status);
  else if (frame.entry) refreshEntry(frame.entry.id); // drafts reach readers as ids only
}

window.addEventListener("online", flush);
restoreDraft();
tickTime();
setInterval(tickTime, 15000);
renderOutbox();
for (const item of outbox) if (item.state === "sending") item.state = "pending";
loadEntries().then(flush);
connect();
fields.text.focus();
