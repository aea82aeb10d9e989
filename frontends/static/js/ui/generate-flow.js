/*
 * Generate → progress → result / error, for one image (both pages), as a job.
 *
 * Every generation is a job the service keeps. The flow follows one at a time, however it
 * began: the form's [이미지 생성하기] (run: the upload goes with its real progress, then the
 * job is followed: core/upload.js), [다시 생성] and 최근 작업's 같은 설정으로 다시
 * (rerun), or a job named by the address after a reload or in a shared link (follow). As
 * soon as the job is named it goes into the address (?job=<id>, core/page-state.js), so a
 * reload finds it again; leaving the page does not stop it, and [취소] cancels it on the
 * server (JobAttempt).
 *
 * The flow owns the form's busy state: while a job is followed (or another flow of the page
 * occupies the form, see occupy()), [이미지 생성하기] and [다시 생성] are disabled, [취소] is
 * shown and the last result is dimmed. A button that disables or hides under the focus
 * hands it on (never to <body>): [이미지 생성하기] to [취소] and back, [다시 생성] to the
 * result heading (where the progress shows) and back once the job has ended. Events on the flow:
 *   "busychange" { busy }            for controls that must not change mid-generation
 *   "result"     { jobId, params }   a result is shown (params: what made it)
 * and on the document, for the 최근 작업 list: "webtoon:job" { id } (a job started or ended).
 */
import { MSG } from "../core/messages.js";
import {
  JobAttempt, cancelJob, endedOutcome, fetchJob, fetchResult, isActive, jobSeconds, openEvents, rerunJob,
  wasCancelled, watchJob,
} from "../core/jobs.js";
import { seedOf } from "../core/job-view.js";
import { pageUrl } from "../core/page-state.js";
import { uploadJob } from "../core/upload.js";
import { MAX_SEED, buildRequest, imageMissing, randomSeed, resolveSeed } from "../core/validation.js";
import { elementsById, timings } from "./dom.js";
import { clearFieldProblems } from "./field-errors.js";
import { clearMessage, showMessage, showProblem } from "./notice.js";
import { clearResult, resultPanel, showProgressNote, showResult, startProgressView } from "./result-panel.js";

/**
 * @typedef {{ name: string, label: string, input: HTMLElement,
 *   value: () => Promise<{ blob: Blob, filename: string } | null>,
 *   original: () => File | null }} Slot an upload zone
 * @typedef {{ message: string, focus?: HTMLElement | null }} Problem
 * @typedef {{ data: FormData, seedValue: string }} Request
 */

const FLOW_MSG = {
  cancelling: "취소하는 중…",
  cancelFailed: "작업을 취소하지 못했습니다. 서버에서 계속 만들어질 수 있으니 최근 작업에서 확인해 주세요.",
  lost: "서버와의 연결이 끊겼습니다. 작업은 서버에서 계속되니 잠시 뒤 새로 고치거나 최근 작업에서 확인해 주세요.",
};

/** Put the job (or nothing) in the address, so a reload or a link finds it. */
export function rememberJob(jobId) {
  const next = pageUrl(window.location.href, { job: jobId, set: "" });
  const now = `${window.location.pathname}${window.location.search}${window.location.hash}`;
  if (next !== now) window.history.replaceState(window.history.state, "", next);
}

/** Tell the page (the 최근 작업 list) that a job started or changed. */
export function announceJob(id) {
  if (id) document.dispatchEvent(new CustomEvent("webtoon:job", { detail: { id } }));
}

/** The request's text fields (what the job's params will say), for the result shown. */
function paramsOf(data, seedValue) {
  const params = {};
  for (const [name, value] of data.entries()) if (typeof value === "string") params[name] = value;
  params.seed = seedValue === "" ? null : Number(seedValue);
  return params;
}

export class GenerateFlow extends EventTarget {
  #attempt = null; // the job being followed
  #occupant = null; // another flow holding the form: { cancel }
  #starting = false; // prepareRequest() is collecting the form
  #shownBusy = false;
  #shown = null; // the result on show: { jobId, params }
  #returnFocus = null; // where focus goes back to when the job ends ([다시 생성])

