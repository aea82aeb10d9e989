// The plain answers, giving up (Attempt) and the progress stages (frontends/static/js/core/).
import { test } from "node:test";
import assert from "node:assert/strict";

import { MSG, UserError, noticeLines } from "../../frontends/static/js/core/messages.js";
import { Progress, describeStatus } from "../../frontends/static/js/core/progress.js";
import {
  Attempt, dataUrlToBlob, errorFromResponse, generate, httpMessage, outcomeExtension, readPlain,
} from "../../frontends/static/js/core/stream.js";

test("a plain image answer is a successful outcome with its file name and request id", async () => {
  const response = new Response(new Uint8Array([1, 2, 3]), {
    headers: {
      "Content-Type": "image/png",
      "Content-Disposition": 'inline; filename="generated-ppl-image.png"',
      "X-Request-ID": "plain-1",
    },
  });
  const outcome = await readPlain(response);
  assert.deepEqual(
    { ok: outcome.ok, type: outcome.type, filename: outcome.filename, requestId: outcome.requestId, size: outcome.blob.size },
    { ok: true, type: "image/png", filename: "generated-ppl-image.png", requestId: "plain-1", size: 3 },
  );
});

test("a JSON error keeps the server's message, code and request id", async () => {
  const body = { error: { code: "CONTENT_MODERATED", message: "안전성 검사에서 차단되었습니다.", request_id: "req-json-1" } };
  const outcome = await readPlain(new Response(JSON.stringify(body), { status: 422, headers: { "Content-Type": "application/json" } }));
  assert.deepEqual(outcome, {
    ok: false, message: "안전성 검사에서 차단되었습니다.", requestId: "req-json-1", code: "CONTENT_MODERATED", status: 422,
  });
});

test("a proxy's HTML error page gets a Korean message for its status", async () => {
  const response = new Response("<html>Bad Gateway</html>", { status: 502, headers: { "X-Request-ID": "px" } });
  const outcome = await errorFromResponse(response);
  assert.equal(outcome.message, "서버에서 이미지를 만들지 못했습니다 (HTTP 502). 잠시 후 다시 시도해 주세요.");
  assert.equal(outcome.requestId, "px");
  assert.match(httpMessage(413), /너무 큽니다/);
  assert.match(httpMessage(429), /요청이 많아/);
  assert.equal(httpMessage(404), "이미지를 생성하지 못했습니다 (HTTP 404).");
  const odd = await readPlain(new Response("ok", { status: 200, headers: { "Content-Type": "text/plain" } }));
  assert.equal(odd.message, "서버 응답을 이해하지 못했습니다 (HTTP 200).");
});

test("generate() asks for events and reads whichever answer comes", async (t) => {
  const seen = [];
  t.mock.method(globalThis, "fetch", async (url, init) => {
    seen.push([url, init.method, init.headers.Accept]);
    return new Response('event: error\ndata: {"message":"no","status":503}\n\n', {
      headers: { "Content-Type": "text/event-stream; charset=utf-8" },
    });
  });
  const outcome = await generate("/api/goods-gen/generate", new FormData());
  assert.deepEqual(seen, [["/api/goods-gen/generate", "POST", "text/event-stream, image/*;q=0.9, application/json;q=0.8"]]);
  assert.deepEqual([outcome.ok, outcome.message, outcome.status], [false, "no", 503]);
});

test("data URLs decode to blobs; the extension comes from the type, else the file name", async () => {
  const blob = dataUrlToBlob("data:image/webp;base64,AAEC");
  assert.equal(blob.type, "image/webp");
  assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [0, 1, 2]);
  assert.equal(await dataUrlToBlob("data:text/plain,a%20b").text(), "a b");
  assert.throws(() => dataUrlToBlob("https://example.com/x.png"));
  assert.equal(outcomeExtension({ type: "image/jpeg", filename: "x.png" }), "jpg");
  assert.equal(outcomeExtension({ type: "image/avif", filename: "generated-goods.avif" }), "avif");
  assert.equal(outcomeExtension({ type: "", filename: "" }), "png");
});

test("Attempt: cancel, the time limit and a failed fetch each read as their own message", async () => {
  const cancelled = new Attempt();
  cancelled.cancel();
  assert.equal(cancelled.signal.aborted, true);
  assert.deepEqual(cancelled.failure(new DOMException("x", "AbortError")), { cancelled: true, message: MSG.cancelled });

  const late = new Attempt();
  late.limit(5);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(late.signal.aborted, true);
  assert.deepEqual(late.failure(new DOMException("x", "AbortError")), { cancelled: false, message: MSG.timeout });
  assert.equal(MSG.timeout, "이미지 생성 시간이 초과되었습니다");

  const offline = new Attempt();
  offline.limit(1000);
  offline.dispose(); // settled in time: the limit never fires
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(offline.signal.aborted, false);
  assert.deepEqual(offline.failure(new TypeError("Failed to fetch")), { cancelled: false, message: MSG.network });
  assert.deepEqual(offline.failure(new UserError("고칠 것")), { cancelled: false, message: "고칠 것" });
});

test("notice lines: the message, then the request id when there is one", () => {
  assert.deepEqual(noticeLines("실패", "req-1"), ["실패", "요청 ID: req-1"]);
  assert.deepEqual(noticeLines("실패"), ["실패"]);
});

test("progress: stages set a floor, the provider's fraction wins, done is 100", () => {
  let now = 0;
  const progress = new Progress(60, () => now);
  assert.equal(progress.label, MSG.working);
  assert.equal(progress.event("accepted"), true);
  assert.equal(progress.value(), 3);
  now = 30_000;
  assert.equal(progress.value(), 50); // half the expected wait, no fraction yet
  assert.equal(progress.event("progress", { status: "Pending", progress: 0.2 }), true);
  assert.equal(progress.label, "생성 중 20%");
  assert.equal(progress.value(), 50); // never backwards
  assert.equal(progress.event("progress", { status: "Pending", progress: 0.7 }), false); // same stage
  assert.equal(progress.value(), 70);
  now = 61_000;
  assert.equal(progress.slow(), true);
  assert.equal(progress.valueText(), "생성 중 70%, 61초 경과");
  progress.event("done");
  assert.equal(progress.value(), 100);
  assert.equal(progress.slow(), false);
  assert.deepEqual(describeStatus("starting", null), { label: "시작 중", percent: false });
  assert.deepEqual(describeStatus("pending", 0), { label: "대기 중", percent: false });
});
