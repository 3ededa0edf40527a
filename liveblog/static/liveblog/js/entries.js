// What the reader page and the console both know about an entry: its place in the report, the
// line that names it, and its html as a node.

export function toNode(html) {
  return document.createRange().createContextualFragment(html).firstElementChild;
}

// Report order: by the time the entry shows, then by id for entries of the same minute.
export function sortKey(node) {
  return [Date.parse(node.dataset.occurredAt), Number(node.dataset.id)];
}

export function compare([timeA, idA], [timeB, idB]) {
  return timeA - timeB || idA - idB;
}

export function excerpt(text, words = 12) {
  const all = text.split(/\s+/);
  return all.length > words ? `${all.slice(0, words).join(" ")} …` : text;
}

// An event.updated says what changed in one frame, however many entries show it: a city renamed
// or moved to another zone, a speaker's name or title corrected. The entries on the page follow.
export function retitle(container, frame) {
  for (const city of frame.event?.cities ?? []) {
    for (const node of container.querySelectorAll(`.entry[data-city="${CSS.escape(city.slug)}"]`)) {
      const name = node.querySelector(".entry__city");
      if (name && name.textContent !== city.name) name.textContent = city.name;
      const reportZone = frame.event.timezone;
      if (city.timezone && (node.dataset.zone !== city.timezone || (shownReportZone(node) ?? reportZone) !== reportZone)) {
        showTime(node, city.timezone, reportZone);
      }
    }
  }
  for (const speaker of frame.speakers ?? []) {
    for (const line of container.querySelectorAll(`.entry[data-speaker="${speaker.id}"] .entry__speaker`)) {
      // The link to the speaker's page stays: under a new name, its old address redirects.
      const page = line.querySelector(".entry__speaker-name a")?.getAttribute("href");
      line.replaceChildren(...speakerLine(speaker, page));
    }
  }
}

function shownReportZone(node) {
  return node.querySelector(".entry__event-time")?.dataset.zone;
}

function clockIn(zone, at) {
  return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone }).format(at);
}

function showTime(node, zone, reportZone) {
  // The entry's clock in its city's new zone, as the server writes it: "17:42 · 3 Jun 2026",
  // and beside it the event's, where the two differ: "13:05 Toronto · 19:05 Paris".
  const at = new Date(node.dataset.occurredAt);
  const time = node.querySelector(".entry__time time");
  if (!time || Number.isNaN(at.valueOf())) return;
  const date = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: zone });
  const day = time.querySelector(".entry__date");
  time.firstChild.textContent = clockIn(zone, at);
  if (day) day.textContent = ` · ${date.format(at).replace("Sept", "Sep")}`;
  node.dataset.zone = zone;
  node.querySelector(".entry__event-time")?.remove();
  const reportClock = reportZone && clockIn(reportZone, at);
  if (reportClock && reportClock !== time.firstChild.textContent) {
    const label = reportZone.split("/").pop().replaceAll("_", " ");
    const shown = Object.assign(document.createElement("span"), { className: "entry__event-time", textContent: `· ${reportClock} ${label}` });
    shown.dataset.zone = reportZone;
    (node.querySelector(".entry__city") ?? node.querySelector(".entry__time")).after(shown);
  }
}

function speakerLine(speaker, page) {
  const parts = [];
  if (speaker.honorific) {
    parts.push(Object.assign(document.createElement("span"), { className: "entry__honorific", textContent: speaker.honorific }), " ");
  }
  const name = Object.assign(document.createElement("strong"), { className: "entry__speaker-name" });
  name.append(page ? Object.assign(document.createElement("a"), { href: page, textContent: speaker.name }) : speaker.name);
  parts.push(name);
  if (speaker.title) {
    parts.push(Object.assign(document.createElement("span"), { className: "entry__speaker-title", textContent: `, ${speaker.title}` }));
  }
  return parts;
}
