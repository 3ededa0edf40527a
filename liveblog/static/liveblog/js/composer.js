// The console's composer: the entry being written. It is kept in the browser while it is typed
// (every field, photos included), previewed as readers will see it, and stays in the composer
// until the server has accepted it. A refusal is shown next to the field it concerns; no answer
// at all hands the entry to the outbox, which sends it when the connection returns.

import { messages } from "./console-api.js";
import { Counter, FieldErrors, clockTime, dayIn, dayLabel, minutesFromNow } from "./composer-feedback.js";
import { PhotoField } from "./composer-photos.js";
import { showError } from "./console-edit.js";
import { gettext, interpolate, ngettext, number } from "./i18n.js";
import { newKey, refused } from "./outbox.js";
import { SpeakerField } from "./speaker-field.js";

const TEXT_MAX = 20000;
const FUTURE_MINUTES = 10; // a time further ahead is refused unless the entry is scheduled

export class Composer {
  /**
   * @param {HTMLFormElement} form
   * @param {object} options
   * @param {(item: object) => Promise<{ok, status, data}>} options.deliver posts one entry, photos first
   * @param {(item: object, entry: object) => void} options.accepted the server has the entry
   * @param {{status: string, startsAt: string}} options.event what the time field's day depends on
   * @param {(city: string) => object|null} [options.onStage] the speaker on stage in a city now
   */
  constructor(form, { api, outbox, deliver, accepted, storage, slug, timezone, event, onStage }) {
    Object.assign(this, { form, api, outbox, deliver, accepted, storage, timezone, event });
    this.keys = { draft: `liveblog:${slug}:draft`, city: `liveblog:${slug}:city` };
    const $ = (selector) => document.querySelector(selector);
    this.fields = {
      city: $("#c-city"),
      time: $("#c-time"),
      speaker: $("#c-speaker"),
      headline: $("#c-headline"),
      text: $("#c-text"),
      kind: $("#c-kind"),
      pinned: form.elements.pinned,
      key: form.elements.key_moment,
    };
    this.preview = $("#preview");
    this.previewProblem = $("#preview-problem");
    this.state = $("#composer-state");
    this.timeHint = $("#c-time-hint");
    this.publishAt = $("#c-publish-at");
    this.primary = form.querySelector(".button--primary").value; // "published", or "submitted" for a contributor
    this.speaker = new SpeakerField(this.fields.speaker, {
      list: $("#c-speakers"),
      chosen: $("#c-speaker-chosen"),
      form,
      changed: () => this.saveDraft(),
      // Posting from a city: whoever is on stage there is offered first.
      offer: () => {
        const speaker = onStage?.(this.fields.city.value);
        return speaker ? { speaker, city: this.fields.city.selectedOptions[0]?.textContent || "" } : null;
      },
    });
    this.counters = {
      text: new Counter(this.fields.text, $("#c-text-count")),
      headline: new Counter(this.fields.headline, $("#c-headline-count"), { warnAt: 100 / 120 }),
    };
    this.photos = new PhotoField($("#c-photos"), {
      changed: () => {
        this.saveDraft();
        this.schedulePreview();
      },
    });
    this.errors = new FieldErrors(this.places($), $("#composer-errors"));
    this.timeTyped = false;
    this.key = newKey(); // the entry's Idempotency-Key, kept until the server has it
    this.sending = false;
    this.photos.acceptFrom(form);
  }

  places($) {
    const { fields } = this;
    const at = (field, box) => ({ field, box: $(box) });
    const speaker = at(fields.speaker, "#c-speaker-error");
    const later = this.publishAt ? { publish_at: at(this.publishAt, "#c-publish-at-error") } : {};
    return {
      ...later,
      body: at(fields.text, "#c-text-error"),
      headline: at(fields.headline, "#c-headline-error"),
      city: at(fields.city, "#c-city-error"),
      speaker,
      speaker_name: speaker,
      new_speaker: speaker,
      occurred_at: at(fields.time, "#c-time-error"),
      kind: at(fields.kind, "#c-kind-error"),
      media: { field: this.fields.text, box: $("#c-photos .errors") },
    };
  }

  start() {
    this.restoreDraft();
    this.tickTime();
    setInterval(() => this.tickTime(), 15000);
    this.listen();
    this.errors.clearOnInput();
    Object.values(this.counters).forEach((counter) => counter.update());
    this.fields.text.focus();
  }

