/*
 * Jobs: every generation is a job the service keeps (webtoon_core/jobs/routes.py). This is
 * the page's side of that API, without the page: read, list, cancel, delete and re-run a
 * job, follow its events (GET .../jobs/{id}/events, which replays what happened so far and
 * honours Last-Event-ID), and fetch its result. A client going away no longer cancels a job,
 * so [취소] is an explicit request (JobAttempt).
 *
 * watchJob() turns any of the three ways a job's progress arrives (the generate POST, a
 * re-run POST, the events GET) into one outcome, the shape core/stream.js gives:
 * a stream cut off after the job was named is followed again from its last event, and a
 * "done" that only names the result has its bytes fetched.
 * No DOM (fetch only): tested in Node.
 */
import { MSG, unreachable } from "./messages.js";
import { Attempt, errorFromResponse, readAnswer, readPlain } from "./stream.js";

/** How often a cut-off stream is followed again (reset whenever events arrived in between). */
export const RECONNECTS = 5;
/** The pause before following again. */
export const RECONNECT_MS = 1000;

const JSON_ACCEPT = { Accept: "application/json" };
const EVENTS_ACCEPT = "text/event-stream, image/*;q=0.9, application/json;q=0.8";
const JOBS_MSG = {
  unreadable: "서버 응답을 이해하지 못했습니다",
};

/** The statuses of a job still going. */
export const ACTIVE = Object.freeze(["queued", "running"]);

/**
 * Whether a job (its JSON) is still queued or running.
 * @param {{ status: string }} job
 */
export const isActive = (job) => ACTIVE.includes(job && job.status);

/**
 * "{api}/jobs/{id}/{part}".
 * @param {string} apiBase "/api/goods-gen"
 * @param {string} id
 * @param {string} [part] "events", "result", "thumbnail", "cancel", "rerun"
 */
export function jobPath(apiBase, id, part = "") {
  return `${apiBase}/jobs/${encodeURIComponent(id)}${part ? `/${part}` : ""}`;
}

const aborted = (error) => error && error.name === "AbortError";

/** fetch(), with a network failure as an outcome (an abort still rejects). */
async function send(url, init) {
  try {
    return { response: await fetch(url, init) };
  } catch (error) {
    if (aborted(error)) throw error;
    return { failure: { ok: false, message: unreachable(), requestId: "", code: "", status: 0 } };
  }
}

async function json(url, init) {
  const { response, failure } = await send(url, init);
  if (failure) return failure;
  if (!response.ok) return errorFromResponse(response);
  try {
    return { ok: true, status: response.status, body: await response.json() };
  } catch (_) {
    return { ok: false, message: `${JOBS_MSG.unreadable} (HTTP ${response.status}).`, requestId: "", code: "", status: response.status };
  }
}

/**
 * GET a job's JSON.
 * @returns {Promise<{ ok: true, job: object } | { ok: false, message: string, code: string, status: number }>}
 */
export async function fetchJob(apiBase, id, { signal } = {}) {
  const answer = await json(jobPath(apiBase, id), { headers: JSON_ACCEPT, signal });
  return answer.ok ? { ok: true, job: answer.body } : answer;
}

/**
 * GET one page of jobs, newest first: the person's own, or (batchId) one goods set's.
 * @param {string} apiBase
 * @param {{ limit: number, cursor?: string | null, batchId?: string, signal?: AbortSignal }} query
 * @returns {Promise<{ ok: true, jobs: object[], nextCursor: string | null } | { ok: false, message: string }>}
 */
export async function listJobs(apiBase, { limit, cursor = null, batchId = "", signal } = {}) {
  const params = new URLSearchParams({ limit: String(limit) });
  if (cursor) params.set("cursor", cursor);
  // A set's jobs are anyone's to see (a shared link), like a job's own page.
  if (batchId) {
    params.set("batch_id", batchId);
    params.set("scope", "all");
  }
  const answer = await json(`${apiBase}/jobs?${params}`, { headers: JSON_ACCEPT, signal });
  if (!answer.ok) return answer;
  const jobs = Array.isArray(answer.body.jobs) ? answer.body.jobs.filter((job) => job && job.id) : [];
  return { ok: true, jobs, nextCursor: answer.body.next_cursor || null };
}

/**
 * POST .../cancel. A job that is gone (404) has nothing left to cancel: that is ok too.
 * @returns {Promise<{ ok: boolean, job?: object, message?: string, code?: string }>}
 */
export async function cancelJob(apiBase, id) {
  const answer = await json(jobPath(apiBase, id, "cancel"), { method: "POST", headers: JSON_ACCEPT });
  if (answer.ok) return { ok: true, job: answer.body };
  return answer.status === 404 ? { ok: true, gone: true } : answer;
}

