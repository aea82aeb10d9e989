// The upload pre-processing rules (frontends/static/js/core/image-rules.js), without a canvas.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  IMAGE_MSG, MAX_PICK_BYTES, MAX_ROUNDS, MB, encodings, fitImage, formatBytes, hasTransparency, nextSide,
  pickFormat, pickProblem, scaledSize, sniffType, undecodable, uploadLimits,
} from "../../frontends/static/js/core/image-rules.js";
import { UserError } from "../../frontends/static/js/core/messages.js";

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a];
const JPEG = [0xff, 0xd8, 0xff, 0xe0];

test("target size: the longest side fits maxSide, the ratio is kept", () => {
  assert.deepEqual(scaledSize(4000, 3000, 1024), { width: 1024, height: 768 });
  assert.deepEqual(scaledSize(3000, 4000, 1024), { width: 768, height: 1024 });
  assert.deepEqual(scaledSize(2048, 2048, 1024), { width: 1024, height: 1024 });
  assert.deepEqual(scaledSize(1500, 1000, 1000), { width: 1000, height: 667 }); // rounded
});

test("target size: a small image is never enlarged, and nothing is drawn below 1 px", () => {
  assert.deepEqual(scaledSize(640, 480, 1024), { width: 640, height: 480 });
  assert.deepEqual(scaledSize(1024, 1024, 1024), { width: 1024, height: 1024 });
  assert.deepEqual(scaledSize(10000, 2, 1024), { width: 1024, height: 1 });
});

test("each further round draws 80% of the last size", () => {
  assert.equal(nextSide({ width: 1024, height: 768 }), 819);
  assert.equal(nextSide({ width: 300, height: 500 }), 400);
});

test("refused before reading: larger than 20MB, or declared as something that is not an image", () => {
  assert.equal(pickProblem({ size: 1000, type: "image/png" }), "");
  assert.equal(pickProblem({ size: MAX_PICK_BYTES, type: "image/jpeg" }), "");
  assert.equal(pickProblem({ size: MAX_PICK_BYTES + 1, type: "image/png" }), IMAGE_MSG.tooBig);
  // Any picture the browser may decode is read: it is redrawn into PNG/JPEG anyway.
  for (const type of ["image/webp", "image/gif", "image/heic", "image/avif", "image/bmp", "IMAGE/PNG", ""]) {
    assert.equal(pickProblem({ size: 1000, type }), "", type);
  }
  for (const type of ["application/pdf", "text/plain", "video/mp4"]) {
    assert.equal(pickProblem({ size: 1000, type }), IMAGE_MSG.notImage, type);
  }
  assert.equal(MAX_PICK_BYTES, 20 * MB);
});

const ascii = (text) => Array.from(text, (c) => c.charCodeAt(0));
const WEBP = [...ascii("RIFF"), 0x10, 0, 0, 0, ...ascii("WEBP")];
const GIF = ascii("GIF89a");
const HEIC = [0, 0, 0, 0x18, ...ascii("ftypheic")];
const AVIF = [0, 0, 0, 0x1c, ...ascii("ftypavif")];

test("the real format comes from the magic bytes, not the name or declared type", () => {
  assert.equal(sniffType(new Uint8Array(PNG)), "image/png");
  assert.equal(sniffType(new Uint8Array(JPEG)), "image/jpeg");
  assert.equal(sniffType(new Uint8Array(WEBP)), "image/webp");
  assert.equal(sniffType(new Uint8Array(GIF)), "image/gif");
  assert.equal(sniffType(new Uint8Array(HEIC)), "image/heic");
  assert.equal(sniffType(new Uint8Array(AVIF)), "image/avif");
  assert.equal(sniffType(new TextEncoder().encode("this is not an image")), "");
  assert.equal(sniffType(new Uint8Array([0x52, 0x49, 0x46, 0x46])), ""); // RIFF alone: a WAV too
  assert.equal(sniffType(new Uint8Array([])), "");
});

test("pickFormat: the bytes decide; text named .png is not an image; an unknown image type is tried", () => {
  assert.deepEqual(pickFormat({ type: "image/png" }, new Uint8Array(WEBP)), { type: "image/webp" });
  assert.deepEqual(pickFormat({ type: "" }, new Uint8Array(HEIC)), { type: "image/heic" });
  const text = new TextEncoder().encode("notes notes ");
  assert.deepEqual(pickFormat({ type: "image/png" }, text), { error: IMAGE_MSG.notImage });
  assert.deepEqual(pickFormat({ type: "" }, text), { error: IMAGE_MSG.notImage });
  assert.deepEqual(pickFormat({ type: "image/svg+xml" }, text), { type: "image/svg+xml" });
});

test("undecodable: HEIC/AVIF say which browser opens them, other formats are named", () => {
  assert.equal(undecodable("image/heic"), IMAGE_MSG.heic);
  assert.match(undecodable("image/avif"), /AVIF/);
  assert.doesNotMatch(undecodable("image/avif"), /HEIC/);
  assert.match(undecodable("image/webp"), /WebP 이미지를 열 수 없습니다/);
  assert.equal(undecodable("image/png"), IMAGE_MSG.unreadable);
  assert.equal(undecodable("image/svg+xml"), IMAGE_MSG.unreadable);
});

