// The goods set runner (frontends/static/js/core/set-runner.js) driven by a fake generate().
import { test } from "node:test";
import assert from "node:assert/strict";

import { createPool } from "../../frontends/static/js/core/pool.js";
import { CONCURRENCY, SetRunner } from "../../frontends/static/js/core/set-runner.js";
import { MSG } from "../../frontends/static/js/core/messages.js";

const KINDS = ["tshirt", "mug", "sticker", "badge", "poster", "cushion"].map((id) => ({ id, label: `라벨-${id}` }));
const INPUT = { data: "the form", seedValue: "11" };

/** Let every pending promise callback (and zero-delay timer) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A generate() whose requests stay open until the test answers them; it counts how many
 * are open at once and rejects like fetch() when its signal is aborted.
 */
function fakeGenerate() {
  const fake = { open: new Map(), calls: [], maxOpen: 0 };
  fake.generate = (card, { input, signal, onEvent, onJob, onStarted }) =>
    new Promise((resolve, reject) => {
      const call = { card: { ...card }, input, signal, onEvent, onJob, onStarted }; // the card as sent
      const close = () => fake.open.delete(card.id);
      call.succeed = () => (close(), resolve({ ok: true, blob: `image of ${card.id}` }));
      call.refuse = (message, requestId) => (close(), resolve({ ok: false, message, requestId }));
      call.crash = () => (close(), reject(new TypeError("Failed to fetch")));
      signal.addEventListener("abort", () => (close(), reject(new DOMException("aborted", "AbortError"))));
      fake.calls.push(call);
      fake.open.set(card.id, call);
      fake.maxOpen = Math.max(fake.maxOpen, fake.open.size);
    });
  return fake;
}

function runnerWith(fake, options = {}) {
  const runner = new SetRunner({ generate: fake.generate, ...options });
  const log = { busy: [], changes: [] };
  runner.addEventListener("busychange", (e) => log.busy.push(e.detail.busy));
  runner.addEventListener("cardchange", (e) => log.changes.push([e.detail.card.id, e.detail.change, e.detail.card.state]));
  return { runner, log };
}

const states = (runner) => Object.fromEntries(runner.cards.map((card) => [card.id, card.state]));
const card = (runner, id) => runner.cards.find((c) => c.id === id);

test("never more than 3 at once: the rest wait and start as others finish", async () => {
  const fake = fakeGenerate();
  const { runner, log } = runnerWith(fake);
  assert.equal(CONCURRENCY, 3);
  assert.equal(runner.start(KINDS.slice(0, 5), INPUT), true);
  await settle();
  assert.deepEqual([...fake.open.keys()], ["tshirt", "mug", "sticker"]);
  assert.deepEqual(states(runner), { tshirt: "running", mug: "running", sticker: "running", badge: "queued", poster: "queued" });
  assert.equal(runner.busy, true);

  fake.open.get("mug").succeed();
  await settle();
  assert.deepEqual([...fake.open.keys()], ["tshirt", "sticker", "badge"]); // the next in line
  for (const id of ["tshirt", "sticker", "badge", "poster"]) {
    await settle();
    fake.open.get(id).succeed();
    await settle();
  }
  assert.equal(fake.maxOpen, 3);
  assert.equal(fake.calls.length, 5);
  assert.ok(Object.values(states(runner)).every((s) => s === "done"));
  assert.deepEqual(runner.counts(), { total: 5, done: 5, failed: 0 });
  assert.deepEqual(log.busy, [true, false]);
  assert.ok(fake.calls.every((call) => call.input === INPUT)); // every kind gets the same form
});

test("a set of six with every request answered at once still keeps to 3", async () => {
  const fake = fakeGenerate();
  const { runner } = runnerWith(fake);
  runner.start(KINDS, INPUT);
  while (runner.busy) {
    await settle();
    assert.ok(fake.open.size <= 3);
    for (const call of [...fake.open.values()]) call.succeed();
  }
  assert.equal(fake.maxOpen, 3);
  assert.equal(runner.doneCards().length, 6);
});

test("the concurrency is a parameter", async () => {
  const fake = fakeGenerate();
  const { runner } = runnerWith(fake, { concurrency: 1 });
  runner.start(KINDS.slice(0, 3), INPUT);
  await settle();
  assert.equal(fake.open.size, 1);
  runner.cancelAll(); // no request left open (its time limit would keep Node waiting)
});

