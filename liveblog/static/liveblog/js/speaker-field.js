// The composer's speaker: known speakers suggested as the name is typed (the server forgives
// accents, case, a missing honorific and one typo), picked with the mouse or the keyboard. A new
// speaker is never made by a typo: "Add “X” as a new speaker" is a choice of its own, which
// shows how the name would be split (honorific, name, title) for the editor to correct first.

import { speakerApi } from "./console-api.js";
import { gettext, interpolate } from "./i18n.js";

export const fullName = (speaker) => [speaker.honorific, speaker.name].filter(Boolean).join(" ");

export class SpeakerField {
  /**
   * @param {() => void} changed called when the choice changes (the draft keeps it)
   * @param {() => ({speaker, city})|null} [offer] the speaker to offer first: on stage in the city
   */
  constructor(input, { list, chosen, form, changed, offer }) {
    Object.assign(this, { input, list, chosenHint: chosen, form, changed, offer });
    this.choice = null; // {id, label} of a known speaker, or {new: {honorific, name, title}}
    this.options = [];
    this.active = -1;
    this.listen();
  }

  listen() {
    this.input.addEventListener("input", () => {
      if (this.choice && this.input.value.trim() !== this.choice.label) this.choose(null);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.suggest(), 150);
    });
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("focus", () => {
      if (!this.input.value.trim()) this.offerOnStage();
    });
    this.input.addEventListener("blur", () => setTimeout(() => this.close(), 150));
    this.list.addEventListener("mousedown", (event) => {
      const option = event.target.closest("[role=option]");
      if (!option) return;
      event.preventDefault(); // the input keeps the focus
      this.pick(Number(option.dataset.index));
    });
    const $ = (selector) => this.form.querySelector(selector);
    $("#c-ns-use").addEventListener("click", () => this.useNew());
    $("#c-ns-cancel").addEventListener("click", () => this.closeNew());
  }

  /** With nothing typed yet: the speaker on stage in the city, if any, as the one suggestion. */
  offerOnStage() {
    const offered = this.offer?.();
    if (!offered) return;
    this.options = [{ speaker: offered.speaker, stage: offered.city }];
    this.render();
  }

  async suggest() {
    const query = this.input.value.trim();
    if (!query) return this.offer?.() ? this.offerOnStage() : this.close();
    const result = await speakerApi.search(query).catch(() => null);
    if (query !== this.input.value.trim() || document.activeElement !== this.input) return;
    const known = result?.ok ? result.data : [];
    this.options = known.map((speaker) => ({ speaker }));
    const offered = this.offer?.();
    const onStage = offered ? this.options.findIndex((option) => option.speaker.id === offered.speaker.id) : -1;
    if (onStage >= 0) {
      const [option] = this.options.splice(onStage, 1);
      this.options.unshift({ ...option, stage: offered.city }); // first, whatever the ranking
    }
    const exact = known.some((speaker) => fullName(speaker).toLowerCase() === query.toLowerCase());
    if (!exact) this.options.push({ add: query });
    this.render();
  }

  render() {
    this.active = -1;
    this.list.replaceChildren(
      ...this.options.map((option, index) => {
        const li = Object.assign(document.createElement("li"), { id: `c-speaker-option-${index}` });
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.index = index;
        if (option.add) {
          li.className = "suggestions__add";
          li.textContent = interpolate(gettext("Add “%(name)s” as a new speaker"), { name: option.add });
        } else {
          li.append(Object.assign(document.createElement("strong"), { textContent: fullName(option.speaker) }));
          if (option.speaker.title) li.append(`, ${option.speaker.title}`);
          if (option.stage) {
            const note = Object.assign(document.createElement("span"), { className: "suggestions__stage" });
            note.textContent = interpolate(gettext("on stage in %(city)s now"), { city: option.stage });
            li.append(" ", note);
          }
        }
        return li;
      }),
    );
    this.list.hidden = this.options.length === 0;
    this.input.setAttribute("aria-expanded", String(!this.list.hidden));
  }

  key(event) {
    if (this.list.hidden) {
      if (event.key === "ArrowDown" && this.input.value.trim()) this.suggest();
      else if (event.key === "ArrowDown") this.offerOnStage();
      return;
    }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      this.highlight((this.active + step + this.options.length) % this.options.length);
    } else if (event.key === "Enter" && !event.ctrlKey && !event.metaKey && this.active >= 0) {
      event.preventDefault();
      event.stopPropagation();
      this.pick(this.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.close();
    }
  }

  highlight(index) {
    this.active = index;
    [...this.list.children].forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    this.input.setAttribute("aria-activedescendant", `c-speaker-option-${index}`);
  }

  close() {
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }

  pick(index) {
    const option = this.options[index];
    this.close();
    if (option.add) return this.openNew(option.add);
    this.input.value = fullName(option.speaker);
    this.choose({ id: option.speaker.id, label: this.input.value, title: option.speaker.title });
  }

  // A new speaker, split for the editor to check ------------------------------------------------

  async openNew(name) {
    const result = await speakerApi.split(name).catch(() => null);
    const parts = result?.ok ? result.data : { honorific: "", name, title: "" };
    const box = this.form.querySelector("#c-new-speaker");
    box.querySelector("#c-ns-honorific").value = parts.honorific;
    box.querySelector("#c-ns-name").value = parts.name;
    box.querySelector("#c-ns-title").value = parts.title;
    box.hidden = false;
    box.querySelector("#c-ns-name").focus();
  }

  useNew() {
    const box = this.form.querySelector("#c-new-speaker");
    const parts = Object.fromEntries(
      ["honorific", "name", "title"].map((part) => [part, box.querySelector(`#c-ns-${part}`).value.trim()]),
    );
    if (!parts.name) return box.querySelector("#c-ns-name").focus();
    box.hidden = true;
    this.input.value = fullName(parts);
    this.choose({ new: parts, label: this.input.value, title: parts.title });
    this.input.focus();
  }

  closeNew() {
    this.form.querySelector("#c-new-speaker").hidden = true;
    this.input.focus();
  }

  // The choice ----------------------------------------------------------------------------------

  choose(choice) {
    this.choice = choice;
    const title = choice?.title ? `, ${choice.title}` : "";
    this.chosenHint.textContent = !choice
      ? ""
      : choice.new
        ? interpolate(gettext("New speaker, added with this entry: %(speaker)s"), {
            speaker: `${[choice.new.honorific, choice.new.name].filter(Boolean).join(" · ")}${title}`,
          })
        : interpolate(gettext("Known speaker: %(speaker)s"), { speaker: `${choice.label}${title}` });
    this.changed();
  }

  /** The speaker as the API takes it: an id, a new speaker, or a name the server must know. */
  fields() {
    const name = this.input.value.trim();
    if (this.choice?.id && name === this.choice.label) return { speaker: this.choice.id };
    if (this.choice?.new && name === this.choice.label) return { new_speaker: this.choice.new };
    return { speaker_name: name };
  }

  /** After an entry is accepted: a speaker it added is a known one from now on. */
  known(speaker) {
    if (!speaker || !this.choice?.new) return;
    this.choose({ id: speaker.id, label: fullName(speaker), title: speaker.title });
  }

  restore(choice) {
    this.choice = null;
    if (choice && choice.label === this.input.value.trim()) this.choose(choice);
    else this.chosenHint.textContent = "";
  }
}
