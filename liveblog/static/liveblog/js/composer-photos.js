// The composer's photos: picked, taken with the phone's camera, dropped or pasted; each with the
// alt text readers who cannot see it need, a caption and a credit. The files wait in IndexedDB
// (photo-store.js) until the entry is sent, so a reload or a lost connection keeps them.

import { newKey } from "./outbox.js";
import { gettext, interpolate } from "./i18n.js";
import { photoStore } from "./photo-store.js";

export class PhotoField {
  /** @param {HTMLElement} root the fieldset; changed() is called whenever a photo or its words change */
  constructor(root, { changed }) {
    this.root = root;
    this.list = root.querySelector(".photo-list");
    this.changed = changed;
    this.photos = []; // {key, name, alt, caption, credit}
    this.urls = new Map(); // key -> object URL of the file, for thumbnails and the preview
    for (const input of root.querySelectorAll('input[type="file"]')) {
      input.addEventListener("change", () => {
        this.add([...input.files], { askAlt: true });
        input.value = "";
      });
    }
    this.list.addEventListener("input", (event) => this.typed(event));
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-remove]");
      if (button) this.remove(button.closest("li").dataset.key);
    });
  }

  /** Drop and paste anywhere on the composer's form bring photos too. */
  acceptFrom(form) {
    form.addEventListener("dragover", (event) => {
      if (!event.dataTransfer?.types.includes("Files")) return;
      event.preventDefault();
      form.classList.add("composer--drop");
    });
    form.addEventListener("dragleave", () => form.classList.remove("composer--drop"));
    form.addEventListener("drop", (event) => {
      form.classList.remove("composer--drop");
      if (!event.dataTransfer?.files.length) return;
      event.preventDefault();
      this.add([...event.dataTransfer.files]);
    });
    form.addEventListener("paste", (event) => {
      const files = [...(event.clipboardData?.files || [])].filter((f) => f.type.startsWith("image/"));
      if (!files.length) return;
      event.preventDefault();
      this.add(files);
    });
  }

  /** askAlt: focus the new photo's alt text (picked from a file or the camera); a drop or a
   * paste leaves the focus where the editor is typing. */
  async add(files, { askAlt = false } = {}) {
    for (const file of files) {
      const photo = { key: newKey(), name: file.name || "photo", alt: "", caption: "", credit: "" };
      try {
        await photoStore.put(photo.key, file);
      } catch {
        this.root.querySelector(".errors").textContent =
          gettext("This browser cannot keep photos (private mode?): the photo was not added.");
        continue;
      }
      this.urls.set(photo.key, URL.createObjectURL(file));
      this.photos.push(photo);
      this.list.append(this.item(photo));
    }
    if (askAlt) this.list.querySelector("li:last-child textarea")?.focus();
    this.changed();
  }

  /** Photos of a saved draft or of an entry sent back for correction: their files are in storage. */
  async restore(photos = []) {
    this.clear();
    for (const photo of photos) {
      const file = await photoStore.get(photo.key).catch(() => null);
      if (!file) continue; // gone with the browser's storage: nothing to show
      this.urls.set(photo.key, URL.createObjectURL(file));
      const kept = { key: photo.key, name: photo.name, alt: photo.alt, caption: photo.caption, credit: photo.credit };
      this.photos.push(kept);
      this.list.append(this.item(kept));
    }
    this.changed();
  }

  remove(key) {
    this.photos = this.photos.filter((p) => p.key !== key);
    this.list.querySelector(`li[data-key="${key}"]`)?.remove();
    URL.revokeObjectURL(this.urls.get(key));
    this.urls.delete(key);
    photoStore.delete(key).catch(() => {});
    this.changed();
  }

  /** After Publish: the files stay stored for the outbox, the composer lets them go. */
  clear() {
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
    this.photos = [];
    this.list.replaceChildren();
  }

  /** The first photo without alt text, focused and explained; null when every photo has it. */
  missingAlt() {
    const photo = this.photos.find((p) => !p.alt.trim());
    if (!photo) return null;
    const field = this.list.querySelector(`li[data-key="${photo.key}"] textarea`);
    field.setAttribute("aria-invalid", "true");
    field.focus();
    return interpolate(gettext("Describe the photo “%(name)s” for readers who cannot see it (alt text)."), { name: photo.name });
  }

  /** The photos as the outbox sends them. */
  value() {
    return this.photos.map((p) => ({ ...p }));
  }

  /** Figures for the preview, from the files in hand (the server has not seen them yet). */
  figures() {
    return this.photos.map((photo) => {
      const figure = Object.assign(document.createElement("figure"), { className: "photo" });
      const img = Object.assign(document.createElement("img"), { src: this.urls.get(photo.key), alt: photo.alt });
      figure.append(img);
      if (photo.caption || photo.credit) {
        const caption = Object.assign(document.createElement("figcaption"), { className: "photo__caption" });
        caption.textContent = `${photo.caption} `;
        if (photo.credit) caption.append(Object.assign(document.createElement("span"), { className: "photo__credit", textContent: photo.credit }));
        figure.append(caption);
      }
      return figure;
    });
  }

  typed(event) {
    const field = event.target.closest("[data-field]");
    if (!field) return;
    const photo = this.photos.find((p) => p.key === field.closest("li").dataset.key);
    photo[field.dataset.field] = field.value;
    if (field.dataset.field === "alt" && field.value.trim()) field.removeAttribute("aria-invalid");
    this.changed();
  }

  item(photo) {
    const li = Object.assign(document.createElement("li"), { className: "photo-item" });
    li.dataset.key = photo.key;
    const id = `photo-${photo.key}`;
    const thumb = Object.assign(document.createElement("img"), { src: this.urls.get(photo.key), alt: "", className: "photo-item__thumb" });
    const fields = Object.assign(document.createElement("div"), { className: "photo-item__fields" });
    fields.append(
      labelled(`${id}-alt`, gettext("Alt text (required)"), textarea(`${id}-alt`, "alt", photo.alt, `${id}-alt-hint`)),
      Object.assign(document.createElement("span"), {
        className: "hint",
        id: `${id}-alt-hint`,
        textContent: gettext("Say what it shows, for readers who cannot see it: “Maryam Rajavi speaking on the Paris stage”."),
      }),
      labelled(`${id}-caption`, gettext("Caption"), input(`${id}-caption`, "caption", photo.caption, "")),
      labelled(`${id}-credit`, gettext("Credit"), input(`${id}-credit`, "credit", photo.credit, gettext("Photo: Anna Berg"))),
    );
    const remove = Object.assign(document.createElement("button"), { type: "button", className: "link-button", textContent: gettext("Remove") });
    remove.dataset.remove = "";
    remove.setAttribute("aria-label", interpolate(gettext("Remove the photo %(name)s"), { name: photo.name }));
    li.append(thumb, fields, remove);
    return li;
  }
}

function labelled(id, text, control) {
  const wrap = Object.assign(document.createElement("p"), { className: "field" });
  const label = Object.assign(document.createElement("label"), { htmlFor: id, textContent: text });
  wrap.append(label, control);
  return wrap;
}

function textarea(id, field, value, hint) {
  const area = Object.assign(document.createElement("textarea"), { id, rows: 2, value, required: true });
  area.dataset.field = field;
  area.setAttribute("aria-describedby", hint);
  area.maxLength = 500;
  return area;
}

function input(id, field, value, placeholder) {
  const box = Object.assign(document.createElement("input"), { id, value, placeholder, autocomplete: "off" });
  box.dataset.field = field;
  box.maxLength = field === "credit" ? 200 : 500;
  return box;
}
