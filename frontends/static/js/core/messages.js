/*
 * Texts more than one module shows, and the error type for problems the user can fix.
 * Messages that belong to one rule live beside it (image-rules.js, validation.js,
 * stream.js). No DOM here: the Node tests import every module in core/.
 */

/** Shown by both the single generation and each card of a goods set. */
export const MSG = Object.freeze({
  timeout: "이미지 생성 시간이 초과되었습니다",
  cancelled: "생성을 취소했습니다",
  // No answer at all while the browser is online: most often the service is down or
  // restarting (behind nginx the proxy answers BACKEND_UNAVAILABLE itself), so this does not
  // blame the person's network; offline says that instead (unreachable()).
  network: "이미지 생성 서비스에 연결할 수 없습니다. 서비스가 잠시 멈췄거나 다시 시작하는 중일 수 있으니 잠시 후 다시 시도해 주세요.",
  offline: "인터넷에 연결되어 있지 않습니다. 연결을 확인한 뒤 다시 시도해 주세요.",
  working: "이미지를 만들고 있어요",
  slow: "예상보다 오래 걸리고 있어요. 조금만 더 기다려 주세요",
});

let onlineCheck = () => undefined;

/**
 * How to tell whether the browser is online (the page passes () => navigator.onLine; core/
 * itself never touches the browser).
 * @param {() => boolean | undefined} check
 */
export function setOnlineCheck(check) {
  onlineCheck = check;
}

/**
 * What to say when a request got no answer at all: offline when the browser knows it is,
 * else that the service cannot be reached.
 * @param {boolean | undefined} [online] default: the check set with setOnlineCheck()
 */
export function unreachable(online = onlineCheck()) {
  return online === false ? MSG.offline : MSG.network;
}

/** A problem the user can fix; its Korean message is shown as is. */
export class UserError extends Error {}

/**
 * The lines of an error notice: the message, then the request id when there is one
 * (what support asks for). Used by #error and by the goods set cards.
 * @param {string} message
 * @param {string} [requestId]
 * @returns {string[]}
 */
export function noticeLines(message, requestId = "") {
  return [message, requestId && `요청 ID: ${requestId}`].filter(Boolean);
}
