/*
 * What the browser keeps across a reload, beside the address (core/page-state.js):
 * - local storage: small JSON records (the goods set's kinds and their jobs);
 * - IndexedDB: the goods set's form, image included, so that kinds not sent yet when the
 *   page was reloaded can still be sent (at most three are sent at a time). Only the last
 *   set's form is kept.
 * Storage may be missing or refused (private modes, quotas): every call then does nothing
 * and the page carries on without it.
 */

/**
 * @param {string} key
 * @returns {string | null}
 */
export function readLocal(key) {
  try {
    return window.localStorage.getItem(key);
  } catch (_) {
    return null;
  }
}

/**
 * @param {string} key
 * @param {string} value
 */
export function writeLocal(key, value) {
  try {
    window.localStorage.setItem(key, value);
  } catch (_) {
    // full or refused: a reload then finds less, nothing else changes
  }
}

/** @param {string} key */
export function removeLocal(key) {
  try {
    window.localStorage.removeItem(key);
  } catch (_) {
    // nothing kept
  }
}

const DB_NAME = "webtoon-studio";
const STORE = "set-forms";
const CURRENT = "current";

function openDb() {
  return new Promise((resolve) => {
    let request;
    try {
      request = window.indexedDB.open(DB_NAME, 1);
    } catch (_) {
      resolve(null);
      return;
    }
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
}

async function withStore(mode, work) {
  const db = await openDb();
  if (!db) return null;
  try {
    return await new Promise((resolve) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : null);
      tx.onerror = () => resolve(null);
      tx.onabort = () => resolve(null);
    });
  } catch (_) {
    return null;
  } finally {
    db.close();
  }
}

/**
 * Keep a set's form (text fields and files) under its batch id, replacing the last one.
 * @param {string} batch
 * @param {FormData} data
 */
export async function keepSetForm(batch, data) {
  const entries = [];
  for (const [name, value] of data.entries()) {
    entries.push(typeof value === "string" ? { name, value } : { name, blob: value, filename: value.name || name });
  }
  await withStore("readwrite", (store) => store.put({ batch, entries }, CURRENT));
}

/**
 * The kept form of this set, or null.
 * @param {string} batch
 * @returns {Promise<FormData | null>}
 */
export async function takeSetForm(batch) {
  const record = await withStore("readonly", (store) => store.get(CURRENT));
  if (!record || record.batch !== batch || !Array.isArray(record.entries)) return null;
  const data = new FormData();
  for (const entry of record.entries) {
    if (entry.blob instanceof Blob) data.append(entry.name, entry.blob, entry.filename);
    else if (typeof entry.value === "string") data.append(entry.name, entry.value);
  }
  return data;
}