test("converted: a transparent PNG stays PNG, everything else becomes JPEG at falling quality", () => {
  assert.deepEqual(encodings("image/png", true), [{ type: "image/png", ext: "png" }]);
  const jpeg = encodings("image/png", false);
  assert.ok(jpeg.every((e) => e.type === "image/jpeg" && e.ext === "jpg"));
  assert.deepEqual(jpeg.map((e) => e.quality), [0.92, 0.85, 0.75, 0.6]);
  assert.deepEqual(encodings("image/jpeg", true), jpeg); // "transparent" means nothing for JPEG
  assert.deepEqual(encodings("image/webp", true), [{ type: "image/png", ext: "png" }]);
  assert.deepEqual(encodings("image/gif", false), jpeg);
});

test("transparency: any alpha below 255", () => {
  assert.equal(hasTransparency(new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 255])), false);
  assert.equal(hasTransparency(new Uint8ClampedArray([1, 2, 3, 255, 4, 5, 6, 254])), true);
});

test("limits: the server's side, and 90% of its per-file size", () => {
  assert.deepEqual(uploadLimits({ maxImageSide: 1024, maxUploadMb: 5 }), { maxSide: 1024, maxBytes: 4718592 });
  assert.deepEqual(uploadLimits({ maxImageSide: 2048, maxUploadMb: 0.5 }), { maxSide: 2048, maxBytes: 471859 });
});

test("formatBytes: KB below 1MB (at least 1KB), MB with one decimal above", () => {
  assert.equal(formatBytes(10), "1KB");
  assert.equal(formatBytes(312 * 1024), "312KB");
  assert.equal(formatBytes(1.44 * MB), "1.4MB");
});

// --- fitImage with a fake canvas: which sizes and encodings are tried -------------------------

/** A canvas whose encoded size is `bytesPerPixel(type, quality)` × pixels; records every call. */
function fakeCanvas({ transparent = false, bytesPerPixel = () => 1 } = {}) {
  const calls = [];
  return {
    calls,
    draw(size) {
      calls.push(["draw", size.width, size.height]);
      return size;
    },
    isTransparent() {
      calls.push(["isTransparent"]);
      return transparent;
    },
    async encode(drawn, type, quality) {
      calls.push(["encode", type, quality]);
      return { size: drawn.width * drawn.height * bytesPerPixel(type, quality), type };
    },
  };
}

const LIMITS = { maxSide: 1024, maxBytes: 1024 * 768 };

test("fitImage: the first encoding that fits is used, at the target size", async () => {
  const canvas = fakeCanvas();
  const result = await fitImage({ width: 4000, height: 3000, type: "image/jpeg" }, LIMITS, canvas);
  assert.deepEqual({ width: result.width, height: result.height, ext: result.ext }, { width: 1024, height: 768, ext: "jpg" });
  assert.deepEqual(canvas.calls, [["draw", 1024, 768], ["encode", "image/jpeg", 0.92]]);
});

test("fitImage: lower JPEG quality first, then a smaller size", async () => {
  // 0.92 and 0.85 are too big at 1024×768; 0.75 fits.
  const canvas = fakeCanvas({ bytesPerPixel: (type, q) => (q > 0.8 ? 2 : 1) });
  const result = await fitImage({ width: 1024, height: 768, type: "image/png" }, LIMITS, canvas);
  assert.equal(result.ext, "jpg");
  assert.deepEqual(canvas.calls.filter((c) => c[0] === "encode").map((c) => c[2]), [0.92, 0.85, 0.75]);
  // Too big at every quality at full size: the next round draws 80%.
  const smaller = fakeCanvas({ bytesPerPixel: () => 1.2 });
  const second = await fitImage({ width: 1024, height: 768, type: "image/jpeg" }, LIMITS, smaller);
  assert.deepEqual([second.width, second.height], [819, 614]);
  assert.deepEqual(smaller.calls.filter((c) => c[0] === "draw"), [["draw", 1024, 768], ["draw", 819, 614]]);
});

test("fitImage: a transparent PNG or WebP is sent as PNG; transparency is not looked for in JPEGs", async () => {
  const png = fakeCanvas({ transparent: true });
  const result = await fitImage({ width: 500, height: 500, type: "image/png" }, LIMITS, png);
  assert.equal(result.ext, "png");
  assert.deepEqual(png.calls, [["draw", 500, 500], ["isTransparent"], ["encode", "image/png", undefined]]);
  const jpeg = fakeCanvas({ transparent: true });
  await fitImage({ width: 500, height: 500, type: "image/jpeg" }, LIMITS, jpeg);
  assert.ok(!jpeg.calls.some((c) => c[0] === "isTransparent"));
  const webp = fakeCanvas({ transparent: true });
  assert.equal((await fitImage({ width: 500, height: 500, type: "image/webp" }, LIMITS, webp)).ext, "png");
});

test("fitImage: refused with a Korean UserError after MAX_ROUNDS sizes that never fit", async () => {
  const canvas = fakeCanvas({ bytesPerPixel: () => 1000 });
  await assert.rejects(
    fitImage({ width: 1024, height: 1024, type: "image/jpeg" }, LIMITS, canvas),
    (err) => err instanceof UserError && err.message === IMAGE_MSG.stillTooBig,
  );
  assert.equal(canvas.calls.filter((c) => c[0] === "draw").length, MAX_ROUNDS);
});
