/*
 * A form problem, said where it is (both pages).
 *
 * On a phone the result panel (#error) is far below the form, and a field focused near the
 * bottom sat under the sticky [이미지 생성하기] bar: pressing it with something to fix seemed
 * to do nothing. Now the problem is said three ways at once:
 *   - in #form-alert, inside the sticky bar next to the button just pressed (role=alert:
 *     announced, and on screen whatever is scrolled where);
 *   - at the field: its error text (the field's .field__error, or an upload zone's hint)
 *     joins its aria-describedby, and the field gets aria-invalid="true";
 *   - the field is scrolled to the middle of the screen (clear of the bar) and focused.
 * Editing the field, or the next attempt, clears it.
 */
import { $ } from "./dom.js";

const marked = new Map(); // field → { target, restore }

/**
 * Say something in the sticky bar's #form-alert ("" clears it).
 * @param {string} text
 */
export function formAlert(text) {
  const box = $("#form-alert");
  if (box) box.textContent = text;
}

function describedBy(field) {
  return (field.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
}

/** The element that says a field's problem: problem.errorId, the field's data-error-target, or #<id>-error. */
function errorTarget(field, errorId) {
  const id = errorId || field.dataset.errorTarget || `${field.id}-error`;
  return document.getElementById(id);
}

/**
 * Undo what showFieldProblem() did to a field (its error text, aria-invalid).
 * @param {HTMLElement} field
 */
export function clearFieldProblem(field) {
  const mark = marked.get(field);
  if (!mark) return;
  marked.delete(field);
  field.removeAttribute("aria-invalid");
  const { target, restore, added, live } = mark;
  if (added) field.setAttribute("aria-describedby", describedBy(field).filter((id) => id !== target.id).join(" "));
  if (live) target.setAttribute("aria-live", live);
  if (restore === null) {
    target.textContent = "";
    target.hidden = true;
  } else {
    target.textContent = restore;
  }
  target.classList.remove("is-error");
  const holder = field.closest(".field, .upload, .goods-grid");
  if (holder) holder.classList.remove("is-invalid");
}

/** Clear every field problem shown, and the bar's alert (a new attempt starts). */
export function clearFieldProblems() {
  for (const field of Array.from(marked.keys())) clearFieldProblem(field);
  formAlert("");
}

/**
 * Bring an element to the middle of the screen: clear of the sticky bar at the bottom, with
 * room above. Its box, or for a visually hidden control its visible holder.
 * @param {HTMLElement} element
 */
export function bringIntoView(element) {
  const holder = element.closest(".field, .upload, .goods-card, .mode-row") || element;
  holder.scrollIntoView({ block: "center", inline: "nearest" });
}

/**
 * Show a problem at its field, in the bar, and focus the field.
 * @param {{ message: string, focus?: HTMLElement | null, errorId?: string }} problem
 */
export function showFieldProblem({ message, focus = null, errorId = "" }) {
  clearFieldProblems();
  formAlert(message);
  if (!focus) return;
  const target = errorTarget(focus, errorId);
  if (target) {
    const hint = target.classList.contains("dropzone__hint");
    const added = !describedBy(focus).includes(target.id);
    // Announced once, by the bar's alert: the field's text (an upload zone's hint is a live
    // region) is read with the field when it takes the focus.
    const live = target.getAttribute("aria-live");
    target.removeAttribute("aria-live");
    marked.set(focus, { target, restore: hint ? target.textContent : null, added, live });
    target.textContent = message;
    target.hidden = false;
    target.classList.add("is-error");
    if (added) focus.setAttribute("aria-describedby", [...describedBy(focus), target.id].join(" "));
  } else {
    marked.set(focus, { target: document.createElement("span"), restore: null, added: false });
  }
  focus.setAttribute("aria-invalid", "true");
  const holder = focus.closest(".field, .upload, .goods-grid");
  if (holder) holder.classList.add("is-invalid");
  const mark = marked.get(focus);
  const clear = () => {
    if (marked.get(focus) !== mark) return; // cleared already, or a newer problem
    clearFieldProblem(focus);
    if (!marked.size) formAlert("");
  };
  const group = focus.closest(".goods-grid") || focus;
  group.addEventListener("input", clear, { once: true });
  group.addEventListener("change", clear, { once: true });
  bringIntoView(focus);
  focus.focus({ preventScroll: true });
}
