/*
 * Starting a generation with the upload's real progress.
 *
 * fetch() says nothing about a request body on its way, so on a slow line the page used to
 * say "generating" while the pictures were still being sent. The form goes with
 * XMLHttpRequest instead (upload.onprogress) and "Prefer: respond-async": the service answers
 * 202 and the job as soon as it has read and checked the upload (webtoon_core/service.py),
 * and the job is then followed through its own events (GET .../jobs/{id}/events, core/jobs.js),
 * as after a reload. On the way, onEvent hears
 *   "upload"   { loaded, total }   bytes sent so far (total 0 when unknown)
 *   "uploaded" { loaded, total }   all sent; the service is reading and checking it
 *   "accepted" { job_id }          the 202: the job exists (then the job's own events)
 *
 * A refusal before the job exists is the service's own JSON error with its real status (408
 * UPLOAD_TIMEOUT when the upload took longer than the service waits, 413, 422 ...): its
 * message is shown as it is. Only a request that got no answer at all is the page's to
 * explain (uploadFailure): the browser offline; an upload cut off after the service's own
 * upload limit (UPLOAD_TIMEOUT_S: the service gave up and closed the connection, and its 408
 * never arrived); cut off halfway before that; or the service unreachable. A service that
 * answers the image itself (no async) still works.
 * No DOM (an XMLHttpRequest-shaped class is passed in; Node tests pass a fake one).
 */
import { formatBytes } from "./image-rules.js";
import { openEvents } from "./jobs.js";
import { MSG, UserError, unreachable } from "./messages.js";
import { readPlain } from "./stream.js";

const ACCEPT = "application/json, image/*;q=0.9";
// Statuses whose Response may not have a body.
const NULL_BODY = [101, 103, 204, 205, 304];

/**
 * "이미지 올리는 중 42% (120KB / 290KB)": the upload stage's label.
 * @param {{ loaded: number, total: number }} progress
 */
export function uploadLabel({ loaded, total }) {
  if (!(total > 0)) return loaded > 0 ? `이미지 올리는 중 (${formatBytes(loaded)})` : "이미지 올리는 중";
  const percent = Math.min(100, Math.floor((loaded / total) * 100));
  return `이미지 올리는 중 ${percent}% (${formatBytes(loaded)} / ${formatBytes(total)})`;
}

/**
 * What to say when the request got no answer at all (the XMLHttpRequest "error" event).
 * @param {{ loaded: number, total: number, done: boolean, elapsedMs?: number }} sent how far
 *   the upload got, and how long it had been going
 * @param {boolean | undefined} [online] navigator.onLine, when known
 * @param {number} [uploadTimeoutS] the service's UPLOAD_TIMEOUT_S (0: unknown)
 * @returns {string}
 */
export function uploadFailure(sent, online, uploadTimeoutS = 0) {
  if (online === false) return MSG.offline;
  if (!sent.done && uploadTimeoutS > 0 && (sent.elapsedMs || 0) >= uploadTimeoutS * 1000) {
    return `업로드가 ${Math.round(uploadTimeoutS)}초 안에 끝나지 않아 서비스가 받기를 멈췄습니다. ` +
      "연결이 느리면 더 작은 이미지를 올리거나, 빠른 연결에서 다시 시도해 주세요.";
  }
  if (!sent.done && sent.loaded > 0 && sent.total > 0) {
    const percent = Math.floor((sent.loaded / sent.total) * 100);
    return `이미지를 올리는 중에 연결이 끊겼습니다 (${percent}% 보냄). 연결이 느리거나 불안정하면 ` +
      "잠시 뒤 다시 시도하거나 더 작은 이미지를 올려 주세요.";
  }
  return unreachable(online);
}

/** The request got no answer; `message` says what to tell the person (uploadFailure). */
export class UploadError extends UserError {
  /**
   * @param {{ loaded: number, total: number, done: boolean, elapsedMs?: number }} sent
   * @param {boolean | undefined} [online]
   * @param {number} [uploadTimeoutS]
   */
  constructor(sent, online, uploadTimeoutS = 0) {
    super(uploadFailure(sent, online, uploadTimeoutS));
    this.sent = sent;
  }
}

