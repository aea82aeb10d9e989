/*
 * 최근 작업 (the history_panel macro, both pages): the service's jobs newest first, as
 * buttons with a thumbnail, the kind, the status and when; [더 보기] asks for the next page
 * (cursor). A job the page starts or sees end ("webtoon:job" on the document) is read again
 * and put in its place; jobs still going are looked in on every few seconds. Opening one
 * shows it in #job-dialog (job-dialog.js). The list's state is core/history.js.
 */
import { HistoryList } from "../core/history.js";
import { fetchJob, listJobs } from "../core/jobs.js";
import { isoTime, kindText, statusText, whenText } from "../core/job-view.js";
import { elementsById } from "./dom.js";
import { JobDialog } from "./job-dialog.js";

/** How often jobs still going are read again (and the times refreshed). */
const POLL_MS = 4000;
const HISTORY_MSG = {
  loadFailed: "최근 작업을 불러오지 못했습니다.",
  moreFailed: "작업을 더 불러오지 못했습니다.",
  loading: "불러오는 중…",
  more: "더 보기",
  deleted: "작업을 삭제했습니다.",
};

const SVG = "http://www.w3.org/2000/svg";

function span(className, text = "") {
  const node = document.createElement("span");
  node.className = className;
  node.textContent = text;
  return node;
}

/** A status mark for a job without a thumbnail (spinner, ! or ×), decorative. */
function statusIcon(status) {
  if (status === "queued" || status === "running") return span("spinner");
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "28");
  svg.setAttribute("height", "28");
  svg.setAttribute("focusable", "false");
  const path = document.createElementNS(SVG, "path");
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "2");
  path.setAttribute("stroke-linecap", "round");
  path.setAttribute("d", status === "failed" ? "M12 7v6M12 16.5v.5M12 3a9 9 0 1 1 0 18 9 9 0 0 1 0-18z" : "M7 7l10 10M17 7L7 17");
  svg.append(path);
  return svg;
}

export class HistoryPanel {
  #list = new HistoryList();
  #items = new Map(); // job id → its <li>
  #loading = false;

