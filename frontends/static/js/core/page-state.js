/*
 * What a page keeps of a generation so that a reload (or a link) finds it again:
 *   ?job=<id>   the single generation shown (its progress, result or error)
 *   ?set=<id>   the goods set shown (a batch of jobs: batch_id)
 * and, for a set, a small record in local storage: its kinds and each one's job (the page
 * puts it there; ui/storage.js). The URL is read and written here as plain strings.
 * No DOM: tested in Node.
 */

const JOB_ID = /^[0-9A-Za-z]{10,40}$/; // ULIDs are 26 characters
/** What the service accepts as batch_id (webtoon_core/service.py). */
export const BATCH_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Where the set record is kept (local storage). */
export const SET_KEY = "webtoon:goods-set";

/**
 * The job and the set a page address names ("" for none; anything malformed is none).
 * @param {string} search location.search
 * @returns {{ job: string, set: string }}
 */
export function readPageState(search) {
  const params = new URLSearchParams(search || "");
  const job = params.get("job") || "";
  const set = params.get("set") || "";
  return { job: JOB_ID.test(job) ? job : "", set: BATCH_ID.test(set) ? set : "" };
}

/**
 * The same address naming another job or set: `job` and `set` given as a string replace
 * (or, "", remove) the parameter; left out they stay. Other parameters and the hash stay.
 * @param {string} href the current address (absolute)
 * @param {{ job?: string, set?: string }} state
 * @returns {string} path, query and hash (for history.replaceState)
 */
export function pageUrl(href, state) {
  const url = new URL(href);
  for (const key of ["job", "set"]) {
    if (!(key in state)) continue;
    if (state[key]) url.searchParams.set(key, state[key]);
    else url.searchParams.delete(key);
  }
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * A new set's batch_id: "set-" and 20 random hex digits.
 * @param {{ getRandomValues: (a: Uint8Array) => Uint8Array }} [random]
 */
export function newBatchId(random = globalThis.crypto) {
  const bytes = random.getRandomValues(new Uint8Array(10));
  return `set-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * A set as kept: its batch, seed and cards (kind, label, job id once known).
 * @param {{ batch: string, seedValue?: string, cards: { id: string, label: string, job?: string }[] }} set
 * @returns {string}
 */
export function setRecord({ batch, seedValue = "", cards }) {
  return JSON.stringify({
    batch,
    seedValue: String(seedValue || ""),
    cards: cards.map((card) => ({ id: card.id, label: card.label, job: card.job || "" })),
  });
}

/**
 * A kept set, when it is the one asked for and well formed; else null.
 * @param {string | null} text what setRecord() gave
 * @param {string} batch the set the address names
 * @returns {{ batch: string, seedValue: string, cards: { id: string, label: string, job: string }[] } | null}
 */
export function parseSetRecord(text, batch) {
  let record;
  try {
    record = JSON.parse(text || "");
  } catch (_) {
    return null;
  }
  if (!record || record.batch !== batch || !Array.isArray(record.cards) || record.cards.length === 0) return null;
  const cards = record.cards
    .filter((card) => card && typeof card.id === "string" && card.id)
    .map((card) => ({
      id: card.id,
      label: typeof card.label === "string" && card.label ? card.label : card.id,
      job: typeof card.job === "string" && JOB_ID.test(card.job) ? card.job : "",
    }));
  if (cards.length === 0) return null;
  return { batch, seedValue: typeof record.seedValue === "string" ? record.seedValue : "", cards };
}

/**
 * A set found from its jobs alone (a link opened where its record is not kept): one card per
 * kind, its latest job (jobs newest first, as listed).
 * @param {object[]} jobs listed jobs (any)
 * @param {string} batch
 * @param {Record<string, string>} labels goods kind id → name
 */
export function setFromJobs(jobs, batch, labels = {}) {
  const cards = [];
  const seen = new Set();
  for (const job of jobs) {
    const kind = job && job.batch_id === batch && job.params ? job.params.goods_type : "";
    if (!kind || seen.has(kind)) continue;
    seen.add(kind);
    cards.push({ id: kind, label: labels[kind] || kind, job: job.id });
  }
  cards.reverse(); // in the order they were made
  return cards.length ? { batch, seedValue: "", cards } : null;
}
