// The agenda page: each slot's time in the reader's own zone beside the city's, and what has
// happened marked as the clock moves.

import { clock, day, dayName, everyChange } from "./agenda.js";
import { gettext, interpolate } from "./i18n.js";

const readerZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const slots = [...document.querySelectorAll(".slot[data-starts]")];
const STATES = { past: gettext("Happened"), now: gettext("On now"), next: "" };

function yourTime(slot) {
  const { starts, timezone } = slot.dataset;
  const theirs = `${day(starts, timezone)} ${clock(starts, timezone)}`;
  const yours = `${day(starts, readerZone)} ${clock(starts, readerZone)}`;
  if (theirs === yours) return "";
  const sameDay = day(starts, timezone) === day(starts, readerZone);
  const time = `${sameDay ? "" : `${dayName(starts, readerZone)} `}${clock(starts, readerZone)}`;
  return interpolate(gettext("%(time)s your time"), { time });
}

function showYourTimes() {
  let differs = false;
  for (const slot of slots) {
    const text = yourTime(slot);
    const yours = slot.querySelector(".slot__yours");
    yours.textContent = text ? `(${text})` : "";
    yours.hidden = !text;
    differs ||= Boolean(text);
  }
  const note = document.querySelector(".agenda__yours-note");
  if (note && differs) {
    note.hidden = false;
    note.querySelector(".agenda__zone").textContent = readerZone;
  }
}

function markStates(now) {
  for (const slot of slots) {
    const starts = Date.parse(slot.dataset.starts);
    const until = Date.parse(slot.dataset.until);
    const state = until <= now ? "past" : starts <= now ? "now" : "next";
    slot.classList.remove("slot--past", "slot--now", "slot--next");
    slot.classList.add(`slot--${state}`);
    slot.querySelector(".slot__state").textContent = STATES[state];
  }
}

showYourTimes();
const moments = slots.map((slot) => ({ starts_at: slot.dataset.starts, until: slot.dataset.until }));
everyChange(() => moments, markStates);
