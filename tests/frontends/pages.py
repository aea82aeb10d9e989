"""What the browser tests of a newcomer's first day share: pages, viewports, pictures, focus
checks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

TIMEOUT_MS = 30_000
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def new_page(browser: Any, viewport: dict[str, int] = DESKTOP, **options: Any) -> Any:
    """A fresh context and page; ``page.problems`` collects page errors and console errors."""
    context = browser.new_context(
        viewport=viewport, accept_downloads=True, locale="ko-KR", **options
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda exc: page.problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: page.problems.append(f"console: {msg.text}") if msg.type == "error" else None,
    )
    return page


def visible_image(page: Any, selector: str, timeout: int = TIMEOUT_MS) -> None:
    page.wait_for_function(
        """sel => { const i = document.querySelector(sel);
          return i && i.complete && i.naturalWidth > 0 && i.offsetParent !== null }""",
        arg=selector,
        timeout=timeout,
    )


def open_page(page: Any, base: str, slug: str) -> None:
    """The page, once its module has run (the goods cards and the sticky bar are measured)."""
    page.goto(f"{base}/{slug}/")
    page.wait_for_function(
        "() => document.documentElement.style.getPropertyValue('--actions-height') !== ''"
    )


def image_file(
    folder: Path,
    name: str,
    fmt: str,
    size: tuple[int, int] = (480, 640),
    colour: tuple[int, ...] = (220, 60, 60),
    **save: Any,
) -> Path:
    """A figure (an ellipse) on a light sheet, saved as ``fmt`` (PNG, JPEG, WEBP, GIF ...)."""
    mode = "RGBA" if len(colour) == 4 else "RGB"
    image = Image.new(mode, size, (245, 245, 240, 0) if mode == "RGBA" else (245, 245, 240))
    w, h = size
    ImageDraw.Draw(image).ellipse((w * 0.2, h * 0.1, w * 0.8, h * 0.9), fill=colour)
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    path = folder / name
    path.write_bytes(out.getvalue())
    return path


def noisy_png(folder: Path, name: str, side: int = 700) -> Path:
    """A picture that stays large after the page re-encodes it (noise does not compress)."""
    import numpy as np

    pixels = np.random.default_rng(3).integers(0, 256, (side, side, 3), dtype=np.uint8)
    path = folder / name
    Image.fromarray(pixels).save(path, format="PNG")
    return path


# The focused element, as a person sees it: its box (a visually hidden control is seen through
# the label that holds it), the sticky bar's box, and whether the bar hides any of it. Measured
# after two frames, when the browser has scrolled the focus into view and painted.
FOCUS_STATE = """
async () => {
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  let shown = el;
  let box = el.getBoundingClientRect();
  if (box.width <= 2 || box.height <= 2) {
    shown = el.closest("label") || el;
    box = shown.getBoundingClientRect();
  }
  const bar = document.querySelector("#actions");
  const barBox = bar.getBoundingClientRect();
  const inBar = bar.contains(el);
  const overlaps = !inBar && box.bottom > barBox.top + 0.5 && box.top < barBox.bottom - 0.5 &&
    box.right > barBox.left + 0.5 && box.left < barBox.right - 0.5;
  const label = (el.id ? `#${el.id}` : el.tagName.toLowerCase()) +
    (el.className && typeof el.className === "string" ? `.${el.className.split(" ")[0]}` : "") +
    (el.getAttribute("value") ? `[value=${el.getAttribute("value")}]` : "") +
    ` "${(el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 30)}"`;
  return {
    label,
    id: el.id,
    className: typeof el.className === "string" ? el.className : "",
    inBar,
    overlaps,
    top: box.top, bottom: box.bottom, height: box.height,
    barTop: barBox.top,
    viewport: window.innerHeight,
    visible: box.width > 0 && box.height > 0 && box.top >= -0.5 &&
      box.bottom <= window.innerHeight + 0.5,
  };
}
"""


def focus_state(page: Any) -> dict[str, Any] | None:
    state: dict[str, Any] | None = page.evaluate(FOCUS_STATE)
    return state


def active_id(page: Any) -> str:
    return str(page.evaluate("() => document.activeElement ? document.activeElement.id : ''"))


# Every text ever put into an element (each textContent write adds a new text node).
RECORD_TEXTS = """
sel => {
  window.__texts = [];
  const target = document.querySelector(sel);
  new MutationObserver((records) => {
    for (const r of records) {
      for (const n of r.addedNodes) if (n.nodeType === 3) window.__texts.push(n.data);
    }
  }).observe(target, { childList: true });
}
"""


def recorded_texts(page: Any) -> list[str]:
    texts: list[str] = page.evaluate("() => window.__texts")
    return [t for i, t in enumerate(texts) if i == 0 or texts[i - 1] != t]


def in_viewport(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return bool(
        box
        and box["height"] > 0
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"]
    )


def throttle_upload(page: Any, bytes_per_second: float) -> Any:
    """Chromium's own network throttling, on uploads only (CDP), for this page."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_second,
        },
    )
    return cdp
