/*
 * The goods set on the page: one card per kind in #set-results (.set-card[data-goods-type],
 * from #set-card-template) with its stage, progress bar, image, download link, retry and
 * print-file buttons, a summary, [모두 취소] and [모두 ZIP으로 받기]. The set itself (queue,
 * limit of three, retry, cancel) is core/set-runner.js; this module draws what it announces.
 *
 * A set is a batch of jobs (batch_id) and survives a reload: the address names the batch
 * (?set=), local storage keeps its kinds and each one's job as soon as it is named, and
 * IndexedDB its form (ui/storage.js), so after a reload the cards come back, jobs still
 * going are followed, and kinds not sent yet are sent. A set opened from a link on another
 * browser is rebuilt from the batch's own jobs (GET .../jobs?batch_id=).
 *
 * Each kind's upload shows its real progress (core/upload.js). A finished thumbnail opens
 * large (#zoom-dialog). Focus is never dropped: [다시 시도] hands it to its card (the button
 * hides while the kind runs again), [모두 취소] to the set's heading once the set has stopped.
 */
import {
  cancelJob, endedOutcome, fetchJob, fetchResult, isActive, jobSeconds, listJobs, openEvents, rerunJob, watchJob,
} from "../core/jobs.js";
import { noticeLines } from "../core/messages.js";
import { SET_KEY, newBatchId, pageUrl, parseSetRecord, setFromJobs, setRecord } from "../core/page-state.js";
import { CONCURRENCY, SetRunner } from "../core/set-runner.js";
import { outcomeExtension } from "../core/stream.js";
import { uploadJob } from "../core/upload.js";
import { elementsById, paragraphs, releaseBlob, revealTop, showBlob, timings } from "../ui/dom.js";
import { announceJob } from "../ui/generate-flow.js";
import { clearMessage, showMessage } from "../ui/notice.js";
import { keepSetForm, readLocal, takeSetForm, writeLocal } from "../ui/storage.js";

const ZIP_NAME = "generated-goods-set.zip";
const SET_MSG = {
  queued: "순서를 기다리는 중",
  cancelled: "취소됨",
  failed: "실패",
  zipFailed: "ZIP 파일을 만들지 못했습니다. 시안을 하나씩 내려받아 주세요.",
  unsent: "새로고침 전에 보내지 못했습니다",
  notFound: "이 굿즈 세트를 찾을 수 없습니다. 삭제되었거나 다른 브라우저에서 만든 세트일 수 있어요.",
  resumed: "굿즈 세트를 이어서 보여 드립니다.",
};

function copyForm(data) {
  const copy = new FormData();
  for (const [name, value] of data.entries()) copy.append(name, value);
  return copy;
}

/**
 * One card's job, to its outcome: a known job is followed (or, ended, read), a retried one
 * re-run (same inputs and kind), and otherwise the set's form is sent for this kind, with the
 * set's batch_id. A finished image's bytes are read now, so the ZIP can be made at the click
 * without waiting.
 */
async function runCard(config, batch, card, { input, signal, onEvent, onJob, onStarted }) {
  const apiBase = config.api_base;
  const watch = (open, jobId = "") => watchJob(apiBase, open, { jobId, signal, onEvent, onJob });
  const send = () => {
    const data = copyForm(input.data);
    data.set("goods_type", card.id);
    data.set("batch_id", batch);
    return watch((seen) => uploadJob(apiBase, data, {
      signal, onEvent: seen, online: () => navigator.onLine, uploadTimeoutS: Number(config.upload_timeout_s) || 0,
    }));
  };
  let outcome;
  if (card.job) {
    outcome = await followCard(apiBase, card.job, { signal, onStarted, watch });
  } else if (card.previousJob) {
    outcome = await watch((seen) => rerunJob(apiBase, card.previousJob, { signal, onEvent: seen }));
    if (!outcome.ok && outcome.code === "JOB_NOT_FOUND" && input) outcome = await send(); // deleted since
  } else {
    outcome = await send();
  }
  if (!outcome.ok) return outcome;
  const ext = outcomeExtension(outcome);
  const file = { name: `generated-goods-${card.id}.${ext}`, bytes: new Uint8Array(await outcome.blob.arrayBuffer()) };
  return { ...outcome, ext, file };
}

