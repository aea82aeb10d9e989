// Pasting a picture: which clipboard item, whether the page takes it, which zone it fills
// (frontends/static/js/core/paste.js).
import { test } from "node:test";
import assert from "node:assert/strict";

import { pasteTarget, pastedFile, takesPaste } from "../../frontends/static/js/core/paste.js";

/** A clipboardData.items entry: a file (its Blob) or a string. */
const file = (type, name = type) => {
  const blob = new Blob([name], { type });
  return { kind: "file", type, getAsFile: () => blob, blob };
};
const text = (type = "text/plain") => ({ kind: "string", type, getAsFile: () => null });

test("the pasted picture is the first image file, whatever comes before it", () => {
  const pdf = file("application/pdf");
  const png = file("image/png");
  const jpeg = file("image/jpeg");
  assert.equal(pastedFile([text(), text("text/html"), pdf, png, jpeg]), png.blob);
  assert.equal(pastedFile([file("image/heic")]).type, "image/heic"); // any image/ type
});

test("with no image among them, the first file is taken (so a PDF is told it is not a picture)", () => {
  const pdf = file("application/pdf");
  assert.equal(pastedFile([text(), pdf, file("text/csv")]), pdf.blob);
  // A file the clipboard does not type is still a file.
  const untyped = file("");
  assert.equal(pastedFile([untyped]), untyped.blob);
});

test("nothing to take: no items, only text, or an odd list", () => {
  assert.equal(pastedFile([]), null);
  assert.equal(pastedFile([text(), text("text/html")]), null);
  assert.equal(pastedFile(null), null);
  assert.equal(pastedFile(undefined), null);
  assert.equal(pastedFile([null, undefined, text()]), null);
  // A list shaped like clipboardData.items (array-like, not an Array).
  const png = file("image/png");
  assert.equal(pastedFile({ length: 2, 0: text(), 1: png }), png.blob);
});

test("the page takes a paste that carries a file, but never text pasted into a text field", () => {
  assert.equal(takesPaste({ hasFile: false, hasText: true, intoTextField: false }), false);
  assert.equal(takesPaste({ hasFile: false, hasText: false, intoTextField: false }), false);
  assert.equal(takesPaste({ hasFile: true, hasText: false, intoTextField: false }), true);
  assert.equal(takesPaste({ hasFile: true, hasText: true, intoTextField: false }), true); // an image copied with its caption
  assert.equal(takesPaste({ hasFile: true, hasText: false, intoTextField: true }), true); // only a picture: still ours
  assert.equal(takesPaste({ hasFile: true, hasText: true, intoTextField: true }), false); // the prompt keeps its text
});

test("the zone: the focused one; else the first empty one; else the first", () => {
  const zones = (...states) => states.map(([key, focused, filled]) => ({ key, focused, filled }));
  assert.equal(pasteTarget(zones(["character", false, true], ["product", true, true])), "product");
  assert.equal(pasteTarget(zones(["character", true, false], ["product", false, false])), "character");
  assert.equal(pasteTarget(zones(["character", false, true], ["product", false, false])), "product");
  assert.equal(pasteTarget(zones(["character", false, false], ["product", false, false])), "character");
  assert.equal(pasteTarget(zones(["character", false, true], ["product", false, true])), "character"); // replaces
  assert.equal(pasteTarget(zones(["character", false, true])), "character"); // the goods page's one zone
  assert.equal(pasteTarget([]), "");
});
