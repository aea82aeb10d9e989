/*
 * The option controls (safety range, random seed, the seed's digits, prompt counter) and
 * what GET /info adds to the page (engine note, price, limits). Both pages.
 */
import { MAX_SEED, seedTyping } from "../core/validation.js";
import { $ } from "./dom.js";

const SAFETY_WORDS = ["가장 엄격", "보통", "너그러움"];

/**
 * The seed takes digits only: anything else typed or pasted is refused with a note under
 * the field (#seed-note), never dropped without a word (what a number field does). Korean
 * IME input cannot be refused before it lands, so it is taken out again, with the note.
 * @param {HTMLInputElement} seed
 * @param {number} max
 */
function guardSeed(seed, max) {
  const note = $("#seed-note");
  let shownAt = 0;
  const say = (text) => {
    note.textContent = text; // always in the page (a live region), empty when nothing to say
    shownAt = text ? Date.now() : 0;
  };
  seed.addEventListener("beforeinput", (event) => {
    if (!event.inputType.startsWith("insert") || event.inputType === "insertCompositionText") return;
    const inserted = event.data ?? (event.dataTransfer ? event.dataTransfer.getData("text/plain") : "");
    const start = seed.selectionStart ?? seed.value.length;
    const end = seed.selectionEnd ?? start;
    const message = seedTyping(inserted, seed.value.slice(0, start) + inserted + seed.value.slice(end), max);
    if (message) {
      event.preventDefault();
      say(message);
    } else if (shownAt) {
      say("");
    }
  });
  seed.addEventListener("input", () => {
    if (!/[^0-9]/.test(seed.value)) return;
    const stray = seed.value.replace(/[0-9]/g, "");
    seed.value = seed.value.replace(/[^0-9]/g, "");
    say(seedTyping(stray, seed.value, max));
  });
  seed.addEventListener("blur", () => say(""));
}

/**
 * Keep the range's label, the seed field and the prompt counter in step with their inputs.
 * @param {{ max_seed?: number }} [config] the page config (the services' seed maximum)
 */
export function setupOptions(config = {}) {
  const range = $("#safety-tolerance");
  const syncRange = () => {
    const text = `${range.value} · ${SAFETY_WORDS[Number(range.value)] || ""}`;
    $("#safety-value").textContent = text;
    range.setAttribute("aria-valuetext", text);
  };
  const random = $("#seed-random");
  const syncSeed = () => {
    $("#seed").disabled = random.checked;
  };
  const prompt = $("#prompt");
  const syncLength = () => {
    $("#prompt-length").textContent = String(prompt.value.length);
  };
  guardSeed($("#seed"), Number(config.max_seed) || MAX_SEED);
  range.addEventListener("input", syncRange);
  random.addEventListener("change", syncSeed);
  prompt.addEventListener("input", syncLength);
  [syncRange, syncSeed, syncLength].forEach((sync) => sync());
}

/**
 * "$0.08": an estimated cost in dollars.
 * @param {number} usd
 */
export const formatUsd = (usd) => `$${usd.toFixed(2)}`;

/**
 * The estimated price of one image (real engines), shown before anything is spent.
 * Announced as the document event "webtoon:price" ({ price }) for the goods set's total.
 * @param {number} price USD per image; 0 for the local engine
 */
export function showPrice(price) {
  document.body.dataset.pricePerImage = String(price);
  const note = $("#price-note");
  if (note) {
    note.hidden = !(price > 0);
    note.textContent = price > 0 ? `예상 비용: 이미지 1장에 약 ${formatUsd(price)}` : "";
  }
  document.dispatchEvent(new CustomEvent("webtoon:price", { detail: { price } }));
}

/**
 * GET {api_base}/info: the engine note, the price, and the upload limits (into settings).
 * @param {{ api_base: string }} config
 * @param {{ maxImageSide: number, maxUploadMb: number }} settings updated in place
 * @returns {Promise<object|null>} the info, or null (the page keeps its built-in values)
 */
export async function loadInfo(config, settings) {
  try {
    const response = await fetch(`${config.api_base}/info`, { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    const info = await response.json();
    $("#engine-note").hidden = !info.local_preview;
    showPrice(Number(info.price_usd_per_image) || 0);
    const limits = info.limits || {};
    if (limits.max_image_side > 0) settings.maxImageSide = limits.max_image_side;
    if (limits.max_upload_mb > 0) settings.maxUploadMb = limits.max_upload_mb;
    return info;
  } catch (_) {
    return null; // the form still works with the values the page was built with
  }
}
