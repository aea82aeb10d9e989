/*
 * One job of 최근 작업, opened: #job-dialog (the history_panel macro), a modal <dialog>
 * (Esc and [닫기] close it, focus goes back to the item that opened it). It shows the job's
 * status, result image and parameters, and offers 내려받기, 진행 상황 보기 (a job still
 * going), 같은 설정으로 다시 (re-run, followed in the result panel like a fresh one),
 * 인쇄용 파일 (goods kinds that have one) and 삭제 (asked twice).
 */
import { noticeLines } from "../core/messages.js";
import { deleteJob, fetchJob, isActive, jobPath, jobSeconds } from "../core/jobs.js";
import { dateTimeText, kindText, paramRows, statusText } from "../core/job-view.js";
import { closeOnBackdrop, elementsById, paragraphs } from "./dom.js";

const DIALOG_MSG = {
  busy: "지금 진행 중인 생성이 끝난 뒤에 다시 할 수 있어요.",
  deleting: "삭제하는 중…",
  canceled: "취소된 작업입니다.",
  running: "아직 만들고 있어요. [진행 상황 보기]를 누르면 결과 영역에서 이어서 볼 수 있습니다.",
  deleteRunning: "아직 만들고 있는 작업입니다. 삭제하면 생성을 멈추고 지웁니다. 되돌릴 수 없어요.",
  deleteDone: "이 작업과 결과 이미지를 삭제할까요? 되돌릴 수 없어요.",
};

const IDS = ["job-dialog", "job-dialog-title", "job-dialog-close", "job-dialog-summary", "job-dialog-frame",
  "job-dialog-image", "job-dialog-notice", "job-dialog-params", "job-dialog-download", "job-dialog-follow",
  "job-dialog-rerun", "job-dialog-print", "job-dialog-delete", "job-dialog-note", "job-dialog-confirm",
  "job-dialog-confirm-text", "job-dialog-confirm-delete", "job-dialog-confirm-keep"];

export class JobDialog {
  #job = null;
  #opener = null;

