// Form validation before anything is sent (frontends/static/js/core/validation.js).
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  FORM_MSG, MAX_SEED, badSeed, buildRequest, goodsProblem, imageMissing, pplProblem, promptTooLong, randomSeed,
  resolveSeed, seedTyping,
} from "../../frontends/static/js/core/validation.js";

test("seed: empty means none; integers 0..2147483647 are sent as typed", () => {
  assert.deepEqual(resolveSeed({ text: "" }), { value: "", shown: false });
  assert.deepEqual(resolveSeed({ text: "   " }), { value: "", shown: false });
  assert.deepEqual(resolveSeed({ text: "0" }), { value: "0", shown: false });
  assert.deepEqual(resolveSeed({ text: " 11 " }), { value: "11", shown: false });
  assert.deepEqual(resolveSeed({ text: String(MAX_SEED) }), { value: "2147483647", shown: false });
  assert.equal(MAX_SEED, 2 ** 31 - 1);
});

test("seed: negatives, fractions, exponents, words and values above the range are refused", () => {
  for (const text of ["-1", "1.5", "1e3", "0x10", "abc", "12a", "+5", "2147483648", "99999999999999999999"]) {
    assert.deepEqual(resolveSeed({ text }), { error: FORM_MSG.badSeed }, text);
  }
  assert.match(FORM_MSG.badSeed, /0부터 2147483647 사이의 정수/);
});

test("seed: 'random' or a given seed wins over the field and is shown", () => {
  assert.deepEqual(resolveSeed({ text: "abc", random: true, draw: () => 42 }), { value: "42", shown: true });
  assert.deepEqual(resolveSeed({ text: "7", override: 0 }), { value: "0", shown: true });
  assert.deepEqual(resolveSeed({ text: "-1", override: 99, random: true, draw: () => 1 }), { value: "99", shown: true });
});

test("seed: the services' own maximum, when the page is given one, bounds it and is named", () => {
  assert.deepEqual(resolveSeed({ text: "1000", max: 1000 }), { value: "1000", shown: false });
  assert.deepEqual(resolveSeed({ text: "1001", max: 1000 }), { error: badSeed(1000) });
  assert.equal(badSeed(1000), "시드는 0부터 1000 사이의 정수로 입력해 주세요.");
  assert.equal(badSeed(), FORM_MSG.badSeed);
  // A random or given seed is the page's own choice: not checked against the field's rule.
  assert.deepEqual(resolveSeed({ text: "", random: true, draw: () => 5000, max: 1000 }), { value: "5000", shown: true });
});

test("seed typing: digits go in, and so does any deletion", () => {
  assert.equal(seedTyping("1", "1"), "");
  assert.equal(seedTyping("7", "1237"), "");
  assert.equal(seedTyping("2147483647", "2147483647"), ""); // pasted, exactly the maximum
  assert.equal(seedTyping("", ""), ""); // a deletion
  assert.equal(seedTyping("", "12"), "");
  assert.equal(seedTyping(null, "12"), "");
  assert.equal(seedTyping(undefined, ""), "");
  assert.equal(seedTyping("0", "0000"), ""); // leading zeros are still digits
});

test("seed typing: a letter or any other character is refused, and the message names it", () => {
  assert.equal(seedTyping("a", "12a"), "시드에는 숫자(0~9)만 넣을 수 있어요. ‘a’은(는) 넣지 않았습니다.");
  for (const inserted of ["-", ".", "e", " ", "１", "가", "+5", "1 2"]) {
    const message = seedTyping(inserted, `1${inserted}`);
    assert.match(message, /^시드에는 숫자\(0~9\)만 넣을 수 있어요\./, inserted);
    assert.ok(message.includes(`‘${inserted}’`), message);
  }
  // Refused even when the value it would make is short: the characters themselves are the reason.
  assert.notEqual(seedTyping("x", "x"), "");
});

test("seed typing: long pasted text is named by its first twelve characters and …", () => {
  const pasted = "seed: 12345 from the last run";
  const message = seedTyping(pasted, pasted);
  assert.equal(message, "시드에는 숫자(0~9)만 넣을 수 있어요. ‘seed: 12345 …’은(는) 넣지 않았습니다.");
  assert.ok(seedTyping("abcdefghijkl", "abcdefghijkl").includes("‘abcdefghijkl’")); // twelve: whole
  assert.ok(seedTyping("abcdefghijklm", "x").includes("‘abcdefghijkl…’")); // thirteen: cut
});

