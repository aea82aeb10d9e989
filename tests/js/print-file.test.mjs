// The 인쇄용 파일 form's rules (core/print-file.js) and the ZIP reader (core/zip.js), with
// ZIPs written by the vendored fflate, stored and deflated as the service writes them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";

import {
  PRINT_MSG, attachmentName, originalProblem, parseWarnings, printDefaults, printFields, printKinds, printProblem,
  readSpec, sizeText, warningText,
} from "../../frontends/static/js/core/print-file.js";
import { ZipError, readZipEntries } from "../../frontends/static/js/core/zip.js";

const fflate = createRequire(import.meta.url)("../../frontends/static/vendor/fflate.js");

// What GET /api/goods-gen/print-file/options answers (goods_backend/print_file/options.py).
const OPTIONS = {
  goods_types: [
    { id: "acrylic_keyring", label: "아크릴 키링", height_mm: { default: 50, min: 15, max: 120 },
      cut_offset_mm: { default: 2, min: 1, max: 5 }, white_layer: true, hole_mm: { default: 3, min: 2, max: 6 } },
    { id: "sticker", label: "스티커", height_mm: { default: 60, min: 15, max: 300 },
      cut_offset_mm: { default: 3, min: 1, max: 5 }, white_layer: false, hole_mm: null },
    { id: "broken", label: "?", height_mm: { default: "50" } },
  ],
  file_field: "input_image",
};

test("the kinds and their defaults come from the options; malformed ones are left out", () => {
  const kinds = printKinds(OPTIONS);
  assert.deepEqual([...kinds.keys()], ["acrylic_keyring", "sticker"]);
  assert.deepEqual(printDefaults(kinds.get("acrylic_keyring")), { height: "50", offset: "2", white: true, hole: "3" });
  assert.deepEqual(printDefaults(kinds.get("sticker")), { height: "60", offset: "3", white: false, hole: "" });
  assert.equal(printKinds(null).size, 0);
  assert.equal(printKinds({ goods_types: "no" }).size, 0);
});

test("what to fix: each number within its kind's bounds, the hole only for a keyring", () => {
  const kinds = printKinds(OPTIONS);
  const keyring = kinds.get("acrylic_keyring");
  const ok = { height: "50", offset: "2", hole: "3", white: true };
  assert.equal(printProblem(ok, keyring), null);
  assert.deepEqual(printProblem({ ...ok, height: "121" }, keyring), { message: "높이는 15~120 mm 사이의 숫자로 입력해 주세요.", field: "height" });
  assert.equal(printProblem({ ...ok, height: "" }, keyring).field, "height");
  assert.equal(printProblem({ ...ok, height: "abc" }, keyring).field, "height");
  assert.deepEqual(printProblem({ ...ok, offset: "0.5" }, keyring), { message: "칼선 여백은 1~5 mm 사이의 숫자로 입력해 주세요.", field: "offset" });
  assert.equal(printProblem({ ...ok, hole: "9" }, keyring).field, "hole");
  assert.equal(printProblem({ ...ok, height: "250", hole: "" }, kinds.get("sticker")), null); // no hole, taller allowed
});

test("the fields sent: numbers as numbers, the white layer as true/false, low resolution only when accepted", () => {
  const kinds = printKinds(OPTIONS);
  assert.deepEqual(printFields(kinds.get("acrylic_keyring"), { height: "80.0", offset: " 2.5", white: false, hole: "4" }), [
    ["goods_type", "acrylic_keyring"], ["height_mm", "80"], ["cut_offset_mm", "2.5"], ["white_layer", "false"], ["hole_mm", "4"],
  ]);
  assert.deepEqual(printFields(kinds.get("sticker"), { height: "60", offset: "3", white: true, hole: "" }, { acceptLowResolution: true }), [
    ["goods_type", "sticker"], ["height_mm", "60"], ["cut_offset_mm", "3"], ["white_layer", "true"], ["accept_low_resolution", "true"],
  ]);
});

test("the original must be there and within the upload limit: it is never made smaller", () => {
  assert.equal(originalProblem(null, 5), PRINT_MSG.noOriginal);
  assert.equal(originalProblem({ size: 5 * 1024 * 1024 }, 5), "");
  const over = originalProblem({ size: 7.34 * 1024 * 1024 }, 5);
  assert.match(over, /7\.3MB로, 한 번에 보낼 수 있는 5MB를 넘습니다/);
  assert.match(over, /줄이지 않고/);
});

