// 최근 작업's state (core/history.js), what a job says (core/job-view.js) and the address
// and set record a reload finds (core/page-state.js).
import { test } from "node:test";
import assert from "node:assert/strict";

import { HistoryList, PAGE_SIZE } from "../../frontends/static/js/core/history.js";
import {
  dateTimeText, isoTime, kindText, paramRows, seedOf, statusText, whenText,
} from "../../frontends/static/js/core/job-view.js";
import {
  BATCH_ID, newBatchId, pageUrl, parseSetRecord, readPageState, setFromJobs, setRecord,
} from "../../frontends/static/js/core/page-state.js";

const job = (id, status = "succeeded", extra = {}) => ({ id, status, ...extra });
const ids = (list) => list.items.map((item) => item.id);

test("pages: the first replaces, the next adds what is not shown yet, the cursor moves on", () => {
  const list = new HistoryList();
  assert.equal(list.empty, false); // nothing loaded is not "empty"
  assert.deepEqual(list.query(), { limit: PAGE_SIZE, cursor: null });
  list.addPage({ jobs: [job("05"), job("04")], nextCursor: "C1" });
  assert.deepEqual(ids(list), ["05", "04"]);
  assert.equal(list.hasMore, true);
  assert.deepEqual(list.query({ more: true }), { limit: PAGE_SIZE, cursor: "C1" });
  const added = list.addPage({ jobs: [job("04"), job("03")], nextCursor: null }, { more: true });
  assert.deepEqual(added.map((item) => item.id), ["03"]); // 04 came twice: once is shown
  assert.deepEqual(ids(list), ["05", "04", "03"]);
  assert.equal(list.hasMore, false);
  list.addPage({ jobs: [job("06")], nextCursor: null }); // the first page again: replaces
  assert.deepEqual(ids(list), ["06"]);
  list.addPage({ jobs: [], nextCursor: null });
  assert.equal(list.empty, true);
});

test("a job that changed is replaced in place; a new one goes in its place, newest first", () => {
  const list = new HistoryList();
  list.addPage({ jobs: [job("05", "running"), job("03")], nextCursor: null });
  assert.deepEqual(list.activeIds(), ["05"]);
  assert.equal(list.upsert(job("05", "succeeded")), "updated");
  assert.deepEqual(list.activeIds(), []);
  assert.equal(list.find("05").status, "succeeded");
  assert.equal(list.upsert(job("07", "queued")), "added");
  assert.equal(list.upsert(job("04")), "added");
  assert.deepEqual(ids(list), ["07", "05", "04", "03"]);
  assert.equal(list.upsert({}), "skipped");
});

test("a job older than every shown one waits for its page while more pages remain", () => {
  const list = new HistoryList();
  list.addPage({ jobs: [job("09"), job("08")], nextCursor: "C" });
  assert.equal(list.upsert(job("02")), "skipped");
  assert.deepEqual(ids(list), ["09", "08"]);
  assert.equal(list.remove("09"), true);
  assert.equal(list.remove("09"), false);
  assert.deepEqual(ids(list), ["08"]);
});

test("statuses, kinds and parameters in Korean", () => {
  assert.deepEqual(["queued", "running", "succeeded", "failed", "canceled", "odd"].map(statusText),
    ["대기 중", "생성 중", "완료", "실패", "취소됨", "알 수 없음"]);
  const labels = { mug: "머그컵" };
  assert.equal(kindText({ service: "goods", params: { goods_type: "mug" } }, labels), "머그컵");
  assert.equal(kindText({ service: "goods", params: { goods_type: "spaceship" } }, labels), "spaceship");
  assert.equal(kindText({ service: "goods", params: { goods_type: null, prompt: "x" } }, labels), "자유 프롬프트");
  assert.equal(kindText({ service: "ppl", params: { prompt: "x" } }), "PPL");
  const goods = {
    service: "goods", engine: "local", model: "local-mockup", cost_usd: 0,
    params: { goods_type: "mug", prompt: "", aspect_ratio: null, output_format: "png", safety_tolerance: 2, seed: 11 },
  };
  assert.deepEqual(paramRows(goods, labels), [
    ["굿즈 종류", "머그컵"], ["추가 요청", "(없음)"], ["비율", "굿즈 기본 비율"], ["파일 형식", "PNG"],
    ["안전 필터 허용도", "2 · 너그러움"], ["시드", "11"], ["엔진", "로컬 미리보기 (AI 아님)"],
  ]);
  const ppl = {
    service: "ppl", engine: "replicate", model: "flux-kontext-max", cost_usd: 0.08,
    params: { prompt: "holding it", aspect_ratio: "match_input_image", output_format: "jpg", safety_tolerance: 0, seed: null },
  };
  assert.deepEqual(paramRows(ppl), [
    ["프롬프트", "holding it"], ["비율", "입력 이미지와 같게"], ["파일 형식", "JPG"], ["안전 필터 허용도", "0 · 가장 엄격"],
    ["시드", "랜덤"], ["엔진", "replicate · flux-kontext-max"], ["예상 비용", "$0.08"],
  ]);
  assert.equal(seedOf(goods), "11");
  assert.equal(seedOf(ppl), "");
});