test("a failed card keeps its message and request id, and can be retried with the same form", async () => {
  const fake = fakeGenerate();
  const { runner, log } = runnerWith(fake);
  runner.start(KINDS.slice(0, 3), INPUT);
  await settle();
  fake.open.get("mug").refuse("안전성 검사에서 차단되었습니다.", "req-mug-1");
  fake.open.get("tshirt").succeed();
  fake.open.get("sticker").succeed();
  await settle();
  assert.deepEqual(states(runner), { tshirt: "done", mug: "failed", sticker: "done" });
  assert.deepEqual(card(runner, "mug").error, { message: "안전성 검사에서 차단되었습니다.", requestId: "req-mug-1" });
  assert.deepEqual(runner.counts(), { total: 3, done: 2, failed: 1 });
  assert.equal(runner.busy, false);

  assert.equal(runner.retry(card(runner, "tshirt")), false); // only failed or cancelled cards
  assert.equal(runner.retry(card(runner, "mug")), true);
  assert.equal(card(runner, "mug").error, null);
  assert.equal(runner.busy, true);
  await settle();
  assert.equal(card(runner, "mug").state, "running");
  assert.equal(runner.retry(card(runner, "mug")), false); // not while it runs
  fake.open.get("mug").succeed();
  await settle();
  assert.deepEqual(runner.counts(), { total: 3, done: 3, failed: 0 });
  assert.equal(fake.calls.at(-1).input, INPUT);
  assert.deepEqual(log.busy, [true, false, true, false]);
});

test("a network failure and the client's time limit fail the card with their messages", async () => {
  const fake = fakeGenerate();
  const { runner } = runnerWith(fake, { timeoutMs: 30 });
  runner.start(KINDS.slice(0, 2), INPUT);
  await settle();
  fake.open.get("tshirt").crash();
  await new Promise((resolve) => setTimeout(resolve, 60)); // mug hits the 30 ms limit
  assert.deepEqual(states(runner), { tshirt: "failed", mug: "failed" });
  assert.equal(card(runner, "tshirt").error.message, MSG.network);
  assert.equal(card(runner, "mug").error.message, MSG.timeout);
  assert.equal(fake.calls[1].signal.aborted, true);
});

test("cancel all: running requests are aborted, queued ones are never sent; all can be retried", async () => {
  const fake = fakeGenerate();
  const { runner, log } = runnerWith(fake, { graceMs: 0 }); // no job named: nothing to wait for
  runner.start(KINDS.slice(0, 5), INPUT);
  await settle();
  runner.cancelAll();
  await settle();
  assert.deepEqual(Object.values(states(runner)), Array(5).fill("cancelled"));
  assert.equal(fake.calls.length, 3);
  assert.ok(fake.calls.every((call) => call.signal.aborted));
  assert.equal(runner.busy, false);
  assert.deepEqual(log.busy, [true, false]);
  assert.ok(runner.cards.every((c) => c.error === null)); // cancelled is not failed
  await settle();
  assert.equal(fake.calls.length, 3); // nothing started after the cancel

  assert.equal(runner.retry(card(runner, "poster")), true); // one that was never sent
  await settle();
  assert.deepEqual([...fake.open.keys()], ["poster"]);
  runner.cancelAll();
});

test("a new set is refused while one runs, and an empty set is refused", async () => {
  const fake = fakeGenerate();
  const { runner } = runnerWith(fake);
  assert.equal(runner.start([], INPUT), false);
  runner.start(KINDS.slice(0, 1), INPUT);
  assert.equal(runner.start(KINDS.slice(1, 2), INPUT), false);
  await settle();
  fake.open.get("tshirt").succeed();
  await settle();
  assert.equal(runner.start(KINDS.slice(1, 2), { other: true }), true); // once it has finished
  assert.deepEqual(runner.cards.map((c) => c.id), ["mug"]);
  await settle();
  assert.deepEqual(fake.calls.at(-1).input, { other: true });
  runner.cancelAll();
});

test("stream events move the card's progress and are announced", async () => {
  const fake = fakeGenerate();
  const { runner, log } = runnerWith(fake);
  runner.start(KINDS.slice(0, 1), INPUT);
  await settle();
  fake.open.get("tshirt").onEvent("progress", { status: "Pending", progress: 0.4 });
  assert.equal(card(runner, "tshirt").progress.label, "생성 중 40%");
  assert.deepEqual(log.changes.at(-1), ["tshirt", "progress", "running"]);
  fake.open.get("tshirt").succeed();
  await settle();
  assert.deepEqual(log.changes.map(([, change, state]) => `${change}:${state}`),
    ["state:queued", "state:running", "progress:running", "state:done"]);
  assert.ok(card(runner, "tshirt").seconds >= 1);
});

test("pool: at most `limit` tasks run; clear() drops the waiting ones", async () => {
  let running = 0;
  let most = 0;
  const gates = [];
  const pool = createPool(2);
  const task = () => new Promise((resolve) => {
    running += 1;
    most = Math.max(most, running);
    gates.push(() => (running -= 1, resolve("ran")));
  });
  const results = [1, 2, 3, 4].map(() => pool.run(task));
  await settle();
  assert.equal(pool.active, 2);
  assert.equal(pool.waiting, 2);
  pool.clear("dropped");
  gates.splice(0).forEach((open) => open());
  assert.deepEqual(await Promise.all(results), ["ran", "ran", "dropped", "dropped"]);
  assert.equal(most, 2);
});

// --- A set of jobs: named jobs, cancel on the server, taken up again after a reload ------------

const JOB = (id) => `01JOB${id.toUpperCase().padEnd(21, "0")}`;

