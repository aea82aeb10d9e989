"use strict";
/*
 * The generate request as a live event stream (window.WebtoonStream), shared by both pages.
 *
 * POST {api_base}/generate with "Accept: text/event-stream" answers
 *   accepted → prepared → submitted → progress* → done | error
 * (see webtoon_core/streaming.py). EventSource cannot POST multipart, so the body is read
 * with fetch() + getReader() + TextDecoder and parsed by EventParser below.
 *
 * Fallback: a browser without readable streams sends the plain request, and an answer that
 * is not text/event-stream (an older server, a proxy's JSON or HTML error page) is read the
 * plain way: image bytes, or a JSON error {"error": {"code", "message", "request_id"}}.
 *
 * generate() resolves to an outcome, the same shape for both paths:
 *   { ok: true,  blob, type, filename, requestId }
 *   { ok: false, message, requestId, code, status }
 * and rejects only when the fetch itself fails or is aborted (cancel, client time limit).
 */
(function () {
  const EVENT_STREAM = "text/event-stream";
  const MSG = {
    unreadable: "서버 응답을 이해하지 못했습니다",
    cutOff: "서버와의 연결이 결과를 받기 전에 끊겼습니다. 다시 시도해 주세요.",
    working: "이미지를 만들고 있어요",
  };

  // --- text/event-stream parsing -----------------------------------------------------------

  /**
   * Incremental parser: feed() decoded text as it arrives, get back complete events
   * ({ event, data }). Lines end in \n, \r\n or \r; "data:" lines are joined with \n;
   * comment lines (": keep-alive") are counted and otherwise ignored.
   */
  class EventParser {
    constructor() {
      this.buffer = "";
      this.scanFrom = 0; // where the next search for a line end starts (no rescanning)
      this.comments = 0;
      this.name = "";
      this.data = [];
    }

    feed(text, final = false) {
      this.buffer += text;
      const events = [];
      const eol = /\r\n|\r|\n/g;
      eol.lastIndex = this.scanFrom;
      let lineStart = 0;
      let heldCR = false;
      let match;
      while ((match = eol.exec(this.buffer))) {
        if (match[0] === "\r" && eol.lastIndex === this.buffer.length && !final) {
          heldCR = true; // may be the first half of a \r\n split across two chunks
          break;
        }
        const event = this.line(this.buffer.slice(lineStart, match.index));
        if (event) events.push(event);
        lineStart = eol.lastIndex;
      }
      this.buffer = this.buffer.slice(lineStart);
      this.scanFrom = heldCR ? this.buffer.length - 1 : this.buffer.length;
      if (final) {
        // Lenient at the end: a last event without its blank line still counts.
        if (this.buffer) this.line(this.buffer);
        const event = this.line("");
        if (event) events.push(event);
        this.buffer = "";
        this.scanFrom = 0;
      }
      return events;
    }

    line(line) {
      if (line === "") {
        const event = this.data.length ? { event: this.name || "message", data: this.data.join("\n") } : null;
        this.name = "";
        this.data = [];
        return event;
      }
      if (line[0] === ":") {
        this.comments += 1; // heartbeat
        return null;
      }
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
      if (field === "event") this.name = value;
      else if (field === "data") this.data.push(value);
      return null; // "id" and "retry" mean nothing for a one-shot POST
    }
  }

  // --- Responses -----------------------------------------------------------------------------

  const mediaType = (response) =>
    (response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();

  function httpMessage(status) {
    const later = "잠시 후 다시 시도해 주세요.";
    if (status === 413) return `업로드한 이미지가 너무 큽니다 (HTTP ${status}). 더 작은 이미지로 다시 시도해 주세요.`;
    if (status === 429) return `요청이 많아 지금은 처리할 수 없습니다 (HTTP ${status}). ${later}`;
    if (status >= 500) return `서버에서 이미지를 만들지 못했습니다 (HTTP ${status}). ${later}`;
    return `이미지를 생성하지 못했습니다 (HTTP ${status}).`;
  }

  /** A non-2xx plain answer: the JSON error's message and request id, else a message for the status. */
  async function errorFromResponse(response) {
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

  /** The answer without events: image bytes, or an error. */
  async function readPlain(response) {
    const type = mediaType(response);
    const requestId = response.headers.get("X-Request-ID") || "";
    if (response.ok && type.startsWith("image/")) {
      return { ok: true, blob: await response.blob(), type, filename: filenameFrom(response), requestId };
    }
    if (response.ok) {
      return { ok: false, message: `${MSG.unreadable} (HTTP ${response.status}).`, requestId, code: "", status: response.status };
    }
    return errorFromResponse(response);
  }

  /** "data:image/png;base64,..." → Blob, decoded here (CSP's connect-src does not allow fetching data: URLs). */
  function dataUrlToBlob(url) {
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
    try {
      const blob = dataUrlToBlob(data.image);
      const type = String(data.media_type || blob.type).toLowerCase();
      return { ok: true, blob, type, filename: String(data.filename || ""), requestId: data.request_id || requestId };
    } catch (_) {
      return { ok: false, message: `${MSG.unreadable}.`, requestId: data.request_id || requestId, code: "", status: 200 };
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

  /** Read events until done or error, telling onEvent(name, data) about each one. */
  async function readEvents(response, onEvent) {
    const parser = new EventParser();
    let requestId = response.headers.get("X-Request-ID") || "";
    let outcome = null;
    const handle = (events) => {
      for (const { event, data } of events) {
        let payload;
        try {
          payload = JSON.parse(data);
        } catch (_) {
          continue; // not ours
        }
        if (!payload || typeof payload !== "object") continue;
        if (payload.request_id) requestId = payload.request_id;
        if (event === "done") outcome = doneOutcome(payload, requestId);
        else if (event === "error") outcome = errorOutcome(payload, requestId);
        onEvent(event, payload);
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
    return outcome || { ok: false, message: MSG.cutOff, requestId, code: "", status: 0 };
  }

  const canStream = () =>
    typeof ReadableStream === "function" && typeof TextDecoder === "function" &&
    typeof Response === "function" && "body" in Response.prototype;

  /** POST the form; events when the server and the browser can, the plain answer otherwise. */
  async function generate(url, body, { signal, onEvent = () => {} } = {}) {
    const headers = canStream() ? { Accept: `${EVENT_STREAM}, image/*;q=0.9, application/json;q=0.8` } : {};
    const response = await fetch(url, { method: "POST", body, signal, headers });
    if (mediaType(response) === EVENT_STREAM) return readEvents(response, onEvent);
    return readPlain(response);
  }

  // --- Stages: what the events mean for the progress label and bar ------------------------

  // Provider statuses (BFL Pending/Ready, Replicate starting/processing/succeeded, the local
  // engine's rendering/rendered) in Korean; `percent`: show the fraction after the label.
  const STATUSES = {
    pending: { label: "대기 중", percent: false },
    ready: { label: "생성 완료, 결과 받는 중", percent: false },
    starting: { label: "시작 중", percent: false },
    processing: { label: "생성 중", percent: true },
    succeeded: { label: "생성 완료, 결과 받는 중", percent: false },
    rendering: { label: "미리보기 렌더링", percent: true },
    rendered: { label: "미리보기 렌더링 완료", percent: false },
  };

  function describeStatus(status, fraction) {
    const key = String(status || "").toLowerCase();
    if (key === "pending" && fraction > 0) return { label: "생성 중", percent: true }; // BFL: queued, then working
    return STATUSES[key] || { label: "생성 중", percent: true };
  }

  const fractionOf = (value) =>
    typeof value === "number" && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : null;

  /**
   * One generation's progress: events move the stage; without a provider fraction the bar
   * follows elapsed / expected time (at most 95%) as before. The bar never goes backwards.
   */
  class Progress {
    constructor(expectedSeconds) {
      this.expected = Math.max(1, Number(expectedSeconds) || 60);
      this.started = Date.now();
      this.stage = "sending"; // changes are what is worth announcing
      this.label = MSG.working;
      this.floor = 0;
      this.fraction = null;
      this.shown = 0;
      this.finished = false;
    }

    seconds() {
      return Math.max(0, Math.floor((Date.now() - this.started) / 1000));
    }

    /** Apply one event; true when the stage changed (not for a mere percent update). */
    event(name, data = {}) {
      const before = this.stage;
      if (name === "accepted") this.move("accepted", "접수됨", 3);
      else if (name === "prepared") this.move("prepared", "이미지 준비 완료", 6);
      else if (name === "submitted") this.move("submitted", "생성 요청 전송", 10);
      else if (name === "progress") {
        const fraction = fractionOf(data.progress);
        const status = describeStatus(data.status, fraction);
        if (fraction !== null) this.fraction = fraction;
        const showPercent = fraction !== null && status.percent;
        this.stage = `progress:${status.label}`;
        this.label = showPercent ? `${status.label} ${Math.round(fraction * 100)}%` : status.label;
        this.floor = Math.max(this.floor, 10);
      } else if (name === "done") {
        this.stage = "done";
        this.label = "완료";
        this.finished = true;
      } else if (name === "error") {
        this.stage = "error";
        this.label = "실패";
        this.finished = true;
      }
      return this.stage !== before;
    }

    move(stage, label, floor) {
      this.stage = stage;
      this.label = label;
      this.floor = Math.max(this.floor, floor);
    }

    /** Bar value 0..100. */
    value() {
      if (this.stage === "done") return (this.shown = 100);
      const estimate = this.fraction !== null
        ? this.fraction * 100 // the provider's own fraction
        : Math.min(95, (this.seconds() / this.expected) * 100);
      this.shown = Math.max(this.shown, this.floor, estimate);
      return this.shown;
    }

    /** Past the expected wait, still without a result. */
    slow() {
      return !this.finished && this.seconds() > this.expected;
    }

    valueText() {
      return `${this.label}, ${this.seconds()}초 경과`;
    }
  }

  window.WebtoonStream = {
    EventParser, Progress, generate, readEvents, readPlain, errorFromResponse, httpMessage, dataUrlToBlob,
    describeStatus,
  };
})();