test("warnings from the header: URL-encoded JSON, a code without its message gets its meaning", () => {
  const header = encodeURIComponent(JSON.stringify([
    { code: "LOW_RESOLUTION", message: "해상도 230ppi" }, { code: "NARROW_PARTS" }, { nope: true },
  ]));
  assert.deepEqual(parseWarnings(header), [
    { code: "LOW_RESOLUTION", message: "해상도 230ppi" }, { code: "NARROW_PARTS", message: warningText("NARROW_PARTS") },
  ]);
  assert.match(warningText("NARROW_PARTS"), /2 mm/);
  assert.equal(warningText("NEW_CODE"), "NEW_CODE");
  assert.deepEqual(parseWarnings(null), []);
  assert.deepEqual(parseWarnings("%E0%A4%A"), []); // broken encoding
  assert.deepEqual(parseWarnings(encodeURIComponent('{"code":"X"}')), []);
});

test("the ZIP's name from Content-Disposition, never a path", () => {
  assert.equal(attachmentName('attachment; filename="print-sticker.zip"', "x.zip"), "print-sticker.zip");
  assert.equal(attachmentName("attachment; filename=print-stand.zip", "x.zip"), "print-stand.zip");
  assert.equal(attachmentName('attachment; filename="../../evil.zip"', "x.zip"), "x.zip");
  assert.equal(attachmentName(null, "print-acrylic_keyring.zip"), "print-acrylic_keyring.zip");
});

const SPEC = {
  page_mm: [35.5, 69], art: { placed_mm: [7.1, 9, 21.34, 50], ppi: 380.4 },
  warnings: [{ code: "BACKGROUND_REMOVED", message: "배경을 지웠습니다" }, { code: "WHITE_LAYER_OFF" }],
};

/** A ZIP as the service writes it: spec.json first and stored, the SVG deflated, PNGs stored. */
function printZip() {
  const encode = (text) => new TextEncoder().encode(text);
  return fflate.zipSync({
    "spec.json": [encode(JSON.stringify(SPEC)), { level: 0 }],
    "print.pdf": [encode("%PDF-1.7"), { level: 0 }],
    "print.svg": [encode("<svg>".repeat(200)), { level: 1 }],
    "preview.png": [new Uint8Array([137, 80, 78, 71, 1, 2, 3]), { level: 0 }],
  });
}

test("the ZIP reader finds stored entries by name without unpacking the rest", () => {
  const zip = printZip();
  const found = readZipEntries(zip, ["spec.json", "preview.png", "missing.txt"]);
  assert.deepEqual([...found.keys()].sort(), ["preview.png", "spec.json"]);
  assert.deepEqual([...found.get("preview.png")], [137, 80, 78, 71, 1, 2, 3]);
  const read = readSpec(found.get("spec.json"));
  assert.deepEqual(read.warnings, [
    { code: "BACKGROUND_REMOVED", message: "배경을 지웠습니다" }, { code: "WHITE_LAYER_OFF", message: warningText("WHITE_LAYER_OFF") },
  ]);
  assert.equal(sizeText(read.spec), "그림 21.3 × 50 mm · 전체 35.5 × 69 mm · 380ppi");
  assert.equal(readSpec(new TextEncoder().encode("{")), null);
  assert.equal(readSpec(undefined), null);
});

test("a deflated entry needs an inflater; with fflate's it reads too", () => {
  const zip = printZip();
  assert.throws(() => readZipEntries(zip, ["print.svg"]), ZipError);
  const svg = readZipEntries(zip, ["print.svg"], { inflate: (data) => fflate.inflateSync(data) }).get("print.svg");
  assert.equal(new TextDecoder().decode(svg), "<svg>".repeat(200));
});

test("a ZIP after some other bytes (a comment too) is found from its end; garbage is a ZipError", () => {
  const zip = printZip();
  const commented = new Uint8Array(zip.length + 5);
  commented.set(zip);
  commented.set([1, 2, 3, 4, 5], zip.length);
  const view = new DataView(commented.buffer);
  view.setUint16(zip.length - 2, 5, true); // the end record says a 5-byte comment follows
  assert.deepEqual([...readZipEntries(commented, ["preview.png"]).keys()], ["preview.png"]);
  assert.throws(() => readZipEntries(new TextEncoder().encode("<html>Bad Gateway</html>"), ["spec.json"]), ZipError);
  assert.throws(() => readZipEntries(new Uint8Array(3), ["spec.json"]), ZipError);
  const truncated = zip.slice(0, zip.length - 30);
  assert.throws(() => readZipEntries(truncated, ["spec.json"]), ZipError);
});
