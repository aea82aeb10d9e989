/*
 * Generate → progress → result / error, for one image (both pages).
 *
 * The flow owns the form's busy state: while a generation runs (or another flow of the
 * page occupies the form, see occupy()), [이미지 생성하기] and [다시 생성] are disabled,
 * [취소] is shown and the last result is dimmed. Every change of that state is announced
 * as a "busychange" event ({ busy }) on the flow, for controls that must not change
 * mid-generation (the goods page's set-mode switch).
 */
import { Attempt, generate } from "../core/stream.js";
import { buildRequest, imageMissing, randomSeed, resolveSeed } from "../core/validation.js";
import { elementsById, timings } from "./dom.js";
import { clearMessage, showMessage, showProblem } from "./notice.js";
import { resultPanel, showResult, startProgressView } from "./result-panel.js";

/**
 * @typedef {{ name: string, label: string, input: HTMLElement,
 *   value: () => Promise<{ blob: Blob, filename: string } | null> }} Slot an upload zone
 * @typedef {{ message: string, focus?: HTMLElement | null }} Problem
 * @typedef {{ data: FormData, seedValue: string }} Request
 */

export class GenerateFlow extends EventTarget {
  #attempt = null; // the single generation in flight
  #occupant = null; // another flow holding the form: { cancel }
  #starting = false; // prepareRequest() is collecting the form
  #shownBusy = false;

  /**
   * @param {object} options
   * @param {Record<string, any>} options.config the page config (api_base, expected_wait_s, ...)
   * @param {Slot[]} options.slots the page's upload zones, in form order
   * @param {() => Problem | null} [options.validate] the page's own fields
   */
  constructor({ config, slots, validate = () => null }) {
    super();
    this.config = config;
    this.slots = slots;
    this.validate = validate;
    this.el = elementsById(["generate-form", "generate", "cancel", "regenerate", "seed", "seed-random"]);
    this.panel = resultPanel();
    this.timings = timings(config);
    this.el.cancel.addEventListener("click", () => this.cancel());
    this.el.regenerate.addEventListener("click", () => this.run(randomSeed()));
  }

  /** A generation is running, or another flow holds the form. */
  get busy() {
    return Boolean(this.#attempt) || Boolean(this.#occupant);
  }

  /**
   * The request body from the form, or { error } for the first thing to fix: a missing
   * image, the page's own fields (validate), then the seed.
   * @param {number} [seedOverride] [다시 생성]'s new random seed
   * @returns {Promise<Request | { error: Problem }>}
   */
  async collect(seedOverride) {
    const images = [];
    for (const slot of this.slots) {
      const processed = await slot.value();
      if (!processed) return { error: { message: imageMissing(slot.label), focus: slot.input } };
      images.push([slot.name, processed]);
    }
    const problem = this.validate();
    if (problem) return { error: problem };
    const { seed, seedRandom } = this.el;
    const chosen = resolveSeed({ text: seed.value, random: seedRandom.checked, override: seedOverride });
    if (chosen.error) return { error: { message: chosen.error, focus: seed } };
    if (chosen.shown) seed.value = chosen.value; // shown so the result can be reproduced
    const data = buildRequest(new FormData(this.el.generateForm), images, chosen.value);
    return { data, seedValue: chosen.value };
  }

  /**
   * Generate one image from the form and show it (or why not).
   * @param {number} [seedOverride]
   */
  async run(seedOverride) {
    if (this.busy || this.#starting) return;
    const attempt = (this.#attempt = new Attempt());
    let view = null;
    clearMessage();
    this.#showBusy(true);
    try {
      const request = await this.collect(seedOverride);
      if (request.error) {
        showProblem(request.error);
        return;
      }
      if (attempt.reason) throw new DOMException("cancelled", "AbortError"); // cancelled while collecting
      view = startProgressView(this.panel, this.timings.expectedSeconds);
      attempt.limit(this.timings.timeoutMs);
      const outcome = await generate(`${this.config.api_base}/generate`, request.data, {
        signal: attempt.signal,
        onEvent: view.event,
      });
      if (outcome.ok) {
        view.event("done", {}); // the plain fallback has no events of its own
        const seconds = view.stop();
        view = null;
        this.#showBusy(false);
        await showResult(this.panel, outcome, {
          seedValue: request.seedValue, seconds, downloadStem: this.config.download_stem,
        });
      } else {
        showMessage(outcome.message, { requestId: outcome.requestId });
      }
    } catch (err) {
      const failure = attempt.failure(err);
      showMessage(failure.message, { tone: failure.cancelled ? "info" : "error" });
    } finally {
      attempt.dispose();
      if (view) view.stop();
      this.#attempt = null;
      this.#showBusy(this.busy);
    }
  }

  /**
   * For another flow of the page (the goods set): collect the form once, showing what to
   * fix. Null when there is something to fix or the form is busy.
   * @returns {Promise<Request | null>}
   */
  async prepareRequest() {
    if (this.busy || this.#starting) return null;
    this.#starting = true;
    clearMessage();
    try {
      const request = await this.collect();
      if (request.error) {
        showProblem(request.error);
        return null;
      }
      return request;
    } finally {
      this.#starting = false;
    }
  }

  /**
   * Another flow holds the form: busy until release() is called; [취소] calls cancel().
   * @param {() => void} cancel
   * @returns {() => void} release
   */
  occupy(cancel) {
    const occupant = { cancel };
    this.#occupant = occupant;
    this.#showBusy(this.busy);
    return () => {
      if (this.#occupant !== occupant) return;
      this.#occupant = null;
      this.#showBusy(this.busy);
    };
  }

  /** [취소]: the running generation, else the flow that holds the form. */
  cancel() {
    if (this.#attempt) this.#attempt.cancel();
    else if (this.#occupant) this.#occupant.cancel();
  }

  #showBusy(busy) {
    const { generateForm: form, generate: button, cancel, regenerate } = this.el;
    const hadFocus = document.activeElement === button || document.activeElement === cancel;
    button.disabled = busy;
    regenerate.disabled = busy;
    cancel.hidden = !busy;
    form.setAttribute("aria-busy", String(busy));
    this.panel.result.classList.toggle("is-stale", busy);
    if (hadFocus) (busy ? cancel : button).focus();
    if (busy !== this.#shownBusy) {
      this.#shownBusy = busy;
      this.dispatchEvent(new CustomEvent("busychange", { detail: { busy } }));
    }
  }
}
