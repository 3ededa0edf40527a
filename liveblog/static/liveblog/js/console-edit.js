// Changing entries from the console's lists: edit with conflicts shown side by side (an editor's
// edit of a published entry may be marked a correction, with a note for readers), pin, key
// moment, publish a draft; review a submission (approve, edit then approve, return with a note);
// submit a draft for review; cancel a schedule; delete with a few seconds to undo.

import { entryApi, messages } from "./console-api.js";
import { gettext } from "./i18n.js";

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
      "edit-approve": () => openEditor(entries, item, entry, null, { approve: true }),
      delete: () => deleteWithUndo(entries, undoBox, item, entry),
      pin: () => patch(entry.id, { pinned: !entry.pinned }, entry.version),
      key: () => patch(entry.id, { key_moment: !entry.key_moment }, entry.version),
      publish: () => patch(entry.id, { status: "published" }, entry.version),
      submit: () => patch(entry.id, { status: "submitted" }, entry.version),
      unschedule: () => patch(entry.id, { status: "draft" }, entry.version),
      approve: () => reviewed(entries, item, entryApi.approve(entry.id, entry.version)),
      return: () => openReturn(entries, item, entry),
    };
    const result = await actions[button.dataset.action]();
    if (result && !result.ok && result.status !== 412) showError(entries.item(entry.id) || item, messages(result.data));
    if (result?.status === 412) {
      await entries.refresh(entry.id);
      showError(entries.item(entry.id) || item, [gettext("Someone else changed it first; try again.")]);
    }
  });
}

async function reviewed(entries, item, pending) {
  const result = await pending;
  if (result.ok) entries.upsert(result.data);
  return result;
}

/** A submission sent back to its contributor, with what to change. */
function openReturn(entries, item, entry) {
  item.querySelector(".return-form")?.remove();
  const form = Object.assign(document.createElement("form"), { className: "return-form" });
  const id = `return-${entry.id}`;
  form.innerHTML =
    `<label for="${id}">${gettext("What should the reporter change?")}</label>` +
    `<textarea id="${id}" rows="2" maxlength="2000" required></textarea>` +
    `<p class="actions"><button type="submit" class="button">${gettext("Send back")}</button> ` +
    `<button type="button" class="link-button">${gettext("Cancel")}</button></p>`;
  item.append(form);
  const note = form.querySelector("textarea");
  note.focus();
  form.querySelector(".link-button").addEventListener("click", () => form.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!note.value.trim()) return showError(form, [gettext("Say what to change: the reporter reads this note.")]);
    const result = await entryApi.return(entry.id, note.value.trim(), entry.version);
    if (!result.ok) return showError(form, messages(result.data));
    entries.upsert(result.data, { redraw: true });
  });
}

function openEditor(entries, item, entry, theirs = null, { approve = false } = {}) {
  item.classList.add("editing");
  const form = Object.assign(document.createElement("form"), { className: "edit-form" });
  const mine = form.appendChild(document.createElement("textarea"));
  mine.value = item.querySelector(".edit-form textarea")?.value ?? entry.body;
  mine.rows = 5;
  mine.setAttribute("aria-label", gettext("Your text"));
  if (theirs) form.prepend(conflictNotice(theirs));
  const correction = entry.status === "published" && entries.editor ? correctionFields(form, entry) : null;
  const save = Object.assign(document.createElement("button"), { type: "submit", className: "button" });
  save.textContent = theirs ? gettext("Reapply mine") : approve ? gettext("Save and approve") : gettext("Save");
  const cancel = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
  cancel.textContent = theirs ? gettext("Keep theirs") : gettext("Cancel");
  form.append(save, cancel);
  item.querySelector(".edit-form")?.remove();
  item.append(form);
  mine.focus();
  const base = theirs || entry;
  cancel.addEventListener("click", () => closeEditor(entries, item, entries.get(base.id) || base));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const changes = { body: mine.value };
    if (correction?.checked()) {
      const note = correction.note();
      if (!note) return showError(form, [gettext("Say what was corrected: readers see this note.")]);
      changes.correction = note;
    }
    const result = await entryApi.patch(base.id, changes, base.version);
    if (result.status === 412 && result.data?.current) {
      return openEditor(entries, item, entry, result.data.current, { approve });
    }
    if (!result.ok) return showError(form, messages(result.data));
    if (!approve) return closeEditor(entries, item, result.data);
    const approved = await entryApi.approve(base.id, result.data.version);
    if (!approved.ok) return showError(form, messages(approved.data));
    closeEditor(entries, item, approved.data);
  });
}

/** "This is a correction" and its note: readers see "Corrected HH:MM — note". A typo fix is not one. */
function correctionFields(form, entry) {
  const id = `correction-${entry.id}`;
  const box = Object.assign(document.createElement("div"), { className: "correction-fields" });
  box.innerHTML =
    `<label class="check"><input type="checkbox" id="${id}"> ${gettext("This is a correction")}</label>` +
    `<span class="hint">${gettext("Readers see a note on the entry and can open the earlier version. A typo fix is not a correction.")}</span>` +
    `<p class="field" hidden><label for="${id}-note">${gettext("What was corrected")}</label>` +
    `<input id="${id}-note" maxlength="300" autocomplete="off"></p>`;
  form.append(box);
  const check = box.querySelector("input[type=checkbox]");
  const note = box.querySelector(`#${id}-note`);
  note.placeholder = gettext("The figure was 30,000, not 3,000.");
  check.addEventListener("change", () => {
    note.parentElement.hidden = !check.checked;
    if (check.checked) note.focus();
  });
  return { checked: () => check.checked, note: () => note.value.trim() };
}

function conflictNotice(theirs) {
  const conflict = Object.assign(document.createElement("div"), { className: "conflict" });
  conflict.setAttribute("role", "alert");
  conflict.innerHTML =
    `<p><strong>${gettext("Someone else changed this entry.")}</strong> ` +
    `${gettext("Their text is on the left, yours on the right. Reapply yours, or keep theirs.")}</p>`;
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
  if (!window.confirm(gettext("Delete this entry? Readers will no longer see it."))) return;
  item.hidden = true;
  undoBox.hidden = false;
  undoBox.textContent = `${gettext("Entry deleted.")} `;
  const undo = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
  undo.textContent = gettext("Undo");
  undoBox.append(undo);
  const timer = setTimeout(async () => {
    undoBox.hidden = true;
    const result = await entryApi.delete(entry.id, entry.version);
    if (result.status === 204 || result.status === 404) entries.remove(entry.id);
    else {
      item.hidden = false;
      showError(item, [gettext("Not deleted:"), ...messages(result.data)]);
    }
  }, 5000);
  undo.addEventListener("click", () => {
    clearTimeout(timer);
    item.hidden = false;
    undoBox.hidden = true;
  });
}
