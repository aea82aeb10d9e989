/*
 * Goods page: character upload zone, goods-kind cards, the kind's default ratio, and the
 * set mode ("여러 굿즈 한 번에"): the kind radios become checkboxes (up to SET_MAX) and the
 * submit starts a set (goods/set-view.js) instead of one image; the 인쇄용 파일 action next to
 * results of the kinds that have one (goods/print-dialog.js). Shared flow: ui/page.js. After a
 * reload the address's set (?set=) or job (?job=) is taken up again.
 *
 * A set holds at most SET_MAX kinds: once that many are ticked the others are marked
 * unavailable (aria-disabled, dimmed), and a further tick is refused with the reason in the
 * sticky bar's alert, on screen wherever the grid is scrolled. Leaving set mode after a set
 * ran shows that set's result of the kind kept ticked (never an older single result).
 */
import { goodsProblem } from "./core/validation.js";
import { buildKindCard, newerCatalogue } from "./goods/catalogue.js";
import { PrintDialog } from "./goods/print-dialog.js";
import { SetView } from "./goods/set-view.js";
import { ZoomDialog } from "./goods/zoom-dialog.js";
import { $ } from "./ui/dom.js";
import { formAlert } from "./ui/field-errors.js";
import { formatUsd } from "./ui/options.js";
import { startPage } from "./ui/page.js";
import { createUploadZone } from "./ui/upload-zone.js";

const cards = $("#goods-types");
const aspect = $("#aspect-ratio");
const aspectHelp = $("#aspect-help");
const modeSwitch = $("#set-mode");
const kindStatus = $("#kind-status");
const generateLabel = $("#generate-label");
const prompt = $("#prompt");
const printButton = $("#print-file");
const SET_MAX = Number(modeSwitch.dataset.max) || 6;
const LIMIT_MSG = `굿즈는 한 번에 최대 ${SET_MAX}개까지 고를 수 있습니다. 다른 굿즈를 먼저 해제해 주세요.`;
let setMode = false;
let limitShown = false;

const kindInputs = () => Array.from(cards.querySelectorAll(".goods-card__input"));
const checkedKinds = () => kindInputs().filter((input) => input.checked);
const checkedKind = () => checkedKinds()[0] || null;

function syncAspectHelp() {
  const kind = checkedKind();
  if (aspect.value) {
    aspectHelp.textContent = `고른 비율: ${aspect.value}`;
  } else if (setMode) {
    aspectHelp.textContent = "굿즈마다 그 굿즈의 기본 비율로 만듭니다.";
  } else if (kind) {
    aspectHelp.textContent = `‘${kind.dataset.label}’ 기본 비율: ${kind.dataset.aspectRatio}`;
  } else {
    aspectHelp.textContent = "선택한 굿즈에 맞는 비율로 만듭니다.";
  }
}

function showLimit() {
  formAlert(LIMIT_MSG);
  limitShown = true;
}

function hideLimit() {
  if (limitShown) formAlert("");
  limitShown = false;
}

/** With SET_MAX kinds ticked, the rest are unavailable (still focusable: a tick says why). */
function syncAvailability() {
  const full = setMode && checkedKinds().length >= SET_MAX;
  for (const input of kindInputs()) {
    const unavailable = full && !input.checked;
    if (unavailable) input.setAttribute("aria-disabled", "true");
    else input.removeAttribute("aria-disabled");
    input.closest(".goods-card").classList.toggle("is-unavailable", unavailable);
  }
}

/** The kind count (and a set's estimated cost), the button's label and the ratio help. */
function syncSelection() {
  const count = checkedKinds().length;
  kindStatus.hidden = !setMode;
  if (setMode) {
    const price = Number(document.body.dataset.pricePerImage) || 0;
    const cost = price > 0 && count ? ` · 예상 비용 약 ${formatUsd(price * count)}` : "";
    const full = count >= SET_MAX ? " (더 고르려면 하나를 해제하세요)" : "";
    kindStatus.textContent = `${count}개 선택됨 · 최대 ${SET_MAX}개${full}${cost}`;
    generateLabel.textContent = count ? `${count}개 한 번에 생성하기` : "한 번에 생성하기";
  } else {
    generateLabel.textContent = "이미지 생성하기";
  }
  syncAvailability();
  syncAspectHelp();
}

/** Set mode turns the kind radios into checkboxes (same cards, same name) and back. */
function applyMode(on) {
  setMode = on;
  const inputs = kindInputs();
  const keep = checkedKind() || inputs[0];
  if (!on) inputs.forEach((input) => (input.checked = false));
  for (const input of inputs) input.type = on ? "checkbox" : "radio";
  if (keep) keep.checked = true;
  cards.setAttribute("role", on ? "group" : "radiogroup");
  cards.classList.toggle("goods-grid--multi", on);
  document.body.classList.toggle("is-set-mode", on);
  hideLimit();
  syncSelection();
}

/** A ticked kind beyond SET_MAX is unticked again, with the reason. */
function onKindChange(event) {
  const input = event.target;
  if (setMode && input.checked && checkedKinds().length > SET_MAX) {
    input.checked = false;
    showLimit();
  } else {
    hideLimit();
  }
  syncSelection();
}

