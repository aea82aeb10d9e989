/*
 * Small DOM helpers both pages and the goods set cards use (kept here, not repeated).
 */

/**
 * querySelector with a short name.
 * @param {string} selector
 * @param {ParentNode} [root]
 * @returns {Element|null}
 */
export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * The build's page config (<script type="application/json" id="page-config">), or {}.
 * @returns {Record<string, any>}
 */
export function readConfig() {
  try {
    return JSON.parse(document.getElementById("page-config").textContent);
  } catch (_) {
    return {};
  }
}

/**
 * The page's waits from its config: the expected wait shown while generating (PPL ~90 s,
 * goods ~60 s) and the client's own limit (3 minutes; the backend gives up after 2).
 * @param {Record<string, any>} config
 * @returns {{ expectedSeconds: number, timeoutMs: number }}
 */
export function timings(config) {
  return {
    expectedSeconds: Number(config.expected_wait_s) || 60,
    timeoutMs: (Number(config.client_timeout_s) || 180) * 1000,
  };
}

/**
 * Elements by id, under camelCase keys: ["result-image"] → { resultImage }.
 * @param {string[]} ids
 * @returns {Record<string, HTMLElement>}
 */
export function elementsById(ids) {
  const found = {};
  for (const id of ids) found[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
  return found;
}

/**
 * Show a blob in an <img>, releasing the blob URL it showed before.
 * @param {HTMLImageElement} image
 * @param {Blob} blob
 */
export function showBlob(image, blob) {
  if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
  image.src = URL.createObjectURL(blob);
}

/**
 * Release an <img>'s blob URL (its element is about to be dropped).
 * @param {HTMLImageElement} image
 */
export function releaseBlob(image) {
  if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
}

/**
 * <p> elements for lines of text: the first gets firstClass, the rest restClass.
 * @param {string[]} lines
 * @param {string} firstClass
 * @param {string} restClass
 */
export function paragraphs(lines, firstClass, restClass) {
  return lines.map((line, i) => {
    const p = document.createElement("p");
    p.className = i === 0 ? firstClass : restClass;
    p.textContent = line;
    return p;
  });
}

/**
 * Scroll an element into view when its top is above the viewport or below `fraction` of it.
 * @param {Element} element
 * @param {number} fraction 0..1 of the viewport height
 * @param {ScrollLogicalPosition} block
 */
export function revealTop(element, fraction, block) {
  const top = element.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight * fraction) element.scrollIntoView({ block });
}

/**
 * A modal <dialog> closes on a click on its backdrop, as it does on Esc. (A click on the
 * dialog's own padding also targets the dialog: only a click outside its box counts.)
 * @param {HTMLDialogElement} dialog
 */
export function closeOnBackdrop(dialog) {
  dialog.addEventListener("click", (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right &&
      event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
}
