/*
 * The generate request, shared by both pages and by each card of a goods set.
 *
 * POST {api_base}/generate with "Accept: text/event-stream" answers
 *   accepted (the job id) → prepared → submitted → progress* → done | error
 * (see webtoon_core/streaming.py), parsed by event-parser.js. Every event has an SSE id
 * (its number in the job): a stream cut off after "accepted" is picked up again from there
 * (GET .../jobs/{id}/events with Last-Event-ID, core/jobs.js).
 *
 * Fallback: a browser without readable streams sends the plain request, and an answer that
 * is not text/event-stream (an older server, a proxy's JSON or HTML error page) is read the
 * plain way: image bytes, or a JSON error {"error": {"code", "message", "request_id"}}.
 *
 * generate() resolves to an outcome, the same shape for both paths:
 *   { ok: true,  blob, type, filename, requestId, jobId? }
 *   { ok: false, message, requestId, code, status, jobId? }
 * A "done" event without the image (a job's own event stream) is { ok: true, blob: null,
 * resultUrl }: core/jobs.js fetches the bytes. A stream that ends without done or error is
 * { ok: false, cutOff: true, lastEventId, ... }. generate() rejects only when the fetch
 * itself fails or is aborted (cancel, client time limit).
 * No DOM (fetch, Blob and TextDecoder only): tested in Node.
 */
import { EventParser } from "./event-parser.js";
import { MSG, UserError, unreachable } from "./messages.js";

const EVENT_STREAM = "text/event-stream";
const STREAM_MSG = {
  unreadable: "서버 응답을 이해하지 못했습니다",
  cutOff: "서버와의 연결이 결과를 받기 전에 끊겼습니다. 다시 시도해 주세요.",
};

/** Result media types and the file extension each is saved with. */
export const EXTENSIONS = Object.freeze({ "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" });

// --- Responses -----------------------------------------------------------------------------

const mediaType = (response) =>
  (response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();

/**
 * A Korean message for an HTTP status that came without a usable JSON error.
 * @param {number} status
 * @returns {string}
 */
export function httpMessage(status) {
  const later = "잠시 후 다시 시도해 주세요.";
  if (status === 413) return `업로드한 이미지가 너무 큽니다 (HTTP ${status}). 더 작은 이미지로 다시 시도해 주세요.`;
  if (status === 429) return `요청이 많아 지금은 처리할 수 없습니다 (HTTP ${status}). ${later}`;
  if (status >= 500) return `서버에서 이미지를 만들지 못했습니다 (HTTP ${status}). ${later}`;
  return `이미지를 생성하지 못했습니다 (HTTP ${status}).`;
}

/**
 * A non-2xx plain answer: the JSON error's message and request id, else a message for the status.
 * @param {Response} response
 */
export async function errorFromResponse(response) {
  const requestId = response.headers.get("X-Request-ID") || "";
  try {
    const { error } = await response.json();
    if (error && error.message) {
      return {
        ok: false,
        message: String(error.message),
        requestId: error.request_id || requestId,
        code: error.code || "",
        status: response.status,
      };
    }
  } catch (_) {
    // not JSON (an HTML error page): the generic message below
  }
  return { ok: false, message: httpMessage(response.status), requestId, code: "", status: response.status };
}

function filenameFrom(response) {
  const header = response.headers.get("Content-Disposition") || "";
  const match = /filename="?([^";]+)"?/i.exec(header);
  return match ? match[1] : "";
}

/**
 * The answer without events: image bytes, or an error.
 * @param {Response} response
 */
export async function readPlain(response) {
  const type = mediaType(response);
  const requestId = response.headers.get("X-Request-ID") || "";
  const jobId = response.headers.get("X-Job-ID") || "";
  if (response.ok && type.startsWith("image/")) {
    const outcome = { ok: true, blob: await response.blob(), type, filename: filenameFrom(response), requestId };
    if (jobId) outcome.jobId = jobId;
    return outcome;
  }
  if (response.ok) {
    return { ok: false, message: `${STREAM_MSG.unreadable} (HTTP ${response.status}).`, requestId, code: "", status: response.status };
  }
  return errorFromResponse(response);
}

/**
 * "data:image/png;base64,..." → Blob, decoded here (CSP's connect-src does not allow fetching data: URLs).
 * @param {string} url
 * @returns {Blob}
 */
export function dataUrlToBlob(url) {
  const comma = typeof url === "string" ? url.indexOf(",") : -1;
  if (comma === -1 || !url.startsWith("data:")) throw new Error("not a data URL");
  const meta = url.slice(5, comma);
  const type = meta.split(";")[0] || "application/octet-stream";
  if (!/;base64$/i.test(meta)) return new Blob([decodeURIComponent(url.slice(comma + 1))], { type });
  const binary = atob(url.slice(comma + 1));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return new Blob([bytes], { type });
}

function doneOutcome(data, requestId) {
  if (typeof data.image !== "string" && typeof data.result_url === "string") {
    // A job's own event stream names the result instead of carrying it.
    return {
      ok: true, blob: null, resultUrl: data.result_url, type: String(data.media_type || "").toLowerCase(),
      filename: String(data.filename || ""), requestId: data.request_id || requestId,
    };
  }
  try {
    const blob = dataUrlToBlob(data.image);
    const type = String(data.media_type || blob.type).toLowerCase();
    return { ok: true, blob, type, filename: String(data.filename || ""), requestId: data.request_id || requestId };
  } catch (_) {
    return { ok: false, message: `${STREAM_MSG.unreadable}.`, requestId: data.request_id || requestId, code: "", status: 200 };
  }
}