test("seed typing: past the maximum is refused with the maximum named", () => {
  assert.equal(seedTyping("8", "2147483648"), "시드는 2147483647까지입니다.");
  assert.equal(seedTyping("99999999999", "99999999999"), "시드는 2147483647까지입니다.");
  assert.equal(seedTyping("1", "1001", 1000), "시드는 1000까지입니다.");
  assert.equal(seedTyping("0", "1000", 1000), "");
  // A deletion is never refused, even from a value already too large (restored from elsewhere).
  assert.equal(seedTyping("", "99999999999"), "");
});

test("randomSeed: 31 bits from the given source", () => {
  const source = { getRandomValues: (array) => array.fill(0xffffffff) };
  assert.equal(randomSeed(source), MAX_SEED);
  for (let i = 0; i < 100; i += 1) {
    const seed = randomSeed();
    assert.ok(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED, String(seed));
  }
});

test("required images: the message names the slot", () => {
  assert.equal(imageMissing("캐릭터"), "캐릭터 이미지를 올려 주세요.");
  assert.equal(imageMissing("제품"), "제품 이미지를 올려 주세요.");
});

test("prompt length: up to maxChars is fine, one more is refused with both numbers", () => {
  assert.equal(promptTooLong("a".repeat(2000), { label: "프롬프트", maxChars: 2000 }), null);
  const problem = promptTooLong("a".repeat(2001), { label: "프롬프트", maxChars: 2000 });
  assert.equal(problem.field, "prompt");
  assert.match(problem.message, /^프롬프트: 2000자 이하로 입력해 주세요 \(지금 2001자\)\.$/);
  assert.equal(promptTooLong("a".repeat(5000), { label: "x", maxChars: -1 }), null); // no maxlength
});

test("PPL: the prompt is required (blank counts as empty) and limited", () => {
  assert.deepEqual(pplProblem({ prompt: "", maxChars: 2000 }), { message: FORM_MSG.pplPrompt, field: "prompt" });
  assert.deepEqual(pplProblem({ prompt: " \n ", maxChars: 2000 }), { message: FORM_MSG.pplPrompt, field: "prompt" });
  assert.equal(pplProblem({ prompt: "holding the product", maxChars: 2000 }), null);
  assert.equal(pplProblem({ prompt: "x".repeat(2001), maxChars: 2000 }).field, "prompt");
});

test("goods: one image needs a kind or a prompt; a set needs a kind", () => {
  assert.equal(goodsProblem({ setMode: false, kinds: 1, prompt: "", maxChars: 2000 }), null);
  assert.equal(goodsProblem({ setMode: false, kinds: 0, prompt: "a mug", maxChars: 2000 }), null);
  assert.deepEqual(goodsProblem({ setMode: false, kinds: 0, prompt: "  ", maxChars: 2000 }),
    { message: FORM_MSG.kindOrPrompt, field: "prompt" });
  assert.deepEqual(goodsProblem({ setMode: true, kinds: 0, prompt: "a mug", maxChars: 2000 }),
    { message: FORM_MSG.noKinds, field: "kinds" });
  assert.equal(goodsProblem({ setMode: true, kinds: 6, prompt: "", maxChars: 2000 }), null);
  assert.match(goodsProblem({ setMode: true, kinds: 2, prompt: "x".repeat(2001), maxChars: 2000 }).message, /^추가 요청:/);
});

test("the request: prepared images replace the files; empty seed, ratio and prompt are left out", () => {
  const form = new FormData();
  form.set("prompt", "  ");
  form.set("aspect_ratio", "");
  form.set("seed", "123");
  form.set("input_image", new Blob(["original"]), "original.png");
  form.set("output_format", "png");
  const image = { blob: new Blob(["prepared"], { type: "image/jpeg" }), filename: "character.jpg" };
  const data = buildRequest(form, [["input_image", image]], "");
  assert.deepEqual([...data.keys()].sort(), ["input_image", "output_format"]);
  assert.equal(data.get("input_image").name, "character.jpg");
  const kept = new FormData();
  kept.set("prompt", "a mug");
  kept.set("aspect_ratio", "4:3");
  buildRequest(kept, [], "11");
  assert.deepEqual(Object.fromEntries(kept), { prompt: "a mug", aspect_ratio: "4:3", seed: "11" });
});
