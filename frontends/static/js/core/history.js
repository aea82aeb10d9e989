/*
 * The 최근 작업 list as state, without the page: the jobs shown (newest first), the cursor of
 * the next page, and what changed since. ui/history-panel.js draws it. Job ids are ULIDs,
 * which sort by creation time, so "newest first" is "greatest id first".
 * No DOM: tested in Node.
 */

/** Jobs per page (a multiple of 2, 3 and 4: full rows at every width). */
export const PAGE_SIZE = 12;

const newerFirst = (a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

export class HistoryList {
  constructor() {
    /** @type {object[]} the jobs shown, newest first */
    this.items = [];
    /** @type {string | null} the next page's cursor (null: no more) */
    this.cursor = null;
    /** A first page has arrived (until then, "empty" means nothing). */
    this.loaded = false;
  }

  /** There is a next page to ask for. */
  get hasMore() {
    return this.loaded && Boolean(this.cursor);
  }

  /** Loaded, and nothing in it. */
  get empty() {
    return this.loaded && this.items.length === 0;
  }

  /**
   * The query of the page to ask for.
   * @param {{ more?: boolean, limit?: number }} [options] more: the next page, else the first
   * @returns {{ limit: number, cursor: string | null }}
   */
  query({ more = false, limit = PAGE_SIZE } = {}) {
    return { limit, cursor: more ? this.cursor : null };
  }

  /**
   * A page arrived. The first page replaces what was shown; a next page adds the jobs not
   * shown yet (one added at the top since does not come twice).
   * @param {{ jobs: object[], nextCursor: string | null }} page
   * @param {{ more?: boolean }} [options]
   * @returns {object[]} the jobs that were added
   */
  addPage({ jobs, nextCursor }, { more = false } = {}) {
    const known = new Set(more ? this.items.map((job) => job.id) : []);
    const added = jobs.filter((job) => job && job.id && !known.has(job.id));
    this.items = more ? [...this.items, ...added] : [...added];
    this.items.sort(newerFirst);
    this.cursor = nextCursor || null;
    this.loaded = true;
    return added;
  }

  /**
   * A job as it is now (started, finished, followed elsewhere): replaced where it is shown,
   * else put in its place. A job older than every shown one while more pages remain is left
   * for its page.
   * @param {object} job
   * @returns {"updated" | "added" | "skipped"}
   */
  upsert(job) {
    if (!job || !job.id) return "skipped";
    const at = this.items.findIndex((item) => item.id === job.id);
    if (at !== -1) {
      this.items[at] = job;
      return "updated";
    }
    const last = this.items[this.items.length - 1];
    if (this.hasMore && last && job.id < last.id) return "skipped";
    this.items.push(job);
    this.items.sort(newerFirst);
    return "added";
  }

  /**
   * Drop a job (deleted).
   * @param {string} id
   * @returns {boolean} whether it was shown
   */
  remove(id) {
    const before = this.items.length;
    this.items = this.items.filter((job) => job.id !== id);
    return this.items.length !== before;
  }

  /**
   * A shown job.
   * @param {string} id
   */
  find(id) {
    return this.items.find((job) => job.id === id) || null;
  }

  /** The ids of the shown jobs still queued or running (the page looks in on them). */
  activeIds() {
    return this.items.filter((job) => job.status === "queued" || job.status === "running").map((job) => job.id);
  }
}
