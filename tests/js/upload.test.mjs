// Sending the form with the upload's real progress (frontends/static/js/core/upload.js),
// against a fake XMLHttpRequest and a fake fetch (the job's events).
import { test } from "node:test";
import assert from "node:assert/strict";

import { MSG, UserError } from "../../frontends/static/js/core/messages.js";
import {
  UploadError, parseHeaders, sendWithProgress, uploadFailure, uploadJob, uploadLabel,
} from "../../frontends/static/js/core/upload.js";

const API = "/api/goods-gen";
const JOB = "01M8NCZD3AKQ24JDH3VAEHAD4G";
const KB = 1024;

/**
 * An XMLHttpRequest-shaped class: each instance is kept in `FakeXHR.made`, records what the
 * page set on it, and is driven by the test (progress, load, error, abort).
 */
class FakeXHR {
  static made = [];

  constructor() {
    this.upload = { onprogress: null, onload: null };
    this.headers = {};
    this.status = 0;
    this.response = null;
    this.responseHeaders = "";
    this.sent = undefined;
    this.aborted = false;
    this.constructor.made.push(this);
  }

  open(method, url) {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name, value) {
    this.headers[name] = value;
  }

  send(body) {
    this.sent = body;
  }

  abort() {
    this.aborted = true;
    if (this.onabort) this.onabort();
  }

  getAllResponseHeaders() {
    return this.responseHeaders;
  }

  // --- What the network would do -------------------------------------------------------

  progress(loaded, total) {
    this.upload.onprogress({ loaded, total, lengthComputable: total > 0 });
  }

  uploaded() {
    this.upload.onload();
  }

  answer(status, body, headers = "") {
    this.status = status;
    this.response = body;
    this.responseHeaders = headers;
    this.onload();
  }

  fail() {
    this.onerror();
  }
}

/** A fresh fake class (its own list of instances) per test. */
function fakeXhr() {
  return class extends FakeXHR {
    static made = [];
  };
}

test("the upload's label: percent and both sizes, or only what was sent when the total is unknown", () => {
  assert.equal(uploadLabel({ loaded: 0, total: 0 }), "이미지 올리는 중");
  assert.equal(uploadLabel({ loaded: 300 * KB, total: 0 }), "이미지 올리는 중 (300KB)");
  assert.equal(uploadLabel({ loaded: 120 * KB, total: 290 * KB }), "이미지 올리는 중 41% (120KB / 290KB)");
  assert.equal(uploadLabel({ loaded: 3 * KB * KB, total: 3 * KB * KB }), "이미지 올리는 중 100% (3.0MB / 3.0MB)");
  // A report past the total never reads above 100%.
  assert.match(uploadLabel({ loaded: 400 * KB, total: 290 * KB }), /^이미지 올리는 중 100% /);
});

test("no answer while offline: the browser's connection is named, whatever was sent", () => {
  const sent = { loaded: 10, total: 100, done: false, elapsedMs: 999_999 };
  assert.equal(uploadFailure(sent, false, 60), MSG.offline);
  assert.equal(uploadFailure({ loaded: 0, total: 0, done: true }, false), MSG.offline);
});

test("no answer after the service's own upload limit: the service stopped receiving", () => {
  const message = uploadFailure({ loaded: 50, total: 100, done: false, elapsedMs: 60_000 }, true, 60);
  assert.match(message, /^업로드가 60초 안에 끝나지 않아 서비스가 받기를 멈췄습니다\. /);
  assert.match(message, /더 작은 이미지를 올리거나, 빠른 연결에서 다시 시도해 주세요\.$/);
  // Rounded seconds; just under the limit is a cut-off like any other.
  assert.match(uploadFailure({ loaded: 0, total: 0, done: false, elapsedMs: 90_000 }, undefined, 89.6), /^업로드가 90초/);
  assert.doesNotMatch(uploadFailure({ loaded: 50, total: 100, done: false, elapsedMs: 59_999 }, true, 60), /서비스가 받기를/);
  // The whole body went: the limit is not the reason.
  assert.equal(uploadFailure({ loaded: 100, total: 100, done: true, elapsedMs: 70_000 }, true, 60), MSG.network);
  // The limit unknown (0): never blamed.
  assert.doesNotMatch(uploadFailure({ loaded: 0, total: 0, done: false, elapsedMs: 600_000 }, true, 0), /서비스가 받기를/);
});

