// Click-to-load embeds (liveblog/embeds.py draws the cards): nothing comes from the provider
// until the reader asks for it, then its player or post in a sandboxed frame. One listener on
// the document serves every card, those that frames add later included.

import { gettext } from "./i18n.js";

const SANDBOX = "allow-scripts allow-same-origin allow-popups allow-presentation";
const ALLOW = "fullscreen; encrypted-media; picture-in-picture";

export function loadEmbed(card) {
  const src = card.dataset.embedSrc;
  const box = card.querySelector(".embed__frame");
  if (!src || !box || !src.startsWith("https://")) return;
  const frame = document.createElement("iframe");
  Object.assign(frame, { src, title: card.dataset.embedTitle || gettext("Embedded content"), loading: "lazy" });
  frame.setAttribute("sandbox", SANDBOX);
  frame.setAttribute("allow", ALLOW);
  frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  box.replaceChildren(frame);
  card.classList.add("embed--loaded");
  frame.focus(); // the reader lands on what they asked for, not on the top of the page
}

document.addEventListener("click", (event) => {
  const button = event.target.closest?.(".embed__load");
  const card = button?.closest(".embed[data-embed-src]");
  if (card) loadEmbed(card);
});