test("each card's job is named once its answer says it, and announced", async () => {
  const fake = fakeGenerate();
  const { runner, log } = runnerWith(fake);
  runner.start(KINDS.slice(0, 2), INPUT);
  await settle();
  fake.calls[0].onJob(JOB("tshirt"));
  fake.calls[0].onJob(JOB("tshirt")); // the same name again is no news
  assert.equal(card(runner, "tshirt").job, JOB("tshirt"));
  assert.equal(card(runner, "mug").job, "");
  assert.deepEqual(log.changes.filter(([, change]) => change === "job"), [["tshirt", "job", "running"]]);
  runner.cancelAll();
});

test("cancel all asks the server to cancel every named job, then stops following", async () => {
  const fake = fakeGenerate();
  const asked = [];
  const runner = new SetRunner({ generate: fake.generate, cancelJob: async (id) => (asked.push(id), { ok: true }), graceMs: 0 });
  runner.start(KINDS.slice(0, 4), INPUT);
  await settle();
  fake.calls[0].onJob(JOB("tshirt"));
  fake.calls[1].onJob(JOB("mug"));
  runner.cancelAll(); // sticker was sent but not named yet; badge was never sent
  await settle();
  await settle();
  assert.deepEqual(asked.sort(), [JOB("mug"), JOB("tshirt")]);
  assert.deepEqual(Object.values(states(runner)), Array(4).fill("cancelled"));
  assert.ok(fake.calls.every((call) => call.signal.aborted));
});

test("a job the server cancelled ends its card cancelled, not failed; a known duration is kept", async () => {
  const runner = new SetRunner({
    generate: async (card) => (card.id === "tshirt"
      ? { ok: false, code: "JOB_CANCELED", message: "취소", requestId: "" }
      : { ok: true, blob: "img", seconds: 42 }),
  });
  runner.start(KINDS.slice(0, 2), INPUT);
  while (runner.busy) await settle();
  assert.deepEqual(states(runner), { tshirt: "cancelled", mug: "done" });
  assert.equal(card(runner, "tshirt").error, null);
  assert.equal(card(runner, "mug").seconds, 42);
});

test("a retried card keeps the job that failed as previousJob (the page re-runs it)", async () => {
  const fake = fakeGenerate();
  const { runner } = runnerWith(fake);
  runner.start(KINDS.slice(0, 1), INPUT);
  await settle();
  fake.calls[0].onJob(JOB("tshirt"));
  fake.calls[0].refuse("차단", "r1");
  await settle();
  assert.equal(runner.retry(card(runner, "tshirt")), true);
  await settle();
  const retried = fake.calls[1].card;
  assert.deepEqual([retried.job, retried.previousJob], ["", JOB("tshirt")]);
  fake.calls[1].succeed();
  await settle();
});

test("resume: named jobs are followed first (they hold places), the rest are sent after", async () => {
  const fake = fakeGenerate();
  const { runner, log } = runnerWith(fake);
  const kept = [
    { id: "tshirt", label: "티셔츠", job: "" },
    { id: "mug", label: "머그컵", job: JOB("mug") },
    { id: "sticker", label: "스티커", job: JOB("sticker") },
    { id: "badge", label: "뱃지", job: JOB("badge") },
  ];
  assert.equal(runner.resume(kept, INPUT), true);
  await settle();
  assert.deepEqual([...fake.open.keys()], ["mug", "sticker", "badge"]);
  assert.deepEqual(fake.calls.map((call) => call.card.job), [JOB("mug"), JOB("sticker"), JOB("badge")]); // not sent again
  assert.equal(card(runner, "tshirt").state, "queued");
  fake.calls[0].onStarted(Date.now() - 30_000); // the job began before the page did
  assert.ok(card(runner, "mug").progress.seconds() >= 29);
  fake.open.get("mug").succeed();
  await settle();
  assert.deepEqual([...fake.open.keys()], ["sticker", "badge", "tshirt"]);
  assert.equal(fake.calls.at(-1).input, INPUT);
  assert.equal(fake.calls.at(-1).card.job, "");
  assert.deepEqual(log.busy, [true]);
  runner.cancelAll();
});

test("resume without the form: kinds never sent end cancelled and unsent until the form is given", async () => {
  const fake = fakeGenerate();
  const { runner } = runnerWith(fake);
  runner.resume([{ id: "tshirt", label: "티셔츠", job: "" }, { id: "mug", label: "머그컵", job: JOB("mug") }], null);
  await settle();
  const tshirt = card(runner, "tshirt");
  assert.deepEqual([tshirt.state, tshirt.unsent], ["cancelled", true]);
  assert.equal(runner.retry(tshirt), false); // nothing to send it with
  runner.useInput(INPUT);
  assert.equal(runner.retry(tshirt), true);
  assert.equal(tshirt.unsent, false);
  await settle();
  assert.deepEqual([...fake.open.keys()].sort(), ["mug", "tshirt"]);
  assert.equal(runner.resume([{ id: "x", label: "x" }], INPUT), false); // not while one runs
  runner.cancelAll();
});
