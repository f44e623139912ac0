// IndexedDB behind one small promise wrapper: the gallery's metadata (so the gallery, collections
// and image views open offline), the offline prompt queue, and who was last signed in.

const NAME = 'studio';
const VERSION = 1;
/** Store name → key path. */
const STORES = { images: 'id', collections: 'id', lists: 'key', queue: 'id', meta: 'key' };

let opening;

function open() {
  opening ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, VERSION);
    request.onupgradeneeded = () => {
      for (const [store, keyPath] of Object.entries(STORES)) {
        if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store, { keyPath });
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

async function tx(store, mode, work) {
  const db = await open();
  const transaction = db.transaction(store, mode);
  const result = work(transaction.objectStore(store));
  await new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
  return result instanceof IDBRequest ? result.result : result;
}

export const get = (store, key) => tx(store, 'readonly', (s) => s.get(key));
export const all = (store) => tx(store, 'readonly', (s) => s.getAll());
export const put = (store, value) => tx(store, 'readwrite', (s) => s.put(value));
export const remove = (store, key) => tx(store, 'readwrite', (s) => s.delete(key));
export const putAll = (store, values) => tx(store, 'readwrite', (s) => values.forEach((v) => s.put(v)));

/** Empties every store (sign-out, account deletion): nothing of one user stays for the next. */
export async function clearAll() {
  for (const store of Object.keys(STORES)) await tx(store, 'readwrite', (s) => s.clear());
}