/** A card's known job: followed while it runs, else its result or error. */
async function followCard(apiBase, jobId, { signal, onStarted, watch }) {
  const found = await fetchJob(apiBase, jobId, { signal });
  if (!found.ok) return found;
  const { job } = found;
  if (isActive(job)) {
    onStarted(job.created_at * 1000);
    return watch((seen) => openEvents(apiBase, jobId, { signal, onEvent: seen }), jobId);
  }
  const outcome = endedOutcome(job) || (await fetchResult(apiBase, jobId, { signal }));
  outcome.seconds = jobSeconds(job);
  return outcome;
}

// --- One card ----------------------------------------------------------------------------

function buildCardView(template, card) {
  const node = template.content.firstElementChild.cloneNode(true);
  node.dataset.goodsType = card.id;
  const titleId = `set-card-${card.id}-title`;
  const title = node.querySelector(".set-card__title");
  title.id = titleId;
  title.textContent = card.label;
  node.setAttribute("aria-labelledby", titleId);
  const view = {
    node,
    stage: node.querySelector(".set-card__stage"),
    bar: node.querySelector(".set-card__bar"),
    time: node.querySelector(".set-card__time"),
    image: node.querySelector(".set-card__image"),
    error: node.querySelector(".set-card__error"),
    download: node.querySelector(".set-download"),
    retry: node.querySelector(".set-retry"),
    print: node.querySelector(".set-print"),
    zoom: node.querySelector(".set-card__zoom"),
  };
  view.zoom.setAttribute("aria-label", `${card.label} 시안 크게 보기`);
  view.bar.setAttribute("aria-label", `${card.label} 생성 진행률`);
  view.image.alt = `생성된 ${card.label} 시안`;
  view.download.setAttribute("aria-label", `${card.label} 시안 내려받기`);
  view.retry.setAttribute("aria-label", `${card.label} 다시 시도`);
  if (view.print) view.print.setAttribute("aria-label", `${card.label} 인쇄용 파일`);
  return view;
}

/** What every state shows or hides (the CSS keys off data-state too). */
function showState(view, state) {
  view.node.dataset.state = state;
  view.node.setAttribute("aria-busy", String(state === "running" || state === "queued"));
  view.bar.hidden = state !== "running" && state !== "queued";
  view.retry.hidden = state !== "failed" && state !== "cancelled";
  if (state !== "done") {
    view.download.hidden = true;
    view.zoom.hidden = true;
  }
  if (state !== "done" && view.print) view.print.hidden = true;
  if (state !== "failed") {
    view.error.hidden = true;
    view.error.replaceChildren();
  }
}

function renderQueued(view) {
  view.stage.textContent = SET_MSG.queued;
  view.bar.value = 0;
  view.bar.removeAttribute("aria-valuetext");
  view.time.textContent = "";
}

function renderRunning(view, progress) {
  view.stage.textContent = progress.label;
  view.bar.value = progress.value();
  view.bar.setAttribute("aria-valuetext", progress.valueText());
  view.time.textContent = `${progress.seconds()}초`;
}

function renderDone(view, card) {
  const { file, ext } = card.result;
  showBlob(view.image, card.result.blob);
  // Shown once decoded, so the card never flashes an empty frame.
  view.image.decode().catch(() => {}).then(() => {
    if (card.state === "done") view.zoom.hidden = false;
  });
  view.download.href = view.image.src;
  view.download.download = file.name;
  view.download.hidden = false;
  view.stage.textContent = `완료 · ${ext.toUpperCase()}`;
  view.bar.value = 100;
  view.time.textContent = `${card.seconds}초`;
}

function renderFailed(view, card) {
  view.stage.textContent = SET_MSG.failed;
  const { message, requestId } = card.error;
  view.error.replaceChildren(...paragraphs(noticeLines(message, requestId), "set-card__message", "set-card__meta"));
  view.error.hidden = false;
}

// --- The set -------------------------------------------------------------------------------

/** "3개 중 2개 완료 · 실패 1개 · 시드 11" */
function summaryText(runner, seedValue = "") {
  const { total, done, failed } = runner.counts();
  const seed = seedValue === "" ? "" : ` · 시드 ${seedValue}`;
  const failedText = failed ? ` · 실패 ${failed}개` : "";
  return `${total}개 중 ${done}개 완료${failedText}${seed}`;
}

/**
 * Save the finished images as one ZIP. They are already in the page, so the ZIP is built
 * right here: sending them to a server to be zipped would upload every image again and
 * download it twice.
 * @param {{ result: { file: { name: string, bytes: Uint8Array } } }[]} cards the done cards
 */
