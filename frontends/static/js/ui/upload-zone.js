/*
 * Upload zones: #<key>-zone (a <label>), -input, -preview and -hint, rendered by the
 * upload_zone macro. A picture can be picked, dropped, pasted (setupPaste) or taken from the
 * zone's samples (setupSamples); it is prepared in the browser (image-prepare.js) and
 * previewed, and the zone hands the prepared image to the form. The picture at its full size
 * is kept too: the goods print file is made from the original art (goods/print-dialog.js).
 * What cannot be used is said in the zone's hint and the sticky bar's alert, where the
 * person is looking, and the input is marked aria-invalid.
 */
import { UserError } from "../core/messages.js";
import { IMAGE_MSG, formatBytes } from "../core/image-rules.js";
import { pasteTarget, pastedFile, takesPaste } from "../core/paste.js";
import { $, showBlob } from "./dom.js";
import { clearFieldProblem, formAlert } from "./field-errors.js";
import { clearMessage } from "./notice.js";
import { prepareImage } from "./image-prepare.js";

const hasFiles = (event) => Boolean(event.dataTransfer) && Array.from(event.dataTransfer.types).includes("Files");

/** A file dropped beside a zone must not navigate away from the page. */
export function preventStrayDrops() {
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => hasFiles(event) && event.preventDefault());
  }
}

/** The zone's look while dragging: enter/leave counted, since children fire them too. */
function trackDragging(zone, onDrop) {
  let depth = 0;
  zone.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth += 1;
    zone.classList.add("is-dragover");
  });
  zone.addEventListener("dragover", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "copy";
  });
  zone.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) zone.classList.remove("is-dragover");
  });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    depth = 0;
    zone.classList.remove("is-dragover");
    const file = event.dataTransfer && event.dataTransfer.files[0];
    if (file) onDrop(file);
  });
}

/**
 * One upload zone.
 * @param {string} key the zone's id prefix ("character", "product")
 * @param {string} label its Korean name, for messages
 * @param {() => { maxSide: number, maxBytes: number }} limits read at each pick (GET /info may change them)
 * @returns {{ key: string, name: string, label: string, input: HTMLInputElement, zone: HTMLElement,
 *   value: () => Promise<{ blob: Blob, filename: string } | null>,
 *   original: () => File | null, settled: () => Promise<void>, filled: () => boolean,
 *   take: (file: File, options?: { source?: string, sample?: string }) => Promise<void> }}
 */