test("cut off halfway: how much was sent, in percent", () => {
  const message = uploadFailure({ loaded: 42, total: 100, done: false, elapsedMs: 1000 }, true, 60);
  assert.match(message, /^이미지를 올리는 중에 연결이 끊겼습니다 \(42% 보냄\)\. /);
  assert.match(message, /더 작은 이미지를 올려 주세요\.$/);
  assert.match(uploadFailure({ loaded: 2, total: 3, done: false }), /\(66% 보냄\)/);
});

test("otherwise the service could not be reached (not the person's network)", () => {
  assert.equal(uploadFailure({ loaded: 0, total: 0, done: false }, true), MSG.network);
  assert.equal(uploadFailure({ loaded: 0, total: 100, done: false, elapsedMs: 10 }, undefined, 60), MSG.network);
  assert.equal(uploadFailure({ loaded: 100, total: 100, done: true }, true), MSG.network);
  assert.equal(uploadFailure({ loaded: 5, total: 0, done: false }, true), MSG.network); // total unknown
});

test("UploadError is a UserError carrying the message and how far the upload got", () => {
  const sent = { loaded: 1, total: 4, done: false, elapsedMs: 5 };
  const error = new UploadError(sent, true, 60);
  assert.ok(error instanceof UserError);
  assert.equal(error.message, uploadFailure(sent, true, 60));
  assert.equal(error.sent, sent);
});

test("response headers: each line split at its first colon, blank and odd lines skipped", () => {
  const headers = parseHeaders("Content-Type: application/json\r\nX-Request-ID: r:1\r\n\r\nnonsense\n: x\n");
  assert.equal(headers.get("content-type"), "application/json");
  assert.equal(headers.get("x-request-id"), "r:1");
  assert.deepEqual([...headers.keys()].sort(), ["content-type", "x-request-id"]);
  assert.deepEqual([...parseHeaders(null).keys()], []);
});

test("sendWithProgress: headers set, progress reported, the answer read as a Response", async () => {
  const XHR = fakeXhr();
  const reports = [];
  const body = new FormData();
  body.set("prompt", "a mug");
  const answer = sendWithProgress(`${API}/generate`, {
    body, XHR, headers: { Prefer: "respond-async", Accept: "application/json" }, onUpload: (p) => reports.push(p),
  });
  const [xhr] = XHR.made;
  assert.equal(XHR.made.length, 1);
  assert.deepEqual([xhr.method, xhr.url, xhr.responseType], ["POST", `${API}/generate`, "blob"]);
  assert.deepEqual(xhr.headers, { Prefer: "respond-async", Accept: "application/json" });
  assert.equal(xhr.sent, body);
  xhr.progress(100, 400);
  xhr.progress(250, 0); // a report without a known total
  xhr.progress(300, 400);
  xhr.uploaded();
  assert.deepEqual(reports, [
    { loaded: 100, total: 400, done: false },
    { loaded: 250, total: 0, done: false },
    { loaded: 300, total: 400, done: false },
    { loaded: 400, total: 400, done: true }, // all of it, once the body has gone
  ]);
  xhr.answer(202, new Blob(['{"id":"j1"}'], { type: "application/json" }), "Content-Type: application/json\r\nX-Request-ID: req-1\r\n");
  const response = await answer;
  assert.ok(response instanceof Response);
  assert.equal(response.status, 202);
  assert.equal(response.headers.get("X-Request-ID"), "req-1");
  assert.deepEqual(await response.json(), { id: "j1" });
});

test("sendWithProgress: a body-less status resolves without a body; the method may be chosen", async () => {
  const XHR = fakeXhr();
  const answer = sendWithProgress("/x", { method: "PUT", body: "text", XHR });
  XHR.made[0].answer(204, new Blob(["ignored"]));
  const response = await answer;
  assert.equal(XHR.made[0].method, "PUT");
  assert.equal(response.status, 204);
  assert.equal(response.body, null);
});