function saveZip(cards) {
  const files = {};
  for (const card of cards) files[card.result.file.name] = card.result.file.bytes;
  if (!Object.keys(files).length) return;
  let zipped;
  try {
    // level 0 (stored): PNG, JPEG and WEBP are compressed already.
    zipped = globalThis.fflate.zipSync(files, { level: 0 });
  } catch (_) {
    showMessage(SET_MSG.zipFailed);
    return;
  }
  const url = URL.createObjectURL(new Blob([zipped], { type: "application/zip" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = ZIP_NAME;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Draws goods sets in #set-results: the cards, the summary, [모두 취소] and the ZIP. */
export class SetView {
  #views = new Map(); // card → its elements
  #ticker = 0;
  #batch = "";
  #seedValue = "";

  /**
   * @param {object} options
   * @param {Record<string, any>} options.config the page config (api_base, waits)
   * @param {() => Promise<{ data: FormData, seedValue: string } | null>} options.collect the
   *   form again (retrying a kind that was never sent, once the page was reloaded)
   * @param {{ offers: (kind: string) => boolean, open: (kind: string, opener: HTMLElement) => void } | null} [options.print]
   * @param {{ open: (view: { src: string, title: string, filename: string }, opener: HTMLElement) => void } | null} [options.zoom]
   */
  constructor({ config, collect, print = null, zoom = null }) {
    this.config = config;
    this.collect = collect;
    this.print = print;
    this.zoom = zoom;
    this.el = elementsById(["set-grid", "set-card-template", "set-empty", "set-summary", "set-live",
      "download-zip", "zip-count", "set-cancel", "set-heading"]);
    /** The set itself; its "busychange" tells the page when a set holds the form. */
    this.runner = new SetRunner({
      generate: (card, request) => runCard(config, this.#batch, card, request),
      cancelJob: (id) => cancelJob(config.api_base, id),
      ...timings(config),
    });
    this.runner.addEventListener("start", (event) => this.#onStart(event.detail.cards));
    this.runner.addEventListener("cardchange", (event) => this.#onCardChange(event.detail));
    this.runner.addEventListener("busychange", (event) => this.#onBusyChange(event.detail.busy));
    this.el.downloadZip.addEventListener("click", () => saveZip(this.runner.doneCards()));
    this.el.setCancel.addEventListener("click", () => this.runner.cancelAll());
    this.runner.addEventListener("cardchange", (event) => {
      if (event.detail.change === "progress") this.#trackUpload(event.detail.card);
    });
    // fflate is the vendored classic script (vendor/fflate.js) loaded before the page module.
    if (!globalThis.fflate) this.el.downloadZip.disabled = true;
  }

  /** The set's batch id ("" before one). */
  get batch() {
    return this.#batch;
  }

  /**
   * Start a set from the collected form: one card per kind (refused while one runs).
   * @param {{ data: FormData, seedValue: string }} request
   * @param {{ id: string, label: string }[]} kinds
   */
  start(request, kinds) {
    if (this.runner.busy) return;
    this.#batch = newBatchId();
    this.#seedValue = request.seedValue;
    if (!this.runner.start(kinds, request)) return;
    this.#remember();
    keepSetForm(this.#batch, request.data);
    this.el.setSummary.textContent = this.#summary();
    revealTop(this.el.setGrid, 0.7, "nearest");
  }

  /**
   * Take up the set the address names (after a reload, or a link): from the record this
   * browser kept, else from the jobs of that batch in the list.
   * @param {string} batch
   * @param {() => Record<string, string>} labels goods kind id → name
   * @returns {Promise<{ id: string, label: string }[] | null>} its kinds, or null (not found)
   */
  async resume(batch, labels) {
    let record = parseSetRecord(readLocal(SET_KEY), batch);
    if (!record) {
      // The batch's own jobs, newest first (one page holds a set: at most SET_MAX kinds, each
      // retried a few times).
      const listed = await listJobs(this.config.api_base, { limit: 100, batchId: batch });
      record = listed.ok ? setFromJobs(listed.jobs, batch, labels()) : null;
    }
    if (!record) {
      showMessage(SET_MSG.notFound, { tone: "info" });
      window.history.replaceState(window.history.state, "", pageUrl(window.location.href, { set: "" }));
      return null;
    }
    const data = await takeSetForm(batch);
    this.#batch = batch;
    this.#seedValue = record.seedValue;
    this.runner.resume(record.cards, data ? { data, seedValue: record.seedValue } : null);
    this.el.setSummary.textContent = this.#summary();
    this.el.setLive.textContent = SET_MSG.resumed;
    return record.cards.map(({ id, label }) => ({ id, label }));
  }

  /** Keep the set (its kinds and jobs) for a reload, and name it in the address. */
  #remember() {
    const cards = this.runner.cards;
    writeLocal(SET_KEY, setRecord({ batch: this.#batch, seedValue: this.#seedValue, cards }));
    const next = pageUrl(window.location.href, { set: this.#batch, job: "" });
    window.history.replaceState(window.history.state, "", next);
  }

  #summary() {
    return summaryText(this.runner, this.#seedValue);
  }

  async #retry(card) {
    const view = this.#views.get(card);
    const hadFocus = Boolean(view) && document.activeElement === view.retry;
    if (card.unsent && !this.runner.input) {
      // Reloaded before this kind was sent, and the form was not kept: the form again.
      const request = await this.collect();
      if (!request) return;
      this.runner.useInput(request);
      keepSetForm(this.#batch, request.data);
    }
    if (!this.runner.retry(card)) return;
    // [다시 시도] has just hidden (the kind is queued again): its card holds the focus.
    if (hadFocus && view) view.node.focus();
    clearMessage();
    this.el.setSummary.textContent = this.#summary();
    this.el.setLive.textContent = `${card.label}: 다시 시도합니다`;
  }

  #updateZip() {
    const count = this.runner.doneCards().length;
    this.el.downloadZip.hidden = count === 0;
    this.el.zipCount.textContent = count ? `(${count}개)` : "";
  }

  #onStart(cards) {
    for (const view of this.#views.values()) releaseBlob(view.image);
    this.#views = new Map(cards.map((card) => [card, buildCardView(this.el.setCardTemplate, card)]));
    for (const [card, view] of this.#views) {
      view.retry.addEventListener("click", () => this.#retry(card));
      view.zoom.addEventListener("click", () => this.zoom && card.result && this.zoom.open({
        src: view.image.src, title: `${card.label} 시안`, filename: card.result.file.name,
      }, view.zoom));
      if (view.print) view.print.addEventListener("click", () => this.print && this.print.open(card.id, view.print));
    }
    this.el.setGrid.replaceChildren(...Array.from(this.#views.values(), (view) => view.node));
    this.el.setEmpty.hidden = true;
    this.#updateZip();
    this.el.setLive.textContent = `굿즈 ${cards.length}종 생성을 시작합니다. 한 번에 ${CONCURRENCY}개씩 만듭니다.`;
  }

  #onCardChange({ card, change }) {
    const view = this.#views.get(card);
    if (!view) return;
    if (change === "progress") {
      renderRunning(view, card.progress);
      return;
    }
    if (change === "job") {
      this.#remember();
      announceJob(card.job);
      return;
    }
    showState(view, card.state);
    if (card.state === "queued") {
      renderQueued(view);
      this.#updateZip(); // a retried card had no image to zip
      this.#remember(); // its old job is no longer the card's
    } else if (card.state === "running") {
      renderRunning(view, card.progress);
    } else if (card.state === "done") {
      renderDone(view, card);
      if (view.print) view.print.hidden = !(this.print && this.print.offers(card.id));
      this.el.setLive.textContent = `${card.label}: 완료`;
      this.#updateZip();
    } else if (card.state === "failed") {
      renderFailed(view, card);
      this.el.setLive.textContent = `${card.label}: ${SET_MSG.failed}. ${card.error.message}`;
    } else if (card.state === "cancelled") {
      view.stage.textContent = card.unsent ? SET_MSG.unsent : SET_MSG.cancelled;
    }
    if (card.state !== "queued" && card.state !== "running") announceJob(card.job);
  }

  /** The running cards' clocks, once a second while the set is busy. */
  #tick() {
    for (const [card, view] of this.#views) if (card.state === "running") renderRunning(view, card.progress);
  }

  /** A card's upload going, or not any more: [모두 취소] cancels it at once while it is. */
  #trackUpload(card) {
    const attempt = this.runner.attemptOf(card);
    if (attempt && card.progress) attempt.uploading(card.progress.stage === "upload");
  }

  #onBusyChange(busy) {
    // [모두 취소] hides once the set has stopped: the focus goes to the set's heading.
    const hadFocus = !busy && document.activeElement === this.el.setCancel;
    this.el.setCancel.hidden = !busy;
    if (hadFocus) this.el.setHeading.focus();
    if (busy) this.#ticker = setInterval(() => this.#tick(), 1000);
    else clearInterval(this.#ticker);
    if (!busy && this.runner.cards.length) {
      this.el.setSummary.textContent = this.#summary();
      this.el.setLive.textContent = `굿즈 세트: ${this.#summary()}`;
    }
  }
}
