/*
 * text/event-stream parsing for the generate request (stream.js). EventSource cannot
 * POST multipart, so the body is read with fetch() and fed here as it arrives.
 * No DOM: tested in Node (tests/js/event-parser.test.mjs).
 */

/**
 * Incremental parser: feed() decoded text as it arrives, get back complete events
 * ({ event, data }, plus `id` once the stream has named one). Lines end in \n, \r\n or \r;
 * "data:" lines are joined with \n; comment lines (": keep-alive") are counted and otherwise
 * ignored. As in the EventSource standard, an "id:" line sets the last event id, which every
 * later event carries until another "id:" line changes it: what a follower that reconnects
 * sends back as Last-Event-ID (a job's events, webtoon_core/streaming.py).
 */
export class EventParser {
  constructor() {
    this.buffer = "";
    this.scanFrom = 0; // where the next search for a line end starts (no rescanning)
    this.comments = 0;
    this.name = "";
    this.data = [];
    this.lastId = "";
  }

  /**
   * Add text; returns the events it completed.
   * @param {string} text
   * @param {boolean} [final] the stream has ended: flush a last event without its blank line
   * @returns {{ event: string, data: string }[]}
   */
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

  /** One complete line; returns the event a blank line completes, else null. */
  line(line) {
    if (line === "") {
      let event = null;
      if (this.data.length) {
        event = { event: this.name || "message", data: this.data.join("\n") };
        if (this.lastId) event.id = this.lastId;
      }
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
    else if (field === "id" && !value.includes("\0")) this.lastId = value;
    return null; // "retry" means nothing here: reconnecting is the caller's (core/jobs.js)
  }
}
