/*
 * The goods kinds as cards (#goods-types .goods-card): built by goods.html.j2, and again
 * here when the server's catalogue (GET /goods-types) differs from the one built in.
 */
const SVG = "http://www.w3.org/2000/svg";

function span(className, text) {
  const node = document.createElement("span");
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The same markup goods.html.j2 renders for one catalogue entry.
 * @param {{ id: string, label: string, description?: string, default_aspect_ratio?: string }} kind
 * @param {"radio" | "checkbox"} type checkbox in set mode
 * @returns {HTMLLabelElement}
 */
export function buildKindCard(kind, type) {
  const label = document.createElement("label");
  label.className = "goods-card";
  label.dataset.goodsType = kind.id;
  const input = document.createElement("input");
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

const renderedKinds = (container) =>
  Array.from(container.querySelectorAll(".goods-card")).map((card) => ({
    id: card.dataset.goodsType,
    label: card.querySelector(".goods-card__label").textContent,
    description: card.querySelector(".goods-card__desc").textContent,
    default_aspect_ratio: card.querySelector(".goods-card__input").dataset.aspectRatio,
  }));

/**
 * The server's catalogue when it differs from the cards in `container`, else null (also
 * when it cannot be had: the page keeps the cards it was built with).
 * @param {string} apiBase
 * @param {Element} container #goods-types
 * @returns {Promise<object[] | null>}
 */
export async function newerCatalogue(apiBase, container) {
  let kinds;
  try {
    const response = await fetch(`${apiBase}/goods-types`, { headers: { Accept: "application/json" } });
    if (!response.ok) return null;
    kinds = await response.json();
  } catch (_) {
    return null;
  }
  if (!Array.isArray(kinds) || kinds.length === 0 || signature(kinds) === signature(renderedKinds(container))) return null;
  return kinds.filter((k) => k && k.id && k.label);
}
