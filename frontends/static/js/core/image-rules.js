/*
 * The rules for preparing an upload in the browser, apart from the canvas that carries
 * them out (ui/image-prepare.js): what is refused before decoding, the size to draw,
 * which format to encode and when to give up. No DOM: tested in Node.
 *
 * The server accepts PNG/JPEG up to MAX_UPLOAD_MB (5 MB) and downsizes to MAX_IMAGE_SIDE
 * (1024 px) anyway; doing it here first makes the upload small and fast. Since every pick is
 * redrawn anyway, any picture the browser can decode is taken (WebP, GIF's first frame, HEIC
 * and AVIF where the browser opens them, BMP) and sent as PNG or JPEG; what is not a picture
 * at all is told so.
 */
import { UserError } from "./messages.js";

/** One megabyte, as the server counts MAX_UPLOAD_MB. */
export const MB = 1024 * 1024;
/** Larger picks are refused outright, before decoding (a phone photo is far below this). */
export const MAX_PICK_BYTES = 20 * MB;
/** The formats the server takes as they are; everything else is redrawn into one of them. */
export const SERVER_TYPES = Object.freeze(["image/png", "image/jpeg"]);
/** Names of the formats recognised from their first bytes (sniffType), for messages. */
export const FORMAT_NAMES = Object.freeze({
  "image/png": "PNG", "image/jpeg": "JPEG", "image/gif": "GIF", "image/webp": "WebP", "image/bmp": "BMP",
  "image/heic": "HEIC", "image/avif": "AVIF",
});
/** How many leading bytes sniffType() needs. */
export const SNIFF_BYTES = 12;
/** JPEG qualities tried in turn before the image is drawn smaller. */
export const JPEG_QUALITIES = Object.freeze([0.92, 0.85, 0.75, 0.6]);
/** How many sizes are tried (each 80% of the last) before giving up. */
export const MAX_ROUNDS = 5;

/** Why a picked image cannot be used, in Korean (shown in the zone and in #error). */
export const IMAGE_MSG = Object.freeze({
  notImage: "이미지 파일이 아닙니다. 사진이나 그림 파일(PNG, JPEG, WebP, GIF, HEIC 등)을 올려 주세요.",
  tooBig: "20MB보다 큰 파일은 올릴 수 없습니다. 더 작은 이미지를 골라 주세요.",
  unreadable: "이미지를 읽지 못했습니다. 파일이 손상되지 않았는지 확인하거나 PNG·JPEG로 저장해 다시 올려 주세요.",
  heic: "이 브라우저는 HEIC(HEIF) 사진을 열 수 없습니다. 사진을 JPEG로 내보내 올리거나(아이폰: 설정 › 카메라 › 포맷 › 높은 호환성), Safari에서 올려 주세요.",
  stillTooBig: "이미지를 충분히 줄이지 못했습니다. 더 작은 이미지를 올려 주세요.",
  preparing: "이미지를 준비하고 있어요…",
});

/**
 * The message for a picture of a known format the browser could not open.
 * @param {string} type the sniffed (or declared) media type
 */
export function undecodable(type) {
  if (type === "image/heic" || type === "image/heif" || type === "image/avif") {
    return type === "image/avif" ? IMAGE_MSG.heic.replace("HEIC(HEIF)", "AVIF") : IMAGE_MSG.heic;
  }
  const name = FORMAT_NAMES[type];
  if (name && !SERVER_TYPES.includes(type)) {
    return `이 브라우저는 ${name} 이미지를 열 수 없습니다. PNG나 JPEG로 저장해 다시 올려 주세요.`;
  }
  return IMAGE_MSG.unreadable;
}

/**
 * Why a picked file is refused before it is even read, or "" when it may be read: too big,
 * or declared as something that is not an image (a PDF, a text file). A file without a type
 * (HEIC often comes so) is read and sniffed.
 * @param {{ size: number, type: string }} file
 * @returns {string}
 */
export function pickProblem({ size, type }) {
  if (size > MAX_PICK_BYTES) return IMAGE_MSG.tooBig;
  if (type && !String(type).toLowerCase().startsWith("image/")) return IMAGE_MSG.notImage;
  return "";
}

const ascii = (b, at, text) => Array.from(text).every((c, i) => b[at + i] === c.charCodeAt(0));
// ISO-BMFF brands (bytes 8..11 after "ftyp"): HEIF stills and sequences, and AVIF.
const HEIF_BRANDS = ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"];
const AVIF_BRANDS = ["avif", "avis"];

/**
 * The real format from the first bytes (a renamed file lies in its type).
 * @param {Uint8Array} bytes the first SNIFF_BYTES bytes (fewer: fewer formats recognised)
 * @returns {string} a media type of FORMAT_NAMES, or "" for none of them
 */
export function sniffType(bytes) {
  const b = bytes;
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  if (ascii(b, 0, "GIF87a") || ascii(b, 0, "GIF89a")) return "image/gif";
  if (ascii(b, 0, "RIFF") && ascii(b, 8, "WEBP")) return "image/webp";
  if (ascii(b, 0, "BM") && b.length >= 6) return "image/bmp";
  if (ascii(b, 4, "ftyp")) {
    if (HEIF_BRANDS.some((brand) => ascii(b, 8, brand))) return "image/heic";
    if (AVIF_BRANDS.some((brand) => ascii(b, 8, brand))) return "image/avif";
  }
  return "";
}

/**
 * What a pick is, from its declared type and first bytes: a format to decode, or why not.
 * Bytes of no known picture are not an image, even named like one (notes.png); only a type
 * we cannot recognise by its bytes is still tried when declared as an image (the browser may
 * open it: SVG, TIFF in Safari).
 * @param {{ type: string }} file
 * @param {Uint8Array} head the first SNIFF_BYTES bytes
 * @returns {{ type: string } | { error: string }}
 */
export function pickFormat(file, head) {
  const sniffed = sniffType(head);
  if (sniffed) return { type: sniffed };
  const declared = String(file.type || "").toLowerCase();
  const knownByBytes = declared in FORMAT_NAMES || declared === "image/jpg" || declared === "image/heif";
  if (declared.startsWith("image/") && !knownByBytes) return { type: declared };
  return { error: IMAGE_MSG.notImage };
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
 * Whether pictures of a format may have transparent pixels (all but JPEG: PNG, WebP, GIF, ...).
 * @param {string} type
 */
export const mayBeTransparent = (type) => type !== "image/jpeg";

/**
 * The encodings to try, in order: a picture with transparency becomes (or stays) PNG (JPEG
 * would lose it), everything else becomes JPEG at falling quality.
 * @param {string} sniffed the real format
 * @param {boolean} transparent whether the drawn picture has any transparent pixel
 * @returns {{ type: string, quality?: number, ext: string }[]}
 */
export function encodings(sniffed, transparent) {
  if (mayBeTransparent(sniffed) && transparent) return [{ type: "image/png", ext: "png" }];
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
 * @param {(drawn: unknown) => boolean} canvas.isTransparent not asked for JPEGs
 * @param {(drawn: unknown, type: string, quality?: number) => Promise<{ size: number }>} canvas.encode
 * @returns {Promise<{ blob: object, width: number, height: number, ext: string }>}
 */
export async function fitImage(image, limits, { draw, isTransparent, encode }) {
  let side = limits.maxSide;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const size = scaledSize(image.width, image.height, side);
    const drawn = draw(size);
    const transparent = mayBeTransparent(image.type) && isTransparent(drawn);
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
