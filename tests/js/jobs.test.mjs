// The jobs API from the page's side (frontends/static/js/core/jobs.js), against a fake fetch.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  JobAttempt, cancelJob, deleteJob, endedOutcome, fetchJob, isActive, jobPath, jobSeconds, listJobs, openEvents,
  rerunJob, wasCancelled, watchJob,
} from "../../frontends/static/js/core/jobs.js";
import { MSG } from "../../frontends/static/js/core/messages.js";
import { readEvents } from "../../frontends/static/js/core/stream.js";

const API = "/api/goods-gen";
const JOB = "01M8NCZD3AKQ24JDH3VAEHAD4G";
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

const sse = (...events) =>
  events.map(([id, name, data]) => `id: ${id}\nevent: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join("");

function streamResponse(text, { cut = false } = {}) {
  let pulls = 0;
  const body = new ReadableStream({
    pull(controller) {
      pulls += 1;
      if (pulls === 1) controller.enqueue(new TextEncoder().encode(text));
      else if (cut) controller.error(new TypeError("network error")); // after the text was read
      else controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

const png = () => new Response(new Uint8Array([137, 80, 78, 71]), {
  headers: { "Content-Type": "image/png", "Content-Disposition": 'inline; filename="generated-goods.png"', "X-Job-ID": JOB },
});

/** fetch() answering from a list of [matcher, answer] in order; records every call. */
function fakeFetch(t, routes) {
  const calls = [];
  t.mock.method(globalThis, "fetch", async (url, init = {}) => {
    calls.push({ url, method: init.method || "GET", headers: init.headers || {} });
    const at = routes.findIndex(([match]) => match(url, init));
    assert.notEqual(at, -1, `unexpected fetch ${init.method || "GET"} ${url}`);
    const [[, answer]] = routes.splice(at, 1);
    return typeof answer === "function" ? answer(url, init) : answer;
  });
  return calls;
}

const ACCEPTED = [1, "accepted", { job_id: JOB, request_id: "r1" }];
const PREPARED = [2, "prepared", { input_image: [600, 900] }];
const PROGRESS = [4, "progress", { status: "rendering", progress: 0.5 }];
const DONE = [6, "done", { job_id: JOB, media_type: "image/png", filename: "generated-goods.png", result_url: `${API}/jobs/${JOB}/result` }];

test("paths, statuses and what an ended job stands for", () => {
  assert.equal(jobPath(API, JOB, "events"), `${API}/jobs/${JOB}/events`);
  assert.equal(jobPath(API, "a/b"), `${API}/jobs/a%2Fb`);
  assert.deepEqual(["queued", "running", "succeeded", "failed", "canceled"].map((status) => isActive({ status })),
    [true, true, false, false, false]);
  const failed = endedOutcome({ id: JOB, status: "failed", request_id: "r9",
    error: { code: "CONTENT_MODERATED", message: "차단되었습니다", status: 422 } });
  assert.deepEqual(failed, { ok: false, requestId: "r9", jobId: JOB, message: "차단되었습니다", code: "CONTENT_MODERATED", status: 422 });
  const canceled = endedOutcome({ id: JOB, status: "canceled" });
  assert.equal(canceled.message, MSG.cancelled);
  assert.equal(wasCancelled(canceled), true);
  assert.equal(wasCancelled(failed), false);
  assert.equal(endedOutcome({ id: JOB, status: "succeeded" }), null);
  assert.equal(jobSeconds({ created_at: 100, finished_at: 112.6 }), 13);
  assert.equal(jobSeconds({ created_at: 100, finished_at: 100.1 }), 1);
  assert.equal(jobSeconds({ created_at: 100, finished_at: null }), 0);
});

test("readEvents: ids and the job's name are reported, and a done without bytes names the result", async () => {
  const seen = [];
  const outcome = await readEvents(streamResponse(sse(ACCEPTED, PREPARED, DONE)), (name, data, meta) => seen.push([name, meta]));
  assert.deepEqual(seen, [["accepted", { id: "1", jobId: JOB }], ["prepared", { id: "2", jobId: JOB }], ["done", { id: "6", jobId: JOB }]]);
  assert.deepEqual(outcome, {
    ok: true, blob: null, resultUrl: `${API}/jobs/${JOB}/result`, type: "image/png", filename: "generated-goods.png",
    requestId: "r1", jobId: JOB, // the request id "accepted" gave
  });
  const cut = await readEvents(streamResponse(sse(ACCEPTED, PREPARED)), () => {});
  assert.deepEqual([cut.ok, cut.cutOff, cut.lastEventId, cut.jobId], [false, true, "2", JOB]);
});

test("watchJob: a stream cut off after the job was named is followed again from its last event", async (t) => {
  const calls = fakeFetch(t, [
    [(url) => url === `${API}/generate`, streamResponse(sse(ACCEPTED, PREPARED))],
    [(url) => url.endsWith("/events"), streamResponse(sse(PROGRESS, DONE))],
    [(url) => url.endsWith("/result"), png()],
  ]);
  const events = [];
  const named = [];
  const outcome = await watchJob(API, (seen) => fetch(`${API}/generate`, { method: "POST" }).then((r) => readEvents(r, seen)), {
    onEvent: (name) => events.push(name),
    onJob: (id) => named.push(id),
    pause: async () => {},
  });
  assert.deepEqual(events, ["accepted", "prepared", "progress", "done"]);
  assert.deepEqual(named, [JOB]); // once
  assert.equal(calls[1].headers["Last-Event-ID"], "2"); // only what was missed
  assert.equal(calls[2].url, `${API}/jobs/${JOB}/result`);
  assert.equal(outcome.ok, true);
  assert.equal(outcome.blob.size, 4);
  assert.equal(outcome.filename, "generated-goods.png");
  assert.equal(outcome.jobId, JOB);
});

test("watchJob: a dropped connection is a cut-off too, once the job is known; not before", async (t) => {
  fakeFetch(t, [
    [(url) => url.endsWith("/events"), streamResponse(sse(ACCEPTED), { cut: true })],
    [(url) => url.endsWith("/events"), streamResponse(sse(DONE))],
    [(url) => url.endsWith("/result"), png()],
  ]);
  const outcome = await watchJob(API, (seen) => openEvents(API, JOB, { onEvent: seen }), { pause: async () => {} });
  assert.equal(outcome.ok, true);

  await assert.rejects(
    watchJob(API, async () => { throw new TypeError("Failed to fetch"); }, { pause: async () => {} }),
    TypeError,
  );
});

test("watchJob: reconnecting gives up after a few tries without news, with the cut-off outcome", async (t) => {
  const routes = [];
  for (let i = 0; i < 3; i += 1) routes.push([(url) => url.endsWith("/events"), streamResponse("")]);
  const calls = fakeFetch(t, routes);
  const outcome = await watchJob(API, (seen) => openEvents(API, JOB, { onEvent: seen }), {
    jobId: JOB, reconnects: 2, pause: async () => {},
  });
  assert.equal(outcome.cutOff, true);
  assert.equal(outcome.jobId, JOB);
  assert.equal(calls.length, 2);
});

test("watchJob: an error event, and a plain answer, are outcomes as they are", async (t) => {
  fakeFetch(t, [
    [(url) => url.endsWith("/rerun?seed=7"), streamResponse(sse(ACCEPTED, [3, "error", { job_id: JOB, code: "CONTENT_MODERATED", message: "차단", status: 422 }]))],
    [(url) => url.endsWith("/rerun"), png()],
  ]);
  const refused = await watchJob(API, (seen) => rerunJob(API, JOB, { seed: 7, onEvent: seen }));
  assert.deepEqual([refused.ok, refused.code, refused.jobId], [false, "CONTENT_MODERATED", JOB]);
  const plain = await watchJob(API, (seen) => rerunJob(API, JOB, { onEvent: seen }));
  assert.deepEqual([plain.ok, plain.jobId, plain.blob.size], [true, JOB, 4]);
});

test("the JSON calls: a job, a page of jobs, cancel and delete, with their errors", async (t) => {
  const error = (status, code) => new Response(JSON.stringify({ error: { code, message: `${code} 메시지`, request_id: "rq" } }), {
    status, headers: { "Content-Type": "application/json" },
  });
  const calls = fakeFetch(t, [
    [(url) => url === `${API}/jobs/${JOB}`, Response.json({ id: JOB, status: "running" })],
    [(url) => url === `${API}/jobs/missing`, error(404, "JOB_NOT_FOUND")],
    [(url) => url === `${API}/jobs?limit=12&cursor=ABC`, Response.json({ jobs: [{ id: "B" }, null, { id: "A" }], next_cursor: null })],
    [(url) => url === `${API}/jobs?limit=12`, () => { throw new TypeError("Failed to fetch"); }],
    [(url, init) => url.endsWith("/cancel") && url.includes(JOB), Response.json({ id: JOB, status: "canceled" })],
    [(url) => url.endsWith("/gone/cancel"), error(404, "JOB_NOT_FOUND")],
    [(url) => url.endsWith("/theirs/cancel"), error(403, "JOB_FORBIDDEN")],
    [(url, init) => init.method === "DELETE" && url.endsWith(JOB), new Response(null, { status: 202 })],
    [(url, init) => init.method === "DELETE", new Response(null, { status: 404 })],
  ]);
  assert.deepEqual(await fetchJob(API, JOB), { ok: true, job: { id: JOB, status: "running" } });
  const missing = await fetchJob(API, "missing");
  assert.deepEqual([missing.ok, missing.status, missing.code, missing.message], [false, 404, "JOB_NOT_FOUND", "JOB_NOT_FOUND 메시지"]);
  assert.deepEqual(await listJobs(API, { limit: 12, cursor: "ABC" }), { ok: true, jobs: [{ id: "B" }, { id: "A" }], nextCursor: null });
  const offline = await listJobs(API, { limit: 12 });
  assert.deepEqual([offline.ok, offline.message], [false, MSG.network]);
  assert.equal((await cancelJob(API, JOB)).ok, true);
  assert.equal(calls.at(-1).method, "POST");
  assert.deepEqual(await cancelJob(API, "gone"), { ok: true, gone: true }); // nothing left to cancel
  const forbidden = await cancelJob(API, "theirs");
  assert.deepEqual([forbidden.ok, forbidden.code], [false, "JOB_FORBIDDEN"]);
  assert.deepEqual(await deleteJob(API, JOB), { ok: true, pending: true });
  assert.deepEqual(await deleteJob(API, "other"), { ok: true, pending: false });
});

test("JobAttempt: cancel asks the server first, then stops the request", async () => {
  const asked = [];
  let answer;
  const attempt = new JobAttempt((id) => {
    asked.push(id);
    return new Promise((resolve) => (answer = resolve));
  });
  attempt.named(JOB);
  const done = attempt.cancel();
  await settle();
  assert.deepEqual(asked, [JOB]);
  assert.equal(attempt.signal.aborted, false); // still following while the server cancels
  answer({ ok: true });
  assert.equal(await done, null);
  assert.equal(attempt.signal.aborted, true);
  assert.deepEqual(attempt.failure(new DOMException("x", "AbortError")), { cancelled: true, message: MSG.cancelled });
  attempt.dispose();
});

test("JobAttempt: a cancel the server refused is reported; the request stops anyway", async () => {
  const attempt = new JobAttempt(async () => ({ ok: false, message: "다른 사용자의 작업" }));
  attempt.named(JOB);
  assert.deepEqual(await attempt.cancel(), { message: "다른 사용자의 작업" });
  assert.deepEqual(attempt.cancelProblem, { message: "다른 사용자의 작업" });
  assert.equal(attempt.signal.aborted, true);
  const offline = new JobAttempt(async () => { throw new TypeError("Failed to fetch"); });
  offline.named(JOB);
  assert.deepEqual(await offline.cancel(), { message: MSG.network });
});

test("JobAttempt: before the job is named, cancel waits a moment for its name, else just stops", async () => {
  const asked = [];
  const late = new JobAttempt(async (id) => (asked.push(id), { ok: true }), { graceMs: 1000 });
  const done = late.cancel();
  await settle();
  assert.equal(late.signal.aborted, false);
  late.named(JOB); // the answer named it within the grace: that job is cancelled too
  assert.equal(await done, null);
  assert.deepEqual(asked, [JOB]);
  assert.equal(late.signal.aborted, true);

  const never = new JobAttempt(async (id) => (asked.push(id), { ok: true }), { graceMs: 10 });
  const stopped = never.cancel();
  assert.equal(await stopped, null);
  assert.equal(never.signal.aborted, true);
  assert.deepEqual(asked, [JOB]); // nothing to ask about

  const settled = new JobAttempt(async () => ({ ok: true }), { graceMs: 10_000 });
  const waiting = settled.cancel();
  settled.dispose(); // the request ended on its own within the grace
  assert.equal(await waiting, null);
});

test("JobAttempt: cancelled while its pictures are still on their way, it stops at once", async () => {
  const asked = [];
  const sending = new JobAttempt(async (id) => (asked.push(id), { ok: true }), { graceMs: 60_000 });
  sending.uploading(true);
  const done = sending.cancel();
  assert.equal(sending.signal.aborted, true); // half a body makes no job: no grace to wait out
  assert.equal(await done, null);
  assert.deepEqual(asked, []);
  assert.deepEqual(sending.failure(new DOMException("x", "AbortError")), { cancelled: true, message: MSG.cancelled });

  // Once the body has gone, the answer may still name the job: the grace applies again.
  const sent = new JobAttempt(async (id) => (asked.push(id), { ok: true }), { graceMs: 60_000 });
  sent.uploading(true);
  sent.uploading(false);
  const waiting = sent.cancel();
  await settle();
  assert.equal(sent.signal.aborted, false);
  sent.named(JOB);
  assert.equal(await waiting, null);
  assert.deepEqual(asked, [JOB]);
});
