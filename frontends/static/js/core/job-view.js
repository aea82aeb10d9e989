/*
 * What a job (GET .../jobs/{id}) says, in Korean: its status, its kind, when it was made
 * and its parameters, as the 최근 작업 list and the job dialog show them.
 * No DOM: tested in Node.
 */

/** A job's status as the page says it. */
export const STATUS_TEXT = Object.freeze({
  queued: "대기 중",
  running: "생성 중",
  succeeded: "완료",
  failed: "실패",
  canceled: "취소됨",
});

/**
 * @param {string} status
 */
export const statusText = (status) => STATUS_TEXT[status] || "알 수 없음";

const RATIO_TEXT = { match_input_image: "입력 이미지와 같게" };
const SAFETY_TEXT = ["0 · 가장 엄격", "1 · 보통", "2 · 너그러움"];

/**
 * What was made: the goods kind's name (labels: id → name, from the page's catalogue), or
 * "PPL" for the PPL service.
 * @param {{ service?: string, params?: Record<string, any> }} job
 * @param {Record<string, string>} [labels]
 */
export function kindText(job, labels = {}) {
  const params = (job && job.params) || {};
  if (job && job.service === "ppl") return "PPL";
  const kind = params.goods_type;
  if (kind) return labels[kind] || String(kind);
  return job && job.service === "goods" ? "자유 프롬프트" : "PPL";
}

const two = (n) => String(n).padStart(2, "0");

/**
 * When, for a list: "방금", "5분 전", "3시간 전", then "어제 14:05" and "5월 3일 14:05"
 * (the year too when it is not this one).
 * @param {number} epochSeconds
 * @param {number} [nowMs]
 */
export function whenText(epochSeconds, nowMs = Date.now()) {
  if (!(epochSeconds > 0)) return "";
  const then = new Date(epochSeconds * 1000);
  const minutes = Math.floor((nowMs - then.getTime()) / 60_000);
  if (minutes < 1) return "방금";
  if (minutes < 60) return `${minutes}분 전`;
  if (minutes < 6 * 60) return `${Math.floor(minutes / 60)}시간 전`;
  const now = new Date(nowMs);
  const clock = `${two(then.getHours())}:${two(then.getMinutes())}`;
  const yesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1);
  const sameDay = (a, b) =>
    a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  if (sameDay(then, now)) return `오늘 ${clock}`;
  if (sameDay(then, yesterday)) return `어제 ${clock}`;
  const year = then.getFullYear() === now.getFullYear() ? "" : `${then.getFullYear()}년 `;
  return `${year}${then.getMonth() + 1}월 ${then.getDate()}일 ${clock}`;
}

/**
 * The full date and time, for the dialog and <time datetime>: "2026. 5. 3. 14:05:09".
 * @param {number} epochSeconds
 */
export function dateTimeText(epochSeconds) {
  if (!(epochSeconds > 0)) return "";
  const d = new Date(epochSeconds * 1000);
  return `${d.getFullYear()}. ${d.getMonth() + 1}. ${d.getDate()}. ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/**
 * ISO 8601 for <time datetime>.
 * @param {number} epochSeconds
 */
export const isoTime = (epochSeconds) => (epochSeconds > 0 ? new Date(epochSeconds * 1000).toISOString() : "");

/**
 * The job's parameters as label/value rows, in the form's order, for the dialog.
 * @param {{ service?: string, params?: Record<string, any>, engine?: string, cost_usd?: number }} job
 * @param {Record<string, string>} [labels] goods kind id → name
 * @returns {[string, string][]}
 */
export function paramRows(job, labels = {}) {
  const p = (job && job.params) || {};
  const rows = [];
  if (job && job.service !== "ppl" && "goods_type" in p) rows.push(["굿즈 종류", kindText(job, labels)]);
  const prompt = String(p.prompt || "").trim();
  if (job && job.service === "ppl") rows.push(["프롬프트", prompt || "(없음)"]);
  else rows.push(["추가 요청", prompt || "(없음)"]);
  const ratio = p.aspect_ratio;
  rows.push(["비율", ratio ? RATIO_TEXT[ratio] || String(ratio) : "굿즈 기본 비율"]);
  if (p.output_format) rows.push(["파일 형식", String(p.output_format).toUpperCase()]);
  if (p.safety_tolerance !== undefined && p.safety_tolerance !== null) {
    rows.push(["안전 필터 허용도", SAFETY_TEXT[Number(p.safety_tolerance)] || String(p.safety_tolerance)]);
  }
  rows.push(["시드", p.seed === null || p.seed === undefined || p.seed === "" ? "랜덤" : String(p.seed)]);
  if (job && job.engine) rows.push(["엔진", job.engine === "local" ? "로컬 미리보기 (AI 아님)" : `${job.engine} · ${job.model || ""}`.trim()]);
  if (job && job.cost_usd > 0) rows.push(["예상 비용", `$${Number(job.cost_usd).toFixed(2)}`]);
  return rows;
}

/**
 * The seed the job ran with, as the seed field shows it ("" for a random one).
 * @param {{ params?: Record<string, any> }} job
 */
export function seedOf(job) {
  const seed = job && job.params ? job.params.seed : null;
  return seed === null || seed === undefined ? "" : String(seed);
}
