/*
 * 인쇄용 파일 (goods page): #print-dialog, a modal <dialog> offered next to a result of a
 * kind the print service makes (GET /api/goods-gen/print-file/options: acrylic keyring,
 * acrylic stand, sticker). It sends the ORIGINAL art as it was picked in the character zone
 * (full resolution: never the page's 1024 px copy, never the AI result) with the size, cut
 * offset, white layer and keyring hole from a form built from the options' defaults and
 * bounds (POST /api/goods-gen/print-file), then shows the ZIP's preview.png and the
 * warnings, offers the ZIP under its own name, and can be made again with other values.
 * A low resolution can be accepted on purpose; a background that cannot be removed asks for
 * a transparent PNG. The rules are core/print-file.js; the ZIP reader core/zip.js.
 */
import { unreachable } from "../core/messages.js";
import {
  PRINT_CODES, PRINT_MSG, attachmentName, originalProblem, parseWarnings, printDefaults, printFields, printKinds,
  printProblem, readSpec, sizeText,
} from "../core/print-file.js";
import { readZipEntries } from "../core/zip.js";
import { formatBytes } from "../core/image-rules.js";
import { errorFromResponse } from "../core/stream.js";
import { closeOnBackdrop, elementsById, releaseBlob, showBlob } from "../ui/dom.js";

const IDS = ["print-dialog", "print-title", "print-close", "print-source", "print-form", "print-height",
  "print-height-help", "print-offset", "print-offset-help", "print-hole-field", "print-hole", "print-hole-help",
  "print-white", "print-submit", "print-status", "print-error", "print-error-text", "print-accept-low",
  "print-reupload", "print-result", "print-size", "print-preview", "print-warnings-box", "print-warning-count",
  "print-warnings", "print-download"];

export class PrintDialog {
  #kinds = new Map();
  #kind = null;
  #opener = null;
  #zipUrl = "";
  #busy = false;
  #madeFrom = null; // the File the result shown was made from

  /**
   * @param {object} options
   * @param {Record<string, any>} options.config the page config (api_base)
   * @param {{ maxUploadMb: number }} options.settings the service's limits (GET /info)
   * @param {{ original: () => File | null, input: HTMLInputElement }} options.slot the character zone
   */
  constructor({ config, settings, slot }) {
    this.config = config;
    this.settings = settings;
    this.slot = slot;
    this.el = elementsById(IDS);
    const el = this.el;
    el.printClose.addEventListener("click", () => el.printDialog.close());
    el.printDialog.addEventListener("close", () => this.#closed());
    closeOnBackdrop(el.printDialog);
    el.printForm.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#make();
    });
    el.printAcceptLow.addEventListener("click", () => this.#make({ acceptLowResolution: true }));
    el.printReupload.addEventListener("click", () => {
      this.#opener = this.slot.input; // back to the upload, to pick a transparent PNG
      el.printDialog.close();
    });
    /** Settles once the options have been read (the page shows print actions after that). */
    this.ready = this.#loadOptions();
  }

  /**
   * Whether a kind has a print file.
   * @param {string} kind goods kind id
   */
  offers(kind) {
    return this.#kinds.has(kind);
  }

  /**
   * Open the form for a kind.
   * @param {string} kindId
   * @param {HTMLElement | null} opener where focus goes back to
   */
  open(kindId, opener) {
    const kind = this.#kinds.get(kindId);
    if (!kind) return;
    const el = this.el;
    this.#opener = opener;
    const fresh = !this.#kind || this.#kind.id !== kind.id;
    this.#kind = kind;
    el.printTitle.textContent = `인쇄용 파일 · ${kind.label}`;
    if (fresh) this.#fillForm(kind);
    if (fresh || this.#madeFrom !== this.slot.original()) this.#clearResult(); // another kind or art
    this.#clearError();
    this.#describeSource();
    el.printDialog.showModal();
    el.printTitle.focus();
  }

  async #loadOptions() {
    try {
      const response = await fetch(`${this.config.api_base}/print-file/options`, { headers: { Accept: "application/json" } });
      if (response.ok) this.#kinds = printKinds(await response.json());
    } catch (_) {
      // no print actions: the rest of the page works as before
    }
    document.dispatchEvent(new CustomEvent("webtoon:print-options"));
  }

