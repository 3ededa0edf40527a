// Entries in the reader's language. A frame carries the entry as written (its html) and every
// translation of it; here an arriving entry is shown as the page shows it on load
// (templates/liveblog/_entry.html): the reader's language where translated, the original one
// click away ("Original (English)"), and "Not translated" where there is no translation.

import { gettext } from "./i18n.js";

const RIGHT_TO_LEFT = new Set(["fa"]);

function readerLanguage() {
  return document.querySelector(".entries[data-lang]")?.dataset.lang || "";
}

function labels() {
  const holder = document.getElementById("translation-labels");
  return holder ? JSON.parse(holder.textContent) : null;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function inLanguage(node, language) {
  node.lang = language;
  node.dir = RIGHT_TO_LEFT.has(language) ? "rtl" : "ltr";
  node.dataset.translation = "";
  return node;
}

// The entry's node (built from entry.html) as the page's reader is shown it.
export function localize(node, entry) {
  const reader = readerLanguage();
  const words = labels();
  if (!reader || !words || !entry.language || reader === entry.language) return node;
  const translation = entry.translations?.[reader];
  if (!translation) {
    node.querySelector(".entry__meta")?.append(element("span", "entry__untranslated", words.untranslated));
    return node;
  }
  const headline = node.querySelector(".entry__headline");
  const body = node.querySelector(".entry__body");
  if (translation.headline) {
    const translated = inLanguage(element("h3", "entry__headline", translation.headline), reader);
    if (headline) headline.before(translated);
    else node.querySelector(".entry__meta").after(translated);
  }
  const translatedBody = inLanguage(element("div", "entry__body"), reader);
  translatedBody.innerHTML = translation.html; // rendered and sanitized by the server, as entry.html
  body.before(translatedBody);
  for (const original of [headline, body]) {
    if (!original) continue;
    original.dataset.original = "";
    original.hidden = true;
  }
  body.after(languageLine(words, translation, entry.language));
  return node;
}

function languageLine(words, translation, original) {
  const line = element("p", "entry__language");
  line.append(element("span", "", words.translated));
  if (translation.stale) line.append(" · ", element("span", "entry__stale", words.stale));
  const button = element("button", "entry__original", words.original[original] || original);
  button.type = "button";
  button.setAttribute("aria-pressed", "false");
  line.append(" ", button);
  return line;
}

// "Original (English)": pressed, the entry shows its original text; pressed again, the translation.
document.addEventListener("click", (event) => {
  const button = event.target.closest?.(".entry__original");
  if (!button) return;
  const showOriginal = button.getAttribute("aria-pressed") !== "true";
  button.setAttribute("aria-pressed", String(showOriginal));
  const entry = button.closest("article.entry");
  entry.querySelectorAll("[data-original]").forEach((node) => (node.hidden = !showOriginal));
  entry.querySelectorAll("[data-translation]").forEach((node) => (node.hidden = showOriginal));
});

// What a screen reader is told of a new entry: its words as the reader is shown them.
export function spokenText(node) {
  const visible = [...node.querySelectorAll(".entry__headline, .entry__body")].filter((part) => !part.hidden);
  return visible.map((part) => part.textContent.trim()).join(". ");
}

// The console's line under an entry: its translations, each a link to the translation desk, an
// out-of-date one flagged for the editor.
const NAMES = { en: "English", fr: "Français", de: "Deutsch", fa: "فارسی" };

export function translationsLine(entry) {
  const translations = entry.translations || {};
  const languages = Object.keys(NAMES).filter((code) => code in translations);
  if (!languages.length) return null;
  const line = element("p", "console-translations");
  const current = languages.filter((code) => !translations[code].stale);
  const stale = languages.filter((code) => translations[code].stale);
  if (current.length) line.append(element("span", "", gettext("Translated: ")), ...links(entry, current));
  if (current.length && stale.length) line.append(" · ");
  if (stale.length) {
    line.append(element("strong", "console-translations__stale", gettext("Translations that may be out of date: ")), ...links(entry, stale));
  }
  return line;
}

function links(entry, languages) {
  return languages.flatMap((code, index) => {
    const link = element("a", "", NAMES[code]);
    link.href = new URL(`translate/?into=${code}#translate-${entry.id}`, location.href).href;
    link.lang = code;
    return index ? [", ", link] : [link];
  });
}
