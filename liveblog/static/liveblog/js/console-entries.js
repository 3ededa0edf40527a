// The console's list of the event's entries, drafts included, newest first, kept live from the
// feed's frames: an entry's payload is its html as readers see it, so nothing is fetched again.

import { entryApi } from "./console-api.js";
import { dayIn } from "./composer-feedback.js";
import { compare, sortKey } from "./entries.js";

export class EntryList {
  constructor(list) {
    this.list = list;
    this.entries = new Map(); // id -> the entry's payload, as the API and the frames give it
  }

  get(id) {
    return this.entries.get(Number(id));
  }

  item(id) {
    return this.list.querySelector(`li[data-id="${id}"]`);
  }

  /** Shows this version of the entry unless a newer one, or this very one, is shown (an editor's
   * own change comes back in its frame); an open edit form stays put. ``redraw``: show it whatever is shown. */
  upsert(entry, { redraw = false } = {}) {
    const current = this.entries.get(entry.id);
    if (current && current.version > entry.version) return;
    // The same version can read differently: a renamed city or speaker is sent again unversioned.
    if (!redraw && current && current.version === entry.version && current.html === entry.html) return;
    this.entries.set(entry.id, entry);
    const existing = this.item(entry.id);
    if (existing?.classList.contains("editing")) return;
    const item = render(entry);
    existing?.remove();
    this.insert(item);
  }

  /** Newest first. An older entry than all shown (the list loading, page by page) goes last
   * without a walk through the list. */
  insert(item) {
    const key = sortKey(item);
    const last = this.list.lastElementChild;
    if (!last || compare(key, sortKey(last)) < 0) return this.list.append(item);
    const before = [...this.list.children].find((other) => compare(key, sortKey(other)) > 0);
    this.list.insertBefore(item, before || null);
  }

  remove(id) {
    this.entries.delete(id);
    this.item(id)?.remove();
  }

  /** Reads the entry as it is now: shown if it exists (a draft too), gone if not. */
  async refresh(id) {
    const { status, data } = await entryApi.get(id);
    if (status === 200) this.upsert(data);
    else if (status === 404) this.remove(id);
  }

  apply(frame) {
    if (frame.type === "entry.created" || frame.type === "entry.updated") this.upsert(frame.entry);
    // The feed is the readers' feed: a draft, and an entry taken back to draft, go out as
    // `entry.deleted` with the id only, like a deletion. Only the API can tell which it is.
    else if (frame.type === "entry.deleted") this.refresh(frame.entry.id);
  }

  async load(pages) {
    for await (const entries of pages) entries.forEach((entry) => this.upsert(entry));
  }
}

function render(entry) {
  const draft = entry.status === "draft";
  const item = document.createElement("li");
  item.className = `console-entry${draft ? " console-entry--draft" : ""}`;
  item.dataset.id = entry.id;
  item.dataset.occurredAt = entry.occurred_at;
  if (draft) item.insertAdjacentHTML("beforeend", '<p class="draft-label">Draft</p>');
  item.insertAdjacentHTML("beforeend", entry.html);
  const article = item.querySelector("article");
  if (article) {
    article.id = `console-entry-${entry.id}`; // the reader page owns entry-<id>
    // The date beside the time only when it is not today, in the entry's city.
    const today = article.dataset.zone && article.dataset.day === dayIn(article.dataset.zone);
    article.querySelector(".entry__date")?.toggleAttribute("hidden", Boolean(today));
  }
  item.append(controls(entry));
  return item;
}

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
    const button = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
    button.dataset.action = action;
    button.textContent = label;
    bar.append(button);
  }
  return bar;
}
