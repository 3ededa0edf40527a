// Photos full size: a modal dialog over the page, opened from any entry's photo. Keyboard: the
// arrow keys go through a gallery, Escape closes; a swipe does the same on phones. Focus goes
// back to the photo it was opened from. Without this script, the photo's link opens the image.

import { gettext, interpolate, number } from "./i18n.js";

let dialog;
let shown = { photos: [], index: 0, opener: null };

function build() {
  dialog = document.createElement("dialog");
  dialog.className = "lightbox";
  dialog.setAttribute("aria-label", gettext("Photo"));
  dialog.innerHTML = `
    <figure class="lightbox__figure"><img class="lightbox__image" alt=""><figcaption class="lightbox__caption"></figcaption></figure>
    <p class="lightbox__count" aria-live="polite"></p>
    <button type="button" class="lightbox__button lightbox__close" data-go="close" aria-label="${gettext("Close")}">×</button>
    <button type="button" class="lightbox__button lightbox__prev" data-go="-1" aria-label="${gettext("Previous photo")}">‹</button>
    <button type="button" class="lightbox__button lightbox__next" data-go="1" aria-label="${gettext("Next photo")}">›</button>`;
  document.body.append(dialog);
  dialog.addEventListener("click", (event) => {
    const go = event.target.closest("[data-go]")?.dataset.go;
    if (go === "close" || event.target === dialog) dialog.close();
    else if (go) step(Number(go));
  });
  dialog.addEventListener("keydown", (event) => {
    // The arrow that points the way the text runs goes forwards: right in English, left in Persian.
    const forwards = getComputedStyle(dialog).direction === "rtl" ? "ArrowLeft" : "ArrowRight";
    if (event.key === forwards) step(1);
    else if (event.key === "ArrowLeft" || event.key === "ArrowRight") step(-1);
  });
  dialog.addEventListener("close", () => shown.opener?.focus());
  let startX = null;
  dialog.addEventListener("pointerdown", (event) => (startX = event.clientX));
  dialog.addEventListener("pointerup", (event) => {
    const moved = startX === null ? 0 : event.clientX - startX;
    const rtl = getComputedStyle(dialog).direction === "rtl";
    if (Math.abs(moved) > 50) step(moved < 0 !== rtl ? 1 : -1);
    startX = null;
  });
}

function step(by) {
  const next = shown.index + by;
  if (next >= 0 && next < shown.photos.length) show(next);
}

function show(index) {
  shown.index = index;
  const link = shown.photos[index];
  const thumb = link.querySelector("img");
  const image = dialog.querySelector(".lightbox__image");
  image.removeAttribute("srcset");
  Object.assign(image, { src: link.href, alt: thumb.alt, width: thumb.width, height: thumb.height });
  if (thumb.srcset) Object.assign(image, { srcset: thumb.srcset, sizes: "100vw" });
  const caption = link.closest("figure").querySelector("figcaption");
  dialog.querySelector(".lightbox__caption").textContent = caption ? caption.textContent : "";
  const many = shown.photos.length > 1;
  dialog.querySelector(".lightbox__count").textContent = many ? interpolate(gettext("Photo %(number)s of %(count)s"), { number: number(index + 1), count: number(shown.photos.length) }) : "";
  dialog.querySelector(".lightbox__prev").hidden = !many || index === 0;
  dialog.querySelector(".lightbox__next").hidden = !many || index === shown.photos.length - 1;
}

document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-lightbox]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  if (!dialog) build();
  const photos = [...(link.closest(".entry") || link.parentElement).querySelectorAll("a[data-lightbox]")];
  shown = { photos, index: 0, opener: link };
  show(photos.indexOf(link));
  dialog.showModal();
  dialog.querySelector(".lightbox__close").focus();
});
