/*
 * What the form must hold before anything is sent: the images, the page's own fields
 * (prompt, goods kinds) and the seed. The pages read their fields and show the first
 * problem; the rules are here, without the DOM, so the Node tests check them.
 * A problem is { message, field } (field: what to focus), or null.
 */

/**
 * The services' MAX_SEED, what every provider accepts. The page passes the build's value
 * (config.max_seed, read from the services' parameter modules); this is the fallback.
 */
export const MAX_SEED = 2147483647;

/**
 * "시드는 0부터 2147483647 사이의 정수로 입력해 주세요."
 * @param {number} [max]
 */
export const badSeed = (max = MAX_SEED) => `시드는 0부터 ${max} 사이의 정수로 입력해 주세요.`;

/** What to fix in the form, in Korean. */
export const FORM_MSG = Object.freeze({
  badSeed: badSeed(),
  pplPrompt: "프롬프트를 입력해 주세요. 아래 예시 버튼으로 채울 수도 있어요.",
  noKinds: "한 번에 만들 굿즈를 하나 이상 골라 주세요.",
  kindOrPrompt: "굿즈 종류를 고르거나 추가 요청을 입력해 주세요.",
});

/**
 * The message for an upload slot left empty.
 * @param {string} label "캐릭터", "제품"
 */
export function imageMissing(label) {
  return `${label} 이미지를 올려 주세요.`;
}

/**
 * A random seed in 0..MAX_SEED (31 bits).
 * @param {{ getRandomValues: (array: Uint32Array) => Uint32Array }} [random]
 */
export function randomSeed(random = globalThis.crypto) {
  return random.getRandomValues(new Uint32Array(1))[0] & 0x7fffffff;
}

/**
 * The seed to send: "" for none, or digits. A chosen seed (override, or "random" ticked)
 * is returned with shown: true so the page writes it into the field (for reproducing).
 * @param {{ text: string, random?: boolean, override?: number, draw?: () => number, max?: number }} input
 * @returns {{ value: string, shown: boolean } | { error: string }}
 */
export function resolveSeed({ text, random = false, override, draw = randomSeed, max = MAX_SEED }) {
  if (override !== undefined || random) {
    return { value: String(override !== undefined ? override : draw()), shown: true };
  }
  const value = String(text).trim();
  if (value !== "" && (!/^\d+$/.test(value) || Number(value) > max)) return { error: badSeed(max) };
  return { value, shown: false };
}

/**
 * Whether what is being typed (or pasted) into the seed field may go in: digits only, and
 * not past the maximum. A refusal says why, so a letter is never dropped without a word.
 * @param {string} inserted the characters being added ("" for a deletion)
 * @param {string} next the field's value if they went in
 * @param {number} [max]
 * @returns {string} "" to let it in, else the message
 */
export function seedTyping(inserted, next, max = MAX_SEED) {
  const text = String(inserted || "");
  if (/[^0-9]/.test(text)) {
    const shown = text.length > 12 ? `${text.slice(0, 12)}…` : text;
    return `시드에는 숫자(0~9)만 넣을 수 있어요. ‘${shown}’은(는) 넣지 않았습니다.`;
  }
  if (text && String(next).length > 0 && Number(next) > max) return `시드는 ${max}까지입니다.`;
  return "";
}

/**
 * The prompt's length against the field's limit (the server refuses longer ones; the
 * textarea's maxlength stops typing but not a script or a restored value).
 * @param {string} text
 * @param {{ label: string, maxChars: number }} limit maxChars <= 0: no limit
 * @returns {{ message: string, field: "prompt" } | null}
 */
export function promptTooLong(text, { label, maxChars }) {
  if (!(maxChars > 0) || text.length <= maxChars) return null;
  return { message: `${label}: ${maxChars}자 이하로 입력해 주세요 (지금 ${text.length}자).`, field: "prompt" };
}

/**
 * The PPL page's fields: a prompt is required.
 * @param {{ prompt: string, maxChars: number }} fields
 */
export function pplProblem({ prompt, maxChars }) {
  if (!prompt.trim()) return { message: FORM_MSG.pplPrompt, field: "prompt" };
  return promptTooLong(prompt, { label: "프롬프트", maxChars });
}

/**
 * The goods page's fields: a set needs a kind; a single image needs a kind or a prompt.
 * @param {{ setMode: boolean, kinds: number, prompt: string, maxChars: number }} fields
 *   kinds: how many kinds are ticked
 */
export function goodsProblem({ setMode, kinds, prompt, maxChars }) {
  if (setMode && kinds === 0) return { message: FORM_MSG.noKinds, field: "kinds" };
  if (!setMode && kinds === 0 && !prompt.trim()) return { message: FORM_MSG.kindOrPrompt, field: "prompt" };
  return promptTooLong(prompt, { label: "추가 요청", maxChars });
}

/**
 * Fill in the request: the prepared images replace the picked files, and fields left
 * empty are left out (the server's defaults apply: no seed, the goods kind's ratio).
 * @param {FormData} data the form's own fields
 * @param {[string, { blob: Blob, filename: string }][]} images field name → prepared image
 * @param {string} seedValue "" for none
 * @returns {FormData} the same object
 */
export function buildRequest(data, images, seedValue) {
  for (const [name, processed] of images) data.set(name, processed.blob, processed.filename);
  if (seedValue === "") data.delete("seed");
  else data.set("seed", seedValue);
  if (data.get("aspect_ratio") === "") data.delete("aspect_ratio"); // goods: the kind's default
  if (String(data.get("prompt") || "").trim() === "") data.delete("prompt");
  return data;
}