test("sendWithProgress: no answer rejects with the UploadError saying how far it got", async () => {
  const XHR = fakeXhr();
  let now = 1_000;
  const halfway = sendWithProgress("/x", { body: "b", XHR, now: () => now, online: () => true, uploadTimeoutS: 60 });
  XHR.made[0].progress(30, 120);
  now = 6_000;
  XHR.made[0].fail();
  await assert.rejects(halfway, (error) => {
    assert.ok(error instanceof UploadError);
    assert.match(error.message, /\(25% 보냄\)/);
    assert.deepEqual(error.sent, { loaded: 30, total: 120, done: false, elapsedMs: 5_000 });
    return true;
  });

  const late = sendWithProgress("/x", { body: "b", XHR, now: () => now, online: () => true, uploadTimeoutS: 60 });
  now += 61_000;
  XHR.made[1].ontimeout(); // the browser's own timeout reads the same way
  await assert.rejects(late, /서비스가 받기를 멈췄습니다/);

  const offline = sendWithProgress("/x", { body: "b", XHR, online: () => false });
  XHR.made[2].fail();
  await assert.rejects(offline, (error) => error instanceof UploadError && error.message === MSG.offline);

  const unreachable = sendWithProgress("/x", { body: "b", XHR, online: () => true });
  XHR.made[3].uploaded();
  XHR.made[3].fail();
  await assert.rejects(unreachable, (error) => error.message === MSG.network);
});

test("sendWithProgress: aborting the signal aborts the request and rejects with an AbortError", async () => {
  const XHR = fakeXhr();
  const controller = new AbortController();
  const answer = sendWithProgress("/x", { body: "b", XHR, signal: controller.signal });
  controller.abort();
  await assert.rejects(answer, (error) => error instanceof DOMException && error.name === "AbortError");
  assert.equal(XHR.made[0].aborted, true);

  // Already aborted: nothing is sent at all.
  await assert.rejects(sendWithProgress("/x", { body: "b", XHR, signal: controller.signal }), { name: "AbortError" });
  assert.equal(XHR.made.length, 1);

  // Once answered, a later abort no longer touches the request.
  const later = new AbortController();
  const done = sendWithProgress("/x", { body: "b", XHR, signal: later.signal });
  XHR.made[1].answer(200, new Blob(["ok"]), "Content-Type: text/plain");
  assert.equal((await done).status, 200);
  later.abort();
  assert.equal(XHR.made[1].aborted, false);
});

// --- uploadJob: the 202 and the job's events --------------------------------------------

/** A `send` that reports an upload and answers `response`; records what it was given. */
function fakeSend(response, calls) {
  return async (url, options) => {
    calls.push({ url, options });
    options.onUpload({ loaded: 10, total: 20, done: false });
    options.onUpload({ loaded: 20, total: 20, done: true });
    return response;
  };
}

