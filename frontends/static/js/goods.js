"use strict";
/*
 * Goods page: character upload zone, goods-kind cards, the kind's default ratio, and the
 * set mode ("여러 굿즈 한 번에"): the kind radios become checkboxes (up to SET_MAX) and the
 * submit goes to sets.js, one streamed request per kind. Shared flow: common.js.
 */
(function () {
  const UI = window.WebtoonUI;
  const SVG = "http://www.w3.org/2000/svg";
  const form = UI.$("#generate-form");
  const cards = UI.$("#goods-types");
  const aspect = UI.$("#aspect-ratio");
  const aspectHelp = UI.$("#aspect-help");
  const modeSwitch = UI.$("#set-mode");
  const kindStatus = UI.$("#kind-status");
  const kindLimit = UI.$("#kind-limit");
  const generateLabel = UI.$("#generate-label");
  const SET_MAX = Number(modeSwitch.dataset.max) || 6;
  let setMode = false;

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

  function span(className, text) {
    const node = document.createElement("span");
    node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The same markup goods.html.j2 renders for one catalogue entry. */
  function buildCard(kind) {
    const label = document.createElement("label");
    label.className = "goods-card";
    label.dataset.goodsType = kind.id;
    const input = document.createElement("input");
    const type = setMode ? "checkbox" : "radio";
    Object.assign(input, { className: "goods-card__input", type, name: "goods_type", value: kind.id });
    input.dataset.aspectRatio = kind.default_aspect_ratio || "";
    input.dataset.label = kind.label;
    const icon = document.createElementNS(SVG, "svg");
    icon.setAttribute("class", "goods-card__icon");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    const use = document.createElementNS(SVG, "use");
    const symbol = document.getElementById(`icon-${kind.id}`) ? `icon-${kind.id}` : "icon-generic";
    use.setAttribute("href", `#${symbol}`);
    icon.append(use);
    const ratio = span("goods-card__ratio");
    ratio.append(span("visually-hidden", "기본 비율 "), kind.default_aspect_ratio || "");
    const body = span("goods-card__body");
    body.append(icon, span("goods-card__label", kind.label), span("goods-card__desc", kind.description || ""), ratio);
    label.append(input, body);
    return label;
  }

  const signature = (kinds) =>
    JSON.stringify(kinds.map((k) => [k.id, k.label, k.description || "", k.default_aspect_ratio || ""]));

  const renderedKinds = () =>
    Array.from(cards.querySelectorAll(".goods-card")).map((card) => ({
      id: card.dataset.goodsType,
      label: card.querySelector(".goods-card__label").textContent,
      description: card.querySelector(".goods-card__desc").textContent,
      default_aspect_ratio: card.querySelector(".goods-card__input").dataset.aspectRatio,
    }));

  /** The catalogue from the server: re-render the cards when it differs from the page's. */
  async function refreshCatalogue(apiBase) {
    let kinds;
    try {
      const response = await fetch(`${apiBase}/goods-types`, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      kinds = await response.json();
    } catch (_) {
      return; // keep the cards the page was built with
    }
    if (!Array.isArray(kinds) || kinds.length === 0 || signature(kinds) === signature(renderedKinds())) return;
    const selected = checkedKinds().map((input) => input.value);
    const hadFocus = cards.contains(document.activeElement);
    cards.replaceChildren(...kinds.filter((k) => k && k.id && k.label).map(buildCard));
    const inputs = kindInputs();
    let keep = inputs.filter((input) => selected.includes(input.value));
    if (!setMode) keep = keep.length ? keep.slice(0, 1) : inputs.slice(0, 1);
    keep.slice(0, SET_MAX).forEach((input) => (input.checked = true));
    if (keep.length && hadFocus) keep[0].focus();
    syncSelection();
  }

  // --- One kind, or a set ---------------------------------------------------------------

  function showLimit(text) {
    kindLimit.textContent = text;
    kindLimit.hidden = false;
  }

  function hideLimit() {
    kindLimit.hidden = true;
    kindLimit.textContent = "";
  }

  function syncSelection() {
    const count = checkedKinds().length;
    kindStatus.hidden = !setMode;
    if (setMode) {
      const price = Number(document.body.dataset.pricePerImage) || 0;
      const cost = price > 0 && count ? ` · 예상 비용 약 $${(price * count).toFixed(2)}` : "";
      kindStatus.textContent = `${count}개 선택됨 · 최대 ${SET_MAX}개${cost}`;
      generateLabel.textContent = count ? `${count}개 한 번에 생성하기` : "한 번에 생성하기";
    } else {
      generateLabel.textContent = "이미지 생성하기";
    }
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

  cards.addEventListener("change", (event) => {
    const input = event.target;
    if (setMode && input.checked && checkedKinds().length > SET_MAX) {
      input.checked = false;
      showLimit(`굿즈는 한 번에 최대 ${SET_MAX}개까지 고를 수 있습니다. 다른 굿즈를 먼저 해제해 주세요.`);
    } else {
      hideLimit();
    }
    syncSelection();
  });
  aspect.addEventListener("change", syncAspectHelp);
  modeSwitch.addEventListener("change", () => applyMode(modeSwitch.checked));
  document.addEventListener("webtoon:price", syncSelection); // the price arrives with GET /info
  // No switching while anything is generating (single or set): common.js marks the form busy.
  new MutationObserver(() => {
    modeSwitch.disabled = form.getAttribute("aria-busy") === "true";
  }).observe(form, { attributes: true, attributeFilter: ["aria-busy"] });
  applyMode(modeSwitch.checked); // the browser may restore the switch on back navigation

  let page = null;
  const sets = window.WebtoonSets.createSetRunner({
    config: UI.readConfig(),
    onBusy: (busy) => page && page.generator.setAlternateBusy(busy),
  });
  page = UI.startPage({
    slots: (limits) => [UI.createUploadZone("character", "캐릭터", limits)],
    validate() {
      if (setMode && checkedKinds().length === 0) {
        return { message: "한 번에 만들 굿즈를 하나 이상 골라 주세요.", focus: kindInputs()[0] };
      }
      if (!setMode && !checkedKind() && !UI.$("#prompt").value.trim()) {
        return { message: "굿즈 종류를 고르거나 추가 요청을 입력해 주세요.", focus: UI.$("#prompt") };
      }
      return null;
    },
    alternate: {
      active: () => setMode,
      start(body) {
        const kinds = checkedKinds().map((input) => ({ id: input.value, label: input.dataset.label || input.value }));
        sets.start(body, kinds);
      },
      cancel: () => sets.cancelAll(),
    },
  });
  refreshCatalogue(page.config.api_base);
})();
