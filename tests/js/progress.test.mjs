// The upload phase of a generation's progress, and what "no answer" says
// (frontends/static/js/core/progress.js, core/messages.js).
import { test } from "node:test";
import assert from "node:assert/strict";

import { MSG, setOnlineCheck, unreachable } from "../../frontends/static/js/core/messages.js";
import { Progress } from "../../frontends/static/js/core/progress.js";
import { Attempt } from "../../frontends/static/js/core/stream.js";

const KB = 1024;

test("progress: while the pictures go, the bar is the upload's own fraction and the label its sizes", () => {
  let now = 0;
  const progress = new Progress(60, () => now);
  assert.equal(progress.uploading, false);
  now = 1_000;
  assert.equal(progress.event("upload", { loaded: 0, total: 0 }), true);
  assert.equal(progress.uploading, true);
  assert.equal(progress.label, "이미지 올리는 중");
  assert.equal(progress.value(), 0); // total unknown: nothing to show yet
  assert.equal(progress.event("upload", { loaded: 100 * KB, total: 400 * KB }), false); // same stage
  assert.equal(progress.label, "이미지 올리는 중 25% (100KB / 400KB)");
  assert.equal(progress.value(), 25);
  assert.equal(progress.event("upload", { loaded: 133 * KB, total: 400 * KB }), false);
  assert.equal(progress.value(), 33.3);
  assert.equal(progress.valueText(), "이미지 올리는 중 33% (133KB / 400KB), 1초 경과");
});

test("progress: a long upload is not 'slow'; the generation's clock starts at the job's first event", () => {
  let now = 0;
  const progress = new Progress(60, () => now);
  progress.event("upload", { loaded: 10, total: 100 });
  now = 200_000; // a very slow line
  assert.equal(progress.slow(), false);
  assert.equal(progress.value(), 10);
  assert.equal(progress.event("uploaded", { loaded: 100, total: 100 }), true);
  assert.equal(progress.label, "이미지 확인 중");
  assert.equal(progress.uploading, true);
  assert.equal(progress.value(), 100);

  assert.equal(progress.event("accepted"), true);
  assert.equal(progress.uploading, false);
  assert.equal(progress.value(), 3); // the generation's own bar, from its first stage
  now = 230_000;
  assert.equal(progress.value(), 50); // half the expected wait since the job began, not since the page
  assert.equal(progress.seconds(), 230); // the clock shown counts the whole wait
  assert.equal(progress.slow(), false);
  now = 261_000;
  assert.equal(progress.slow(), true);

  // A late upload report once the job runs changes nothing.
  assert.equal(progress.event("upload", { loaded: 5, total: 100 }), false);
  assert.equal(progress.label, "접수됨");
  assert.equal(progress.uploading, false);
});

test("progress: a job followed after a reload counts its generation from its own start", () => {
  let now = 100_000;
  const progress = new Progress(60, () => now);
  progress.since(40_000);
  assert.equal(progress.seconds(), 60);
  assert.equal(progress.event("upload", { loaded: 1, total: 2 }), false); // never an upload again
  assert.equal(progress.uploading, false);
  assert.equal(progress.value(), 95); // the estimate stops short of done
  assert.equal(progress.slow(), false);
  now = 101_000;
  assert.equal(progress.slow(), true);

  const future = new Progress(60, () => now);
  future.since(now + 5_000); // a clock ahead of the page's: never a negative wait
  assert.equal(future.seconds(), 0);
  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    const ignored = new Progress(60, () => now);
    ignored.since(bad);
    assert.equal(ignored.event("upload", { loaded: 1, total: 4 }), true, String(bad)); // still the upload phase
  }
});

test("no answer: offline when the browser says so, else the service cannot be reached", (t) => {
  t.after(() => setOnlineCheck(() => undefined));
  assert.equal(unreachable(false), MSG.offline);
  assert.equal(unreachable(true), MSG.network);
  assert.equal(unreachable(undefined), MSG.network);
  assert.equal(unreachable(), MSG.network); // no check set: nothing known
  assert.match(MSG.network, /^이미지 생성 서비스에 연결할 수 없습니다\./);
  assert.doesNotMatch(MSG.network, /네트워크 연결을 확인/); // not the person's network
  assert.match(MSG.offline, /^인터넷에 연결되어 있지 않습니다\./);

  let online = false;
  setOnlineCheck(() => online);
  assert.equal(unreachable(), MSG.offline);
  assert.equal(unreachable(true), MSG.network); // an explicit answer wins over the check
  // What a failed fetch reads as follows the check too.
  const attempt = new Attempt();
  assert.deepEqual(attempt.failure(new TypeError("Failed to fetch")), { cancelled: false, message: MSG.offline });
  online = true;
  assert.deepEqual(attempt.failure(new TypeError("Failed to fetch")), { cancelled: false, message: MSG.network });
  attempt.dispose();
});
