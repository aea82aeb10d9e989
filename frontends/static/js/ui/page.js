/*
 * Wiring shared by both generator pages: config, upload limits, options, GET /info, the
 * generate flow, 최근 작업, and taking up the job the address names (?job=, after a reload
 * or in a shared link). A page module calls startPage() once with what is its own.
 */
import { uploadLimits } from "../core/image-rules.js";
import { setOnlineCheck } from "../core/messages.js";
import { readPageState } from "../core/page-state.js";
import { $, readConfig } from "./dom.js";
import { GenerateFlow } from "./generate-flow.js";
import { HistoryPanel } from "./history-panel.js";
import { loadInfo, setupOptions } from "./options.js";
import { trackStickyBar } from "./sticky-bar.js";
import { preventStrayDrops, setupPaste, setupSamples } from "./upload-zone.js";

/**
 * Start a page.
 * @param {object} page
 * @param {(limits: () => { maxSide: number, maxBytes: number }) => object[]} page.slots
 *   builds the page's upload zones (createUploadZone; the Slot type in generate-flow.js)
 * @param {() => ({ message: string, focus?: HTMLElement } | null)} [page.validate] the page's own fields
 * @param {(flow: GenerateFlow) => void} [page.onSubmit] what the form's submit does (default: flow.run())
 * @param {() => Record<string, string>} [page.labels] goods kind id → name (for 최근 작업)
 * @param {() => void} [page.beforeFollow] before a job not made from the form is shown
 * @param {(parts: { config: object, settings: object, slots: object[], flow: GenerateFlow }) => object | null}
 *   [page.print] makes the goods print dialog (offered in 최근 작업 too)
 * @param {boolean} [page.followAddress] take up ?job= (the goods page does it itself, after ?set=)
 * @param {(params: Record<string, any>) => string} [page.kindOf] what a result is (the goods
 *   kind's name), said with it so it is never taken for the kind now ticked
 * @returns {{ config: Record<string, any>, settings: { maxImageSide: number, maxUploadMb: number },
 *   slots: object[], flow: GenerateFlow, history: HistoryPanel, print: object | null,
 *   state: { job: string, set: string } }}
 */
export function startPage({
  slots, validate, onSubmit = (flow) => flow.run(), labels = () => ({}), beforeFollow = () => {},
  print = () => null, followAddress = true, kindOf = () => "",
}) {
  const config = readConfig();
  // Build-time defaults; GET /info may replace them (loadInfo).
  const settings = {
    maxImageSide: Number(config.max_image_side) || 1024,
    maxUploadMb: Number(config.max_upload_mb) || 5,
  };
  setOnlineCheck(() => navigator.onLine);
  preventStrayDrops();
  setupOptions(config);
  trackStickyBar($("#actions"));
  loadInfo(config, settings);
  const zones = slots(() => uploadLimits(settings));
  setupPaste(zones);
  setupSamples(zones);
  const flow = new GenerateFlow({ config, slots: zones, validate, beforeFollow, kindOf });
  $("#generate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(flow);
  });
  const printDialog = print({ config, settings, slots: zones, flow });
  const history = new HistoryPanel({ config, flow, labels, print: printDialog });
  history.load();
  const state = readPageState(window.location.search);
  if (followAddress && state.job) flow.follow(state.job, { restore: true });
  return { config, settings, slots: zones, flow, history, print: printDialog, state };
}
