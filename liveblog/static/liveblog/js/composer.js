// The console's composer: the entry being written, kept as a draft in the browser while it is
// typed, previewed as readers will see it, and handed to the outbox on Publish or Ctrl+Enter.

import { messages, speakerApi } from "./console-api.js";
import { PhotoField } from "./composer-photos.js";
import { showError } from "./console-edit.js";

export class Composer {
  constructor(form, { api, outbox, storage, slug, timezone }) {
    Object.assign(this, { form, api, outbox, storage, timezone });
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
    this.errors = $("#composer-errors");
    this.preview = $("#preview");
    this.speakers = $("#c-speakers");
    this.timeTyped = false;
    this.photos = new PhotoField($("#c-photos"), {
      changed: () => {
        this.saveDraft();
        this.schedulePreview();
      },
    });
    this.photos.acceptFrom(form);
  }

  start() {
    this.restoreDraft();
    this.tickTime();
    setInterval(() => this.tickTime(), 15000);
    this.listen();
    this.fields.text.focus();
  }

  listen() {
    const { fields, form } = this;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit(event.submitter?.value === "draft" ? "draft" : "published");
    });
    form.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.submit("published");
      }
    });
    fields.time.addEventListener("input", () => {
      this.timeTyped = fields.time.value.trim() !== "";
    });
    fields.city.addEventListener("change", () => {
      this.storage.setItem(this.keys.city, fields.city.value);
      this.tickTime();
      this.schedulePreview();
    });
    for (const field of [fields.text, fields.speaker, fields.headline]) {
      field.addEventListener("input", () => {
        this.saveDraft();
        this.schedulePreview();
      });
    }
    fields.speaker.addEventListener("input", () => this.scheduleSpeakers());
  }

  // The entry ----------------------------------------------------------------------------------

  payload(status) {
    const { fields } = this;
    const data = {
      headline: fields.headline.value.trim(),
      body: fields.text.value,
      city: fields.city.value,
      speaker_name: fields.speaker.value.trim(),
      kind: fields.kind.value,
      pinned: fields.pinned.checked,
      key_moment: fields.key.checked,
      status,
      photos: this.photos.value(),
    };
    if (this.timeTyped && fields.time.value.trim()) data.occurred_at = fields.time.value.trim();
    return data;
  }

  submit(status) {
    const data = this.payload(status);
    if (!data.body.trim()) {
      this.errors.textContent = data.photos.length ? "Write a line to go with the photo." : "Write the entry's text first.";
      this.fields.text.focus();
      return;
    }
    const missing = this.photos.missingAlt();
    if (missing) {
      this.errors.textContent = missing;
      return;
    }
    this.outbox.add(data);
    this.reset();
    this.outbox.flush();
  }

  /** Back in the composer: an entry the server refused, with its reason. */
  correct(item) {
    this.fields.text.value = item.payload.body;
    this.fields.headline.value = item.payload.headline || "";
    this.fields.speaker.value = item.payload.speaker_name;
    this.fields.city.value = item.payload.city;
    this.photos.restore(item.payload.photos);
    this.errors.textContent = item.error;
    this.fields.text.focus();
  }

  reset() {
    const { fields } = this;
    fields.text.value = "";
    fields.headline.value = "";
    this.photos.clear();
    fields.pinned.checked = false;
    fields.key.checked = false;
    fields.kind.value = "update";
    this.timeTyped = false;
    this.tickTime();
    this.saveDraft();
    this.errors.textContent = "";
    this.preview.innerHTML = "";
    fields.text.focus();
  }

  // Time: now in the city's time, until the editor types one ------------------------------------

  cityTimezone() {
    return this.fields.city.selectedOptions[0]?.dataset.timezone || this.timezone;
  }

  tickTime() {
    if (this.timeTyped) return;
    this.fields.time.value = new Intl.DateTimeFormat("en-GB", {
      timeZone: this.cityTimezone(),
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).format(new Date());
  }

  // The words typed so far survive a reload ------------------------------------------------------

  saveDraft() {
    const draft = {
      text: this.fields.text.value,
      headline: this.fields.headline.value,
      speaker: this.fields.speaker.value,
      photos: this.photos.value(),
    };
    this.storage.setItem(this.keys.draft, JSON.stringify(draft));
  }

  restoreDraft() {
    const { fields } = this;
    const draft = JSON.parse(this.storage.getItem(this.keys.draft) || "null");
    if (draft) {
      fields.text.value = draft.text || "";
      fields.headline.value = draft.headline || "";
      fields.speaker.value = draft.speaker || "";
      this.photos.restore(draft.photos);
    }
    const city = this.storage.getItem(this.keys.city);
    if (city !== null && [...fields.city.options].some((o) => o.value === city)) fields.city.value = city;
  }

  // Preview and speaker type-ahead ---------------------------------------------------------------

  schedulePreview() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.showPreview(), 300);
  }

  async showPreview() {
    const { photos, ...data } = this.payload("published");
    if (!data.body.trim()) return this.preview.replaceChildren(...this.photos.figures());
    const result = await this.api.preview(data).catch(() => null);
    if (!result?.ok) return;
    this.preview.innerHTML = result.data.html;
    this.preview.querySelector(".entry")?.append(...this.photos.figures());
  }

  scheduleSpeakers() {
    clearTimeout(this.speakerTimer);
    this.speakerTimer = setTimeout(async () => {
      const result = await speakerApi.search(this.fields.speaker.value.trim()).catch(() => null);
      if (!result?.ok) return;
      this.speakers.replaceChildren(...result.data.map(speakerOption));
    }, 150);
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
      this.fields.text.focus();
    });
  }
}

function speakerOption(speaker) {
  const option = document.createElement("option");
  option.value = [speaker.honorific, speaker.name].filter(Boolean).join(" ");
  option.label = speaker.title ? `${option.value}, ${speaker.title}` : option.value;
  return option;
}
