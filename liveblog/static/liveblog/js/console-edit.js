// Changing entries from the console's list: edit with conflicts shown side by side, pin, key
// moment, publish a draft, and delete with a few seconds to undo.

import { entryApi, messages } from "./console-api.js";

export function showError(scope, lines) {
  let box = scope.querySelector(".errors");
  if (!box) {
    box = Object.assign(document.createElement("div"), { className: "errors" });
    box.setAttribute("role", "alert");
    scope.append(box);
  }
  box.textContent = lines.join(" ");
}

export function enableEditing(entries, undoBox) {
  const patch = async (id, changes, version) => {
    const result = await entryApi.patch(id, changes, version);
    if (result.ok) entries.upsert(result.data);
    return result;
  };
  entries.list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const item = button.closest("li");
    const entry = entries.get(item.dataset.id);
    const actions = {
      edit: () => openEditor(entries, item, entry),
      delete: () => deleteWithUndo(entries, undoBox, item, entry),
      pin: () => patch(entry.id, { pinned: !entry.pinned }, entry.version),
      key: () => patch(entry.id, { key_moment: !entry.key_moment }, entry.version),
      publish: () => patch(entry.id, { status: "published" }, entry.version),
    };
    const result = await actions[button.dataset.action]();
    if (result?.status === 412) {
      await entries.refresh(entry.id);
      showError(entries.item(entry.id) || item, ["Someone else changed it first; try again."]);
    }
  });
}

function openEditor(entries, item, entry, theirs = null) {
  item.classList.add("editing");
  const form = Object.assign(document.createElement("form"), { className: "edit-form" });
  const mine = form.appendChild(document.createElement("textarea"));
  mine.value = item.querySelector(".edit-form textarea")?.value ?? entry.body;
  mine.rows = 5;
  mine.setAttribute("aria-label", "Your text");
  if (theirs) form.prepend(conflictNotice(theirs));
  const save = Object.assign(document.createElement("button"), { type: "submit", className: "button" });
  save.textContent = theirs ? "Reapply mine" : "Save";
  const cancel = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
  cancel.textContent = theirs ? "Keep theirs" : "Cancel";
  form.append(save, cancel);
  item.querySelector(".edit-form")?.remove();
  item.append(form);
  mine.focus();
  const base = theirs || entry;
  cancel.addEventListener("click", () => closeEditor(entries, item, entries.get(base.id) || base));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await entryApi.patch(base.id, { body: mine.value }, base.version);
    if (result.status === 412 && result.data?.current) return openEditor(entries, item, entry, result.data.current);
    if (!result.ok) return showError(form, messages(result.data));
    closeEditor(entries, item, result.data);
  });
}

function conflictNotice(theirs) {
  const conflict = Object.assign(document.createElement("div"), { className: "conflict" });
  conflict.setAttribute("role", "alert");
  conflict.innerHTML =
    "<p><strong>Someone else changed this entry.</strong> Their text is on the left, " +
    "yours on the right. Reapply yours, or keep theirs.</p>";
  const quote = conflict.appendChild(document.createElement("blockquote"));
  quote.className = "conflict__theirs";
  quote.textContent = theirs.body;
  return conflict;
}

function closeEditor(entries, item, entry) {
  item.classList.remove("editing");
  entries.upsert(entry, { redraw: true }); // the form goes, even when the entry did not change
}

function deleteWithUndo(entries, undoBox, item, entry) {
  if (!window.confirm("Delete this entry? Readers will no longer see it.")) return;
  item.hidden = true;
  undoBox.hidden = false;
  undoBox.textContent = "Entry deleted. ";
  const undo = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
  undo.textContent = "Undo";
  undoBox.append(undo);
  const timer = setTimeout(async () => {
    undoBox.hidden = true;
    const result = await entryApi.delete(entry.id, entry.version);
    if (result.status === 204 || result.status === 404) entries.remove(entry.id);
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
