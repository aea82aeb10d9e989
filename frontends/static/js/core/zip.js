/*
 * Reading named files out of a ZIP in the browser, without unpacking the rest: the print
 * file's preview.png and spec.json (goods/print-dialog.js). The service stores both without
 * compression, so no inflater is needed for them; a compressed entry is read only when the
 * caller hands one in (fflate's inflateSync). The central directory at the end names every
 * entry, its method, size and where its local header is.
 * No DOM: tested in Node.
 */

const EOCD = 0x06054b50; // end of central directory
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

/** The bytes are not a ZIP this reader can read (broken, or ZIP64). */
export class ZipError extends Error {}

function endRecord(view) {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - MAX_COMMENT);
  for (let at = last; at >= first; at -= 1) {
    if (view.getUint32(at, true) === EOCD) return at;
  }
  throw new ZipError("not a ZIP file (no end of central directory)");
}

/**
 * The named entries' bytes.
 * @param {Uint8Array} bytes the whole ZIP
 * @param {string[]} names the entries wanted (any not in the ZIP are left out)
 * @param {{ inflate?: (data: Uint8Array, size: number) => Uint8Array }} [options]
 *   inflate: for deflated entries (method 8)
 * @returns {Map<string, Uint8Array>}
 */
export function readZipEntries(bytes, names, { inflate } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.byteLength < 22) throw new ZipError("not a ZIP file (too short)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = endRecord(view);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw new ZipError("ZIP64 is not read here");
  const wanted = new Set(names);
  const found = new Map();
  const decoder = new TextDecoder();
  for (let i = 0; i < count && found.size < wanted.size; i += 1) {
    if (at + 46 > bytes.byteLength || view.getUint32(at, true) !== CENTRAL) throw new ZipError("broken central directory");
    const method = view.getUint16(at + 10, true);
    const packed = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (!wanted.has(name)) continue;
    if (local + 30 > bytes.byteLength || view.getUint32(local, true) !== LOCAL) throw new ZipError(`broken local header: ${name}`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + packed > bytes.byteLength) throw new ZipError(`truncated entry: ${name}`);
    const data = bytes.subarray(start, start + packed);
    if (method === 0) found.set(name, data);
    else if (method === 8 && inflate) found.set(name, inflate(data, size));
    else throw new ZipError(`cannot read ${name} (method ${method})`);
  }
  return found;
}
