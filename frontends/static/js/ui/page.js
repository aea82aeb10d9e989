/*
 * Wiring shared by both generator pages: config, upload limits, options, GET /info and
 * the generate flow. A page module calls startPage() once with what is its own.
 */
import { uploadLimits } from "../core/image-rules.js";
import { $, readConfig } from "./dom.js";
import { GenerateFlow } from "./generate-flow.js";
import { loadInfo, setupOptions } from "./options.js";
import { preventStrayDrops } from "./upload-zone.js";

/**
 * Start a page.
 * @param {object} page
 * @param {(limits: () => { maxSide: number, maxBytes: number }) => object[]} page.slots
 *   builds the page's upload zones (createUploadZone; the Slot type in generate-flow.js)
 * @param {() => ({ message: string, focus?: HTMLElement } | null)} [page.validate] the page's own fields
 * @param {(flow: GenerateFlow) => void} [page.onSubmit] what the form's submit does (default: flow.run())
 * @returns {{ config: Record<string, any>, settings: { maxImageSide: number, maxUploadMb: number },
 *   flow: GenerateFlow }}
 */
export function startPage({ slots, validate, onSubmit = (flow) => flow.run() }) {
  const config = readConfig();
  // Build-time defaults; GET /info may replace them (loadInfo).
  const settings = {
    maxImageSide: Number(config.max_image_side) || 1024,
    maxUploadMb: Number(config.max_upload_mb) || 5,
  };
  preventStrayDrops();
  setupOptions();
  loadInfo(config, settings);
  const flow = new GenerateFlow({ config, slots: slots(() => uploadLimits(settings)), validate });
  $("#generate-form").addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(flow);
  });
  return { config, settings, flow };
}