export function createUploadZone(key, label, limits) {
  const zone = $(`#${key}-zone`);
  const input = $(`#${key}-input`);
  const preview = $(`#${key}-preview`);
  const hint = $(`#${key}-hint`);
  const holder = $(`#${key}-upload`) || zone;
  input.dataset.errorTarget = hint.id; // a missing picture is said in the hint (ui/field-errors.js)
  let current = null; // { blob, filename }
  let original = null; // the picture at full size, in a format the service takes
  let pending = Promise.resolve();
  let token = 0; // only the latest pick may update the zone

  const setHint = (text, isError = false) => {
    hint.textContent = text;
    hint.classList.toggle("is-error", isError);
    // A refusal is announced by the bar's alert (formAlert); the hint keeps it in view.
    if (isError) hint.removeAttribute("aria-live");
    else hint.setAttribute("aria-live", "polite");
  };
  const setBusy = (busy) => {
    zone.classList.toggle("is-busy", busy);
    zone.setAttribute("aria-busy", String(busy));
  };
  const markSample = (name) => {
    for (const button of holder.querySelectorAll(".sample")) {
      button.setAttribute("aria-pressed", String(button.dataset.sample === name));
    }
  };

  function accept(result, full, { source, sample }) {
    original = full;
    showBlob(preview, result.blob);
    preview.hidden = false;
    zone.classList.add("has-image");
    current = { blob: result.blob, filename: `${key}.${result.ext}` };
    clearFieldProblem(input);
    input.removeAttribute("aria-invalid");
    markSample(sample);
    const from = source ? `${source} · ` : "";
    setHint(`${from}${result.width}×${result.height} · ${formatBytes(result.blob.size)} · 눌러서 바꾸기`);
  }

  function refuse(err) {
    input.value = ""; // lets the same file be picked again
    const text = err instanceof UserError ? err.message : IMAGE_MSG.unreadable;
    const said = current ? `${text} (이전 이미지를 그대로 씁니다)` : text;
    clearFieldProblem(input);
    setHint(said, true);
    input.setAttribute("aria-invalid", "true");
    formAlert(`${label}: ${said}`);
  }

  function take(file, { source = "", sample = "" } = {}) {
    const mine = ++token;
    clearMessage();
    clearFieldProblem(input); // before "preparing": clearing puts the zone's old text back
    formAlert("");
    setBusy(true);
    setHint(IMAGE_MSG.preparing);
    pending = prepareImage(file, limits())
      .then(async (result) => {
        const full = await result.original();
        if (mine === token) accept(result, full, { source, sample });
      })
      .catch((err) => mine === token && refuse(err))
      .finally(() => mine === token && setBusy(false));
    return pending.then(() => {}, () => {});
  }

  input.addEventListener("change", () => input.files && input.files[0] && take(input.files[0]));
  trackDragging(zone, (file) => take(file));

  return {
    key,
    name: input.name,
    label,
    input,
    zone: holder,
    /** The processed image once processing in flight has settled, or null. */
    value: () => pending.then(() => current, () => current),
    /** The picture at full size (PNG/JPEG) of the image the zone holds (null before one). */
    original: () => (current ? original : null),
    /** Settles once the pick in flight has been prepared (or refused). */
    settled: () => pending.then(() => {}, () => {}),
    /** Whether the zone holds a picture. */
    filled: () => Boolean(current),
    /** Take a picture from elsewhere (a paste, a sample). */
    take,
  };
}

const TEXT_FIELD = "textarea, input:not([type=file]):not([type=checkbox]):not([type=radio]):not([type=range])";

/**
 * A picture pasted anywhere on the page (not text into a text field) goes to an upload zone:
 * the focused one, else the first empty one, else the first (core/paste.js).
 * @param {ReturnType<typeof createUploadZone>[]} zones
 */
export function setupPaste(zones) {
  document.addEventListener("paste", (event) => {
    const data = event.clipboardData;
    if (!data || document.querySelector("dialog[open]")) return;
    const file = pastedFile(data.items);
    const target = event.target instanceof Element ? event.target : null;
    const intoTextField = Boolean(target && (target.closest(TEXT_FIELD) || target.isContentEditable));
    const hasText = Array.from(data.types || []).includes("text/plain");
    if (!takesPaste({ hasFile: Boolean(file), hasText, intoTextField })) return;
    event.preventDefault();
    const key = pasteTarget(zones.map((zone) => ({
      key: zone.key, focused: zone.zone.contains(document.activeElement), filled: zone.filled(),
    })));
    const zone = zones.find((candidate) => candidate.key === key);
    if (zone) zone.take(file, { source: "붙여 넣은 이미지" });
  });
}

/**
 * The zones' sample buttons (.sample[data-slot]): the sample picture goes into its zone like
 * a picked file (prepared the same way).
 * @param {ReturnType<typeof createUploadZone>[]} zones
 */
export function setupSamples(zones) {
  for (const zone of zones) {
    for (const button of zone.zone.querySelectorAll(".sample")) {
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", async () => {
        const name = button.dataset.sample;
        const title = button.getAttribute("title") || name;
        try {
          const response = await fetch(button.dataset.src);
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          const blob = await response.blob();
          const file = new File([blob], button.dataset.file || `${name}.png`, { type: blob.type });
          await zone.take(file, { source: `예시: ${title}`, sample: name });
        } catch (_) {
          formAlert("예시 이미지를 불러오지 못했습니다. 잠시 후 다시 시도해 주세요.");
        }
      });
    }
  }
}
