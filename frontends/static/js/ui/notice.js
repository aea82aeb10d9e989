/*
 * #error: the server's message and request id, or a client-side message (both pages).
 */
import { noticeLines } from "../core/messages.js";
import { $, paragraphs } from "./dom.js";
import { showFieldProblem } from "./field-errors.js";

/**
 * Show a message in #error.
 * @param {string} text
 * @param {{ requestId?: string, tone?: "error" | "info" }} [options] info: not a failure (cancelled)
 */
export function showMessage(text, { requestId = "", tone = "error" } = {}) {
  const box = $("#error");
  box.replaceChildren(...paragraphs(noticeLines(text, requestId), "notice__message", "notice__meta"));
  box.classList.toggle("notice--error", tone === "error");
  box.classList.toggle("notice--info", tone !== "error");
  box.hidden = false;
}

/** Hide #error (a new attempt starts). */
export function clearMessage() {
  $("#error").hidden = true;
  $("#error").replaceChildren();
}

/**
 * Something to fix before sending: said at the field and in the sticky bar (not in #error,
 * which a phone shows far below), and the focus put where to fix it (ui/field-errors.js).
 * @param {{ message: string, focus?: HTMLElement | null, errorId?: string }} problem
 */
export function showProblem(problem) {
  clearMessage();
  showFieldProblem(problem);
}
