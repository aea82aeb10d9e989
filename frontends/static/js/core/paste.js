/*
 * Pasting a picture (Ctrl+V / ⌘V, or a phone's paste): which clipboard item is the picture,
 * whether the paste is the page's to take, and which upload zone it fills. The page listens
 * for "paste" (ui/upload-zone.js); the choices are here, without the DOM, for the Node tests.
 */

/**
 * The first file of a paste that is (or may be) a picture, else the first file at all (so a
 * pasted PDF is told it is not an image), else null.
 * @param {{ kind: string, type: string, getAsFile: () => (Blob | null) }[]} items
 *   clipboardData.items (or a list shaped like it)
 * @returns {Blob | null}
 */
export function pastedFile(items) {
  const files = Array.from(items || []).filter((item) => item && item.kind === "file");
  const image = files.find((item) => String(item.type || "").startsWith("image/"));
  const chosen = image || files[0];
  return chosen ? chosen.getAsFile() : null;
}

/**
 * Whether the page takes a paste: only when it carries a file, and never text pasted into a
 * text field (a prompt copied from somewhere keeps working).
 * @param {{ hasFile: boolean, hasText: boolean, intoTextField: boolean }} paste
 */
export function takesPaste({ hasFile, hasText, intoTextField }) {
  if (!hasFile) return false;
  return !(intoTextField && hasText);
}

/**
 * The zone a pasted picture goes to: the one that has focus; else the first still empty;
 * else the first (a new picture replaces the character's).
 * @param {{ key: string, focused: boolean, filled: boolean }[]} zones in form order
 * @returns {string} the zone's key ("" when there is none)
 */
export function pasteTarget(zones) {
  const focused = zones.find((zone) => zone.focused);
  if (focused) return focused.key;
  const empty = zones.find((zone) => !zone.filled);
  return (empty || zones[0] || { key: "" }).key;
}