  #fillForm(kind) {
    const el = this.el;
    const values = printDefaults(kind);
    const set = (input, help, range, value, text) => {
      Object.assign(input, { min: String(range.min), max: String(range.max), value });
      help.textContent = `${text} ${range.min}~${range.max} mm, 기본 ${range.default} mm.`;
    };
    set(el.printHeight, el.printHeightHelp, kind.height, values.height, "그림(불투명한 부분)이 인쇄되는 높이.");
    set(el.printOffset, el.printOffsetHelp, kind.offset, values.offset, "그림 가장자리에서 칼선까지의 거리.");
    el.printHoleField.hidden = !kind.hole;
    if (kind.hole) set(el.printHole, el.printHoleHelp, kind.hole, values.hole, "키링 고리가 들어갈 구멍의 지름.");
    el.printWhite.checked = values.white;
    el.printSubmit.textContent = "인쇄용 파일 만들기";
  }

  /** Which file will be sent, or why none can be. */
  #describeSource() {
    const el = this.el;
    const file = this.slot.original();
    const problem = originalProblem(file, this.settings.maxUploadMb);
    el.printSubmit.disabled = Boolean(problem);
    el.printSource.classList.toggle("is-error", Boolean(problem));
    el.printSource.textContent = problem ||
      `원본 그림: ${file.name || "이미지"} · ${formatBytes(file.size)} (줄이지 않고 그대로 보냅니다)`;
    return !problem;
  }

  #values() {
    const el = this.el;
    return { height: el.printHeight.value, offset: el.printOffset.value, hole: el.printHole.value, white: el.printWhite.checked };
  }

  async #make({ acceptLowResolution = false } = {}) {
    if (this.#busy || !this.#kind) return;
    const el = this.el;
    this.#clearError();
    if (!this.#describeSource()) return;
    const kind = this.#kind;
    const values = this.#values();
    const problem = printProblem(values, kind);
    if (problem) {
      this.#showError(problem.message);
      ({ height: el.printHeight, offset: el.printOffset, hole: el.printHole })[problem.field].focus();
      return;
    }
    const file = this.slot.original();
    const body = new FormData();
    for (const [name, value] of printFields(kind, values, { acceptLowResolution })) body.append(name, value);
    body.append("input_image", file, file.name || "art.png");
    this.#setBusy(true);
    el.printStatus.textContent = PRINT_MSG.making;
    let next = null; // where the person goes on, once the buttons are enabled again
    try {
      const response = await fetch(`${this.config.api_base}/print-file`, { method: "POST", body, headers: { Accept: "application/zip, application/json" } });
      if (!response.ok) {
        const failure = await errorFromResponse(response);
        el.printStatus.textContent = "";
        next = this.#refused(failure);
        return;
      }
      await this.#show(response, kind);
      this.#madeFrom = file;
    } catch (_) {
      el.printStatus.textContent = "";
      this.#showError(unreachable());
    } finally {
      this.#setBusy(false);
      if (next) next.focus();
    }
  }

  /** Say why it was refused; returns the button that offers a way on, if any. */
  #refused(failure) {
    const el = this.el;
    const lines = [failure.message];
    if (failure.code === PRINT_CODES.lowResolution) lines.push(PRINT_MSG.lowResolutionHint);
    if (failure.code === PRINT_CODES.background) lines.push(PRINT_MSG.background);
    if (failure.requestId) lines.push(`요청 ID: ${failure.requestId}`);
    this.#showError(lines.join("\n"));
    el.printAcceptLow.hidden = failure.code !== PRINT_CODES.lowResolution;
    el.printReupload.hidden = failure.code !== PRINT_CODES.background;
    return !el.printAcceptLow.hidden ? el.printAcceptLow : !el.printReupload.hidden ? el.printReupload : null;
  }

  async #show(response, kind) {
    const el = this.el;
    const bytes = new Uint8Array(await response.arrayBuffer());
    const name = attachmentName(response.headers.get("Content-Disposition"), `print-${kind.id}.zip`);
    let warnings = parseWarnings(response.headers.get("X-Print-Warnings"));
    let preview = null;
    let spec = null;
    try {
      const inflate = globalThis.fflate && globalThis.fflate.inflateSync;
      const entries = readZipEntries(bytes, ["spec.json", "preview.png"], { inflate });
      const read = readSpec(entries.get("spec.json"));
      if (read) {
        spec = read.spec;
        warnings = read.warnings; // the full list, with every message
      }
      preview = entries.get("preview.png") || null;
    } catch (_) {
      // the ZIP is still offered as it came
    }
    if (this.#zipUrl) URL.revokeObjectURL(this.#zipUrl);
    this.#zipUrl = URL.createObjectURL(new Blob([bytes], { type: "application/zip" }));
    el.printDownload.href = this.#zipUrl;
    el.printDownload.download = name;
    el.printDownload.setAttribute("aria-label", `인쇄용 파일 ZIP 내려받기 (${name})`);
    el.printPreview.hidden = !preview;
    if (preview) showBlob(el.printPreview, new Blob([preview], { type: "image/png" }));
    el.printSize.textContent = spec ? sizeText(spec) : `${response.headers.get("X-Print-Ppi") || "?"}ppi`;
    el.printWarnings.replaceChildren(...warnings.map((warning) => {
      const item = document.createElement("li");
      item.dataset.code = warning.code;
      item.textContent = warning.message;
      return item;
    }));
    el.printWarningCount.textContent = warnings.length ? `${warnings.length}건` : "";
    el.printWarningsBox.hidden = warnings.length === 0;
    el.printResult.hidden = false;
    el.printResult.scrollIntoView({ block: "nearest" }); // below the form on a phone
    el.printSubmit.textContent = "다시 만들기";
    const status = preview ? "인쇄용 파일을 만들었습니다." : PRINT_MSG.unreadable;
    el.printStatus.textContent = warnings.length ? `${status} 확인할 점 ${warnings.length}건이 있습니다.` : status;
  }

  #setBusy(busy) {
    this.#busy = busy;
    this.el.printSubmit.disabled = busy;
    this.el.printAcceptLow.disabled = busy;
    this.el.printForm.setAttribute("aria-busy", String(busy));
  }

  #showError(text) {
    const el = this.el;
    el.printErrorText.textContent = text;
    el.printError.hidden = false;
  }

  #clearError() {
    const el = this.el;
    el.printError.hidden = true;
    el.printErrorText.textContent = "";
    el.printAcceptLow.hidden = true;
    el.printReupload.hidden = true;
  }

  #clearResult() {
    const el = this.el;
    el.printResult.hidden = true;
    el.printStatus.textContent = "";
    releaseBlob(el.printPreview);
    el.printPreview.removeAttribute("src");
    if (this.#zipUrl) URL.revokeObjectURL(this.#zipUrl);
    this.#zipUrl = "";
  }

  #closed() {
    const opener = this.#opener;
    this.#opener = null;
    if (opener && opener.isConnected) opener.focus();
  }
}
