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
