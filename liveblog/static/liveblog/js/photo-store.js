// Photos the console holds before the server has them: the files themselves, in IndexedDB
// (localStorage takes only text), under the key their upload will carry as Idempotency-Key. A
// photo attached offline, or to a draft, survives a reload and a crashed tab.

const DATABASE = "liveblog-photos";
const STORE = "photos";

function opened() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

let database;

async function run(mode, action) {
  database ??= opened();
  const db = await database;
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const request = action(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error);
  });
}

export const photoStore = {
  put: (key, file) => run("readwrite", (store) => store.put(file, key)),
  get: (key) => run("readonly", (store) => store.get(key)),
  delete: (key) => run("readwrite", (store) => store.delete(key)),
};