  /**
   * @param {object} options
   * @param {Record<string, any>} options.config the page config (api_base, download_stem)
   * @param {EventTarget} options.flow the GenerateFlow
   * @param {() => Record<string, string>} [options.labels] goods kind id → name
   * @param {object | null} [options.print] the goods print dialog (job-dialog.js)
   */
  constructor({ config, flow, labels = () => ({}), print = null }) {
    this.config = config;
    this.flow = flow;
    this.labels = labels;
    this.el = elementsById(["history-heading", "history-list", "history-more", "history-refresh", "history-empty",
      "history-error", "history-error-text", "history-retry", "history-live"]);
    this.dialog = new JobDialog({
      config, flow, labels, print,
      onDeleted: (id) => this.#deleted(id),
      onFresh: (job) => this.#put(job),
    });
    this.el.historyMore.addEventListener("click", () => this.load({ more: true }));
    this.el.historyRefresh.addEventListener("click", () => this.load());
    this.el.historyRetry.addEventListener("click", () => this.load({ more: this.#list.loaded }));
    this.el.historyList.addEventListener("click", (event) => {
      const button = event.target.closest(".history-item__open");
      const item = button && this.#list.find(button.closest(".history-item").dataset.jobId);
      if (item) this.dialog.open(item, button);
    });
    document.addEventListener("webtoon:job", (event) => this.refreshJob(event.detail.id));
    setInterval(() => this.#tick(), POLL_MS);
  }

  /**
   * The first page again, or (more) the next one.
   * @param {{ more?: boolean }} [options]
   */
  async load({ more = false } = {}) {
    if (this.#loading) return;
    this.#loading = true;
    const { historyList: list, historyMore: button } = this.el;
    const hadFocus = document.activeElement === button;
    list.setAttribute("aria-busy", "true");
    button.disabled = true;
    if (more) button.textContent = HISTORY_MSG.loading;
    const answer = await listJobs(this.config.api_base, this.#list.query({ more }));
    this.#loading = false;
    list.setAttribute("aria-busy", "false");
    button.disabled = false;
    button.textContent = HISTORY_MSG.more;
    if (!answer.ok) {
      this.#showError(`${more ? HISTORY_MSG.moreFailed : HISTORY_MSG.loadFailed} ${answer.message}`);
      return;
    }
    this.el.historyError.hidden = true;
    const added = this.#list.addPage(answer, { more });
    this.#render();
    if (more && added.length) {
      this.el.historyLive.textContent = `작업 ${added.length}개를 더 불러왔습니다.`;
      // Focus the first job just shown: where reading goes on (and [더 보기] may be gone).
      if (hadFocus) this.#items.get(added[0].id).querySelector("button").focus();
    }
  }

  /**
   * Read one job again and show it as it is now (gone: dropped).
   * @param {string} id
   */
  async refreshJob(id) {
    if (!id) return;
    const found = await fetchJob(this.config.api_base, id);
    if (found.ok) {
      this.#put(found.job);
      const open = this.dialog.job;
      if (open && open.id === id) this.dialog.refresh(id);
    } else if (found.status === 404 && this.#list.remove(id)) {
      this.#render();
    }
  }

  #put(job) {
    if (this.#list.upsert(job) !== "skipped") this.#render();
  }

  #deleted(id) {
    const ids = this.#list.items.map((job) => job.id);
    const at = ids.indexOf(id);
    this.#list.remove(id);
    this.#render();
    this.flow.forget(id);
    this.el.historyLive.textContent = HISTORY_MSG.deleted;
    // Focus the next job (or the one before, or the heading): never lost on <body>.
    const next = this.#list.items[Math.min(at, this.#list.items.length - 1)];
    const target = next ? this.#items.get(next.id).querySelector("button") : this.el.historyHeading;
    target.focus();
  }

  #showError(text) {
    this.el.historyErrorText.textContent = text;
    this.el.historyError.hidden = false;
    this.el.historyEmpty.hidden = true;
  }

  /** Draw the list: new items put in their place, gone ones removed, the rest updated in place
   * (never moved, so the focus stays where it is). */
  #render() {
    const list = this.el.historyList;
    const labels = this.labels();
    const keep = new Set(this.#list.items.map((job) => job.id));
    for (const [id, node] of this.#items) {
      if (!keep.has(id)) {
        node.remove();
        this.#items.delete(id);
      }
    }
    let before = list.firstElementChild;
    for (const job of this.#list.items) {
      let node = this.#items.get(job.id);
      if (!node) {
        node = this.#build(job);
        this.#items.set(job.id, node);
      }
      if (node === before) before = node.nextElementSibling;
      else list.insertBefore(node, before); // a new one (existing ones keep their order)
      this.#fill(node, job, labels);
    }
    this.el.historyEmpty.hidden = !this.#list.empty;
    this.el.historyMore.hidden = !this.#list.hasMore;
  }

  #build(job) {
    const item = document.createElement("li");
    item.className = "history-item";
    item.dataset.jobId = job.id;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "history-item__open";
    button.setAttribute("aria-haspopup", "dialog");
    const thumb = span("history-item__thumb");
    const text = span("history-item__text");
    const time = document.createElement("time");
    time.className = "history-item__time";
    text.append(span("history-item__kind"), span("visually-hidden", ", "), span("history-item__status"),
      span("visually-hidden", ", "), time);
    button.append(thumb, text);
    item.append(button);
    return item;
  }

  #fill(node, job, labels) {
    node.dataset.status = job.status;
    node.querySelector(".history-item__kind").textContent = kindText(job, labels);
    node.querySelector(".history-item__status").textContent = statusText(job.status);
    const time = node.querySelector(".history-item__time");
    time.dateTime = isoTime(job.created_at);
    time.textContent = whenText(job.created_at);
    const thumb = node.querySelector(".history-item__thumb");
    const src = job.links && job.links.thumbnail;
    const shown = thumb.dataset.shows || "";
    const wanted = src || `icon:${job.status}`;
    if (shown === wanted) return;
    thumb.dataset.shows = wanted;
    if (src) {
      const image = document.createElement("img");
      image.className = "history-item__image";
      image.alt = "";
      image.decoding = "async";
      image.src = src;
      thumb.replaceChildren(image);
    } else {
      const icon = span("history-item__icon");
      icon.setAttribute("aria-hidden", "true");
      icon.append(statusIcon(job.status));
      thumb.replaceChildren(icon);
    }
  }

  /** Jobs still going are read again; the times ("3분 전") move on. */
  #tick() {
    if (document.visibilityState === "hidden" || !this.#list.loaded) return;
    for (const id of this.#list.activeIds().slice(0, 6)) this.refreshJob(id);
    const now = Date.now();
    for (const job of this.#list.items) {
      const node = this.#items.get(job.id);
      if (node) node.querySelector(".history-item__time").textContent = whenText(job.created_at, now);
    }
  }
}