/** "A: 1\r\nB: 2" (getAllResponseHeaders) → Headers. */
export function parseHeaders(text) {
  const headers = new Headers();
  for (const line of String(text || "").split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return headers;
}

/**
 * Send a request with XMLHttpRequest, telling onUpload how the body goes out.
 * @param {string} url
 * @param {object} options
 * @param {string} [options.method]
 * @param {FormData | Blob | string} options.body
 * @param {Record<string, string>} [options.headers]
 * @param {AbortSignal} [options.signal]
 * @param {(progress: { loaded: number, total: number, done: boolean }) => void} [options.onUpload]
 * @param {() => boolean | undefined} [options.online] navigator.onLine, asked on failure
 * @param {number} [options.uploadTimeoutS] the service's upload limit (for the failure's message)
 * @param {() => number} [options.now] clock in ms
 * @param {new () => XMLHttpRequest} [options.XHR]
 * @returns {Promise<Response>} the whole answer; rejects with UploadError (no answer) or an
 *   AbortError
 */
export function sendWithProgress(url, {
  method = "POST", body, headers = {}, signal, onUpload = () => {}, online = () => undefined,
  uploadTimeoutS = 0, now = Date.now, XHR = globalThis.XMLHttpRequest,
} = {}) {
  return new Promise((resolve, reject) => {
    const aborted = () => new DOMException("aborted", "AbortError");
    if (signal && signal.aborted) {
      reject(aborted());
      return;
    }
    const xhr = new XHR();
    const sent = { loaded: 0, total: 0, done: false };
    const started = now();
    const stop = () => xhr.abort();
    xhr.open(method, url);
    xhr.responseType = "blob";
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      sent.loaded = event.loaded;
      sent.total = event.lengthComputable ? event.total : 0;
      onUpload({ ...sent });
    };
    xhr.upload.onload = () => {
      sent.done = true;
      if (sent.total > 0) sent.loaded = sent.total;
      onUpload({ ...sent });
    };
    const settle = (then) => {
      if (signal) signal.removeEventListener("abort", stop);
      then();
    };
    xhr.onload = () => settle(() => {
      const status = xhr.status;
      const answer = NULL_BODY.includes(status) ? null : xhr.response;
      resolve(new Response(answer, { status, headers: parseHeaders(xhr.getAllResponseHeaders()) }));
    });
    xhr.onerror = () => settle(() => {
      reject(new UploadError({ ...sent, elapsedMs: now() - started }, online(), uploadTimeoutS));
    });
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => settle(() => reject(aborted()));
    if (signal) signal.addEventListener("abort", stop, { once: true });
    xhr.send(body);
  });
}

/**
 * Start a job from a form and follow it to its outcome (the shape core/stream.js gives).
 * @param {string} apiBase "/api/goods-gen"
 * @param {FormData} body
 * @param {object} [options]
 * @param {AbortSignal} [options.signal]
 * @param {(name: string, data: object, meta?: { id?: string, jobId?: string }) => void} [options.onEvent]
 * @param {typeof sendWithProgress} [options.send] tests pass a fake
 * @param {() => boolean | undefined} [options.online]
 * @param {number} [options.uploadTimeoutS] the service's UPLOAD_TIMEOUT_S (config.upload_timeout_s)
 */
export async function uploadJob(apiBase, body, {
  signal, onEvent = () => {}, send = sendWithProgress, online = () => undefined, uploadTimeoutS = 0,
} = {}) {
  const response = await send(`${apiBase}/generate`, {
    body, signal, online, uploadTimeoutS,
    headers: { Prefer: "respond-async", Accept: ACCEPT },
    onUpload: (progress) => onEvent(progress.done ? "uploaded" : "upload", progress),
  });
  if (response.status !== 202) return readPlain(response); // the image itself, or the error
  const requestId = response.headers.get("X-Request-ID") || "";
  let job = null;
  try {
    job = await response.json();
  } catch (_) {
    job = null;
  }
  const id = job && typeof job.id === "string" ? job.id : "";
  if (!id) return { ok: false, message: "서버 응답을 이해하지 못했습니다 (HTTP 202).", requestId, code: "", status: 202 };
  onEvent("accepted", { job_id: id, request_id: job.request_id || requestId }, { jobId: id });
  return openEvents(apiBase, id, { signal, onEvent });
}
