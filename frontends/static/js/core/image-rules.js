/*
 * The rules for preparing an upload in the browser, apart from the canvas that carries
 * them out (ui/image-prepare.js): what is refused before decoding, the size to draw,
 * which format to encode and when to give up. No DOM: tested in Node.
 *
 * The server accepts PNG/JPEG up to MAX_UPLOAD_MB (5 MB) and downsizes to MAX_IMAGE_SIDE
 * (1024 px) anyway; doing it here first makes the upload small and fast.
 */
import { UserError } from "./messages.js";

/** One megabyte, as the server counts MAX_UPLOAD_MB. */
export const MB = 1024 * 1024;
/** Larger picks are refused outright, before decoding (a phone photo is far below this). */
export const MAX_PICK_BYTES = 20 * MB;
/** The declared types the picker accepts (the <input accept> says the same). */
export const ACCEPTED_TYPES = Object.freeze(["image/png", "image/jpeg"]);
/** JPEG qualities tried in turn before the image is drawn smaller. */
export const JPEG_QUALITIES = Object.freeze([0.92, 0.85, 0.75, 0.6]);
/** How many sizes are tried (each 80% of the last) before giving up. */
export const MAX_ROUNDS = 5;

/** Why a picked image cannot be used, in Korean (shown in the zone and in #error). */
export const IMAGE_MSG = Object.freeze({
  notImage: "PNG 또는 JPEG 이미지만 올릴 수 있습니다",
  tooBig: "20MB보다 큰 파일은 올릴 수 없습니다. 더 작은 이미지를 골라 주세요.",
  unreadable: "이미지를 읽지 못했습니다. 손상되지 않은 PNG 또는 JPEG 파일인지 확인해 주세요.",
  stillTooBig: "이미지를 충분히 줄이지 못했습니다. 더 작은 이미지를 올려 주세요.",
  preparing: "이미지를 준비하고 있어요…",
});

/**
 * Why a picked file is refused before it is even read, or "" when it may be read.
 * @param {{ size: number, type: string }} file
 * @returns {string}
 */
export function pickProblem({ size, type }) {
  if (size > MAX_PICK_BYTES) return IMAGE_MSG.tooBig;
  if (!ACCEPTED_TYPES.includes(type)) return IMAGE_MSG.notImage;
  return "";
}

/**
 * The real format from the first bytes (a renamed file lies in its type).
 * @param {Uint8Array} bytes at least the first 4 bytes
 * @returns {"image/png" | "image/jpeg" | ""}
 */
export function sniffType(bytes) {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  return "";
}

/**
 * The size to draw: the longest side at most maxSide, never enlarged, at least 1 px.
 * @param {number} width
 * @param {number} height
 * @param {number} maxSide
 * @returns {{ width: number, height: number }}
 */
export function scaledSize(width, height, maxSide) {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/**
 * The encodings to try, in order: a PNG with transparency stays PNG (JPEG would lose it),
 * everything else becomes JPEG at falling quality.
 * @param {string} sniffed the real format
 * @param {boolean} transparent whether the drawn PNG has any transparent pixel
 * @returns {{ type: string, quality?: number, ext: string }[]}
 */
export function encodings(sniffed, transparent) {
  if (sniffed === "image/png" && transparent) return [{ type: "image/png", ext: "png" }];
  return JPEG_QUALITIES.map((quality) => ({ type: "image/jpeg", quality, ext: "jpg" }));
}

/**
 * The longest side for the next round, when no encoding fitted: 80% of this one.
 * @param {{ width: number, height: number }} size
 */
export function nextSide(size) {
  return Math.round(Math.max(size.width, size.height) * 0.8);
}

/**
 * Whether RGBA pixel data has any pixel that is not fully opaque.
 * @param {ArrayLike<number>} rgba
 */
export function hasTransparency(rgba) {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] < 255) return true;
  return false;
}

/**
 * The limits an upload is prepared to: the server's longest side, and its per-file size
 * with room to spare (~4.5 MB of 5 MB).
 * @param {{ maxImageSide: number, maxUploadMb: number }} settings
 * @returns {{ maxSide: number, maxBytes: number }}
 */
export function uploadLimits({ maxImageSide, maxUploadMb }) {
  return { maxSide: maxImageSide, maxBytes: Math.floor(maxUploadMb * MB * 0.9) };
}

/**
 * Draw and encode until the result fits: the rounds and tries above, carried out by the
 * caller's canvas. Throws UserError(stillTooBig) when nothing fits.
 * @param {{ width: number, height: number, type: string }} image decoded size, sniffed type
 * @param {{ maxSide: number, maxBytes: number }} limits
 * @param {object} canvas
 * @param {(size: { width: number, height: number }) => unknown} canvas.draw
 * @param {(drawn: unknown) => boolean} canvas.isTransparent only asked for PNGs
 * @param {(drawn: unknown, type: string, quality?: number) => Promise<{ size: number }>} canvas.encode
 * @returns {Promise<{ blob: object, width: number, height: number, ext: string }>}
 */
export async function fitImage(image, limits, { draw, isTransparent, encode }) {
  let side = limits.maxSide;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const size = scaledSize(image.width, image.height, side);
    const drawn = draw(size);
    const transparent = image.type === "image/png" && isTransparent(drawn);
    for (const { type, quality, ext } of encodings(image.type, transparent)) {
      const blob = await encode(drawn, type, quality);
      if (blob.size <= limits.maxBytes) return { blob, width: size.width, height: size.height, ext };
    }
    side = nextSide(size);
  }
  throw new UserError(IMAGE_MSG.stillTooBig);
}

/**
 * "312KB", "1.4MB": the prepared size shown under the preview.
 * @param {number} n bytes
 */
export function formatBytes(n) {
  return n >= MB ? `${(n / MB).toFixed(1)}MB` : `${Math.max(1, Math.round(n / 1024))}KB`;
}