const sse = (...events) =>
  events.map(([id, name, data]) => `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");

test("uploadJob: a 202 names the job ('accepted'), then the job's own events are followed", async (t) => {
  const fetched = [];
  t.mock.method(globalThis, "fetch", async (url, init = {}) => {
    fetched.push({ url, headers: init.headers, signal: init.signal });
    const done = { job_id: JOB, media_type: "image/png", filename: "generated-goods.png", result_url: `${API}/jobs/${JOB}/result` };
    return new Response(sse([1, "prepared", { job_id: JOB }], [2, "done", done]), {
      headers: { "Content-Type": "text/event-stream" },
    });
  });
  const calls = [];
  const events = [];
  const accepted = new Response(JSON.stringify({ id: JOB, status: "queued" }), {
    status: 202, headers: { "Content-Type": "application/json", "X-Request-ID": "req-7" },
  });
  const signal = new AbortController().signal;
  const body = new FormData();
  const outcome = await uploadJob(API, body, {
    signal, send: fakeSend(accepted, calls), online: () => true, uploadTimeoutS: 45,
    onEvent: (name, data, meta) => events.push([name, data, meta]),
  });
  assert.equal(calls.length, 1);
  const [{ url, options }] = calls;
  assert.equal(url, `${API}/generate`);
  assert.equal(options.body, body);
  assert.equal(options.signal, signal);
  assert.equal(options.uploadTimeoutS, 45);
  assert.equal(options.online(), true);
  assert.deepEqual(options.headers, { Prefer: "respond-async", Accept: "application/json, image/*;q=0.9" });
  assert.deepEqual(events.map(([name]) => name), ["upload", "uploaded", "accepted", "prepared", "done"]);
  assert.deepEqual(events[0][1], { loaded: 10, total: 20, done: false });
  // The job's request id comes from the 202's header when its body does not name one.
  assert.deepEqual(events[2].slice(1), [{ job_id: JOB, request_id: "req-7" }, { jobId: JOB }]);
  assert.deepEqual(fetched.map((f) => f.url), [`${API}/jobs/${JOB}/events`]);
  assert.equal(fetched[0].signal, signal);
  assert.match(fetched[0].headers.Accept, /^text\/event-stream/);
  assert.deepEqual([outcome.ok, outcome.resultUrl, outcome.jobId], [true, `${API}/jobs/${JOB}/result`, JOB]);
});

test("uploadJob: the job's own request id wins over the 202's header; its error is the outcome", async (t) => {
  t.mock.method(globalThis, "fetch", async () => new Response(sse([1, "error", { message: "실패", status: 500 }]), {
    headers: { "Content-Type": "text/event-stream" },
  }));
  const events = [];
  const accepted = new Response(JSON.stringify({ id: JOB, request_id: "job-req" }), {
    status: 202, headers: { "X-Request-ID": "header-req" },
  });
  const outcome = await uploadJob(API, new FormData(), { send: fakeSend(accepted, []), onEvent: (...e) => events.push(e) });
  assert.deepEqual(events.find(([name]) => name === "accepted")[1], { job_id: JOB, request_id: "job-req" });
  assert.deepEqual([outcome.ok, outcome.message, outcome.status], [false, "실패", 500]);
});

test("uploadJob: an answer other than 202 is read as it is (the image itself, or the error)", async (t) => {
  const fetch = t.mock.method(globalThis, "fetch", async () => assert.fail("no events for a plain answer"));
  const image = new Response(new Uint8Array([137, 80, 78, 71]), {
    headers: { "Content-Type": "image/png", "Content-Disposition": 'inline; filename="generated-goods.png"', "X-Request-ID": "p1" },
  });
  const events = [];
  const outcome = await uploadJob(API, new FormData(), { send: fakeSend(image, []), onEvent: (name) => events.push(name) });
  assert.deepEqual([outcome.ok, outcome.type, outcome.filename, outcome.requestId, outcome.blob.size],
    [true, "image/png", "generated-goods.png", "p1", 4]);
  assert.deepEqual(events, ["upload", "uploaded"]);

  const body = { error: { code: "UPLOAD_TIMEOUT", message: "업로드가 너무 오래 걸렸습니다.", request_id: "r408" } };
  const refused = new Response(JSON.stringify(body), { status: 408, headers: { "Content-Type": "application/json" } });
  assert.deepEqual(await uploadJob(API, new FormData(), { send: fakeSend(refused, []) }), {
    ok: false, message: "업로드가 너무 오래 걸렸습니다.", requestId: "r408", code: "UPLOAD_TIMEOUT", status: 408,
  });
  assert.equal(fetch.mock.callCount(), 0);
});

test("uploadJob: a 202 without a job id is not understood (HTTP 202), and nothing is followed", async (t) => {
  const fetch = t.mock.method(globalThis, "fetch", async () => assert.fail("nothing to follow"));
  for (const text of ['{"status":"queued"}', "not json", '{"id":42}', "null"]) {
    const events = [];
    const response = new Response(text, { status: 202, headers: { "X-Request-ID": "r202" } });
    const outcome = await uploadJob(API, new FormData(), { send: fakeSend(response, []), onEvent: (name) => events.push(name) });
    assert.deepEqual(outcome, {
      ok: false, message: "서버 응답을 이해하지 못했습니다 (HTTP 202).", requestId: "r202", code: "", status: 202,
    }, text);
    assert.ok(!events.includes("accepted"), text);
  }
  assert.equal(fetch.mock.callCount(), 0);
});

test("uploadJob: no answer at all rejects with the send's UploadError", async () => {
  const XHR = fakeXhr();
  const send = (url, options) => sendWithProgress(url, { ...options, XHR });
  const job = uploadJob(API, new FormData(), { send, online: () => false });
  await Promise.resolve();
  XHR.made[0].fail();
  await assert.rejects(job, (error) => error instanceof UploadError && error.message === MSG.offline);
  assert.deepEqual(XHR.made[0].headers, { Prefer: "respond-async", Accept: "application/json, image/*;q=0.9" });
});
