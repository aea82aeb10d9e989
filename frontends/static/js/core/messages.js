/*
 * Texts more than one module shows, and the error type for problems the user can fix.
 * Messages that belong to one rule live beside it (image-rules.js, validation.js,
 * stream.js). No DOM here: the Node tests import every module in core/.
 */

/** Shown by both the single generation and each card of a goods set. */
export const MSG = Object.freeze({
  timeout: "이미지 생성 시간이 초과되었습니다",
  cancelled: "생성을 취소했습니다",
  network: "서버에 연결하지 못했습니다. 네트워크 연결을 확인한 뒤 다시 시도해 주세요.",
  working: "이미지를 만들고 있어요",
  slow: "예상보다 오래 걸리고 있어요. 조금만 더 기다려 주세요",
});

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
