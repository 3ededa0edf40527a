// The JSON API as the console calls it: the browser session with its CSRF token, JSON both ways.
// Every call resolves to {status, ok, data}; only a request that got no answer rejects.

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

/** The lines to show for a 400's field errors, or a detail. */
export function messages(data) {
  if (!data || typeof data !== "object") return ["The server could not take this entry."];
  return Object.entries(data).flatMap(([field, errors]) =>
    (Array.isArray(errors) ? errors : [errors]).map((e) => (field === "detail" ? e : `${field}: ${e}`)),
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
  patch: (id, changes, version) => request("PATCH", `/api/entries/${id}/`, changes, ifMatch(version)),
  delete: (id, version) => request("DELETE", `/api/entries/${id}/`, undefined, ifMatch(version)),
};

export const speakerApi = {
  search: (query) => request("GET", `/api/speakers/?q=${encodeURIComponent(query)}`),
};
