/*
 * What the generate request's events mean for the progress label and bar: used by the
 * single result panel and by each goods set card. No DOM: tested in Node.
 */
import { MSG } from "./messages.js";
import { uploadLabel } from "./upload.js";

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

/**
 * A provider status in Korean, and whether its fraction is worth showing.
 * @param {string} status
 * @param {number|null} fraction
 * @returns {{ label: string, percent: boolean }}
 */
export function describeStatus(status, fraction) {
  const key = String(status || "").toLowerCase();
  if (key === "pending" && fraction > 0) return { label: "생성 중", percent: true }; // BFL: queued, then working
  return STATUSES[key] || { label: "생성 중", percent: true };
}

const fractionOf = (value) =>
  typeof value === "number" && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : null;

/**
 * One generation's progress: events move the stage; without a provider fraction the bar
 * follows elapsed / expected time (at most 95%). Two phases: while the pictures are sent
 * ("upload", "uploaded": core/upload.js) the bar is the upload's real fraction; from the
 * job's first event on it is the generation's, counted from then, and never goes backwards.
 */
export class Progress {
  /**
   * @param {number} expectedSeconds the page's expected wait (PPL ~90 s, goods ~60 s)
   * @param {() => number} [now] clock in ms (tests pass a fake one)
   */
  constructor(expectedSeconds, now = Date.now) {
    this.now = now;
    this.expected = Math.max(1, Number(expectedSeconds) || 60);
    this.started = now();
    this.stage = "sending"; // changes are what is worth announcing
    this.label = MSG.working;
    this.floor = 0;
    this.fraction = null;
    this.shown = 0;
    this.finished = false;
    this.sent = null; // the upload's fraction 0..1 while it is the phase (null: unknown)
    this.generating = null; // when the generation phase started (ms; null: not yet)
  }

  /** Whether the pictures are still on their way (or being checked), not yet a job. */
  get uploading() {
    return this.stage === "upload" || this.stage === "uploaded";
  }

  /**
   * Count from an earlier start: a job followed again after a reload started before the
   * page did (its created_at, in ms).
   * @param {number} startedMs
   */
  since(startedMs) {
    if (Number.isFinite(startedMs) && startedMs > 0) {
      this.started = Math.min(this.now(), startedMs);
      this.generating = this.started;
    }
  }

  /** Whole seconds since the start. */
  seconds() {
    return Math.max(0, Math.floor((this.now() - this.started) / 1000));
  }

  /** Apply one event; true when the stage changed (not for a mere percent update). */
  event(name, data = {}) {
    const before = this.stage;
    if (name === "upload" || name === "uploaded") {
      if (this.generating !== null) return false; // a late upload report once the job runs
      const total = Number(data.total) || 0;
      this.sent = total > 0 ? Math.min(1, (Number(data.loaded) || 0) / total) : null;
      if (name === "uploaded") {
        this.sent = 1;
        this.stage = "uploaded";
        this.label = "이미지 확인 중";
      } else {
        this.stage = "upload";
        this.label = uploadLabel({ loaded: Number(data.loaded) || 0, total });
      }
      return this.stage !== before;
    }
    if (this.generating === null) this.generating = this.now();
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
    if (this.uploading) return this.sent === null ? 0 : Math.round(this.sent * 1000) / 10;
    if (this.stage === "done") return (this.shown = 100);
    const since = this.generating === null ? this.started : this.generating;
    const generatingFor = Math.max(0, (this.now() - since) / 1000);
    const estimate = this.fraction !== null
      ? this.fraction * 100 // the provider's own fraction
      : Math.min(95, (generatingFor / this.expected) * 100);
    this.shown = Math.max(this.shown, this.floor, estimate);
    return this.shown;
  }

  /** Past the expected wait (of the generation, not the upload), still without a result. */
  slow() {
    if (this.finished || this.generating === null) return false;
    return (this.now() - this.generating) / 1000 > this.expected;
  }

  /** The bar's aria-valuetext. */
  valueText() {
    return `${this.label}, ${this.seconds()}초 경과`;
  }
}