test("when: minutes and hours ago, then today, yesterday and dates", () => {
  const now = new Date(2026, 4, 3, 20, 0, 0).getTime(); // 3 May, 20:00 local time
  const at = (...parts) => new Date(...parts).getTime() / 1000;
  assert.equal(whenText(now / 1000 - 20, now), "방금");
  assert.equal(whenText(now / 1000 - 5 * 60, now), "5분 전");
  assert.equal(whenText(now / 1000 - 3 * 3600, now), "3시간 전");
  assert.equal(whenText(at(2026, 4, 3, 9, 5), now), "오늘 09:05");
  assert.equal(whenText(at(2026, 4, 2, 23, 59), now), "어제 23:59");
  assert.equal(whenText(at(2026, 3, 28, 14, 0), now), "4월 28일 14:00");
  assert.equal(whenText(at(2025, 11, 31, 8, 30), now), "2025년 12월 31일 08:30");
  assert.equal(whenText(0, now), "");
  assert.equal(dateTimeText(at(2026, 4, 3, 9, 5, 7)), "2026. 5. 3. 09:05:07");
  assert.equal(isoTime(1_700_000_000), "2023-11-14T22:13:20.000Z");
});

test("the address names a job or a set; other parameters and the hash stay", () => {
  assert.deepEqual(readPageState("?job=01M8NCZD3AKQ24JDH3VAEHAD4G"), { job: "01M8NCZD3AKQ24JDH3VAEHAD4G", set: "" });
  assert.deepEqual(readPageState("?set=set-abc_1&job=../../x"), { job: "", set: "set-abc_1" });
  assert.deepEqual(readPageState(""), { job: "", set: "" });
  assert.deepEqual(readPageState(`?set=${"a".repeat(65)}`), { job: "", set: "" });
  const base = "http://127.0.0.1:8001/goods-gen/?utm=1#top";
  assert.equal(pageUrl(base, { job: "ABCDEFGHIJKL" }), "/goods-gen/?utm=1&job=ABCDEFGHIJKL#top");
  assert.equal(pageUrl("http://h/goods-gen/?job=X&set=S", { set: "" }), "/goods-gen/?job=X");
  assert.equal(pageUrl("http://h/goods-gen/?job=X&set=S", { set: "T", job: "" }), "/goods-gen/?set=T");
  const batch = newBatchId({ getRandomValues: (a) => a.fill(171) });
  assert.equal(batch, `set-${"ab".repeat(10)}`);
  assert.match(newBatchId(), BATCH_ID);
});

test("a set record round-trips, and is refused when it is another set's or malformed", () => {
  const cards = [{ id: "mug", label: "머그컵", job: "01M8NCZD3AKQ24JDH3VAEHAD4G", state: "running" }, { id: "badge", label: "뱃지" }];
  const text = setRecord({ batch: "set-1", seedValue: "11", cards });
  assert.deepEqual(parseSetRecord(text, "set-1"), {
    batch: "set-1", seedValue: "11",
    cards: [{ id: "mug", label: "머그컵", job: "01M8NCZD3AKQ24JDH3VAEHAD4G" }, { id: "badge", label: "뱃지", job: "" }],
  });
  assert.equal(parseSetRecord(text, "set-2"), null);
  assert.equal(parseSetRecord("{not json", "set-1"), null);
  assert.equal(parseSetRecord(null, "set-1"), null);
  assert.equal(parseSetRecord(JSON.stringify({ batch: "set-1", cards: [] }), "set-1"), null);
  const odd = parseSetRecord(JSON.stringify({ batch: "set-1", cards: [{ id: "mug", job: "<script>" }, { nope: 1 }] }), "set-1");
  assert.deepEqual(odd.cards, [{ id: "mug", label: "mug", job: "" }]);
});

test("a set found from its jobs alone: each kind's latest job, in the order they were made", () => {
  const listed = [
    { id: "05", batch_id: "set-1", params: { goods_type: "mug" } },
    { id: "04", batch_id: "set-2", params: { goods_type: "tshirt" } },
    { id: "03", batch_id: "set-1", params: { goods_type: "badge" } },
    { id: "02", batch_id: "set-1", params: { goods_type: "mug" } }, // retried since: 05 is the one
  ];
  assert.deepEqual(setFromJobs(listed, "set-1", { mug: "머그컵" }), {
    batch: "set-1", seedValue: "",
    cards: [{ id: "badge", label: "badge", job: "03" }, { id: "mug", label: "머그컵", job: "05" }],
  });
  assert.equal(setFromJobs(listed, "set-9"), null);
});