  listen() {
    const { fields, form } = this;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(event.submitter?.value || this.primary);
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.submit(this.primary);
      }
    });
    fields.time.addEventListener("input", () => {
      this.timeTyped = fields.time.value.trim() !== "";
      this.describeTime();
    });
    fields.city.addEventListener("change", () => {
      this.storage.setItem(this.keys.city, fields.city.value);
      this.tickTime();
      this.schedulePreview();
    });
    // Every keystroke and every choice is kept: a reload or a crashed tab loses nothing.
    form.addEventListener("input", () => this.saveDraft());
    form.addEventListener("change", () => this.saveDraft());
    for (const field of [fields.text, fields.speaker, fields.headline, fields.kind, fields.pinned, fields.key]) {
      field.addEventListener(field.type === "checkbox" || field.tagName === "SELECT" ? "change" : "input", () =>
        this.schedulePreview(),
      );
    }
  }

  // The entry ----------------------------------------------------------------------------------

  payload(status) {
    const { fields } = this;
    const data = {
      headline: fields.headline.value.trim(),
      body: fields.text.value,
      city: fields.city.value,
      ...this.speaker.fields(),
      speaker_name: fields.speaker.value.trim(), // shown again if the entry comes back; ignored beside an id
      kind: fields.kind.value,
      pinned: fields.pinned.checked,
      key_moment: fields.key.checked,
      status,
      photos: this.photos.value(),
    };
    if (this.timeTyped && fields.time.value.trim()) data.occurred_at = fields.time.value.trim();
    if (status === "scheduled") data.publish_at = this.publishAt.value.trim();
    return data;
  }

  /** What can be told before sending: no text, too much text, a photo without its alt text. */
  checked(data) {
    this.errors.clear();
    if (!data.body.trim()) {
      this.errors.set("body", data.photos.length ? gettext("Write a line to go with the photo.") : gettext("Write the entry's text first."));
      this.fields.text.focus();
      return false;
    }
    const tooLong = this.counters.text.problem(gettext("The text"));
    if (tooLong) {
      this.errors.set("body", tooLong);
      this.fields.text.focus();
      return false;
    }
    if (data.status === "scheduled" && !data.publish_at) {
      this.errors.set("publish_at", gettext("Say when to publish it: a time such as 21:15, in the city's time."));
      this.publishAt.focus();
      return false;
    }
    const missing = this.photos.missingAlt();
    if (missing) this.errors.general.textContent = missing;
    return !missing;
  }

  /** Publishes or saves: once, however often the button is pressed; the composer empties only
   * when the server has the entry, or when the outbox has taken it to send later. */
  async submit(status) {
    if (this.sending) return;
    const data = this.payload(status);
    if (!this.checked(data)) return;
    const item = { key: this.key, payload: data };
    this.showSending(status);
    try {
      // Behind entries still waiting: sent after them, in order.
      if (this.outbox.items.some((waiting) => waiting.state !== "rejected")) return this.queue(item, true);
      const result = await this.deliver(item).catch(() => null);
      if (result?.ok) {
        this.accepted(item, result.data);
        this.speaker.known(result.data.speaker);
        this.reset();
      } else if (result && refused(result.status)) this.errors.show(result.data);
      else this.queue(item, false);
    } finally {
      this.showSending(null);
    }
  }

  /** To the outbox; `now`: send it after those waiting, else after a pause (it has just failed). */
  queue(item, now) {
    this.outbox.add(item.payload, item.key);
    this.reset();
    if (now) this.outbox.flush();
    else this.outbox.retryLater();
  }

  showSending(status) {
    this.sending = Boolean(status);
    for (const button of this.form.querySelectorAll('button[type="submit"]')) button.disabled = this.sending;
    this.form.setAttribute("aria-busy", String(this.sending));
    const doing = { draft: gettext("Saving…"), submitted: gettext("Submitting…"), scheduled: gettext("Scheduling…"), published: gettext("Publishing…") };
    this.state.textContent = doing[status] || "";
  }

  /** Back in the composer: an entry the server refused, every field as it was sent, with its reasons. */
  correct(item) {
    const typed = this.fields.text.value.trim() || this.photos.photos.length;
    const replace = gettext("Replace what is in the composer with the entry that was not accepted? What you are writing now will be lost.");
    if (typed && !window.confirm(replace)) return false;
    this.fill(item.payload);
    this.key = item.key; // refused, so never stored: the same key may be sent again
    this.saveDraft();
    this.errors.show(item.reasons ?? { detail: [item.error] });
    if (!this.form.querySelector("[aria-invalid]")) this.fields.text.focus();
    return true;
  }

  fill(payload) {
    const { fields } = this;
    fields.text.value = payload.body || "";
    fields.headline.value = payload.headline || "";
    fields.speaker.value = payload.speaker_name || "";
    const label = fields.speaker.value.trim();
    this.speaker.restore(
      payload.speaker ? { id: payload.speaker, label } : payload.new_speaker ? { new: payload.new_speaker, label } : null,
    );
    if (this.publishAt) this.publishAt.value = payload.publish_at || "";
    if ([...fields.city.options].some((o) => o.value === (payload.city || ""))) fields.city.value = payload.city || "";
    fields.kind.value = payload.kind || "update";
    fields.pinned.checked = Boolean(payload.pinned);
    fields.key.checked = Boolean(payload.key_moment);
    this.timeTyped = Boolean(payload.occurred_at);
    if (this.timeTyped) fields.time.value = payload.occurred_at;
    this.tickTime();
    Object.values(this.counters).forEach((counter) => counter.update());
    this.photos.restore(payload.photos);
  }

  reset() {
    const { fields } = this;
    fields.text.value = "";
    fields.headline.value = "";
    this.photos.clear();
    fields.pinned.checked = false;
    fields.key.checked = false;
    fields.kind.value = "update";
    if (this.publishAt) this.publishAt.value = "";
    this.timeTyped = false;
    this.key = newKey();
    this.tickTime();
    this.saveDraft();
    this.errors.clear();
    Object.values(this.counters).forEach((counter) => counter.update());
    this.preview.innerHTML = "";
    this.previewProblem.textContent = "";
    fields.text.focus();
  }

  // Time: now in the city's time, until the editor types one ------------------------------------

  cityTimezone() {
    return this.fields.city.selectedOptions[0]?.dataset.timezone || this.timezone;
  }

  /** The event's cities as an event.updated lists them: renamed, or moved to another zone. */
  updateCities(event) {
    for (const option of this.fields.city.options) {
      const city = event.cities.find((c) => c.slug === option.value);
      if (city) Object.assign(option, { textContent: city.name }).dataset.timezone = city.timezone;
      else if (!option.value) option.dataset.timezone = event.timezone;
    }
    this.timezone = event.timezone;
    this.tickTime();
  }

  tickTime() {
    if (!this.timeTyped) {
      this.fields.time.value = new Intl.DateTimeFormat("en-GB", {
        timeZone: this.cityTimezone(),
        hour: "2-digit",
        minute: "2-digit",
        hourCycle: "h23",
      }).format(new Date());
    }
    this.describeTime();
  }

  /** The day a typed HH:MM lands on: today while the event is live, else the event's own day. */
  entryDay(zone) {
    if (this.event.status === "live" || !this.event.startsAt) return dayIn(zone);
    return dayIn(zone, new Date(this.event.startsAt));
  }

  /** Under the time: which day and whose clock a typed time means, and whether it is ahead. */
  describeTime() {
    const zone = this.cityTimezone();
    const city = this.fields.city.value ? this.fields.city.selectedOptions[0].textContent : "";
    const clock = city ? interpolate(gettext("%(city)s time"), { city }) : gettext("event time");
    const typed = this.timeTyped ? clockTime(this.fields.time.value) : null;
    if (!this.timeTyped) return this.hint(interpolate(gettext("now, %(clock)s — type to backfill"), { clock }));
    if (!typed) return this.hint(interpolate(gettext("HH:MM, %(clock)s"), { clock }));
    const today = dayIn(zone);
    const day = this.entryDay(zone);
    const ahead = minutesFromNow(day, typed, zone);
    const place = { day: dayLabel(day, today), time: typed, clock };
    let text =
      day === today ? interpolate(gettext("today at %(time)s, %(clock)s"), place) : interpolate(gettext("%(day)s at %(time)s, %(clock)s"), place);
    const warning = ahead > FUTURE_MINUTES;
    if (warning) text += interpolate(gettext(" — %(duration)s from now: too far ahead to publish"), { duration: duration(ahead) });
    this.hint(text, warning);
  }

  hint(text, warning = false) {
    this.timeHint.textContent = text;
    this.timeHint.dataset.state = warning ? "near" : "";
  }

  setEventStatus(status) {
    this.event.status = status;
    this.describeTime();
  }

  // Every field survives a reload --------------------------------------------------------------

  saveDraft() {
    const { fields } = this;
    const draft = {
      key: this.key,
      text: fields.text.value,
      headline: fields.headline.value,
      speaker: fields.speaker.value,
      speaker_choice: this.speaker.choice,
      time: this.timeTyped ? fields.time.value : "",
      publish_at: this.publishAt?.value || "",
      kind: fields.kind.value,
      pinned: fields.pinned.checked,
      key_moment: fields.key.checked,
      photos: this.photos.value(),
    };
    this.storage.setItem(this.keys.draft, JSON.stringify(draft));
  }

  restoreDraft() {
    const { fields } = this;
    const city = this.storage.getItem(this.keys.city);
    if (city !== null && [...fields.city.options].some((o) => o.value === city)) fields.city.value = city;
    let draft = null;
    try {
      draft = JSON.parse(this.storage.getItem(this.keys.draft) || "null");
    } catch {
      draft = null; // a draft this browser cannot read is no draft
    }
    if (!draft) return;
    this.fill({
      body: draft.text,
      headline: draft.headline,
      speaker_name: draft.speaker,
      city: fields.city.value,
      occurred_at: draft.time,
      kind: draft.kind,
      pinned: draft.pinned,
      key_moment: draft.key_moment,
      photos: draft.photos,
      publish_at: draft.publish_at,
    });
    this.speaker.restore(draft.speaker_choice);
    if (draft.key) this.key = draft.key; // a tab closed mid-send: the server may have it already
  }

  // Preview ---------------------------------------------------------------

  schedulePreview() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.showPreview(), 300);
  }

  async showPreview() {
    const { photos, ...data } = this.payload("published");
    if (!data.body.trim() || data.body.length > TEXT_MAX) {
      this.previewProblem.textContent = "";
      return this.preview.replaceChildren(...this.photos.figures());
    }
    const result = await this.api.preview(data).catch(() => null);
    if (!result || result.status >= 500 || result.status === 429) {
      this.previewProblem.textContent = gettext("Preview unavailable — the server did not answer; your text is safe.");
      return;
    }
    if (!result.ok) {
      this.previewProblem.textContent = interpolate(gettext("No preview yet: %(reasons)s"), { reasons: messages(result.data).join(" ") });
      return;
    }
    this.previewProblem.textContent = "";
    this.preview.innerHTML = result.data.html;
    this.preview.querySelector(".entry")?.append(...this.photos.figures());
  }

  // Cities ---------------------------------------------------------------------------------------

  enableAddCity(form, toggle) {
    toggle.addEventListener("click", () => {
      form.hidden = !form.hidden;
      toggle.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.elements.city.focus();
    });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const result = await this.api.addCity(form.elements.city.value.trim());
      if (!result.ok) return showError(form, messages(result.data));
      const option = new Option(result.data.city, result.data.slug, true, true);
      option.dataset.timezone = result.data.timezone || this.timezone;
      this.fields.city.append(option);
      this.fields.city.dispatchEvent(new Event("change"));
      form.reset();
      form.hidden = true;
      showError(form, []);
      // A city the gazetteer does not know keeps the event's zone: the editor is told so.
      if (result.data.notice) this.errors.set("city", result.data.notice);
      this.fields.text.focus();
    });
  }
}

function duration(minutes) {
  if (minutes < 60) return interpolate(ngettext("%(minutes)s min", "%(minutes)s min", minutes), { minutes: number(minutes) });
  const hours = Math.floor(minutes / 60);
  if (hours >= 48) {
    const days = Math.round(hours / 24);
    return interpolate(ngettext("%(days)s day", "%(days)s days", days), { days: number(days) });
  }
  if (!(minutes % 60)) return interpolate(gettext("%(hours)s h"), { hours: number(hours) });
  return interpolate(gettext("%(hours)s h %(minutes)s min"), { hours: number(hours), minutes: number(minutes % 60) });
}
