/*
 * Preparing a picked image in the browser: decode it upright, then let the rules in
 * core/image-rules.js decide the size and format while a canvas does the drawing. Any
 * format the browser decodes is taken (a GIF gives its first frame); what it cannot open
 * is told by name (HEIC on most browsers but Safari).
 */
import { UserError } from "../core/messages.js";
import {
  IMAGE_MSG, SERVER_TYPES, SNIFF_BYTES, fitImage, hasTransparency, pickFormat, pickProblem, undecodable,
} from "../core/image-rules.js";

/** Decode upright (EXIF orientation): createImageBitmap, else an <img> element. */
async function decodeImage(file, type) {
  if (typeof createImageBitmap === "function") {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      if (!bitmap.width || !bitmap.height) throw new Error("empty");
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
    throw new UserError(undecodable(type));
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
 * @returns {Promise<{ blob: Blob, width: number, height: number, ext: string,
 *   original: () => Promise<File> }>} original: the picture at its full size in a format the
 *   service takes (the file itself when PNG or JPEG, else redrawn once as PNG), for the print file
 */
export async function prepareImage(file, limits) {
  const refused = pickProblem(file);
  if (refused) throw new UserError(refused);
  const format = pickFormat(file, new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()));
  if (format.error) throw new UserError(format.error);
  const decoded = await decodeImage(file, format.type);
  try {
    const ops = canvasOps(decoded.source);
    const prepared = await fitImage({ width: decoded.width, height: decoded.height, type: format.type }, limits, ops);
    let full = null;
    if (!SERVER_TYPES.includes(format.type)) {
      // Drawn now, while the picture is decoded: PNG keeps every pixel (and transparency).
      const canvas = ops.draw({ width: decoded.width, height: decoded.height });
      const base = String(file.name || "image").replace(/\.[^.]*$/, "") || "image";
      full = ops.encode(canvas, "image/png").then((blob) => new File([blob], `${base}.png`, { type: "image/png" }));
      full.catch(() => {});
    }
    return { ...prepared, original: () => full || Promise.resolve(file) };
  } finally {
    decoded.close();
  }
}
