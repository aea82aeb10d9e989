// The event-stream parser and the stream reader built on it (frontends/static/js/core/).
import { test } from "node:test";
import assert from "node:assert/strict";

import { EventParser } from "../../frontends/static/js/core/event-parser.js";
import { readEvents } from "../../frontends/static/js/core/stream.js";

const STREAM = [
  'event: accepted\ndata: {"request_id":"r1"}\n\n',
  ": keep-alive\n\n",
  'event: progress\ndata: {"status":"Pending","progress":0.4}\n\n',
  'event: done\ndata: {"image":"data:image/png;base64,iVBORw0KGgo=","filename":"x.png"}\n\n',
].join("");

/** Feed `chunks` in order, then end the stream; every event completed along the way. */
function parseAll(chunks, { final = true } = {}) {
  const parser = new EventParser();
  const events = [];
  for (const chunk of chunks) events.push(...parser.feed(chunk));
  if (final) events.push(...parser.feed("", true));
  return { events, parser };
}

test("a whole stream gives its events in order, with the event names", () => {
  const { events, parser } = parseAll([STREAM]);
  assert.deepEqual(events.map((e) => e.event), ["accepted", "progress", "done"]);
  assert.deepEqual(JSON.parse(events[1].data), { status: "Pending", progress: 0.4 });
  assert.equal(parser.comments, 1);
});

test("every chunk boundary gives the same events as the whole stream", () => {
  const whole = parseAll([STREAM]).events;
  for (let cut = 1; cut < STREAM.length; cut += 1) {
    const { events } = parseAll([STREAM.slice(0, cut), STREAM.slice(cut)]);
    assert.deepEqual(events, whole, `cut at ${cut}`);
  }
});

test("one character at a time gives the same events", () => {
  assert.deepEqual(parseAll([...STREAM]).events, parseAll([STREAM]).events);
});

test("an event split across chunks is returned only once it is complete", () => {
  const parser = new EventParser();
  assert.deepEqual(parser.feed("event: prog"), []);
  assert.deepEqual(parser.feed('ress\ndata: {"a"'), []);
  assert.deepEqual(parser.feed(":1}\n"), []); // no blank line yet
  assert.deepEqual(parser.feed("\n"), [{ event: "progress", data: '{"a":1}' }]);
});

test("CRLF and lone CR end lines too, also when \\r\\n is split between chunks", () => {
  const crlf = 'event: accepted\r\ndata: {"x":1}\r\n\r\n';
  assert.deepEqual(parseAll([crlf]).events, [{ event: "accepted", data: '{"x":1}' }]);
  const cr = 'event: accepted\rdata: {"x":1}\r\r';
  assert.deepEqual(parseAll([cr]).events, [{ event: "accepted", data: '{"x":1}' }]);
  // "\r" at the end of a chunk is held: it may be the first half of "\r\n" (not a blank line).
  const parser = new EventParser();
  assert.deepEqual(parser.feed('data: {"x":1}\r'), []);
  assert.deepEqual(parser.feed("\ndata: more\r"), []);
  assert.deepEqual(parser.feed("\n\r\n"), [{ event: "message", data: '{"x":1}\nmore' }]);
});

test("comments (heartbeats) are counted and produce no event", () => {
  const { events, parser } = parseAll([": keep-alive\n\n:\n\n: ping\n"]);
  assert.deepEqual(events, []);
  assert.equal(parser.comments, 3);
});

test("several data lines are joined with \\n; a missing event name is 'message'", () => {
  const { events } = parseAll(["data: first\ndata:second\ndata\n\n"]);
  assert.deepEqual(events, [{ event: "message", data: "first\nsecond\n" }]);
});

test("retry and unknown fields are ignored; an event without data is none; the id carries on", () => {
  const { events } = parseAll(["id: 7\nretry: 10\nfoo: bar\nevent: lonely\n\nevent: x\ndata: 1\n\n"]);
  assert.deepEqual(events, [{ event: "x", data: "1", id: "7" }]); // the last id, as EventSource keeps it
});

test("each event carries the last id the stream named (what Last-Event-ID sends back)", () => {
  const { events, parser } = parseAll(["id: 1\ndata: a\n\ndata: b\n\nid: 3\ndata: c\n\nid: 4\u0000\ndata: d\n\n"]);
  assert.deepEqual(events.map((e) => [e.data, e.id]), [["a", "1"], ["b", "1"], ["c", "3"], ["d", "3"]]); // NUL: ignored
  assert.equal(parser.lastId, "3");
  assert.equal("id" in parseAll(["data: plain\n\n"]).events[0], false); // a stream without ids
});

test("a stream that ends mid-event still gives the event it has, at the end only", () => {
  const parser = new EventParser();
  assert.deepEqual(parser.feed('event: done\ndata: {"ok":true}'), []);
  assert.deepEqual(parser.feed("", true), [{ event: "done", data: '{"ok":true}' }]);
  assert.equal(parser.buffer, "");
});

test("a stream that ends after a lone \\r treats it as a line end", () => {
  const parser = new EventParser();
  assert.deepEqual(parser.feed("data: 1\r"), []);
  assert.deepEqual(parser.feed("", true), [{ event: "message", data: "1" }]);
});

// --- readEvents over a real (Node) Response ---------------------------------------------------

function eventStream(chunks, headers = {}) {
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(typeof chunk === "string" ? encoder.encode(chunk) : chunk);
      controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream", ...headers } });
}

test("readEvents: done becomes an image outcome; every event is reported on the way", async () => {
  const seen = [];
  const outcome = await readEvents(eventStream([STREAM.slice(0, 30), STREAM.slice(30)]), (name) => seen.push(name));
  assert.deepEqual(seen, ["accepted", "progress", "done"]);
  assert.equal(outcome.ok, true);
  assert.equal(outcome.type, "image/png");
  assert.equal(outcome.filename, "x.png");
  assert.equal(outcome.requestId, "r1");
  assert.equal(outcome.blob.size, 8);
});

test("readEvents: a UTF-8 character split across chunks is decoded whole", async () => {
  const bytes = new TextEncoder().encode('event: error\ndata: {"message":"차단","status":422}\n\n');
  const cut = bytes.indexOf(0xec) + 1; // inside the first Hangul syllable
  const outcome = await readEvents(eventStream([bytes.slice(0, cut), bytes.slice(cut)]), () => {});
  assert.deepEqual(
    { ok: outcome.ok, message: outcome.message, status: outcome.status },
    { ok: false, message: "차단", status: 422 },
  );
});

test("readEvents: a stream cut off before done or error is a failed outcome, not a hang", async () => {
  const outcome = await readEvents(
    eventStream(['event: accepted\ndata: {"request_id":"r9"}\n\n', 'event: done\ndata: {"image":"data:ima']),
    () => {},
  );
  assert.equal(outcome.ok, false);
  assert.equal(outcome.requestId, "r9");
  assert.match(outcome.message, /연결이 결과를 받기 전에 끊겼습니다/);
});

test("readEvents: data that is not JSON is skipped", async () => {
  const outcome = await readEvents(eventStream(["data: hello\n\n", 'event: error\ndata: {"code":"X"}\n\n']), () => {});
  assert.equal(outcome.ok, false);
  assert.equal(outcome.code, "X");
  assert.match(outcome.message, /HTTP 500/); // no message of its own: the status's
});
