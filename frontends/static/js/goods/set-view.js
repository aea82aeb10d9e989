/*
 * The goods set on the page: one card per kind in #set-results (.set-card[data-goods-type],
 * from #set-card-template) with its stage, progress bar, image, download link and retry
 * button, a summary, [모두 취소] and [모두 ZIP으로 받기]. The set itself (queue, limit of
 * three, retry, cancel) is core/set-runner.js; this module only draws what it announces.
 */
import { noticeLines } from "../core/messages.js";
import { CONCURRENCY, SetRunner } from "../core/set-runner.js";
import { generate, outcomeExtension } from "../core/stream.js";
import { elementsById, paragraphs, releaseBlob, revealTop, showBlob, timings } from "../ui/dom.js";
import { clearMessage, showMessage } from "../ui/notice.js";

const ZIP_NAME = "generated-goods-set.zip";
const SET_MSG = {
  queued: "순서를 기다리는 중",
  cancelled: "취소됨",
  failed: "실패",
  zipFailed: "ZIP 파일을 만들지 못했습니다. 시안을 하나씩 내려받아 주세요.",
};

function copyForm(data) {
  const copy = new FormData();
  for (const [name, value] of data.entries()) copy.append(name, value);
  return copy;
}

/**
 * One kind's request: the set's form with this kind. A finished image's bytes are read
 * now, so the ZIP can be made at the click without waiting.
 */
async function generateKind(apiBase, card, { input, signal, onEvent }) {
  const data = copyForm(input.data);
  data.set("goods_type", card.id);
  const outcome = await generate(`${apiBase}/generate`, data, { signal, onEvent });
  if (!outcome.ok) return outcome;
  const ext = outcomeExtension(outcome);
  const file = { name: `generated-goods-${card.id}.${ext}`, bytes: new Uint8Array(await outcome.blob.arrayBuffer()) };
  return { ...outcome, ext, file };
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
  };
  view.bar.setAttribute("aria-label", `${card.label} 생성 진행률`);
  view.image.alt = `생성된 ${card.label} 시안`;
  view.download.setAttribute("aria-label", `${card.label} 시안 내려받기`);
  view.retry.setAttribute("aria-label", `${card.label} 다시 시도`);
  return view;
}

/** What every state shows or hides (the CSS keys off data-state too). */
function showState(view, state) {
  view.node.dataset.state = state;
  view.node.setAttribute("aria-busy", String(state === "running" || state === "queued"));
  view.bar.hidden = state !== "running" && state !== "queued";
  view.retry.hidden = state !== "failed" && state !== "cancelled";
  if (state !== "done") view.download.hidden = true;
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
    if (card.state === "done") view.image.hidden = false;
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
function summaryText(runner) {
  const { total, done, failed } = runner.counts();
  const seedValue = runner.input ? runner.input.seedValue : "";
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

  /**
   * @param {{ config: Record<string, any> }} options the page config (api_base, waits)
   */
  constructor({ config }) {
    this.el = elementsById(["set-grid", "set-card-template", "set-empty", "set-summary", "set-live",
      "download-zip", "zip-count", "set-cancel"]);
    /** The set itself; its "busychange" tells the page when a set holds the form. */
    this.runner = new SetRunner({
      generate: (card, request) => generateKind(config.api_base, card, request),
      ...timings(config),
    });
    this.runner.addEventListener("start", (event) => this.#onStart(event.detail.cards));
    this.runner.addEventListener("cardchange", (event) => this.#onCardChange(event.detail));
    this.runner.addEventListener("busychange", (event) => this.#onBusyChange(event.detail.busy));
    this.el.downloadZip.addEventListener("click", () => saveZip(this.runner.doneCards()));
    this.el.setCancel.addEventListener("click", () => this.runner.cancelAll());
    // fflate is the vendored classic script (vendor/fflate.js) loaded before the page module.
    if (!globalThis.fflate) this.el.downloadZip.disabled = true;
  }

  /**
   * Start a set from the collected form: one card per kind (refused while one runs).
   * @param {{ data: FormData, seedValue: string }} request
   * @param {{ id: string, label: string }[]} kinds
   */
  start(request, kinds) {
    if (!this.runner.start(kinds, request)) return;
    this.el.setSummary.textContent = summaryText(this.runner);
    revealTop(this.el.setGrid, 0.7, "nearest");
  }

  #retry(card) {
    if (!this.runner.retry(card)) return;
    clearMessage();
    this.el.setSummary.textContent = summaryText(this.runner);
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
    for (const [card, view] of this.#views) view.retry.addEventListener("click", () => this.#retry(card));
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
    showState(view, card.state);
    if (card.state === "queued") {
      renderQueued(view);
      this.#updateZip(); // a retried card had no image to zip
    } else if (card.state === "running") {
      renderRunning(view, card.progress);
    } else if (card.state === "done") {
      renderDone(view, card);
      this.el.setLive.textContent = `${card.label}: 완료`;
      this.#updateZip();
    } else if (card.state === "failed") {
      renderFailed(view, card);
      this.el.setLive.textContent = `${card.label}: ${SET_MSG.failed}. ${card.error.message}`;
    } else if (card.state === "cancelled") {
      view.stage.textContent = SET_MSG.cancelled;
    }
  }

  /** The running cards' clocks, once a second while the set is busy. */
  #tick() {
    for (const [card, view] of this.#views) if (card.state === "running") renderRunning(view, card.progress);
  }

  #onBusyChange(busy) {
    this.el.setCancel.hidden = !busy;
    if (busy) this.#ticker = setInterval(() => this.#tick(), 1000);
    else clearInterval(this.#ticker);
    if (!busy && this.runner.cards.length) {
      this.el.setSummary.textContent = summaryText(this.runner);
      this.el.setLive.textContent = `굿즈 세트: ${summaryText(this.runner)}`;
    }
  }
}
