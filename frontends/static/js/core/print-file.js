/*
 * The 인쇄용 파일 form, without the page: which goods kinds have one, the form's defaults
 * and bounds (GET /api/goods-gen/print-file/options), what to fix before sending, the
 * fields sent (POST /api/goods-gen/print-file), and reading the answer's warnings and file
 * name. goods/print-dialog.js draws it. No DOM: tested in Node.
 *
 * The print file is made from the ORIGINAL art as it was picked (full resolution, its own
 * transparency), never the page's 1024 px copy or the AI result: so an original over the
 * service's upload limit cannot be sent at all (originalProblem).
 */
import { MB } from "./image-rules.js";

/** The refusals the form answers with an action of its own. */
export const PRINT_CODES = Object.freeze({
  lowResolution: "PRINT_RESOLUTION_TOO_LOW",
  background: "PRINT_BACKGROUND_NOT_REMOVABLE",
});

export const PRINT_MSG = Object.freeze({
  noOriginal: "인쇄용 파일은 올려 둔 원본 그림으로 만듭니다. 먼저 캐릭터 이미지를 올려 주세요.",
  background: "배경을 자동으로 지울 수 없는 그림입니다. 배경이 투명한 PNG 파일로 다시 올려 주세요.",
  lowResolutionHint: "해상도가 낮아도 괜찮다면 그대로 만들 수 있어요. 크기를 줄이면 더 선명해집니다.",
  making: "인쇄용 파일을 만들고 있어요…",
  unreadable: "인쇄용 파일을 읽지 못했습니다. ZIP은 그대로 내려받을 수 있어요.",
});

// What each warning code means, for a header that carried only the code (the 3 KB cap).
const WARNING_TEXT = {
  LOW_RESOLUTION: "해상도가 300ppi보다 낮습니다. 인쇄하면 흐릿할 수 있어요.",
  VERY_LOW_RESOLUTION: "해상도가 150ppi보다 낮습니다. 인쇄하면 흐릿하게 보입니다.",
  NARROW_PARTS: "칼선 안에 2 mm보다 가는 곳이 있어 부러지거나 잘리지 않을 수 있습니다.",
  ISLANDS_MERGED: "떨어진 조각을 하나의 칼선으로 이었습니다.",
  HOLES_FILLED: "작은 구멍은 칼선에서 메웠습니다.",
  INNER_CUTS: "그림 안쪽에도 칼선이 있습니다.",
  BACKGROUND_REMOVED: "한 가지 색의 배경을 지웠습니다. 결과를 확인해 주세요.",
  PARTIAL_TRANSPARENCY: "반투명한 부분이 있습니다. 화이트 레이어가 들어가는 곳을 확인해 주세요.",
  WHITE_LAYER_OFF: "화이트 레이어 없이 만듭니다.",
};

const bound = (range) =>
  range && [range.default, range.min, range.max].every((n) => typeof n === "number" && Number.isFinite(n)) ? range : null;

/**
 * The kinds the options list, by id, each with its bounds (malformed entries left out).
 * @param {{ goods_types?: object[] } | null} options
 * @returns {Map<string, { id: string, label: string, height: object, offset: object,
 *   white: boolean, hole: object | null }>}
 */
export function printKinds(options) {
  const kinds = new Map();
  for (const kind of (options && Array.isArray(options.goods_types) ? options.goods_types : [])) {
    const height = bound(kind && kind.height_mm);
    const offset = bound(kind && kind.cut_offset_mm);
    if (!kind || typeof kind.id !== "string" || !height || !offset) continue;
    kinds.set(kind.id, {
      id: kind.id,
      label: String(kind.label || kind.id),
      height,
      offset,
      white: Boolean(kind.white_layer),
      hole: bound(kind.hole_mm),
    });
  }
  return kinds;
}

/**
 * The form's starting values for a kind.
 * @param {ReturnType<typeof printKinds> extends Map<string, infer K> ? K : never} kind
 * @returns {{ height: string, offset: string, white: boolean, hole: string }}
 */
export function printDefaults(kind) {
  return {
    height: String(kind.height.default),
    offset: String(kind.offset.default),
    white: kind.white,
    hole: kind.hole ? String(kind.hole.default) : "",
  };
}

const FIELD_NAMES = { height: "높이는", offset: "칼선 여백은", hole: "고리 구멍 지름은" };

function numberProblem(text, range, field) {
  const value = Number(String(text).trim());
  if (String(text).trim() === "" || !Number.isFinite(value) || value < range.min || value > range.max) {
    return { message: `${FIELD_NAMES[field]} ${range.min}~${range.max} mm 사이의 숫자로 입력해 주세요.`, field };
  }
  return null;
}

