/*
 * A goods set, without the page: one card per kind, each its own job, at most CONCURRENCY
 * in flight; a failed or cancelled card can be retried and "cancel all" cancels the running
 * jobs and drops the queued ones. The request itself is injected (generate), so the Node
 * tests drive it with a fake; goods/set-view.js draws the cards and keeps the set across a
 * reload (resume(): cards whose job is known are followed, the others sent).
 *
 * A card's job: card.job is its id once the answer named it (generate's onJob). A card
 * queued with card.job set is followed, not sent again; a retried card keeps the job that
 * failed as card.previousJob (the page re-runs it: same inputs, same kind).
 *
 * Events (CustomEvent, detail as shown):
 *   "start"      { cards }          a new set replaced the old one (cards all queued next)
 *   "cardchange" { card, change }   change: "state" (card.state moved) | "progress" (an event)
 *                                   | "job" (card.job was named)
 *   "busychange" { busy }           the first card was queued / the last one settled
 */
import { JobAttempt } from "./jobs.js";
import { createPool } from "./pool.js";
import { Progress } from "./progress.js";

/** At most this many kinds are generated at once (the provider account's concurrency). */
export const CONCURRENCY = 3;

const DROPPED = Symbol("dropped");

/** A card of a kind, queued next. */
const newCard = (kind) => ({
  id: kind.id, label: kind.label, state: "queued", progress: null, result: null, error: null, seconds: 0,
  job: "", previousJob: "", unsent: false,
});

/**
 * @typedef {"queued" | "running" | "done" | "failed" | "cancelled"} CardState
 * @typedef {object} SetCard
 * @property {string} id           the goods kind
 * @property {string} label        its Korean name
 * @property {CardState} state
 * @property {Progress|null} progress  while running (and after, for its time)
 * @property {object|null} result  the generate outcome once done
 * @property {{ message: string, requestId: string }|null} error  once failed
 * @property {number} seconds      how long the finished attempt took
 * @property {string} job          its job's id, once named ("" before)
 * @property {string} previousJob  the job a retry replaces ("" for none)
 * @property {boolean} unsent      never sent, and nothing left to send it with (after a reload)
 */

export class SetRunner extends EventTarget {
  #pool;
  #busy = false;
  #cards = [];
  #input = null;
  #attempts = new Map(); // card → its JobAttempt while running
  #cancelJob;

  /**
   * @param {object} options
   * @param {(card: SetCard, request: { input: unknown, signal: AbortSignal,
   *   onEvent: (name: string, data: object) => void, onJob: (id: string) => void,
   *   onStarted: (ms: number) => void }) => Promise<{ ok: boolean }>} options.generate
   *   one kind's request (or, for a card with a job, following it); resolves to an outcome
   *   ({ ok: true, ... } or { ok: false, message, requestId, code }; `seconds` when known) and
   *   rejects when aborted or the network fails. onJob names the card's job; onStarted gives
   *   when a followed job began (for its clock)
   * @param {(jobId: string) => Promise<{ ok: boolean, message?: string }>} [options.cancelJob]
   *   asks the server to cancel a job ([모두 취소])
   * @param {number} [options.concurrency]
   * @param {number} [options.timeoutMs] the client's limit per card
   * @param {number} [options.expectedSeconds] for each card's Progress
   * @param {number} [options.graceMs] how long a cancelled card whose job is not named yet
   *   waits for the name (JobAttempt)
   */
  constructor({
    generate, cancelJob = async () => ({ ok: true }), concurrency = CONCURRENCY, timeoutMs = 180_000,
    expectedSeconds = 60, graceMs = 2000,
  }) {
    super();
    this.generate = generate;
    this.#cancelJob = cancelJob;
    this.graceMs = graceMs;
    this.timeoutMs = timeoutMs;
    this.expectedSeconds = expectedSeconds;
    this.#pool = createPool(concurrency, () => this.#syncBusy());
  }

  /** Whether any card is running or queued. */
  get busy() {
    return this.#busy;
  }

  /** The current set's cards (the last set's, once it has finished). */
  get cards() {
    return this.#cards;
  }

  /** What start() was given for this set (the collected form), passed to every request. */
  get input() {
    return this.#input;
  }

