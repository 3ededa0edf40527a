// Who is on the event's desk, for its editors: each person's role and, for a contributor, the
// cities they report from; add someone by username, change their role or cities, take them off.

import { messages } from "./console-api.js";
import { showError } from "./console-edit.js";
import { gettext, interpolate } from "./i18n.js";

export class PeoplePanel {
  constructor(panel, api, me) {
    Object.assign(this, { panel, api, me });
    this.list = panel.querySelector("#people");
    this.form = panel.querySelector("#person-form");
    this.cityNames = Object.fromEntries(
      [...this.form.querySelectorAll("input[name=cities]")].map((box) => [box.value, box.parentElement.textContent.trim()]),
    );
    panel.addEventListener("toggle", () => panel.open && this.load());
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-person]");
      if (!button) return;
      if (button.dataset.do === "change") this.edit(button.dataset.person);
      else this.remove(button.dataset.person);
    });
  }

  async load() {
    const result = await this.api.list();
    if (result.ok) this.show(result.data);
    else showError(this.form, messages(result.data));
  }

  show(people) {
    this.people = people;
    this.list.replaceChildren(...people.map((person) => this.row(person)));
  }

  row(person) {
    const li = Object.assign(document.createElement("li"), { className: "person" });
    // Translators: what goes between two names in a list ("ann, ben").
    const comma = gettext(", ");
    const cities = person.cities.map((slug) => this.cityNames[slug] || slug).join(comma);
    const into = (person.languages || []).join(comma);
    const where = {
      contributor: ` · ${cities || gettext("any city")}`,
      translator: ` · ${into || gettext("any language")}`,
    }[person.role] || "";
    const roles = { editor: gettext("Editor"), contributor: gettext("Contributor"), translator: gettext("Translator") };
    li.append(
      Object.assign(document.createElement("strong"), { textContent: person.username }),
      ` ${roles[person.role] || person.role}${where} `,
    );
    if (person.username !== this.me) {
      const actions = [
        ["change", gettext("Change"), gettext("Change %(username)s")],
        ["remove", gettext("Remove"), gettext("Remove %(username)s")],
      ];
      for (const [action, label, named] of actions) {
        const button = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
        Object.assign(button.dataset, { person: person.username, do: action });
        button.textContent = label;
        button.setAttribute("aria-label", interpolate(named, { username: person.username }));
        li.append(button);
      }
    }
    return li;
  }

  edit(username) {
    const person = this.people.find((p) => p.username === username);
    this.form.elements.username.value = person.username;
    this.form.elements.role.value = person.role;
    for (const box of this.form.querySelectorAll("input[name=cities]")) box.checked = person.cities.includes(box.value);
    for (const box of this.form.querySelectorAll("input[name=languages]")) box.checked = (person.languages || []).includes(box.value);
    this.form.elements.role.focus();
  }

  async save() {
    const { elements } = this.form;
    const username = elements.username.value.trim();
    if (!username) return showError(this.form, [gettext("Give the person's username.")]);
    const role = elements.role.value;
    const cities = role === "contributor" ? [...this.form.querySelectorAll("input[name=cities]:checked")].map((b) => b.value) : [];
    const ticked = (name) => [...this.form.querySelectorAll(`input[name=${name}]:checked`)].map((b) => b.value);
    const languages = role === "translator" ? ticked("languages") : [];
    const result = await this.api.set({ username, role, cities, languages });
    if (!result.ok) return showError(this.form, messages(result.data));
    showError(this.form, []);
    this.form.reset();
    this.show(result.data);
  }

  async remove(username) {
    if (!window.confirm(interpolate(gettext("Take %(username)s off this event's desk? They will no longer open its console."), { username }))) return;
    const result = await this.api.remove(username);
    if (!result.ok) return showError(this.form, messages(result.data));
    this.load();
  }
}
