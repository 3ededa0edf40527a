// The interface's words, numbers and dates in the page's language (`<html lang>`). Words come from
// Django's JavaScript catalog, which the page loads before its modules (the globals `gettext` and
// `ngettext` under `django`); without a catalog they are the English they are written in.

export function gettext(text) {
  const catalog = globalThis.django;
  return typeof catalog?.gettext === "function" ? catalog.gettext(text) : text;
}

export function ngettext(singular, plural, count) {
  const catalog = globalThis.django;
  if (typeof catalog?.ngettext === "function") return catalog.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** Fills `%(name)s` placeholders from `values`, as Django's interpolate(format, values, true) does. */
export function interpolate(format, values) {
  return format.replace(/%\((\w+)\)s/g, (placeholder, name) => (name in values ? String(values[name]) : placeholder));
}

/** The page's language, e.g. "fa". */
export function language() {
  return globalThis.document?.documentElement?.lang || "en";
}

/** The locale dates and times are written in: British English for English (25 Aug, 17:42), else
 * the page's language (its words, digits and, for Persian, its calendar). */
export function locale() {
  return language() === "en" ? "en-GB" : language();
}

/** 1,523 in English, 1 523 in French, ۱٬۵۲۳ in Persian. */
export function number(value) {
  return new Intl.NumberFormat(language()).format(value);
}

/** "17:42" with the language's digits: ۱۷:۴۲ in Persian; unchanged in English, French, German. */
export function digits(text) {
  const format = new Intl.NumberFormat(language(), { useGrouping: false });
  if (format.format(0) === "0") return text;
  return text.replace(/\d/g, (digit) => format.format(Number(digit)));
}

/** Whether the language's own calendar is not the Gregorian: Persian's is the Solar Hijri. */
function otherCalendar() {
  return new Intl.DateTimeFormat(language()).resolvedOptions().calendar !== "gregory";
}

/** A date in the language's words and calendar; where that calendar is not the Gregorian, the
 * Gregorian date follows in brackets: "چهارشنبه ۱۳ خرداد ۱۴۰۵ (۳ ژوئن ۲۰۲۶)". */
export function longDate(at, options = {}) {
  const lang = language();
  const words = { day: "numeric", month: "long", year: "numeric", ...options };
  const own = inOrder(new Intl.DateTimeFormat(lang, { weekday: "long", ...words }), at);
  if (!otherCalendar()) return own;
  return `${own} (${inOrder(new Intl.DateTimeFormat(`${lang}-u-ca-gregory`, words), at)})`;
}

/** "samedi 25 août 2018 à 17:03", "Samstag, 25. August 2018 um 17:03", in Persian the Solar
 * Hijri date, the Gregorian and the time: "شنبه ۳ شهریور ۱۳۹۷ (۲۵ اوت ۲۰۱۸)، ۱۷:۰۳". */
export function longDateTime(at, timeZone) {
  if (!otherCalendar()) return new Intl.DateTimeFormat(language(), { dateStyle: "full", timeStyle: "short", timeZone }).format(at);
  const clock = new Intl.DateTimeFormat(language(), { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone });
  return `${longDate(at, { timeZone })}، ${clock.format(at)}`;
}

// Browsers write a Persian date "۱۳۹۷ شهریور ۳, شنبه"; Persian writes it "شنبه ۳ شهریور ۱۳۹۷".
function inOrder(format, at) {
  if (language() !== "fa") return format.format(at);
  const part = Object.fromEntries(format.formatToParts(at).map(({ type, value }) => [type, value]));
  return [part.weekday, part.day, part.month, part.year].filter(Boolean).join(" ");
}

/** "3 juin 2026", "3. Juni 2026", "۱۳ خرداد ۱۴۰۵" (the Gregorian date is the `title`'s). */
export function shortDate(at, options = {}) {
  return new Intl.DateTimeFormat(language(), { day: "numeric", month: "short", year: "numeric", ...options }).format(at);
}