  /**
   * Start a set: one card per kind, all queued. Refused (false) while a set is running.
   * @param {{ id: string, label: string }[]} kinds
   * @param {unknown} input handed to generate() for every card of the set
   * @returns {boolean}
   */
  start(kinds, input) {
    if (this.#busy || kinds.length === 0) return false;
    this.#input = input;
    this.#cards = kinds.map((kind) => newCard(kind));
    this.#emit("start", { cards: this.#cards });
    this.#cards.forEach((card) => this.#enqueue(card));
    return true;
  }

  /**
   * Take a set up again (after a reload): cards with a job are followed (first: they hold
   * places already), the others are sent with `input`, or, without one, end "cancelled"
   * and `unsent` (a retry needs the form again: useInput()).
   * @param {{ id: string, label: string, job?: string }[]} kept
   * @param {unknown} input the set's form as kept, or null
   * @returns {boolean}
   */
  resume(kept, input) {
    if (this.#busy || kept.length === 0) return false;
    this.#input = input || null;
    this.#cards = kept.map((kind) => ({ ...newCard(kind), job: String(kind.job || "") }));
    this.#emit("start", { cards: this.#cards });
    const known = this.#cards.filter((card) => card.job);
    const unsent = this.#cards.filter((card) => !card.job);
    known.forEach((card) => this.#enqueue(card, { follow: true }));
    for (const card of unsent) {
      if (this.#input) this.#enqueue(card);
      else {
        card.unsent = true;
        this.#setState(card, "cancelled");
      }
    }
    return true;
  }

  /**
   * The form to send cards with from now on (a set taken up without its form).
   * @param {unknown} input
   */
  useInput(input) {
    this.#input = input;
  }

  /**
   * Queue a failed or cancelled card of the current set again. A card whose job is known
   * keeps it as previousJob (re-run by the page); one never sent needs the form (input).
   * @param {SetCard} card
   * @returns {boolean} whether it was queued
   */
  retry(card) {
    if (!this.#cards.includes(card) || (card.state !== "failed" && card.state !== "cancelled")) return false;
    if (!card.job && !card.previousJob && !this.#input) return false;
    this.#enqueue(card);
    return true;
  }

  /** Drop the queued cards (never sent) and cancel the running jobs; all end "cancelled". */
  cancelAll() {
    this.#pool.clear(DROPPED);
    for (const attempt of this.#attempts.values()) attempt.cancel();
  }

  /**
   * The attempt of a card that is running (its JobAttempt), or null.
   * @param {SetCard} card
   */
  attemptOf(card) {
    return this.#attempts.get(card) || null;
  }

  /** The cards that finished with an image. */
  doneCards() {
    return this.#cards.filter((card) => card.state === "done" && card.result);
  }

  /** How the set stands: { total, done, failed }. */
  counts() {
    return {
      total: this.#cards.length,
      done: this.doneCards().length,
      failed: this.#cards.filter((card) => card.state === "failed").length,
    };
  }

  #enqueue(card, { follow = false } = {}) {
    if (!follow) {
      if (card.job) card.previousJob = card.job;
      card.job = "";
    }
    card.unsent = false;
    card.result = null;
    card.error = null;
    this.#setState(card, "queued");
    this.#pool.run(() => this.#attempt(card)).then((value) => {
      if (value === DROPPED && card.state === "queued") this.#setState(card, "cancelled");
    });
  }

  /** One kind's request; its turn in the pool has come. */
  async #attempt(card) {
    if (!this.#cards.includes(card) || card.state !== "queued") return; // a stale turn
    const attempt = new JobAttempt((id) => this.#cancelJob(id), { graceMs: this.graceMs });
    if (card.job) attempt.named(card.job);
    this.#attempts.set(card, attempt);
    card.progress = new Progress(this.expectedSeconds);
    this.#setState(card, "running");
    attempt.limit(this.timeoutMs);
    try {
      const outcome = await this.generate(card, {
        input: this.#input,
        signal: attempt.signal,
        onEvent: (name, payload) => {
          card.progress.event(name, payload);
          this.#emit("cardchange", { card, change: "progress" });
        },
        onJob: (id) => {
          attempt.named(id);
          if (!id || card.job === id) return;
          card.job = id;
          this.#emit("cardchange", { card, change: "job" });
        },
        onStarted: (ms) => card.progress.since(ms),
      });
      card.seconds = outcome.seconds > 0 ? outcome.seconds : Math.max(1, card.progress.seconds());
      if (outcome.ok) {
        card.result = outcome;
        this.#setState(card, "done");
      } else if (outcome.code === "JOB_CANCELED") {
        this.#setState(card, "cancelled");
      } else {
        this.#fail(card, outcome.message, outcome.requestId);
      }
    } catch (error) {
      const failure = attempt.failure(error);
      if (failure.cancelled) this.#setState(card, "cancelled");
      else this.#fail(card, failure.message);
    } finally {
      attempt.dispose();
      this.#attempts.delete(card);
    }
  }

  #fail(card, message, requestId = "") {
    card.error = { message, requestId: requestId || "" };
    this.#setState(card, "failed");
  }

  #setState(card, state) {
    card.state = state;
    this.#emit("cardchange", { card, change: "state" });
  }

  #syncBusy() {
    const busy = this.#pool.active + this.#pool.waiting > 0;
    if (busy === this.#busy) return;
    this.#busy = busy;
    this.#emit("busychange", { busy });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