/**
 * What to fix in the form, or null.
 * @param {{ height: string, offset: string, hole: string }} values
 * @param {object} kind a printKinds() entry
 * @returns {{ message: string, field: "height" | "offset" | "hole" } | null}
 */
export function printProblem(values, kind) {
  return numberProblem(values.height, kind.height, "height")
    || numberProblem(values.offset, kind.offset, "offset")
    || (kind.hole ? numberProblem(values.hole, kind.hole, "hole") : null);
}

/**
 * The text fields to send (the file goes beside them as options.file_field).
 * @param {object} kind a printKinds() entry
 * @param {{ height: string, offset: string, white: boolean, hole: string }} values
 * @param {{ acceptLowResolution?: boolean }} [options]
 * @returns {[string, string][]}
 */
export function printFields(kind, values, { acceptLowResolution = false } = {}) {
  const fields = [
    ["goods_type", kind.id],
    ["height_mm", String(Number(values.height))],
    ["cut_offset_mm", String(Number(values.offset))],
    ["white_layer", values.white ? "true" : "false"],
  ];
  if (kind.hole) fields.push(["hole_mm", String(Number(values.hole))]);
  if (acceptLowResolution) fields.push(["accept_low_resolution", "true"]);
  return fields;
}

/**
 * Why the original cannot be sent as it is, or "" when it can.
 * @param {{ size: number } | null} file the file as picked
 * @param {number} maxUploadMb the service's limit per file (GET /info)
 */
export function originalProblem(file, maxUploadMb) {
  if (!file) return PRINT_MSG.noOriginal;
  const limit = maxUploadMb * MB;
  if (file.size > limit) {
    return `원본 파일이 ${(file.size / MB).toFixed(1)}MB로, 한 번에 보낼 수 있는 ${maxUploadMb}MB를 넘습니다. ` +
      "인쇄용 파일은 원본을 줄이지 않고 그대로 써야 해서 보낼 수 없어요. " +
      `${maxUploadMb}MB 이하로 저장한 원본(배경이 투명한 PNG 권장)을 다시 올려 주세요.`;
  }
  return "";
}

/**
 * X-Print-Warnings: URL-encoded JSON [{ code, message? }]; [] when missing or unreadable.
 * @param {string | null} header
 * @returns {{ code: string, message: string }[]}
 */
export function parseWarnings(header) {
  if (!header) return [];
  let list;
  try {
    list = JSON.parse(decodeURIComponent(header));
  } catch (_) {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list
    .filter((w) => w && typeof w.code === "string")
    .map((w) => ({ code: w.code, message: typeof w.message === "string" && w.message ? w.message : warningText(w.code) }));
}

/**
 * A warning's text: its own, else what its code means, else the code.
 * @param {string} code
 */
export const warningText = (code) => WARNING_TEXT[code] || code;

/**
 * spec.json's warnings (the full list, full texts), or null when unreadable.
 * @param {Uint8Array | undefined} bytes
 * @returns {{ spec: object, warnings: { code: string, message: string }[] } | null}
 */
export function readSpec(bytes) {
  if (!bytes) return null;
  try {
    const spec = JSON.parse(new TextDecoder().decode(bytes));
    const warnings = (Array.isArray(spec.warnings) ? spec.warnings : [])
      .filter((w) => w && typeof w.code === "string")
      .map((w) => ({ code: w.code, message: typeof w.message === "string" && w.message ? w.message : warningText(w.code) }));
    return { spec, warnings };
  } catch (_) {
    return null;
  }
}

/**
 * The file name a Content-Disposition gives ("attachment; filename=\"print-sticker.zip\""),
 * or the fallback. Only a plain name is taken (no path).
 * @param {string | null} header
 * @param {string} fallback
 */
export function attachmentName(header, fallback) {
  const match = /filename="?([^";]+)"?/i.exec(header || "");
  const name = match ? match[1].trim() : "";
  return name && !/[\\/]/.test(name) ? name : fallback;
}

/**
 * "가로 42.1 × 세로 50 mm · 458ppi": what spec.json says of the printed size.
 * @param {object} spec
 */
export function sizeText(spec) {
  const art = (spec && spec.art) || {};
  const placed = Array.isArray(art.placed_mm) ? art.placed_mm : [];
  const parts = [];
  if (placed.length === 4) parts.push(`그림 ${round1(placed[2])} × ${round1(placed[3])} mm`);
  if (Array.isArray(spec && spec.page_mm) && spec.page_mm.length >= 2) {
    parts.push(`전체 ${round1(spec.page_mm[spec.page_mm.length - 2])} × ${round1(spec.page_mm[spec.page_mm.length - 1])} mm`);
  }
  if (art.ppi > 0) parts.push(`${Math.round(art.ppi)}ppi`);
  return parts.join(" · ");
}

const round1 = (n) => String(Math.round(Number(n) * 10) / 10);
