/*
 * A goods set, without the page: one card per kind, each its own generate request, at most
 * CONCURRENCY in flight; a failed or cancelled card can be retried and "cancel all" stops
 * the running ones and drops the queued ones. The request itself is injected (generate),
 * so the Node tests drive it with a fake; goods/set-view.js draws the cards.
 *
 * Events (CustomEvent, detail as shown):
 *   "start"      { cards }          a new set replaced the old one (cards all queued next)
 *   "cardchange" { card, change }   change: "state" (card.state moved) | "progress" (an event)
 *   "busychange" { busy }           the first card was queued / the last one settled
 */
import { createPool } from "./pool.js";
import { Progress } from "./progress.js";
import { Attempt } from "./stream.js";

/** At most this many kinds are generated at once (the provider account's concurrency). */
export const CONCURRENCY = 3;

const DROPPED = Symbol("dropped");

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
 */

export class SetRunner extends EventTarget {
  #pool;
  #busy = false;
  #cards = [];
  #input = null;
  #attempts = new Map(); // card → its Attempt while running

  /**
   * @param {object} options
   * @param {(card: SetCard, request: { input: unknown, signal: AbortSignal,
   *   onEvent: (name: string, data: object) => void }) => Promise<{ ok: boolean }>} options.generate
   *   one kind's request; resolves to an outcome ({ ok: true, ... } or { ok: false, message,
   *   requestId }) and rejects when aborted or the network fails
   * @param {number} [options.concurrency]
   * @param {number} [options.timeoutMs] the client's limit per card
   * @param {number} [options.expectedSeconds] for each card's Progress
   */
  constructor({ generate, concurrency = CONCURRENCY, timeoutMs = 180_000, expectedSeconds = 60 }) {
    super();
    this.generate = generate;
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
    this.#cards = kinds.map((kind) => ({
      id: kind.id, label: kind.label, state: "queued", progress: null, result: null, error: null, seconds: 0,
    }));
    this.#emit("start", { cards: this.#cards });
    this.#cards.forEach((card) => this.#enqueue(card));
    return true;
  }

  /**
   * Queue a failed or cancelled card of the current set again.
   * @param {SetCard} card
   * @returns {boolean} whether it was queued
   */
  retry(card) {
    if (!this.#cards.includes(card) || (card.state !== "failed" && card.state !== "cancelled")) return false;
    this.#enqueue(card);
    return true;
  }

  /** Drop the queued cards (never sent) and abort the running ones; all end "cancelled". */
  cancelAll() {
    this.#pool.clear(DROPPED);
    for (const attempt of this.#attempts.values()) attempt.cancel();
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

  #enqueue(card) {
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
    const attempt = new Attempt();
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
      });
      card.seconds = Math.max(1, card.progress.seconds());
      if (outcome.ok) {
        card.result = outcome;
        this.#setState(card, "done");
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
