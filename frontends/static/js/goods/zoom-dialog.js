/*
 * A goods set's thumbnail, large: #zoom-dialog (goods.html.j2), a modal <dialog>. Esc,
 * [닫기] or a click on the backdrop close it, and the focus goes back to the thumbnail that
 * opened it.
 */
import { closeOnBackdrop, elementsById } from "../ui/dom.js";

export class ZoomDialog {
  #opener = null;

  constructor() {
    this.el = elementsById(["zoom-dialog", "zoom-title", "zoom-close", "zoom-image", "zoom-download"]);
    this.el.zoomClose.addEventListener("click", () => this.el.zoomDialog.close());
    this.el.zoomDialog.addEventListener("close", () => {
      const opener = this.#opener;
      this.#opener = null;
      if (opener && opener.isConnected) opener.focus();
    });
    closeOnBackdrop(this.el.zoomDialog);
  }

  /**
   * Show one image large.
   * @param {{ src: string, title: string, filename: string }} view
   * @param {HTMLElement} opener where the focus goes back to
   */
  open({ src, title, filename }, opener) {
    const el = this.el;
    this.#opener = opener;
    el.zoomTitle.textContent = title;
    el.zoomImage.src = src;
    el.zoomImage.alt = title;
    el.zoomDownload.href = src;
    el.zoomDownload.download = filename;
    if (!el.zoomDialog.open) el.zoomDialog.showModal();
    el.zoomTitle.focus();
  }
}
