// The JSON API as the console calls it: the browser session with its CSRF token, JSON both ways.
// Every call resolves to {status, ok, data}; only a request that got no answer rejects.

import { gettext, interpolate, ngettext, number } from "./i18n.js";

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function request(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, data };
}

/** A photo and its words as multipart form data; the photo's key makes a retry safe. */
async function upload(url, file, { key, name, alt, caption, credit }) {
  const form = new FormData();
  form.append("file", file, name);
  Object.entries({ alt, caption, credit }).forEach(([field, value]) => form.append(field, value || ""));
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "Idempotency-Key": key },
    body: form,
  });
  const data = await response.json().catch(() => null);
  return { status: response.status, ok: response.ok, data };
}

// What each field of the API is called on the console's screen: a refusal never shows a raw name.
// Read when the module loads: the page's catalog is loaded before its modules run.
export const FIELD_LABELS = {
  body: gettext("Text"),
  headline: gettext("Headline"),
  city: gettext("City"),
  speaker: gettext("Speaker"),
  speaker_name: gettext("Speaker"),
  new_speaker: gettext("Speaker"),
  occurred_at: gettext("Time"),
  kind: gettext("Kind"),
  media: gettext("Photos"),
  status: gettext("Status"),
  publish_at: gettext("Publish at"),
  correction: gettext("Correction note"),
  note: gettext("Note"),
  pinned: gettext("Pinned"),
  key_moment: gettext("Key moment"),
  username: gettext("Username"),
  role: gettext("Role"),
  cities: gettext("Cities"),
};

/** A framework's stock message in an editor's words ("Ensure this field has no more than…"). */
export function inWords(message) {
  const text = String(message);
  const longest = text.match(/no more than (\d+) characters/);
  if (longest) {
    const count = Number(longest[1]);
    return interpolate(ngettext("Too long: keep it to %(count)s character or fewer.", "Too long: keep it to %(count)s characters or fewer.", count), { count: number(count) });
  }
  const choice = text.match(/^"(.*)" is not a valid choice\.$/);
  if (choice) return interpolate(gettext("“%(choice)s” is not one of the choices: pick one from the list."), { choice: choice[1] });
  if (text.startsWith("Enter a time as HH:MM")) return gettext("Type the time as HH:MM on a 24-hour clock, in the city's time: 17:03.");
  const stock = {
    "This field may not be blank.": gettext("This cannot be left empty."),
    "This field is required.": gettext("This is needed."),
    "This field may not be null.": gettext("This is needed."),
    "A valid integer is required.": gettext("Pick one from the list."),
    "Must be a valid boolean.": gettext("Tick it or leave it."),
  };
  return stock[text] || text.replace(/\bthis field\b/gi, "it");
}

/** A refusal's reasons by the field they concern, in words: {field: ["…"]}; "detail" for the rest. */
export function fieldErrors(data) {
  if (!data || typeof data !== "object") return { detail: [gettext("The server could not take this entry.")] };
  const errors = {};
  for (const [field, value] of Object.entries(data)) {
    if (field === "current") continue; // a 412's copy of the entry, not a reason
    const lines = (Array.isArray(value) ? value : [value]).flatMap((e) =>
      e && typeof e === "object" ? Object.values(e).flat() : [e],
    );
    const known = field === "detail" || field in FIELD_LABELS;
    (errors[known ? field : "detail"] ||= []).push(...lines.map(inWords));
  }
  return errors;
}

/** The lines to show for a refusal, each led by the name of the field on the screen. */
export function messages(data) {
  return Object.entries(fieldErrors(data)).flatMap(([field, lines]) =>
    lines.map((line) => (field === "detail" ? line : interpolate(gettext("%(field)s: %(reason)s"), { field: FIELD_LABELS[field], reason: line }))),
  );
}

const ifMatch = (version) => ({ "If-Match": `"${version}"` });

export function eventApi(slug) {
  const base = `/api/events/${slug}`;
  return {
    /** Every entry, drafts included, newest first, a page at a time. */
    async *entries() {
      for (let url = `${base}/entries/?drafts=1&order=newest`; url; ) {
        const { ok, data } = await request("GET", url);
        if (!ok) return;
        yield data.results;
        url = data.next;
      }
    },
    create: (payload, key) => request("POST", `${base}/entries/`, payload, { "Idempotency-Key": key }),
    upload: (file, photo) => upload(`${base}/media/`, file, photo),
    preview: (payload) => request("POST", `${base}/preview/`, payload),
    setStatus: (status) => request("POST", `${base}/status/`, { status }),
    addCity: (city) => request("POST", `${base}/sessions/`, { city }),
  };
}

export const entryApi = {
  get: (id) => request("GET", `/api/entries/${id}/`),
  approve: (id, version) => request("POST", `/api/entries/${id}/approve/`, {}, ifMatch(version)),
  return: (id, note, version) => request("POST", `/api/entries/${id}/return/`, { note }, ifMatch(version)),
  patch: (id, changes, version) => request("PATCH", `/api/entries/${id}/`, changes, ifMatch(version)),
  delete: (id, version) => request("DELETE", `/api/entries/${id}/`, undefined, ifMatch(version)),
};

export const speakerApi = {
  search: (query) => request("GET", `/api/speakers/?q=${encodeURIComponent(query)}`),
  split: (name) => request("GET", `/api/speakers/split/?name=${encodeURIComponent(name)}`),
};

export function peopleApi(slug) {
  const base = `/api/events/${slug}/people/`;
  return {
    list: () => request("GET", base),
    set: (person) => request("POST", base, person),
    remove: (username) => request("DELETE", `${base}${encodeURIComponent(username)}/`),
  };
}
