"use strict";
/*
 * Shared by both generator pages (window.WebtoonUI): messages, upload zones with
 * in-browser downscaling, the option controls and the generate → progress →
 * result / error flow (the request and its event stream: stream.js, loaded first).
 * A page calls WebtoonUI.startPage({ slots, validate }).
 */
(function () {
  const MB = 1024 * 1024;
  const MAX_PICK_BYTES = 20 * MB; // refused outright, before decoding
  const MAX_SEED = 2147483647; // the services' MAX_SEED (GET /info: choices.seed.max)
  const EXTENSIONS = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };
  const MSG = {
    notImage: "PNG 또는 JPEG 이미지만 올릴 수 있습니다",
    tooBig: "20MB보다 큰 파일은 올릴 수 없습니다. 더 작은 이미지를 골라 주세요.",
    unreadable: "이미지를 읽지 못했습니다. 손상되지 않은 PNG 또는 JPEG 파일인지 확인해 주세요.",
    stillTooBig: "이미지를 충분히 줄이지 못했습니다. 더 작은 이미지를 올려 주세요.",
    preparing: "이미지를 준비하고 있어요…",
    timeout: "이미지 생성 시간이 초과되었습니다",
    cancelled: "생성을 취소했습니다",
    network: "서버에 연결하지 못했습니다. 네트워크 연결을 확인한 뒤 다시 시도해 주세요.",
    badSeed: `시드는 0부터 ${MAX_SEED} 사이의 정수로 입력해 주세요.`,
    working: "이미지를 만들고 있어요",
    slow: "예상보다 오래 걸리고 있어요. 조금만 더 기다려 주세요",
  };

  const $ = (selector, root = document) => root.querySelector(selector);

  /** A problem the user can fix; its Korean message is shown as is. */
  class UserError extends Error {}

  function readConfig() {
    try {
      return JSON.parse(document.getElementById("page-config").textContent);
    } catch (_) {
      return {};
    }
  }

  // --- #error: the server's message and request id, or a client-side message -----------

  function showMessage(text, { requestId = "", tone = "error" } = {}) {
    const box = $("#error");
    const parts = [text, requestId && `요청 ID: ${requestId}`].filter(Boolean).map((line, i) => {
      const p = document.createElement("p");
      p.className = i === 0 ? "notice__message" : "notice__meta";
      p.textContent = line;
      return p;
    });
    box.replaceChildren(...parts);
    box.classList.toggle("notice--error", tone === "error");
    box.classList.toggle("notice--info", tone !== "error");
    box.hidden = false;
  }

  function clearMessage() {
    $("#error").hidden = true;
    $("#error").replaceChildren();
  }

  // --- Image preparation -----------------------------------------------------------------

  async function sniffType(file) {
    const b = new Uint8Array(await file.slice(0, 4).arrayBuffer());
    if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
    if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
    return "";
  }

  /** Decode upright (EXIF orientation): createImageBitmap, else an <img> element. */
  async function decodeImage(file) {
    if (typeof createImageBitmap === "function") {
      try {
        const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
        const { width, height } = bitmap;
        return { source: bitmap, width, height, close: () => bitmap.close() };
      } catch (_) {
        // older engines reject the option; <img> applies EXIF orientation as well
      }
    }
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.src = url;
    try {
      await img.decode();
    } catch (_) {
      URL.revokeObjectURL(url);
      throw new UserError(MSG.unreadable);
    }
    const close = () => URL.revokeObjectURL(url);
    return { source: img, width: img.naturalWidth, height: img.naturalHeight, close };
  }

  function drawScaled(decoded, maxSide) {
    const scale = Math.min(1, maxSide / Math.max(decoded.width, decoded.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(decoded.width * scale));
    canvas.height = Math.max(1, Math.round(decoded.height * scale));
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingQuality = "high";
    ctx.drawImage(decoded.source, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  function hasTransparency(canvas) {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] < 255) return true;
    return false;
  }

  const toBlob = (canvas, type, quality) =>
    new Promise((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new UserError(MSG.unreadable))), type, quality));

  /**
   * Check a picked file (size, declared type and magic bytes), then redraw it at most
   * maxSide px on the longest side and under maxBytes: PNG with transparency stays PNG,
   * everything else becomes JPEG 0.92 (lower quality, then smaller, if still too big).
   */
  async function prepareImage(file, { maxSide, maxBytes }) {
    if (file.size > MAX_PICK_BYTES) throw new UserError(MSG.tooBig);
    if (file.type !== "image/png" && file.type !== "image/jpeg") throw new UserError(MSG.notImage);
    const sniffed = await sniffType(file);
    if (!sniffed) throw new UserError(MSG.notImage);
    const decoded = await decodeImage(file);
    try {
      let side = maxSide;
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const canvas = drawScaled(decoded, side);
        const png = sniffed === "image/png" && hasTransparency(canvas);
        const tries = png ? [["image/png"]] : [0.92, 0.85, 0.75, 0.6].map((q) => ["image/jpeg", q]);
        for (const [type, quality] of tries) {
          const blob = await toBlob(canvas, type, quality);
          if (blob.size <= maxBytes) {
            return { blob, width: canvas.width, height: canvas.height, ext: png ? "png" : "jpg" };
          }
        }
        side = Math.round(Math.max(canvas.width, canvas.height) * 0.8);
      }
      throw new UserError(MSG.stillTooBig);
    } finally {
      decoded.close();
    }
  }

  const formatBytes = (n) => (n >= MB ? `${(n / MB).toFixed(1)}MB` : `${Math.max(1, Math.round(n / 1024))}KB`);
  const hasFiles = (event) => Boolean(event.dataTransfer) && Array.from(event.dataTransfer.types).includes("Files");

  // --- Upload zones: #<key>-zone (a <label>), -input, -preview, -hint ----------------------

  function createUploadZone(key, label, limits) {
    const zone = $(`#${key}-zone`);
    const input = $(`#${key}-input`);
    const preview = $(`#${key}-preview`);
    const hint = $(`#${key}-hint`);
    let current = null; // { blob, filename }
    let pending = Promise.resolve();
    let token = 0;
    let depth = 0;

    const setHint = (text, isError = false) => {
      hint.textContent = text;
      hint.classList.toggle("is-error", isError);
    };
    const setBusy = (busy) => {
      zone.classList.toggle("is-busy", busy);
      zone.setAttribute("aria-busy", String(busy));
    };

    function handle(file) {
      const mine = ++token;
      clearMessage();
      setBusy(true);
      setHint(MSG.preparing);
      pending = prepareImage(file, limits())
        .then((result) => {
          if (mine !== token) return;
          if (preview.src.startsWith("blob:")) URL.revokeObjectURL(preview.src);
          preview.src = URL.createObjectURL(result.blob);
          preview.hidden = false;
          zone.classList.add("has-image");
          current = { blob: result.blob, filename: `${key}.${result.ext}` };
          setHint(`${result.width}×${result.height} · ${formatBytes(result.blob.size)} · 눌러서 바꾸기`);
        })
        .catch((err) => {
          if (mine !== token) return;
          input.value = ""; // lets the same file be picked again
          const text = err instanceof UserError ? err.message : MSG.unreadable;
          setHint(current ? `${text} (이전 이미지를 그대로 씁니다)` : text, true);
          showMessage(text);
        })
        .finally(() => mine === token && setBusy(false));
    }

    input.addEventListener("change", () => input.files && input.files[0] && handle(input.files[0]));
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
      if (file) handle(file);
    });

    return {
      name: input.name,
      label,
      input,
      /** The processed image once processing in flight has settled, or null. */
      value: () => pending.then(() => current, () => current),
    };
  }

  // A file dropped beside a zone must not navigate away from the page.
  for (const type of ["dragover", "drop"]) {
    window.addEventListener(type, (event) => hasFiles(event) && event.preventDefault());
  }

  // --- Options -------------------------------------------------------------------------------

  const randomSeed = () => crypto.getRandomValues(new Uint32Array(1))[0] & 0x7fffffff; // 0..2^31-1

  function setupOptions() {
    const range = $("#safety-tolerance");
    const words = ["가장 엄격", "보통", "너그러움"];
    const syncRange = () => {
      const text = `${range.value} · ${words[Number(range.value)] || ""}`;
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
    range.addEventListener("input", syncRange);
    random.addEventListener("change", syncSeed);
    prompt.addEventListener("input", syncLength);
    [syncRange, syncSeed, syncLength].forEach((sync) => sync());
  }

  /** The estimated price of one image (real engines), shown before anything is spent. */
  function showPrice(price) {
    document.body.dataset.pricePerImage = String(price);
    const note = $("#price-note");
    if (note) {
      note.hidden = !(price > 0);
      note.textContent = price > 0 ? `예상 비용: 이미지 1장에 약 ${formatUsd(price)}` : "";
    }
    document.dispatchEvent(new CustomEvent("webtoon:price", { detail: { price } }));
  }

  const formatUsd = (usd) => `$${usd.toFixed(2)}`;

  async function loadInfo(config, settings) {
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

  // --- Generate → progress → result / error ----------------------------------------------
  // The request itself (event stream, or the plain answer as a fallback) is stream.js.

  function startGenerator({ config, slots, validate, alternate }) {
    const Stream = window.WebtoonStream;
    const el = {};
    for (const id of ["generate-form", "generate", "cancel", "regenerate", "seed", "seed-random", "progress",
      "progress-bar", "progress-text", "progress-live", "elapsed", "expected", "result", "result-image",
      "result-empty", "result-meta", "download"]) {
      el[id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
    }
    const { generateForm: form, generate, cancel, regenerate, seed, seedRandom: random } = el;
    const { progress, progressBar: bar, progressText, progressLive: live, elapsed, expected: expectedText } = el;
    const { result, resultImage: image, resultEmpty: empty, resultMeta: meta, download } = el;
    const expected = Number(config.expected_wait_s) || 60;
    const expectedLabel = expectedText.textContent;
    const clientTimeoutMs = (Number(config.client_timeout_s) || 180) * 1000;
    let job = null; // the single generation: { controller, reason: "" | "cancel" | "timeout" }
    let alternateBusy = false; // the page's other flow (the goods set) is running
    let starting = false;

    const isBusy = () => Boolean(job) || alternateBusy;

    function setBusy(busy) {
      const hadFocus = document.activeElement === generate || document.activeElement === cancel;
      generate.disabled = busy;
      regenerate.disabled = busy;
      cancel.hidden = !busy;
      form.setAttribute("aria-busy", String(busy));
      result.classList.toggle("is-stale", busy);
      if (hadFocus) (busy ? cancel : generate).focus();
    }

    /** Shows #progress, driven by the stream's events and a one-second tick for the clock. */
    function startProgress() {
      const tracker = new Stream.Progress(expected);
      const render = () => {
        elapsed.textContent = String(tracker.seconds());
        bar.value = tracker.value();
        bar.setAttribute("aria-valuetext", tracker.valueText());
        progressText.textContent = tracker.label;
        expectedText.textContent = tracker.slow() ? `${expectedLabel} · ${MSG.slow}` : expectedLabel;
      };
      render();
      live.textContent = tracker.label;
      progress.hidden = false;
      empty.hidden = true;
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
        stop() {
          clearInterval(timer);
          progress.hidden = true;
          empty.hidden = !result.hidden;
          return Math.max(1, Math.round((Date.now() - tracker.started) / 1000));
        },
      };
    }

    async function showResult(outcome, seedValue, seconds) {
      const ext = EXTENSIONS[outcome.type] || (outcome.filename.match(/\.(\w+)$/) || [])[1] || "png";
      if (image.src.startsWith("blob:")) URL.revokeObjectURL(image.src);
      image.src = URL.createObjectURL(outcome.blob);
      await image.decode().catch(() => {});
      download.href = image.src;
      download.download = outcome.filename || `${config.download_stem}.${ext}`;
      result.hidden = false;
      empty.hidden = true;
      const size = image.naturalWidth ? ` · ${image.naturalWidth}×${image.naturalHeight}` : "";
      const seedText = seedValue === "" ? "" : ` · 시드 ${seedValue}`;
      meta.textContent = `완료 ${seconds}초 · ${ext.toUpperCase()}${size}${seedText}`;
      const top = result.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.6) result.scrollIntoView({ block: "start" });
    }

    /** The request body, or { error: { message, focus } } for something to fix first. */
    async function collect(seedOverride) {
      const images = [];
      for (const slot of slots) {
        const processed = await slot.value();
        const message = `${slot.label} 이미지를 올려 주세요.`;
        if (!processed) return { error: { message, focus: slot.input } };
        images.push([slot.name, processed]);
      }
      const problem = validate ? validate() : null;
      if (problem) return { error: problem };
      let seedValue = seed.value.trim();
      if (seedOverride !== undefined || random.checked) {
        seedValue = String(seedOverride !== undefined ? seedOverride : randomSeed());
        seed.value = seedValue; // shown so the result can be reproduced
      } else if (seedValue !== "" && (!/^\d+$/.test(seedValue) || Number(seedValue) > MAX_SEED)) {
        return { error: { message: MSG.badSeed, focus: seed } };
      }
      const data = new FormData(form);
      for (const [name, processed] of images) data.set(name, processed.blob, processed.filename);
      if (seedValue === "") data.delete("seed");
      else data.set("seed", seedValue);
      if (data.get("aspect_ratio") === "") data.delete("aspect_ratio"); // goods: the kind's default
      if (String(data.get("prompt") || "").trim() === "") data.delete("prompt");
      return { data, seedValue };
    }

    async function run(seedOverride) {
      if (isBusy() || starting) return;
      const current = (job = { controller: new AbortController(), reason: "" });
      let view = null;
      let timer = 0;
      clearMessage();
      setBusy(true);
      try {
        const body = await collect(seedOverride);
        if (body.error) {
          showMessage(body.error.message);
          if (body.error.focus) body.error.focus.focus();
          return;
        }
        if (current.reason) throw new DOMException("cancelled", "AbortError");
        view = startProgress();
        timer = setTimeout(() => {
          current.reason = "timeout";
          current.controller.abort();
        }, clientTimeoutMs);
        const outcome = await Stream.generate(`${config.api_base}/generate`, body.data, {
          signal: current.controller.signal,
          onEvent: view.event,
        });
        if (outcome.ok) {
          view.event("done", {}); // the plain fallback has no events of its own
          const seconds = view.stop();
          view = null;
          setBusy(false);
          await showResult(outcome, body.seedValue, seconds);
        } else {
          showMessage(outcome.message, { requestId: outcome.requestId });
        }
      } catch (err) {
        if (current.reason === "timeout") showMessage(MSG.timeout);
        else if (current.reason === "cancel") showMessage(MSG.cancelled, { tone: "info" });
        else showMessage(err instanceof UserError ? err.message : MSG.network);
      } finally {
        clearTimeout(timer);
        if (view) view.stop();
        job = null;
        setBusy(alternateBusy);
      }
    }

    /** The page's other flow (alternate.active()): collect the form once, then hand it over. */
    async function runAlternate() {
      if (isBusy() || starting) return;
      starting = true;
      clearMessage();
      try {
        const body = await collect();
        if (body.error) {
          showMessage(body.error.message);
          if (body.error.focus) body.error.focus.focus();
          return;
        }
        alternate.start(body);
      } finally {
        starting = false;
      }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (alternate && alternate.active()) runAlternate();
      else run();
    });
    cancel.addEventListener("click", () => {
      if (job) {
        job.reason = "cancel";
        job.controller.abort();
      } else if (alternate && alternateBusy) {
        alternate.cancel();
      }
    });
    regenerate.addEventListener("click", () => run(randomSeed()));
    return {
      run,
      isBusy,
      /** The alternate flow reports when it starts and stops working. */
      setAlternateBusy(busy) {
        alternateBusy = busy;
        setBusy(isBusy());
      },
    };
  }

  /**
   * Wires a page: slots(limits) builds its upload zones, validate() checks page fields, and
   * an optional alternate { active(), start(body), cancel() } takes over the submit while
   * active() (the goods set mode); it reports its busy state with generator.setAlternateBusy().
   */
  function startPage({ slots, validate, alternate = null }) {
    const config = readConfig();
    const settings = {
      maxImageSide: Number(config.max_image_side) || 1024,
      maxUploadMb: Number(config.max_upload_mb) || 5,
    };
    // Stay under the server's per-file limit with room to spare (~4.5MB of 5MB).
    const limits = () => ({
      maxSide: settings.maxImageSide,
      maxBytes: Math.floor(settings.maxUploadMb * MB * 0.9),
    });
    setupOptions();
    loadInfo(config, settings);
    const generator = startGenerator({ config, slots: slots(limits), validate, alternate });
    return { config, settings, generator };
  }

  window.WebtoonUI = {
    $, MSG, EXTENSIONS, UserError, readConfig, showMessage, clearMessage, prepareImage, createUploadZone, randomSeed,
    startPage,
  };
})();
