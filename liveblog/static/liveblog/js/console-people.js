// Who is on the event's desk, for its editors: each person's role and, for a contributor, the
// cities they report from; add someone by username, change their role or cities, take them off.

import { messages } from "./console-api.js";
import { showError } from "./console-edit.js";

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
    const cities = person.cities.map((slug) => this.cityNames[slug] || slug).join(", ");
    const into = (person.languages || []).join(", ");
    const where = {
      contributor: ` · ${cities || "any city"}`,
      translator: ` · ${into || "any language"}`,
    }[person.role] || "";
    const roles = { editor: "Editor", contributor: "Contributor", translator: "Translator" };
    li.append(
      Object.assign(document.createElement("strong"), { textContent: person.username }),
      ` ${roles[person.role] || person.role}${where} `,
    );
    if (person.username !== this.me) {
      for (const [action, label] of [["change", "Change"], ["remove", "Remove"]]) {
        const button = Object.assign(document.createElement("button"), { type: "button", className: "link-button" });
        Object.assign(button.dataset, { person: person.username, do: action });
        button.textContent = label;
        button.setAttribute("aria-label", `${label} ${person.username}`);
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
    if (!username) return showError(this.form, ["Give the person's username."]);
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
    if (!window.confirm(`Take ${username} off this event's desk? They will no longer open its console.`)) return;
    const result = await this.api.remove(username);
    if (!result.ok) return showError(this.form, messages(result.data));
    this.load();
  }
}
