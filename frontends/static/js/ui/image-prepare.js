/*
 * Preparing a picked image in the browser: decode it upright, then let the rules in
 * core/image-rules.js decide the size and format while a canvas does the drawing.
 */
import { UserError } from "../core/messages.js";
import { IMAGE_MSG, fitImage, hasTransparency, pickProblem, sniffType } from "../core/image-rules.js";

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
    throw new UserError(IMAGE_MSG.unreadable);
  }
  const close = () => URL.revokeObjectURL(url);
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, close };
}

/** The canvas side of fitImage(): draw at a size, look for transparency, encode. */
function canvasOps(source) {
  return {
    draw({ width, height }) {
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      const ctx = canvas.getContext("2d");
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(source, 0, 0, width, height);
      return canvas;
    },
    isTransparent(canvas) {
      return hasTransparency(canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data);
    },
    encode(canvas, type, quality) {
      return new Promise((resolve, reject) =>
        canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new UserError(IMAGE_MSG.unreadable))), type, quality));
    },
  };
}

/**
 * Check a picked file (size, declared type and magic bytes), then redraw it at most
 * maxSide px on the longest side and under maxBytes (rules: core/image-rules.js).
 * Rejects with a UserError whose message can be shown as is.
 * @param {File} file
 * @param {{ maxSide: number, maxBytes: number }} limits
 * @returns {Promise<{ blob: Blob, width: number, height: number, ext: string }>}
 */
export async function prepareImage(file, limits) {
  const refused = pickProblem(file);
  if (refused) throw new UserError(refused);
  const sniffed = sniffType(new Uint8Array(await file.slice(0, 4).arrayBuffer()));
  if (!sniffed) throw new UserError(IMAGE_MSG.notImage);
  const decoded = await decodeImage(file);
  try {
    return await fitImage({ width: decoded.width, height: decoded.height, type: sniffed }, limits, canvasOps(decoded.source));
  } finally {
    decoded.close();
  }
}
