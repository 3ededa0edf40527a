// The console's agenda: the event's speaker slots, kept live from the frames, so the composer
// can offer the speaker on stage in a city; for editors, a compact editor of each city's slots.

import { fullName as speakerName } from "./speaker-field.js";
import { messages, request, speakerApi } from "./console-api.js";
import { clock, day, onStageIn } from "./agenda.js";
import { gettext, interpolate } from "./i18n.js";

const $ = (selector) => document.querySelector(selector);

export class ConsoleAgenda {
  constructor(slug, panel) {
    Object.assign(this, { slug, panel, slots: [], editing: null });
    this.url = `/api/events/${slug}/agenda/`;
    if (panel) this.listen();
  }

  async load() {
    const { ok, data } = await request("GET", this.url).catch(() => ({ ok: false }));
    if (ok) this.set(data.slots);
  }

  /** A frame: an `event.updated` that carries the agenda after an editor changed it. */
  apply(frame) {
    if (Array.isArray(frame.agenda)) this.set(frame.agenda);
  }

  set(slots) {
    this.slots = slots;
    if (this.panel) this.render();
  }

  /** The speaker on stage in `city` now, or null. */
  onStage(city) {
    return onStageIn(this.slots, city);
  }

  // The editor ----------------------------------------------------------------------------------

  get city() {
    return $("#a-city").selectedOptions[0];
  }

  listen() {
    $("#a-city").addEventListener("change", () => this.render());
    $("#agenda-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    $("#agenda-cancel").addEventListener("click", () => this.stopEditing());
    $("#agenda-slots").addEventListener("click", (event) => {
      const button = event.target.closest("button[data-slot]");
      const slot = button && this.slots.find((s) => s.id === Number(button.dataset.slot));
      if (slot && button.dataset.action === "edit") this.edit(slot);
      else if (slot && button.dataset.action === "remove") this.remove(slot);
    });
    $("#a-speaker").addEventListener("input", () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.suggest(), 150);
    });
  }

  render() {
    const city = this.city;
    if (!city) return;
    const zone = city.dataset.timezone;
    const mine = this.slots.filter((s) => s.city.slug === city.value);
    $("#agenda-slots").replaceChildren(...mine.map((slot) => this.item(slot, zone)));
    $("#agenda-empty").hidden = mine.length > 0;
    this.panel.querySelector(".agenda-editor__zone").textContent = `(${interpolate(gettext("%(city)s time"), { city: city.textContent })})`;
    if (!$("#a-day").value) $("#a-day").value = day(mine.at(-1)?.starts_at || new Date().toISOString(), zone);
  }

  item(slot, zone) {
    const li = document.createElement("li");
    li.dataset.slot = slot.id;
    const now = Date.now();
    if (Date.parse(slot.starts_at) <= now && now < Date.parse(slot.until)) li.dataset.now = "";
    const when = Object.assign(document.createElement("strong"), {
      textContent: `${day(slot.starts_at, zone)} ${clock(slot.starts_at, zone)}${slot.ends_at ? `–${clock(slot.ends_at, zone)}` : ""}`,
    });
    const what = Object.assign(document.createElement("span"), { className: "agenda-editor__what" });
    what.textContent = speakerName(slot.speaker) + (slot.title ? ` · ${slot.title}` : "");
    li.append(
      when,
      what,
      this.button(gettext("Edit"), gettext("Edit %(speaker)s at %(time)s"), "edit", slot),
      this.button(gettext("Remove"), gettext("Remove %(speaker)s at %(time)s"), "remove", slot),
    );
    return li;
  }

  button(text, label, action, slot) {
    const button = Object.assign(document.createElement("button"), { type: "button", className: "link-button", textContent: text });
    Object.assign(button.dataset, { action, slot: slot.id });
    button.setAttribute("aria-label", interpolate(label, { speaker: speakerName(slot.speaker), time: clock(slot.starts_at, slot.city.timezone) }));
    return button;
  }

  async suggest() {
    const query = $("#a-speaker").value.trim();
    if (!query) return;
    const result = await speakerApi.search(query).catch(() => null);
    const known = result?.ok ? result.data : [];
    $("#a-speakers").replaceChildren(...known.map((s) => Object.assign(document.createElement("option"), { value: speakerName(s) })));
  }

  edit(slot) {
    const zone = slot.city.timezone;
    this.editing = slot.id;
    $("#a-day").value = day(slot.starts_at, zone);
    $("#a-start").value = clock(slot.starts_at, zone);
    $("#a-end").value = slot.ends_at ? clock(slot.ends_at, zone) : "";
    $("#a-speaker").value = speakerName(slot.speaker);
    $("#a-title").value = slot.title;
    $("#agenda-form-heading").textContent = interpolate(gettext("Change %(speaker)s's slot"), { speaker: speakerName(slot.speaker) });
    $("#agenda-save").textContent = gettext("Save the change");
    $("#agenda-cancel").hidden = false;
    $("#a-start").focus();
  }

  stopEditing() {
    this.editing = null;
    $("#agenda-form").reset();
    $("#agenda-form-heading").textContent = gettext("Add a speaker");
    $("#agenda-save").textContent = gettext("Add to the agenda");
    $("#agenda-cancel").hidden = true;
    $("#agenda-errors").textContent = "";
    this.render();
  }

  fields() {
    const [dayValue, start, end] = ["#a-day", "#a-start", "#a-end"].map((s) => $(s).value);
    const problems = [];
    if (!dayValue) problems.push(gettext("Day: pick the day."));
    if (!start) problems.push(gettext("From: give the time the speaker starts, in the city's time."));
    if (!$("#a-speaker").value.trim()) problems.push(gettext("Who speaks: give the speaker's name."));
    if (problems.length) return { problems };
    return {
      city: this.city.value,
      speaker_name: $("#a-speaker").value.trim(),
      starts_at: `${dayValue}T${start}`,
      // An end before the start is after midnight (23:50–00:10).
      ends_at: end ? `${end < start ? nextDay(dayValue) : dayValue}T${end}` : null,
      title: $("#a-title").value.trim(),
    };
  }

  async save() {
    const payload = this.fields();
    if (payload.problems) return ($("#agenda-errors").textContent = payload.problems.join(" "));
    const result = this.editing
      ? await request("PATCH", `/api/slots/${this.editing}/`, payload).catch(() => null)
      : await request("POST", this.url, payload).catch(() => null);
    if (!result) return ($("#agenda-errors").textContent = gettext("The server did not answer: nothing was lost, try again."));
    if (!result.ok) return ($("#agenda-errors").textContent = messages(result.data).join(" "));
    this.set(result.data.slots);
    this.stopEditing();
  }

  async remove(slot) {
    const where = slot.city.name;
    if (!window.confirm(interpolate(gettext("Take %(speaker)s off %(city)s's agenda?"), { speaker: speakerName(slot.speaker), city: where }))) return;
    const result = await request("DELETE", `/api/slots/${slot.id}/`).catch(() => null);
    if (result?.ok) this.set(result.data.slots);
    else $("#agenda-errors").textContent = gettext("The slot could not be removed: try again.");
  }
}

function nextDay(isoDay) {
  const date = new Date(`${isoDay}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}