/**
 * DELETE a job (204; 202 while a running one stops first). Gone already (404) is ok.
 * @returns {Promise<{ ok: boolean, pending?: boolean, message?: string }>}
 */
export async function deleteJob(apiBase, id) {
  const { response, failure } = await send(jobPath(apiBase, id), { method: "DELETE", headers: JSON_ACCEPT });
  if (failure) return failure;
  if (response.ok || response.status === 404) return { ok: true, pending: response.status === 202 };
  return errorFromResponse(response);
}

/**
 * POST .../rerun, asking for its events: the new job's stream, like generate's.
 * @param {string} apiBase
 * @param {string} id the job to run again
 * @param {{ seed?: number | string | null, signal?: AbortSignal, onEvent?: Function }} [options]
 *   seed: a new seed (digits or "random"); none keeps the job's own
 */
export async function rerunJob(apiBase, id, { seed = null, signal, onEvent = () => {} } = {}) {
  const query = seed === null || seed === undefined || seed === "" ? "" : `?seed=${encodeURIComponent(String(seed))}`;
  const response = await fetch(`${jobPath(apiBase, id, "rerun")}${query}`, {
    method: "POST", signal, headers: { Accept: EVENTS_ACCEPT },
  });
  return readAnswer(response, onEvent);
}

/**
 * GET a job's events: what happened so far (after `after`), then live until it ends.
 * @param {{ after?: string, signal?: AbortSignal, onEvent?: Function }} [options]
 */
export async function openEvents(apiBase, id, { after = "", signal, onEvent = () => {} } = {}) {
  const headers = { Accept: EVENTS_ACCEPT };
  if (after) headers["Last-Event-ID"] = after;
  const response = await fetch(jobPath(apiBase, id, "events"), { headers, signal });
  return readAnswer(response, onEvent);
}

/**
 * GET a finished job's image: the plain answer's outcome (image, or 409 and the like).
 * @param {{ signal?: AbortSignal, url?: string }} [options] url: the done event's result link
 */
export async function fetchResult(apiBase, id, { signal, url = "" } = {}) {
  const response = await fetch(id ? jobPath(apiBase, id, "result") : url, { signal, headers: { Accept: "image/*" } });
  const outcome = await readPlain(response);
  if (id && !outcome.jobId) outcome.jobId = id;
  return outcome;
}

/**
 * The outcome a finished job stands for, without following it: its error, or "cancelled";
 * null for a job that succeeded (its image is fetched: fetchResult) or is still going.
 * @param {object} job
 */
export function endedOutcome(job) {
  const base = { ok: false, requestId: job.request_id || "", jobId: job.id };
  if (job.status === "canceled") return { ...base, message: MSG.cancelled, code: "JOB_CANCELED", status: 409 };
  if (job.status === "failed") {
    const error = job.error || {};
    return { ...base, message: String(error.message || unreachable()), code: error.code || "", status: Number(error.status) || 500 };
  }
  return null;
}

/**
 * Whether an outcome is a cancelled job (the server's JOB_CANCELED), which the page shows as
 * "생성을 취소했습니다", not as a failure.
 */
export const wasCancelled = (outcome) => Boolean(outcome) && !outcome.ok && outcome.code === "JOB_CANCELED";

/**
 * Whole seconds a finished job took (created → finished), at least 1; 0 when unknown.
 * @param {{ created_at?: number, finished_at?: number | null }} job
 */
export function jobSeconds(job) {
  if (!job || !(job.finished_at > 0) || !(job.created_at > 0)) return 0;
  return Math.max(1, Math.round(job.finished_at - job.created_at));
}

function pauseFor(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(new DOMException("aborted", "AbortError"));
      return;
    }
    const timer = setTimeout(resolve, ms);
    if (signal) {
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new DOMException("aborted", "AbortError"));
      }, { once: true });
    }
  });
}

/**
 * Watch one job to its end.
 * @param {string} apiBase
 * @param {(onEvent: (name: string, data: object, meta?: object) => void) => Promise<object>} open
 *   the first answer (generate, rerunJob or openEvents), reading events into onEvent
 * @param {object} [options]
 * @param {string} [options.jobId] the job, when known before any event names it
 * @param {AbortSignal} [options.signal]
 * @param {(name: string, data: object) => void} [options.onEvent] every event, replayed ones too
 * @param {(jobId: string) => void} [options.onJob] the job's id, once (from its first event)
 * @param {number} [options.reconnects]
 * @param {(ms: number) => Promise<void>} [options.pause] tests pass a quick one
 * @returns {Promise<object>} the outcome (core/stream.js), with jobId when the job was named;
 *   rejects when aborted, or when the first request fails before any job was named
 */
