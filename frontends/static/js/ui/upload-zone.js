/*
 * Upload zones: #<key>-zone (a <label>), -input, -preview and -hint, rendered by the
 * upload_zone macro. A file can be picked or dropped; it is prepared in the browser
 * (image-prepare.js) and previewed, and the zone hands the prepared image to the form.
 * The file as picked is kept too: the goods print file is made from the original art, at
 * its full resolution (goods/print-dialog.js).
 */
import { UserError } from "../core/messages.js";
import { IMAGE_MSG, formatBytes } from "../core/image-rules.js";
import { $, showBlob } from "./dom.js";
import { clearMessage, showMessage } from "./notice.js";
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
 * @returns {{ name: string, label: string, input: HTMLInputElement,
 *   value: () => Promise<{ blob: Blob, filename: string } | null>,
 *   original: () => File | null, settled: () => Promise<void> }}
 */
export function createUploadZone(key, label, limits) {
  const zone = $(`#${key}-zone`);
  const input = $(`#${key}-input`);
  const preview = $(`#${key}-preview`);
  const hint = $(`#${key}-hint`);
  let current = null; // { blob, filename }
  let original = null; // the File the current image was prepared from
  let pending = Promise.resolve();
  let token = 0; // only the latest pick may update the zone

  const setHint = (text, isError = false) => {
    hint.textContent = text;
    hint.classList.toggle("is-error", isError);
  };
  const setBusy = (busy) => {
    zone.classList.toggle("is-busy", busy);
    zone.setAttribute("aria-busy", String(busy));
  };

  function accept(result, file) {
    original = file;
    showBlob(preview, result.blob);
    preview.hidden = false;
    zone.classList.add("has-image");
    current = { blob: result.blob, filename: `${key}.${result.ext}` };
    setHint(`${result.width}×${result.height} · ${formatBytes(result.blob.size)} · 눌러서 바꾸기`);
  }

  function refuse(err) {
    input.value = ""; // lets the same file be picked again
    const text = err instanceof UserError ? err.message : IMAGE_MSG.unreadable;
    setHint(current ? `${text} (이전 이미지를 그대로 씁니다)` : text, true);
    showMessage(text);
  }

  function handle(file) {
    const mine = ++token;
    clearMessage();
    setBusy(true);
    setHint(IMAGE_MSG.preparing);
    pending = prepareImage(file, limits())
      .then((result) => mine === token && accept(result, file))
      .catch((err) => mine === token && refuse(err))
      .finally(() => mine === token && setBusy(false));
  }

  input.addEventListener("change", () => input.files && input.files[0] && handle(input.files[0]));
  trackDragging(zone, handle);

  return {
    name: input.name,
    label,
    input,
    /** The processed image once processing in flight has settled, or null. */
    value: () => pending.then(() => current, () => current),
    /** The file as picked, of the image the zone holds now (null before one is accepted). */
    original: () => (current ? original : null),
    /** Settles once the pick in flight has been prepared (or refused). */
    settled: () => pending.then(() => {}, () => {}),
  };
}