  /**
   * @param {object} options
   * @param {Record<string, any>} options.config the page config (api_base, expected_wait_s, ...)
   * @param {Slot[]} options.slots the page's upload zones, in form order
   * @param {() => Problem | null} [options.validate] the page's own fields
   * @param {() => void} [options.beforeFollow] before a job not made from the form is shown
   *   (the goods page leaves set mode, where the single result is hidden)
   * @param {(params: Record<string, any>) => string} [options.kindOf] the result's kind, said with it
   */
  constructor({ config, slots, validate = () => null, beforeFollow = () => {}, kindOf = () => "" }) {
    super();
    this.config = config;
    this.slots = slots;
    this.validate = validate;
    this.beforeFollow = beforeFollow;
    this.kindOf = kindOf;
    this.el = elementsById(["generate-form", "generate", "cancel", "regenerate", "seed", "seed-random",
      "result-heading"]);
    this.maxSeed = Number(config.max_seed) || MAX_SEED;
    this.panel = resultPanel();
    this.timings = timings(config);
    this.el.cancel.addEventListener("click", () => this.cancel());
    this.el.regenerate.addEventListener("click", () => this.regenerate());
  }

  /** A job is followed, or another flow holds the form. */
  get busy() {
    return Boolean(this.#attempt) || Boolean(this.#occupant) || this.#starting;
  }

  /** The result on show ({ jobId, params }), or null. */
  get shown() {
    return this.#shown;
  }

  /**
   * The request body from the form, or { error } for the first thing to fix: a missing
   * image, the page's own fields (validate), then the seed.
   * @param {number} [seedOverride]
   * @returns {Promise<Request | { error: Problem }>}
   */
  async collect(seedOverride) {
    clearFieldProblems();
    const images = [];
    for (const slot of this.slots) {
      const processed = await slot.value();
      if (!processed) return { error: { message: imageMissing(slot.label), focus: slot.input } };
      images.push([slot.name, processed]);
    }
    const problem = this.validate();
    if (problem) return { error: problem };
    const { seed, seedRandom } = this.el;
    const chosen = resolveSeed({
      text: seed.value, random: seedRandom.checked, override: seedOverride, max: this.maxSeed,
    });
    if (chosen.error) return { error: { message: chosen.error, focus: seed } };
    if (chosen.shown) seed.value = chosen.value; // shown so the result can be reproduced
    const data = buildRequest(new FormData(this.el.generateForm), images, chosen.value);
    return { data, seedValue: chosen.value };
  }

  /**
   * Generate one image from the form and show it (or why not).
   * @param {number} [seedOverride]
   */
  run(seedOverride) {
    return this.#session(async (ctx) => {
      const request = await this.collect(seedOverride);
      if (request.error) {
        showProblem(request.error);
        return;
      }
      if (ctx.attempt.reason) throw new DOMException("cancelled", "AbortError"); // cancelled while collecting
      const { signal } = ctx.attempt;
      await this.#watch(ctx, {
        open: (seen) => uploadJob(this.config.api_base, request.data, {
          signal, onEvent: seen, online: () => navigator.onLine,
          uploadTimeoutS: Number(this.config.upload_timeout_s) || 0,
        }),
        seedValue: request.seedValue,
        params: paramsOf(request.data, request.seedValue),
      });
    });
  }

  /**
   * Run a job again (same inputs and settings) and follow the new one like a fresh one.
   * @param {{ id: string, params?: Record<string, any> }} job
   * @param {{ seed?: number | null }} [options] a new seed; none keeps the job's own
   */
  rerun(job, { seed = null } = {}) {
    if (this.busy) return Promise.resolve();
    this.beforeFollow();
    return this.#session(async (ctx) => {
      const params = { ...(job.params || {}) };
      if (seed !== null) params.seed = seed;
      await this.#watch(ctx, {
        open: (seen) => rerunJob(this.config.api_base, job.id, { seed, signal: ctx.attempt.signal, onEvent: seen }),
        seedValue: seedOf({ params }),
        params,
      });
    });
  }

  /** [다시 생성]: the shown result's job again with a new random seed (else the form's). */
  regenerate() {
    const seed = randomSeed();
    if (this.#shown && this.#shown.jobId) {
      this.el.seed.value = String(seed); // shown so the result can be reproduced
      return this.rerun({ id: this.#shown.jobId, params: this.#shown.params }, { seed });
    }
    return this.run(seed);
  }

  /**
   * Show a job that is already there (the address after a reload, a link, 최근 작업): its
   * progress, followed to the end, or its result or error when it has ended.
   * @param {string} jobId
   * @param {{ restore?: boolean }} [options] restore: put the job's settings back in the form
   *   (the page was reloaded: the form is as new)
   */
  follow(jobId, { restore = false } = {}) {
    if (this.busy) return Promise.resolve();
    this.beforeFollow();
    return this.#session(async (ctx) => {
      const { signal } = ctx.attempt;
      ctx.attempt.named(jobId);
      rememberJob(jobId);
      const found = await fetchJob(this.config.api_base, jobId, { signal });
      if (!found.ok) {
        if (found.status === 404) rememberJob("");
        showMessage(found.message, { requestId: found.requestId, tone: found.status === 404 ? "info" : "error" });
        return;
      }
      const { job } = found;
      const about = { seedValue: seedOf(job), params: job.params || {} };
      if (restore) this.#restore(about.params);
      if (isActive(job)) {
        await this.#watch(ctx, {
          open: (seen) => openEvents(this.config.api_base, jobId, { signal, onEvent: seen }),
          jobId,
          startedMs: job.created_at * 1000,
          ...about,
        });
        return;
      }
      const ended = endedOutcome(job);
      const outcome = ended || (await fetchResult(this.config.api_base, jobId, { signal }));
      outcome.seconds = jobSeconds(job);
      await this.#finish(ctx, outcome, about);
    });
  }

  /**
   * For another flow of the page (the goods set): collect the form once, showing what to
   * fix. Null when there is something to fix or the form is busy.
   * @returns {Promise<Request | null>}
   */
  async prepareRequest() {
    if (this.busy) return null;
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

  /** [취소]: cancel the job followed (on the server too), else the flow that holds the form. */
  cancel() {
    if (this.#attempt) {
      if (this.#attempt.reason === "cancel") return;
      this.#attempt.cancel();
      this.el.cancel.disabled = true;
      if (!this.panel.progress.hidden) showProgressNote(this.panel, FLOW_MSG.cancelling);
    } else if (this.#occupant) {
      this.#occupant.cancel();
    }
  }

  /**
   * The job shown was deleted: the result goes, and the address no longer names it.
   * @param {string} jobId
   */
  forget(jobId) {
    if (!this.#shown || this.#shown.jobId !== jobId || this.#attempt) return;
    this.#shown = null;
    clearResult(this.panel);
    rememberJob("");
  }

  /** One job followed: the busy state, the attempt, and what to say when it fails. */
  async #session(work) {
    if (this.busy) return;
    const attempt = (this.#attempt = new JobAttempt((id) => cancelJob(this.config.api_base, id)));
    const ctx = { attempt, view: null };
    clearMessage();
    this.#showBusy(true);
    try {
      await work(ctx);
    } catch (err) {
      const failure = attempt.failure(err);
      if (failure.cancelled && attempt.cancelProblem) {
        showMessage(`${FLOW_MSG.cancelFailed} (${attempt.cancelProblem.message})`);
      } else {
        showMessage(failure.message, { tone: failure.cancelled ? "info" : "error" });
      }
      announceJob(attempt.jobId);
    } finally {
      attempt.dispose();
      if (ctx.view) ctx.view.stop();
      this.#attempt = null;
      this.#showBusy(this.busy);
    }
  }

  /** Follow a job's progress to its outcome and show it. */
  async #watch(ctx, { open, jobId = "", startedMs = 0, seedValue, params }) {
    const { attempt } = ctx;
    ctx.view = startProgressView(this.panel, this.timings.expectedSeconds);
    if (startedMs) ctx.view.since(startedMs);
    attempt.limit(this.timings.timeoutMs);
    const outcome = await watchJob(this.config.api_base, open, {
      jobId,
      signal: attempt.signal,
      onEvent: (name, data) => {
        if (name === "upload" || name === "uploaded") attempt.uploading(name === "upload");
        ctx.view.event(name, data);
      },
      onJob: (id) => {
        attempt.named(id);
        rememberJob(id);
        announceJob(id);
      },
    });
    await this.#finish(ctx, outcome, { seedValue, params });
  }

  /** Show an outcome: the image with what it took, or why not. */
  async #finish(ctx, outcome, { seedValue, params }) {
    let seconds = outcome.seconds || 0;
    if (ctx.view) {
      if (outcome.ok) ctx.view.event("done", {}); // the plain fallback has no events of its own
      const taken = ctx.view.stop();
      ctx.view = null;
      if (!seconds) seconds = taken;
    }
    if (outcome.ok) {
      this.#showBusy(false);
      this.#shown = { jobId: outcome.jobId || "", params };
      await showResult(this.panel, outcome, {
        seedValue, seconds: Math.max(1, seconds), downloadStem: this.config.download_stem, kind: this.kindOf(params),
      });
      this.dispatchEvent(new CustomEvent("result", { detail: this.#shown }));
    } else if (wasCancelled(outcome)) {
      showMessage(MSG.cancelled, { tone: "info" });
    } else if (outcome.cutOff && outcome.jobId) {
      showMessage(FLOW_MSG.lost, { requestId: outcome.requestId }); // followed again and again: in vain
    } else {
      showMessage(outcome.message, { requestId: outcome.requestId });
    }
    announceJob(outcome.jobId);
  }

  /** The form's fields as a job's params say (text fields only: the images are not kept here). */
  #restore(params) {
    const form = this.el.generateForm;
    for (const [name, raw] of Object.entries(params)) {
      if (name === "seed") continue;
      const value = raw === null || raw === undefined ? "" : String(raw);
      for (const field of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (field.type === "file") continue;
        if (field.type === "radio" || field.type === "checkbox") {
          if (field.checked === (field.value === value)) continue;
          field.checked = field.value === value;
          field.dispatchEvent(new Event("change", { bubbles: true }));
        } else if (field.tagName !== "SELECT" || Array.from(field.options).some((option) => option.value === value)) {
          field.value = value;
          field.dispatchEvent(new Event(field.tagName === "SELECT" ? "change" : "input", { bubbles: true }));
        }
      }
    }
    const seed = seedOf({ params });
    this.el.seedRandom.checked = seed === "";
    if (seed !== "") this.el.seed.value = seed;
    this.el.seedRandom.dispatchEvent(new Event("change", { bubbles: true }));
  }

  #showBusy(busy) {
    const { generateForm: form, generate: button, cancel, regenerate, resultHeading: heading } = this.el;
    const active = document.activeElement;
    const hadFocus = active === button || active === cancel;
    button.disabled = busy;
    regenerate.disabled = busy;
    cancel.hidden = !busy;
    if (!this.#attempt || this.#attempt.reason !== "cancel") cancel.disabled = false;
    form.setAttribute("aria-busy", String(busy));
    this.panel.result.classList.toggle("is-stale", busy);
    if (hadFocus) (busy ? cancel : button).focus();
    if (busy && active === regenerate) {
      // The progress shows at the top of the result panel: the focus waits there.
      this.#returnFocus = regenerate;
      heading.focus({ preventScroll: true });
      if (heading.getBoundingClientRect().top < 0) heading.scrollIntoView({ block: "start" });
    } else if (!busy && this.#returnFocus) {
      const back = this.#returnFocus;
      this.#returnFocus = null;
      const lost = document.activeElement === heading || document.activeElement === document.body;
      if (lost && !back.disabled && back.offsetParent !== null) back.focus();
    }
    if (busy !== this.#shownBusy) {
      this.#shownBusy = busy;
      this.dispatchEvent(new CustomEvent("busychange", { detail: { busy } }));
    }
  }
}
