"use strict";
/* Goods page: character upload zone, goods-kind cards, the kind's default ratio. Shared flow: common.js. */
(function () {
  const UI = window.WebtoonUI;
  const SVG = "http://www.w3.org/2000/svg";
  const cards = UI.$("#goods-types");
  const aspect = UI.$("#aspect-ratio");
  const aspectHelp = UI.$("#aspect-help");

  const checkedKind = () => cards.querySelector('input[name="goods_type"]:checked');

  function syncAspectHelp() {
    const kind = checkedKind();
    if (aspect.value) {
      aspectHelp.textContent = `고른 비율: ${aspect.value}`;
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
    Object.assign(input, { className: "goods-card__input", type: "radio", name: "goods_type", value: kind.id });
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
    const selected = checkedKind() ? checkedKind().value : "";
    const hadFocus = cards.contains(document.activeElement);
    cards.replaceChildren(...kinds.filter((k) => k && k.id && k.label).map(buildCard));
    const inputs = Array.from(cards.querySelectorAll(".goods-card__input"));
    const keep = inputs.find((input) => input.value === selected) || inputs[0];
    if (keep) keep.checked = true;
    if (keep && hadFocus) keep.focus();
    syncAspectHelp();
  }

  cards.addEventListener("change", syncAspectHelp);
  aspect.addEventListener("change", syncAspectHelp);
  syncAspectHelp();

  const { config } = UI.startPage({
    slots: (limits) => [UI.createUploadZone("character", "캐릭터", limits)],
    validate() {
      if (!checkedKind() && !UI.$("#prompt").value.trim()) {
        return { message: "굿즈 종류를 고르거나 추가 요청을 입력해 주세요.", focus: UI.$("#prompt") };
      }
      return null;
    },
  });
  refreshCatalogue(config.api_base);
})();