  /**
   * @param {object} options
   * @param {Record<string, any>} options.config the page config (api_base, download_stem)
   * @param {EventTarget} options.flow the GenerateFlow: follows re-runs and running jobs
   * @param {() => Record<string, string>} options.labels goods kind id → name
   * @param {{ offers: (kind: string) => boolean, open: (kind: string, opener: HTMLElement) => void } | null} options.print
   * @param {(id: string) => void} options.onDeleted
   * @param {(job: object) => void} options.onFresh a newer copy of the job was read
   */
  constructor({ config, flow, labels, print, onDeleted, onFresh }) {
    this.config = config;
    this.flow = flow;
    this.labels = labels;
    this.print = print;
    this.onDeleted = onDeleted;
    this.onFresh = onFresh;
    this.el = elementsById(IDS);
    const el = this.el;
    el.jobDialogClose.addEventListener("click", () => el.jobDialog.close());
    el.jobDialog.addEventListener("close", () => this.#closed());
    el.jobDialogRerun.addEventListener("click", () => this.#rerun());
    el.jobDialogFollow.addEventListener("click", () => this.#follow());
    el.jobDialogDelete.addEventListener("click", () => this.#askDelete());
    el.jobDialogConfirmKeep.addEventListener("click", () => this.#keep());
    el.jobDialogConfirmDelete.addEventListener("click", () => this.#delete());
    if (el.jobDialogPrint) el.jobDialogPrint.addEventListener("click", () => this.#print());
    closeOnBackdrop(el.jobDialog);
    flow.addEventListener("busychange", () => this.#syncBusy());
  }

  /** The job shown, while open. */
  get job() {
    return this.el.jobDialog.open ? this.#job : null;
  }

  /**
   * Open a job; a job still going is read again first (it may have ended).
   * @param {object} job as listed
   * @param {HTMLElement} opener where focus goes back to
   */
  async open(job, opener) {
    this.#opener = opener;
    this.#show(job);
    if (!this.el.jobDialog.open) this.el.jobDialog.showModal();
    this.el.jobDialogTitle.focus();
    if (isActive(job)) this.refresh(job.id);
  }

  /**
   * Read the job again (it changed) and show it, if it is the one open.
   * @param {string} id
   */
  async refresh(id) {
    const found = await fetchJob(this.config.api_base, id);
    if (!found.ok || !this.job || this.job.id !== id) return;
    this.#show(found.job);
    this.onFresh(found.job);
  }

  #show(job) {
    const el = this.el;
    const changed = !this.#job || this.#job.id !== job.id;
    this.#job = job;
    if (changed) this.#keep(false);
    const labels = this.labels();
    const kind = kindText(job, labels);
    el.jobDialogTitle.textContent = `${kind} 작업`;
    const seconds = jobSeconds(job);
    el.jobDialogSummary.textContent = [statusText(job.status), dateTimeText(job.created_at), seconds ? `${seconds}초 걸림` : ""]
      .filter(Boolean).join(" · ");
    el.jobDialog.dataset.status = job.status;

    const links = job.links || {};
    const result = links.result || (job.status === "succeeded" ? jobPath(this.config.api_base, job.id, "result") : "");
    el.jobDialogFrame.hidden = !result;
    if (result) {
      if (el.jobDialogImage.getAttribute("src") !== result) el.jobDialogImage.src = result;
      el.jobDialogImage.alt = `${kind} 결과 이미지`;
      el.jobDialogDownload.href = result;
      el.jobDialogDownload.download = (job.result && job.result.filename) || `${this.config.download_stem}.png`;
    } else {
      el.jobDialogImage.removeAttribute("src");
    }
    el.jobDialogDownload.hidden = !result;

    const notice = this.#notice(job);
    el.jobDialogNotice.hidden = !notice;
    el.jobDialogNotice.classList.toggle("notice--error", job.status === "failed");
    el.jobDialogNotice.replaceChildren(...(notice ? paragraphs(notice, "notice__message", "notice__meta") : []));

    el.jobDialogParams.replaceChildren(...paramRows(job, labels).flatMap(([label, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      return [dt, dd];
    }));

    el.jobDialogFollow.hidden = !isActive(job);
    const goodsKind = job.params && job.params.goods_type;
    if (el.jobDialogPrint) el.jobDialogPrint.hidden = !(this.print && goodsKind && this.print.offers(goodsKind));
    el.jobDialogConfirmText.textContent = isActive(job) ? DIALOG_MSG.deleteRunning : DIALOG_MSG.deleteDone;
    this.#syncBusy();
  }

  #notice(job) {
    if (job.status === "failed" && job.error) return noticeLines(job.error.message, job.request_id || "");
    if (job.status === "canceled") return [DIALOG_MSG.canceled];
    if (isActive(job)) return [DIALOG_MSG.running];
    return null;
  }

  #syncBusy() {
    const busy = this.flow.busy;
    this.el.jobDialogRerun.disabled = busy;
    this.el.jobDialogFollow.disabled = busy;
    if (!this.el.jobDialogConfirm.hidden) return;
    this.el.jobDialogNote.textContent = busy ? DIALOG_MSG.busy : "";
  }

  #rerun() {
    const job = this.#job;
    if (!job || this.flow.busy) return;
    this.#opener = null; // focus goes to the result panel, where the new job shows
    this.el.jobDialog.close();
    this.flow.rerun(job);
    focusResultPanel();
  }

  #follow() {
    const job = this.#job;
    if (!job || this.flow.busy) return;
    this.#opener = null;
    this.el.jobDialog.close();
    this.flow.follow(job.id);
    focusResultPanel();
  }

  #print() {
    const job = this.#job;
    const kind = job && job.params && job.params.goods_type;
    if (!kind || !this.print) return;
    const opener = this.#opener;
    this.#opener = null;
    this.el.jobDialog.close();
    this.print.open(kind, opener);
  }

  #askDelete() {
    this.el.jobDialogConfirm.hidden = false;
    this.el.jobDialogDelete.setAttribute("aria-expanded", "true");
    this.el.jobDialogConfirmKeep.focus();
  }

  #keep(focus = true) {
    const wasOpen = !this.el.jobDialogConfirm.hidden;
    this.el.jobDialogConfirm.hidden = true;
    this.el.jobDialogDelete.setAttribute("aria-expanded", "false");
    this.el.jobDialogConfirmDelete.disabled = false;
    this.el.jobDialogNote.textContent = "";
    if (focus && wasOpen) this.el.jobDialogDelete.focus();
  }

  async #delete() {
    const job = this.#job;
    if (!job) return;
    this.el.jobDialogConfirmDelete.disabled = true;
    this.el.jobDialogNote.textContent = DIALOG_MSG.deleting;
    const answer = await deleteJob(this.config.api_base, job.id);
    if (!answer.ok) {
      this.el.jobDialogConfirmDelete.disabled = false;
      this.el.jobDialogNote.textContent = answer.message;
      return;
    }
    this.#opener = null; // the item is gone: the list places focus
    this.el.jobDialog.close();
    this.onDeleted(job.id);
  }

  #closed() {
    this.#keep(false);
    const opener = this.#opener;
    this.#opener = null;
    if (opener && opener.isConnected) opener.focus();
  }
}

/** After a re-run or follow starts: the result panel, where its progress shows. */
function focusResultPanel() {
  const heading = document.getElementById("result-heading");
  if (!heading) return;
  heading.scrollIntoView({ block: "nearest" });
  heading.focus({ preventScroll: true });
}
