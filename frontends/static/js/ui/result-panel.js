/*
 * The result panel of a single generation (the result_panel macro): #progress while it
 * runs, then #result with the image, its download link and what it took.
 */
import { MSG } from "../core/messages.js";
import { Progress } from "../core/progress.js";
import { outcomeExtension } from "../core/stream.js";
import { elementsById, revealTop, showBlob } from "./dom.js";

const IDS = ["progress", "progress-bar", "progress-text", "progress-live", "elapsed", "expected", "result",
  "result-image", "result-empty", "result-meta", "download"];

/** The panel's elements; #expected's built text is kept to add the "slow" note to. */
export function resultPanel() {
  const el = elementsById(IDS);
  return { ...el, expectedLabel: el.expected.textContent };
}

/**
 * Show #progress, driven by the stream's events and a one-second tick for the clock.
 * @param {ReturnType<typeof resultPanel>} panel
 * @param {number} expectedSeconds
 * @returns {{ event: (name: string, data: object) => void, since: (ms: number) => void,
 *   stop: () => number }} since() counts from an earlier start (a job followed again);
 *   stop() hides it and returns the whole seconds taken (at least 1)
 */
export function startProgressView(panel, expectedSeconds) {
  const tracker = new Progress(expectedSeconds);
  const { progress, progressBar: bar, progressText, progressLive: live, elapsed, expected } = panel;
  const render = () => {
    elapsed.textContent = String(tracker.seconds());
    bar.value = tracker.value();
    bar.setAttribute("aria-valuetext", tracker.valueText());
    progressText.textContent = tracker.label;
    expected.textContent = tracker.slow() ? `${panel.expectedLabel} · ${MSG.slow}` : panel.expectedLabel;
  };
  render();
  live.textContent = tracker.label;
  progress.hidden = false;
  panel.resultEmpty.hidden = true;
  if (progress.getBoundingClientRect().bottom > window.innerHeight) {
    progress.scrollIntoView({ block: "nearest" });
  }
  const timer = setInterval(render, 1000);
  return {
    /** A stream event: stage changes (not each percent) go to the live region. */
    event(name, data) {
      if (tracker.event(name, data)) live.textContent = tracker.label;
      render();
    },
    since(ms) {
      tracker.since(ms);
      render();
    },
    stop() {
      clearInterval(timer);
      progress.hidden = true;
      panel.resultEmpty.hidden = !panel.result.hidden;
      return Math.max(1, Math.round((Date.now() - tracker.started) / 1000));
    },
  };
}

/**
 * Say something in the progress box while it is shown ("취소하는 중…").
 * @param {ReturnType<typeof resultPanel>} panel
 * @param {string} text
 */
export function showProgressNote(panel, text) {
  panel.progressText.textContent = text;
  panel.progressLive.textContent = text;
}

/**
 * Empty the result (the job it showed was deleted).
 * @param {ReturnType<typeof resultPanel>} panel
 */
export function clearResult(panel) {
  panel.result.hidden = true;
  panel.resultMeta.textContent = "";
  if (panel.progress.hidden) panel.resultEmpty.hidden = false;
}

/**
 * Show a generated image with its download link and "머그컵 · 완료 12초 · PNG · 1024×1024 · 시드 11".
 * @param {ReturnType<typeof resultPanel>} panel
 * @param {{ blob: Blob, type: string, filename: string }} outcome
 * @param {{ seedValue: string, seconds: number, downloadStem: string, kind?: string }} about
 *   kind: what it is (a goods kind's name), "" for nothing to say
 */
export async function showResult(panel, outcome, { seedValue, seconds, downloadStem, kind = "" }) {
  const { result, resultImage: image, resultMeta: meta, download } = panel;
  const ext = outcomeExtension(outcome);
  const seedText = seedValue === "" ? "" : ` · 시드 ${seedValue}`;
  const describe = (size) => `${kind ? `${kind} · ` : ""}완료 ${seconds}초 · ${ext.toUpperCase()}${size}${seedText}`;
  // The line goes with the image it describes: never the last result's line under a new
  // image while that decodes. Written once (it is a live region), when the size is known.
  meta.textContent = "";
  showBlob(image, outcome.blob);
  await image.decode().catch(() => {});
  download.href = image.src;
  download.download = outcome.filename || `${downloadStem}.${ext}`;
  result.hidden = false;
  panel.resultEmpty.hidden = true;
  meta.textContent = describe(image.naturalWidth ? ` · ${image.naturalWidth}×${image.naturalHeight}` : "");
  revealTop(result, 0.6, "start");
}
