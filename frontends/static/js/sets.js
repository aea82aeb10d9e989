"use strict";
/*
 * Goods sets (window.WebtoonSets): several kinds from one character image in one go.
 * Each kind is its own streamed request (stream.js), at most CONCURRENCY at a time, shown as a
 * card in #set-results (.set-card[data-goods-type]) with its stage, progress bar, image,
 * download link and a retry button; the finished images can be saved as one ZIP.
 * goods.js owns the mode switch and the kind checkboxes and calls start(body, kinds).
 */
(function () {
  const UI = window.WebtoonUI;
  const Stream = window.WebtoonStream;
  const CONCURRENCY = 3;
  const ZIP_NAME = "generated-goods-set.zip";
  const MSG = {
    queued: "순서를 기다리는 중",
    cancelled: "취소됨",
    failed: "실패",
    zipFailed: "ZIP 파일을 만들지 못했습니다. 시안을 하나씩 내려받아 주세요.",
  };

  /**
   * A small promise pool: run(task) starts task() once fewer than `limit` are running and
   * settles with it. clear() drops the tasks still waiting (each resolves to `dropped`).
   */
  function createPool(limit, onChange = () => {}) {
    let active = 0;
    const waiting = [];
    const next = () => {
      while (active < limit && waiting.length) {
        const item = waiting.shift();
        active += 1;
        Promise.resolve()
          .then(item.task)
          .then(item.resolve, item.reject)
          .finally(() => {
            active -= 1;
            next();
            onChange();
          });
      }
    };
    return {
      run(task) {
        return new Promise((resolve, reject) => {
          waiting.push({ task, resolve, reject });
          next();
          onChange();
        });
      },
      clear(dropped) {
        for (const item of waiting.splice(0)) item.resolve(dropped);
        onChange();
      },
      get active() {
        return active;
      },
      get waiting() {
        return waiting.length;
      },
    };
  }

  const DROPPED = Symbol("dropped");

  function copyForm(data) {
    const copy = new FormData();
    for (const [name, value] of data.entries()) copy.append(name, value);
    return copy;
  }

  function createSetRunner({ config, onBusy }) {
    const $ = (id) => document.getElementById(id);
    const grid = $("set-grid");
    const template = $("set-card-template");
    const empty = $("set-empty");
    const summary = $("set-summary");
    const live = $("set-live");
    const zipButton = $("download-zip");
    const zipCount = $("zip-count");
    const cancelButton = $("set-cancel");
    const expected = Number(config.expected_wait_s) || 60;
    const clientTimeoutMs = (Number(config.client_timeout_s) || 180) * 1000;
    let batch = null; // { body, cards: Card[] }
    let busy = false;
    let ticker = 0;

    const pool = createPool(CONCURRENCY, () => {
      const now = pool.active + pool.waiting > 0;
      if (now === busy) return;
      busy = now;
      cancelButton.hidden = !busy;
      if (busy) ticker = setInterval(tick, 1000);
      else clearInterval(ticker);
      onBusy(busy);
      if (!busy) finished();
    });

    // --- Cards -------------------------------------------------------------------------

    function buildCard(kind) {
      const node = template.content.firstElementChild.cloneNode(true);
      node.dataset.goodsType = kind.id;
      const titleId = `set-card-${kind.id}-title`;
      const title = node.querySelector(".set-card__title");
      title.id = titleId;
      title.textContent = kind.label;
      node.setAttribute("aria-labelledby", titleId);
      const card = {
        id: kind.id,
        label: kind.label,
        node,
        stage: node.querySelector(".set-card__stage"),
        bar: node.querySelector(".set-card__bar"),
        time: node.querySelector(".set-card__time"),
        image: node.querySelector(".set-card__image"),
        error: node.querySelector(".set-card__error"),
        download: node.querySelector(".set-download"),
        retry: node.querySelector(".set-retry"),
        state: "queued",
        progress: null,
        controller: null,
        reason: "",
        file: null, // { name, bytes } once done
      };
      card.bar.setAttribute("aria-label", `${kind.label} 생성 진행률`);
      card.image.alt = `생성된 ${kind.label} 시안`;
      card.download.setAttribute("aria-label", `${kind.label} 시안 내려받기`);
      card.retry.setAttribute("aria-label", `${kind.label} 다시 시도`);
      card.retry.addEventListener("click", () => retry(card));
      return card;
    }

    function setState(card, state) {
      card.state = state;
      card.node.dataset.state = state;
      card.node.setAttribute("aria-busy", String(state === "running" || state === "queued"));
      card.bar.hidden = state !== "running" && state !== "queued";
      card.retry.hidden = state !== "failed" && state !== "cancelled";
      if (state !== "done") card.download.hidden = true;
      if (state !== "failed") {
        card.error.hidden = true;
        card.error.replaceChildren();
      }
    }

    function render(card) {
      if (card.state === "queued") {
        card.stage.textContent = MSG.queued;
        card.bar.value = 0;
        card.bar.removeAttribute("aria-valuetext");
        card.time.textContent = "";
      } else if (card.state === "running") {
        const p = card.progress;
        card.stage.textContent = p.label;
        card.bar.value = p.value();
        card.bar.setAttribute("aria-valuetext", p.valueText());
        card.time.textContent = `${p.seconds()}초`;
      }
    }

    function tick() {
      if (batch) batch.cards.filter((card) => card.state === "running").forEach(render);
    }

    function fail(card, message, requestId = "") {
      setState(card, "failed");
      card.stage.textContent = MSG.failed;
      const lines = [message, requestId && `요청 ID: ${requestId}`].filter(Boolean).map((text, i) => {
        const p = document.createElement("p");
        p.className = i === 0 ? "set-card__message" : "set-card__meta";
        p.textContent = text;
        return p;
      });
      card.error.replaceChildren(...lines);
      card.error.hidden = false;
      live.textContent = `${card.label}: ${MSG.failed}. ${message}`;
    }

    async function succeed(card, outcome, seconds) {
      const ext = UI.EXTENSIONS[outcome.type] || (outcome.filename.match(/\.(\w+)$/) || [])[1] || "png";
      const name = `generated-goods-${card.id}.${ext}`;
      card.file = { name, bytes: new Uint8Array(await outcome.blob.arrayBuffer()) };
      if (card.image.src.startsWith("blob:")) URL.revokeObjectURL(card.image.src);
      card.image.src = URL.createObjectURL(outcome.blob);
      await card.image.decode().catch(() => {});
      card.image.hidden = false;
      card.download.href = card.image.src;
      card.download.download = name;
      setState(card, "done");
      card.download.hidden = false;
      card.stage.textContent = `완료 · ${ext.toUpperCase()}`;
      card.bar.value = 100;
      card.time.textContent = `${seconds}초`;
      live.textContent = `${card.label}: 완료`;
      updateZip();
    }

    /** One kind's request; its turn in the pool has come. */
    async function attempt(card) {
      if (!batch || !batch.cards.includes(card) || card.state !== "queued") return;
      card.controller = new AbortController();
      card.reason = "";
      card.progress = new Stream.Progress(expected);
      setState(card, "running");
      render(card);
      const timer = setTimeout(() => {
        card.reason = "timeout";
        card.controller.abort();
      }, clientTimeoutMs);
      try {
        const data = copyForm(batch.body.data);
        data.set("goods_type", card.id);
        const outcome = await Stream.generate(`${config.api_base}/generate`, data, {
          signal: card.controller.signal,
          onEvent(name, payload) {
            card.progress.event(name, payload);
            render(card);
          },
        });
        const seconds = Math.max(1, card.progress.seconds());
        if (outcome.ok) await succeed(card, outcome, seconds);
        else fail(card, outcome.message, outcome.requestId);
      } catch (_) {
        if (card.reason === "cancel") {
          setState(card, "cancelled");
          card.stage.textContent = MSG.cancelled;
        } else {
          fail(card, card.reason === "timeout" ? UI.MSG.timeout : UI.MSG.network);
        }
      } finally {
        clearTimeout(timer);
        card.controller = null;
      }
    }

    function enqueue(card) {
      setState(card, "queued");
      render(card);
      pool.run(() => attempt(card)).then((value) => {
        if (value === DROPPED && card.state === "queued") {
          setState(card, "cancelled");
          card.stage.textContent = MSG.cancelled;
        }
      });
    }

    function retry(card) {
      if (!batch || !batch.cards.includes(card) || (card.state !== "failed" && card.state !== "cancelled")) return;
      UI.clearMessage();
      card.file = null;
      updateZip();
      enqueue(card);
      summary.textContent = summaryText();
      live.textContent = `${card.label}: 다시 시도합니다`;
    }

    // --- The set ----------------------------------------------------------------------

    const doneCards = () => (batch ? batch.cards.filter((card) => card.state === "done" && card.file) : []);

    function summaryText() {
      if (!batch) return "";
      const total = batch.cards.length;
      const done = doneCards().length;
      const failed = batch.cards.filter((card) => card.state === "failed").length;
      const seed = batch.body.seedValue === "" ? "" : ` · 시드 ${batch.body.seedValue}`;
      const failedText = failed ? ` · 실패 ${failed}개` : "";
      return `${total}개 중 ${done}개 완료${failedText}${seed}`;
    }

    function updateZip() {
      const count = doneCards().length;
      zipButton.hidden = count === 0;
      zipCount.textContent = count ? `(${count}개)` : "";
    }

    function finished() {
      if (!batch) return;
      summary.textContent = summaryText();
      live.textContent = `굿즈 세트: ${summaryText()}`;
    }

    /** Start a set: one card per kind, all queued, CONCURRENCY running at a time. */
    function start(body, kinds) {
      if (busy || kinds.length === 0) return;
      if (batch) {
        for (const card of batch.cards) if (card.image.src.startsWith("blob:")) URL.revokeObjectURL(card.image.src);
      }
      batch = { body, cards: kinds.map(buildCard) };
      grid.replaceChildren(...batch.cards.map((card) => card.node));
      empty.hidden = true;
      updateZip();
      live.textContent = `굿즈 ${kinds.length}종 생성을 시작합니다. 한 번에 ${CONCURRENCY}개씩 만듭니다.`;
      batch.cards.forEach(enqueue);
      summary.textContent = summaryText();
      const top = grid.getBoundingClientRect().top;
      if (top < 0 || top > window.innerHeight * 0.7) grid.scrollIntoView({ block: "nearest" });
    }

    function cancelAll() {
      pool.clear(DROPPED);
      if (!batch) return;
      for (const card of batch.cards) {
        if (card.controller) {
          card.reason = "cancel";
          card.controller.abort();
        }
      }
    }

    // The images are already in the page, so the ZIP is built right here: sending them to a
    // server to be zipped would upload every image again and download it twice.
    function downloadZip() {
      const files = {};
      for (const card of doneCards()) files[card.file.name] = card.file.bytes;
      if (!Object.keys(files).length) return;
      let zipped;
      try {
        // level 0 (stored): PNG, JPEG and WEBP are compressed already.
        zipped = window.fflate.zipSync(files, { level: 0 });
      } catch (_) {
        UI.showMessage(MSG.zipFailed);
        return;
      }
      const url = URL.createObjectURL(new Blob([zipped], { type: "application/zip" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = ZIP_NAME;
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }

    zipButton.addEventListener("click", downloadZip);
    cancelButton.addEventListener("click", cancelAll);
    if (!window.fflate) zipButton.disabled = true;

    return { start, cancelAll, isBusy: () => busy };
  }

  window.WebtoonSets = { CONCURRENCY, createPool, createSetRunner };
})();