/** Re-render the cards from the server's catalogue, keeping what was ticked where possible. */
async function refreshCatalogue(apiBase) {
  const kinds = await newerCatalogue(apiBase, cards);
  if (!kinds) return;
  const selected = checkedKinds().map((input) => input.value);
  const hadFocus = cards.contains(document.activeElement);
  cards.replaceChildren(...kinds.map((kind) => buildKindCard(kind, setMode ? "checkbox" : "radio")));
  const inputs = kindInputs();
  let keep = inputs.filter((input) => selected.includes(input.value));
  if (!setMode) keep = keep.length ? keep.slice(0, 1) : inputs.slice(0, 1);
  keep.slice(0, SET_MAX).forEach((input) => (input.checked = true));
  if (keep.length && hadFocus) keep[0].focus();
  syncSelection();
}

function validate() {
  const problem = goodsProblem({ setMode, kinds: checkedKinds().length, prompt: prompt.value, maxChars: prompt.maxLength });
  if (!problem) return null;
  if (problem.field === "kinds") return { message: problem.message, focus: kindInputs()[0], errorId: "kinds-error" };
  return { message: problem.message, focus: prompt };
}

/** goods kind id → its Korean name, from the cards (for 최근 작업). */
const kindLabels = () => Object.fromEntries(kindInputs().map((input) => [input.value, input.dataset.label || input.value]));

/** A job not made from the form is about to show in the single result: leave set mode. */
function leaveSetMode() {
  if (!setMode || (sets && sets.runner.busy)) return;
  // A job is about to be shown (최근 작업, a link): it, not the set's image of a kind.
  setRanSince = false;
  modeSwitch.checked = false;
  applyMode(false);
}

/** Set mode's submit: collect the form once (shared rules), then one card per ticked kind. */
async function startSet(flow) {
  const request = await flow.prepareRequest();
  if (!request) return;
  const kinds = checkedKinds().map((input) => ({ id: input.value, label: input.dataset.label || input.value }));
  sets.start(request, kinds);
}

cards.addEventListener("change", onKindChange);
aspect.addEventListener("change", syncAspectHelp);
modeSwitch.addEventListener("change", () => {
  const leaving = setMode && !modeSwitch.checked;
  applyMode(modeSwitch.checked);
  if (leaving) showSetResultOfKind(); // the person turned set mode off: the set's result of the kind kept
});
document.addEventListener("webtoon:price", syncSelection); // the price arrives with GET /info
applyMode(modeSwitch.checked); // the browser may restore the switch on back navigation

/**
 * Set mode was just left: the single result shows the set's image of the kind kept ticked,
 * when the set made one; a single result older than the set is not shown as if current.
 */
function showSetResultOfKind() {
  if (!sets || !sets.runner.cards.length || !setRanSince) return;
  setRanSince = false;
  const kind = checkedKind();
  const card = kind && sets.runner.cards.find((c) => c.id === kind.value && c.state === "done" && c.job);
  if (card) page.flow.follow(card.job);
  else if (page.flow.shown) page.flow.forget(page.flow.shown.jobId);
}

let sets = null;
let setRanSince = false; // a set started since the single result was shown
const page = startPage({
  slots: (limits) => [createUploadZone("character", "캐릭터", limits)],
  validate,
  onSubmit: (flow) => (setMode ? startSet(flow) : flow.run()),
  labels: kindLabels,
  beforeFollow: leaveSetMode,
  print: ({ config, settings, slots }) => new PrintDialog({ config, settings, slot: slots[0] }),
  followAddress: false,
  kindOf: (params) => (params && params.goods_type ? kindLabels()[params.goods_type] || params.goods_type : ""),
});
sets = new SetView({
  config: page.config, collect: () => page.flow.prepareRequest(), print: page.print, zoom: new ZoomDialog(),
});
sets.runner.addEventListener("start", () => {
  setRanSince = true;
});
page.flow.addEventListener("result", () => {
  if (!setMode) setRanSince = false;
});

// 인쇄용 파일 next to the single result, for the kinds that have one.
function syncPrintButton() {
  const shown = page.flow.shown;
  const kind = shown && shown.params ? shown.params.goods_type : "";
  printButton.hidden = !(kind && page.print.offers(kind));
  printButton.dataset.kind = kind || "";
}
page.flow.addEventListener("result", syncPrintButton);
document.addEventListener("webtoon:print-options", syncPrintButton);
printButton.addEventListener("click", () => page.print.open(printButton.dataset.kind, printButton));

// No switching modes while anything is generating (one image or a set).
page.flow.addEventListener("busychange", ({ detail }) => {
  modeSwitch.disabled = detail.busy;
});
// A running set holds the form: [이미지 생성하기] disabled, [취소] cancels the whole set.
let release = null;
sets.runner.addEventListener("busychange", ({ detail }) => {
  if (detail.busy) {
    release = page.flow.occupy(() => sets.runner.cancelAll());
  } else if (release) {
    release();
    release = null;
  }
});
refreshCatalogue(page.config.api_base);

/** The address names a set: set mode, its kinds ticked, its cards back. */
async function resumeSet(batch) {
  modeSwitch.checked = true;
  applyMode(true);
  const kinds = await sets.resume(batch, kindLabels);
  if (!kinds) return;
  const wanted = new Set(kinds.map((kind) => kind.id));
  kindInputs().forEach((input) => (input.checked = wanted.has(input.value)));
  syncSelection();
}

if (page.state.set) resumeSet(page.state.set);
else if (page.state.job) page.flow.follow(page.state.job, { restore: true });
