/*
 * The sticky action bar (.actions: [이미지 생성하기], [취소], #form-alert) must never cover
 * what has focus (WCAG 2.4.11). Its height, which changes (the price note, an alert, a
 * phone's narrow width), is kept in the CSS variable --actions-height: the page's
 * scroll-padding-bottom is sized from it (css/app.css), so the browser scrolls a control
 * focused by Tab clear of the bar. As a second line, a focused control still under the bar
 * (a browser that ignores scroll-padding for focus) is scrolled up by the overlap.
 */

/** The gap kept between a focused control and the bar, in px (the focus ring's room). */
export const CLEARANCE = 12;

/**
 * How far a box must scroll up to clear the bar: 0 when it does not overlap, or when it
 * could not fit above the bar anyway (<main>, focused by a click on its background).
 * @param {{ top: number, bottom: number, height: number }} box the focused element's
 * @param {{ top: number, bottom: number }} bar the bar's
 */
function overlap(box, bar) {
  if (box.bottom <= bar.top - CLEARANCE || box.top >= bar.bottom) return 0;
  if (box.height > bar.top - 2 * CLEARANCE) return 0;
  return box.bottom - (bar.top - CLEARANCE);
}

/**
 * Keep the bar's height in --actions-height and focused controls clear of it.
 * @param {HTMLElement | null} bar
 */
export function trackStickyBar(bar) {
  if (!bar) return;
  const root = document.documentElement;
  const update = () => root.style.setProperty("--actions-height", `${Math.ceil(bar.getBoundingClientRect().height)}px`);
  update();
  if (typeof ResizeObserver === "function") new ResizeObserver(update).observe(bar);
  document.addEventListener("focusin", (event) => {
    const target = event.target;
    if (!(target instanceof Element) || bar.contains(target) || target.closest("dialog")) return;
    // A visually hidden control (a goods card's radio, a zone's file input) shows through its holder.
    const shown = target.closest(".goods-card, .dropzone, .switch, .check") || target;
    requestAnimationFrame(() => {
      const by = overlap(shown.getBoundingClientRect(), bar.getBoundingClientRect());
      if (by > 0) window.scrollBy({ top: by, behavior: "instant" });
    });
  });
}
