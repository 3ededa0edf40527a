// The translation desk (templates/liveblog/translate.html): each form saves its translation
// through the API, which publishes it to readers at once. What was typed stays in the form
// whatever the answer; the originals and their "may be out of date" flags follow the live feed.

import { fieldErrors, request } from "./console-api.js";
import { gettext } from "./i18n.js";
import { LiveFeed } from "./live.js";

function say(form, text, error = false) {
  const status = form.querySelector(".translate-pair__status");
  status.textContent = text;
  status.classList.toggle("translate-pair__status--error", error);
}

function problems(data) {
  return Object.values(fieldErrors(data)).flat().join(" ");
}

async function saveEntry(form) {
  const body = { headline: form.elements.headline.value, body: form.elements.body.value };
  body.based_on = form.dataset.updatedAt; // "" when adding: someone else's meanwhile is a conflict
  say(form, gettext("Saving…"));
  const answer = await request("PUT", form.dataset.url, body).catch(() => null);
  if (!answer) return say(form, gettext("Not saved: the connection failed. Your text is still here; save again."), true);
  if (answer.status === 409) return conflict(form, answer.data);
  if (!answer.ok) return say(form, problems(answer.data), true);
  form.dataset.updatedAt = answer.data.updated_at;
  form.querySelector(".translate-pair__stale").hidden = true;
  form.querySelector(".translate-pair__remove").hidden = false;
  form.querySelector(".translate-pair__theirs")?.remove();
  say(form, gettext("Published: readers see this translation now."));
}

function conflict(form, data) {
  // Theirs is shown beside what was typed; saving again replaces theirs with this text.
  const current = data?.current;
  form.dataset.updatedAt = current?.updated_at || "";
  form.querySelector(".translate-pair__theirs")?.remove();
  if (current) {
    const theirs = Object.assign(document.createElement("details"), { className: "translate-pair__theirs", open: true });
    const summary = Object.assign(document.createElement("summary"), { textContent: gettext("Their translation") });
    const text = Object.assign(document.createElement("p"), { textContent: [current.headline, current.body].filter(Boolean).join(" — ") });
    text.lang = form.closest("[data-into]")?.dataset.into || "";
    theirs.append(summary, text);
    form.querySelector(".translate-pair__status").before(theirs);
  }
  say(form, gettext("Someone else saved this translation meanwhile. Yours is still here: save again to replace theirs."), true);
}

async function removeEntry(form) {
  const answer = await request("DELETE", form.dataset.url).catch(() => null);
  if (!answer || (!answer.ok && answer.status !== 404)) return say(form, gettext("Not removed: try again."), true);
  form.dataset.updatedAt = "";
  form.querySelector(".translate-pair__remove").hidden = true;
  form.querySelector(".translate-pair__stale").hidden = true;
  say(form, gettext("Removed: readers see the original. Your text is still here if you want it back."));
}

async function saveEvent(form) {
  const body = { title: form.elements.title.value, summary: form.elements.summary.value };
  say(form, gettext("Saving…"));
  const answer = await request("PUT", form.dataset.url, body).catch(() => null);
  if (!answer || !answer.ok) return say(form, answer ? problems(answer.data) : gettext("Not saved: the connection failed."), true);
  say(form, gettext("Published: readers see this translation now."));
}

function followOriginals(list) {
  // An original edited meanwhile: shown as it now is, and its translation flagged.
  const into = list.dataset.into;
  const feed = new LiveFeed({
    slug: list.dataset.event,
    seq: Number(list.dataset.seq),
    epoch: list.dataset.epoch,
    apply: (frame) => {
      if (frame.type !== "entry.updated") return;
      const row = document.getElementById(`translate-${frame.entry.id}`);
      if (!row) return;
      const original = row.querySelector(".translate-pair__original");
      original.innerHTML = frame.entry.html;
      original.querySelector("article")?.setAttribute("id", `original-${frame.entry.id}`);
      const translation = frame.entry.translations?.[into];
      row.querySelector(".translate-pair__stale").hidden = !translation?.stale;
    },
    reset: () => {}, // a reload would lose what is typed: the originals stay as they are
  });
  feed.start();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches(".translate-pair__form, .translate-event__form")) return;
  event.preventDefault();
  if (form.matches(".translate-event__form")) saveEvent(form);
  else saveEntry(form);
});
document.addEventListener("click", (event) => {
  const button = event.target.closest?.(".translate-pair__remove");
  if (button) removeEntry(button.closest("form"));
});
const list = document.querySelector(".translate-list[data-event]");
if (list) followOriginals(list);
