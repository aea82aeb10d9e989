// Everything in core/ runs without a DOM: Node imports it as is (the browser-only code
// lives in ui/, goods/ and the page modules).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";

const CORE = new URL("../../frontends/static/js/core/", import.meta.url);
const files = readdirSync(CORE).filter((name) => name.endsWith(".js"));

test("every core module imports in Node", async () => {
  assert.ok(files.length >= 8, files.join(", "));
  for (const name of files) {
    const module = await import(new URL(name, CORE));
    assert.ok(Object.keys(module).length > 0, `${name} exports nothing`);
  }
});

test("core modules neither touch the DOM nor import anything outside core/", () => {
  for (const name of files) {
    const code = readFileSync(new URL(name, CORE), "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    assert.doesNotMatch(code, /\b(document|window|navigator|localStorage|HTMLElement)\b/, name);
    for (const [, specifier] of code.matchAll(/\bfrom\s*["']([^"']+)["']/g)) {
      assert.match(specifier, /^\.\/[\w-]+\.js$/, `${name} imports ${specifier}`);
    }
  }
});