function errorOutcome(data, requestId) {
  const status = Number(data.status) || 0;
  return {
    ok: false,
    message: data.message ? String(data.message) : httpMessage(status || 500),
    requestId: data.request_id || requestId,
    code: data.code || "",
    status,
  };
}

/**
 * Read events until done or error, telling onEvent(name, data, { id, jobId }) about each one
 * (id: the event's SSE id, jobId: the job's id once an event has named it). A stream that
 * ends without either is an outcome too (cutOff, with the last event id), never a hang.
 * @param {Response} response an answer with Content-Type text/event-stream
 * @param {(name: string, data: object, meta: { id: string, jobId: string }) => void} onEvent
 */
export async function readEvents(response, onEvent) {
  const parser = new EventParser();
  let requestId = response.headers.get("X-Request-ID") || "";
  let jobId = response.headers.get("X-Job-ID") || "";
  let lastEventId = "";
  let outcome = null;
  const handle = (events) => {
    for (const { event, data, id } of events) {
      let payload;
      try {
        payload = JSON.parse(data);
      } catch (_) {
        continue; // not ours
      }
      if (!payload || typeof payload !== "object") continue;
      if (payload.request_id) requestId = payload.request_id;
      if (typeof payload.job_id === "string" && payload.job_id) jobId = payload.job_id;
      if (id) lastEventId = id;
      if (event === "done") outcome = doneOutcome(payload, requestId);
      else if (event === "error") outcome = errorOutcome(payload, requestId);
      onEvent(event, payload, { id: id || "", jobId });
      if (outcome) return;
    }
  };

  if (response.body && typeof response.body.getReader === "function") {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    while (!outcome) {
      const { value, done } = await reader.read(); // rejects with AbortError on cancel
      if (done) {
        handle(parser.feed(decoder.decode(), true));
        break;
      }
      handle(parser.feed(decoder.decode(value, { stream: true })));
    }
    if (outcome) reader.cancel().catch(() => {}); // nothing more is coming
  } else {
    handle(parser.feed(await response.text(), true)); // no live progress, same result
  }
  const result = outcome || { ok: false, message: STREAM_MSG.cutOff, requestId, code: "", status: 0, cutOff: true, lastEventId };
  if (jobId) result.jobId = jobId;
  return result;
}

const canStream = () =>
  typeof ReadableStream === "function" && typeof TextDecoder === "function" &&
  typeof Response === "function" && "body" in Response.prototype;

/**
 * POST the form; events when the server and the browser can, the plain answer otherwise.
 * @param {string} url
 * @param {FormData} body
 * @param {{ signal?: AbortSignal, onEvent?: (name: string, data: object) => void }} [options]
 */
export async function generate(url, body, { signal, onEvent = () => {} } = {}) {
  const headers = canStream() ? { Accept: `${EVENT_STREAM}, image/*;q=0.9, application/json;q=0.8` } : {};
  const response = await fetch(url, { method: "POST", body, signal, headers });
  return readAnswer(response, onEvent);
}

/**
 * An answer that may be events or plain (generate, a re-run, a job's events).
 * @param {Response} response
 * @param {(name: string, data: object, meta: { id: string, jobId: string }) => void} onEvent
 */
export function readAnswer(response, onEvent) {
  if (mediaType(response) === EVENT_STREAM) return readEvents(response, onEvent);
  return readPlain(response);
}

/** Whether this browser can read a response body as it arrives (else: the plain answer). */
export { canStream };

/**
 * The file extension of a successful outcome: from its media type, else its file name.
 * @param {{ type: string, filename: string }} outcome
 * @returns {string}
 */
export function outcomeExtension(outcome) {
  return EXTENSIONS[outcome.type] || (String(outcome.filename || "").match(/\.(\w+)$/) || [])[1] || "png";
}

// --- Giving up: cancel and the client's own time limit ---------------------------------------

/**
 * One request that may be given up: its AbortSignal, and why it was aborted ("cancel" by
 * the user, "timeout" at the client's limit), so the failure reads right.
 */
export class Attempt {
  constructor() {
    this.controller = new AbortController();
    this.reason = ""; // "" | "cancel" | "timeout"
    this.timer = 0;
  }

  /** The signal to hand to fetch(). */
  get signal() {
    return this.controller.signal;
  }

  /** Give up after `ms` (the page's 3 minutes; the backend's own limit is 2). */
  limit(ms) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.abort("timeout"), ms);
  }

  /** The user cancelled. */
  cancel() {
    this.abort("cancel");
  }

  abort(reason) {
    this.reason = reason;
    this.controller.abort();
  }

  /** Stop the time limit (always, once the request has settled). */
  dispose() {
    clearTimeout(this.timer);
  }

  /**
   * What to tell the user about an error thrown while this attempt ran.
   * @param {unknown} error
   * @returns {{ cancelled: boolean, message: string }}
   */
  failure(error) {
    if (this.reason === "cancel") return { cancelled: true, message: MSG.cancelled };
    if (this.reason === "timeout") return { cancelled: false, message: MSG.timeout };
    return { cancelled: false, message: error instanceof UserError ? error.message : unreachable() };
  }
}