export async function watchJob(apiBase, open, {
  jobId = "", signal, onEvent = () => {}, onJob = () => {}, reconnects = RECONNECTS,
  pause = (ms) => pauseFor(ms, signal),
} = {}) {
  let job = "";
  let lastId = "";
  let fresh = false; // events arrived since the last reconnect
  const name = (id) => {
    if (id && !job) {
      job = id;
      onJob(id);
    }
  };
  name(jobId);
  const seen = (event, data, meta = {}) => {
    if (meta.id) lastId = meta.id;
    name(meta.jobId || (typeof data.job_id === "string" ? data.job_id : ""));
    fresh = true;
    onEvent(event, data);
  };
  let left = reconnects;
  let next = () => open(seen);
  let outcome;
  for (;;) {
    fresh = false;
    try {
      outcome = await next();
    } catch (error) {
      // A dropped connection once the job is known is a cut-off stream: the job runs on.
      if (aborted(error) || (signal && signal.aborted) || !job) throw error;
      outcome = { ok: false, message: unreachable(), requestId: "", code: "", status: 0, cutOff: true };
    }
    name(outcome.jobId || "");
    if (!outcome.cutOff || !job) break;
    left = fresh ? reconnects : left - 1;
    if (left <= 0) break;
    await pause(RECONNECT_MS);
    next = () => openEvents(apiBase, job, { after: lastId, signal, onEvent: seen });
  }
  if (outcome.ok && !outcome.blob) outcome = await fetchResult(apiBase, job, { signal, url: outcome.resultUrl });
  if (job && !outcome.jobId) outcome.jobId = job;
  return outcome;
}

/**
 * A generation the user may cancel: as Attempt (its AbortSignal, the client's time limit),
 * plus the job. [취소] asks the server to cancel the job (POST .../cancel), then stops the
 * request. While the upload is still going (uploading(true)) stopping it is enough: the
 * service makes no job of a body it did not get whole. After that, before the job has a
 * name, the request is stopped unless the answer names the job within `graceMs`: then that
 * job is cancelled too, so no job is left running that nobody follows.
 */
export class JobAttempt extends Attempt {
  #cancelJob;
  #graceMs;
  #grace = 0;
  #cancelling = null;
  #waiting = null;
  #uploading = false;

  /**
   * @param {(jobId: string) => Promise<{ ok: boolean, message?: string }>} cancelJob
   * @param {{ graceMs?: number }} [options]
   */
  constructor(cancelJob, { graceMs = 2000 } = {}) {
    super();
    this.#cancelJob = cancelJob;
    this.#graceMs = graceMs;
    this.jobId = "";
    /** Set when the server did not confirm the cancel: { message } (the job may run on). */
    this.cancelProblem = null;
  }

  /**
   * Whether the request's body is still on its way (core/upload.js: "upload" / "uploaded").
   * @param {boolean} on
   */
  uploading(on) {
    this.#uploading = Boolean(on);
  }

  /**
   * The answer named the job (a cancel asked for before that is sent now).
   * @param {string} jobId
   */
  named(jobId) {
    if (!jobId || this.jobId) return;
    this.jobId = jobId;
    if (this.reason === "cancel" && !this.#cancelling) this.#sendCancel();
  }

  /**
   * The user cancelled.
   * @returns {Promise<{ message: string } | null>} settles once the request has stopped:
   *   null, or why the server did not confirm the cancel
   */
  cancel() {
    if (this.reason === "cancel") return this.#cancelling || this.#waiting.promise;
    this.reason = "cancel";
    let resolve;
    const promise = new Promise((done) => (resolve = done));
    this.#waiting = { promise, resolve };
    if (this.jobId) {
      this.#sendCancel();
    } else if (this.#uploading) {
      this.controller.abort(); // half a body makes no job
      resolve(null);
    } else {
      this.#grace = setTimeout(() => {
        this.controller.abort();
        resolve(null);
      }, this.#graceMs);
    }
    return promise;
  }

  #sendCancel() {
    clearTimeout(this.#grace);
    this.#cancelling = (async () => {
      let problem = null;
      try {
        const answer = await this.#cancelJob(this.jobId);
        if (!answer.ok) problem = { message: answer.message || unreachable() };
      } catch (_) {
        problem = { message: unreachable() };
      }
      this.cancelProblem = problem;
      this.controller.abort();
      return problem;
    })();
    this.#cancelling.then((problem) => this.#waiting && this.#waiting.resolve(problem));
    return this.#cancelling;
  }

  /** The request has settled: no time limit, no grace left. */
  dispose() {
    super.dispose();
    clearTimeout(this.#grace);
    if (this.#waiting && !this.#cancelling) this.#waiting.resolve(null);
  }
}
