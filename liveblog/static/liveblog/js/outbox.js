// The console's outbox: every entry is kept in storage before it is sent, with its own
// Idempotency-Key, so a dropped connection, a server error or a reload cannot lose or double it.
//
// No DOM and no network here: storage (localStorage's getItem and setItem) and send are given,
// so the rules can be checked on their own. Stored as a JSON array of
// {key, payload, state: "pending" | "sending" | "rejected", error?}.

const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30000;

export class Outbox {
  /**
   * @param {object} options
   * @param {{getItem(k: string): string | null, setItem(k: string, v: string): void}} options.storage
   * @param {string} options.name the storage key
   * @param {(item: object) => Promise<{ok: boolean, status: number, data: any}>} options.send
   *   posts one item with its key; a rejection means no answer (offline)
   * @param {(item: object, data: any) => void} [options.sent] called with the server's entry
   * @param {(items: object[]) => void} [options.changed] called whenever the items change
   * @param {(data: any) => string} [options.explain] the server's refusal in words
   */
  constructor({ storage, name, send, sent = () => {}, changed = () => {}, explain = String, ...rest }) {
    Object.assign(this, { storage, name, send, sent, changed, explain });
    this.timers = rest.timers ?? globalThis; // tests bring their own clock and dice
    this.random = rest.random ?? Math.random;
    this.retryDelay = FIRST_RETRY_MS;
    this.sending = false;
    // An item left "sending" by a closed page may or may not have arrived: its key makes a resend safe.
    this.items = JSON.parse(storage.getItem(name) || "[]").map((item) =>
      item.state === "sending" ? { ...item, state: "pending" } : item,
    );
  }

  add(payload, key = newKey()) {
    const item = { key, payload, state: "pending" };
    this.items.push(item);
    this.save();
    return item;
  }

  /** Removes a rejected item, to be corrected and submitted again. */
  take(key) {
    const item = this.items.find((i) => i.key === key);
    this.items = this.items.filter((i) => i !== item);
    this.save();
    return item;
  }

  /** Sends what is pending, oldest first; after a failure, tries again later with backoff. */
  async flush() {
    if (this.sending) return;
    this.sending = true;
    try {
      for (let item; (item = this.items.find((i) => i.state === "pending")); ) {
        if (!(await this.deliver(item))) return this.retryLater();
      }
      this.retryDelay = FIRST_RETRY_MS;
    } finally {
      this.sending = false;
    }
  }

  /** False if the item is still to be sent: no answer, a server error, or "too many". */
  async deliver(item) {
    item.state = "sending";
    this.save();
    let result;
    try {
      result = await this.send(item);
    } catch {
      result = { ok: false, status: 0, data: null };
    }
    if (result.ok) {
      this.items = this.items.filter((i) => i !== item);
      this.save();
      this.sent(item, result.data);
      return true;
    }
    if (refused(result.status)) {
      Object.assign(item, { state: "rejected", error: this.explain(result.data), reasons: result.data });
    }
    else item.state = "pending";
    this.save();
    return item.state === "rejected";
  }

  /** One retry waits at a time: a flush started meanwhile (a submit, back online) replaces it. */
  retryLater() {
    const delay = this.retryDelay * (0.5 + this.random() / 2);
    this.retryDelay = Math.min(this.retryDelay * 2, LAST_RETRY_MS);
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => this.flush(), delay);
  }

  save() {
    this.storage.setItem(this.name, JSON.stringify(this.items));
    this.changed(this.items);
  }
}

/** A 4xx other than a timeout or a rate limit: sending it again would get the same answer. */
export function refused(status) {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function newKey() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
