// Sharing a link: the device's own share sheet where there is one (phones), else the clipboard,
// announced on the button. Buttons with data-copy always copy; data-share ones offer the sheet.
// The permalink page's one script: its entry may hold click-to-load embeds too.

import "./embeds.js";
import "./lightbox.js";
import { gettext } from "./i18n.js";

export async function copyLink(button) {
  const label = button.textContent;
  const url = new URL(button.dataset.copy, location.href).href;
  try {
    await navigator.clipboard.writeText(url);
    button.textContent = gettext("Link copied");
  } catch {
    button.textContent = gettext("Copy failed: select the link");
  }
  setTimeout(() => {
    button.textContent = label;
  }, 2500);
}

export async function share(button) {
  const url = new URL(button.dataset.copy, location.href).href;
  if (!navigator.share) return copyLink(button);
  try {
    await navigator.share({ url, title: button.dataset.title || document.title });
  } catch {
    // Dismissed by the reader, or not allowed here: nothing to say.
  }
}

for (const button of document.querySelectorAll("button[data-copy]")) {
  const canShare = "share" in button.dataset ? !!navigator.share : !!navigator.clipboard;
  button.hidden = !canShare;
  button.addEventListener("click", () => ("share" in button.dataset ? share(button) : copyLink(button)));
}
