"""Preflight: what a print shop would check, as warnings with stable codes and Korean text.

A warning's ``code`` never changes (the page and scripts key on it); its
``message`` tells the person what it means and what to do. Refusals (under
150 ppi unless accepted, a background that cannot be removed) are errors of
the error table instead, raised here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from shapely.geometry import Polygon

from goods_backend.print_file.options import PrintKind
from webtoon_core.cutout import CutoutReport
from webtoon_core.errors import PrintBackgroundNotRemovable, PrintResolutionTooLow

MIN_PPI = 150.0
RECOMMENDED_PPI = 300.0
# A part of the cut shape must stay 2 mm wide even when the cutter drifts 0.5 mm inward
# on both sides: narrower than 3 mm as drawn is flagged.
MIN_WIDTH_MM = 2.0
CUT_DRIFT_MM = 0.5
NECK_LIMIT_MM = MIN_WIDTH_MM + 2 * CUT_DRIFT_MM
# Semi-transparent pixels (not counting the anti-aliased rim) above this share of the art
# are worth a word: on clear acrylic they print see-through.
PARTIAL_SHARE = 0.005
MAX_PLACES = 5


@dataclass(frozen=True)
class PrintWarning:
    """One preflight finding: a stable code, a Korean message, and details for machines."""

    code: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.detail}


def check_resolution(
    ppi: float, height_mm: float, silhouette_px: int, kind: PrintKind, *, accept_low: bool
) -> list[PrintWarning]:
    """Warn under 300 ppi; refuse under 150 (``PrintResolutionTooLow``) unless accepted.

    The messages say what would work: the largest height this art reaches 300 ppi at
    (when the kind can be that small), and the pixels the asked height needs.
    """
    at_best = silhouette_px / RECOMMENDED_PPI * 25.4  # the height that reaches 300 ppi
    at_least = silhouette_px / MIN_PPI * 25.4
    needed = round(height_mm / 25.4 * RECOMMENDED_PPI)
    more_pixels = f"캐릭터 부분의 세로가 {needed} px 이상인 이미지를 올려 주세요"
    if at_best >= kind.min_height_mm:
        advice = (
            f"높이를 {at_best:.0f} mm 이하로 줄이거나, "
            f"높이 {height_mm:g} mm 그대로라면 {more_pixels}"
        )
    else:
        advice = f"높이 {height_mm:g} mm로 만들려면 {more_pixels}"
    if ppi < MIN_PPI and not accept_low:
        min_mm = kind.min_height_mm
        smallest = (
            f"150ppi가 되는 높이는 {at_least:.0f} mm입니다"
            if at_least >= min_mm
            else f"이 이미지는 가장 작은 크기({min_mm:g} mm)에서도 150ppi가 되지 않습니다"
        )
        raise PrintResolutionTooLow(
            f"이미지 해상도가 {ppi:.0f}ppi로 인쇄하기에 너무 낮습니다 (최소 150ppi, 권장 300ppi). "
            f"{advice}. {smallest}. 그래도 만들려면 accept_low_resolution을 켜 주세요."
        )
    detail = {"ppi": round(ppi, 1), "max_height_mm_at_300ppi": round(at_best, 1)}
    if ppi < MIN_PPI:
        message = (
            f"해상도가 {ppi:.0f}ppi로 매우 낮습니다 (150ppi 미만, 요청에 따라 만들었습니다). "
            f"{advice}."
        )
        return [PrintWarning("VERY_LOW_RESOLUTION", message, detail)]
    if ppi < RECOMMENDED_PPI:
        message = (
            f"해상도가 {ppi:.0f}ppi로 권장(300ppi)보다 낮아 흐리게 인쇄될 수 있습니다. {advice}."
        )
        return [PrintWarning("LOW_RESOLUTION", message, detail)]
    return []


def check_background(report: CutoutReport) -> list[PrintWarning]:
    """Refuse art whose background could not be removed; say how it was removed otherwise."""
    if report.method == "kept":
        if report.border_plain:  # plain, but the flood went through the subject too
            reason = "배경과 그림의 색이 너무 비슷해 배경만 골라 지울 수 없습니다"
        else:
            share = f"{(report.plain_share or 0) * 100:.0f}%"
            reason = (
                "이미지에 투명한 부분이 없고, 테두리가 한 가지 색의 배경이 아닙니다 "
                f"(테두리 중 같은 색 {share})"
            )
        raise PrintBackgroundNotRemovable(
            f"배경을 지울 수 없습니다: {reason}. 칼선은 캐릭터의 윤곽을 따라야 하므로 "
            "배경이 투명한 PNG로 올려 주세요."
        )
    if report.method != "flood":
        return []
    colour = report.as_json()["background"]
    plain = (report.plain_share or 0) * 100
    message = (
        f"배경({colour})을 테두리에서부터 지웠습니다. 테두리의 {plain:.0f}%가 같은 색이라 "
        f"믿을 만한 배경으로 보았습니다 (색 차이 {report.threshold:.0f} 이내). "
        "캐릭터 안쪽의 흰색은 그대로 두었습니다. 미리보기에서 가장자리를 확인하고, "
        "가능하면 배경이 투명한 PNG를 써 주세요."
    )
    return [PrintWarning("BACKGROUND_REMOVED", message, {"background": report.as_json()})]


def check_transparency(
    alpha: npt.NDArray[np.uint8], rim: npt.NDArray[np.bool_], *, white: bool, threshold: int
) -> tuple[list[PrintWarning], dict[str, Any]]:
    """Semi-transparent pixels inside the art (``rim``: the anti-aliased edge, not counted)."""
    visible = int(np.count_nonzero(alpha))
    partial = (alpha > 0) & (alpha < 255) & ~rim
    count = int(np.count_nonzero(partial))
    share = count / max(1, visible)
    stats = {"partial_pixels": count, "partial_share": round(share, 4)}
    if not white or share <= PARTIAL_SHARE:
        return [], stats
    message = (
        f"반투명한 픽셀이 그림의 {share * 100:.1f}%({count}개) 있습니다. 화이트는 불투명도 "
        f"{threshold / 255 * 100:.0f}% 이상인 곳에만 넣었으므로, 그보다 옅은 부분은 투명 "
        "아크릴에서 비쳐 보입니다. 의도와 다르면 그림의 반투명 부분을 불투명하게 바꿔 주세요."
    )
    return [PrintWarning("PARTIAL_TRANSPARENCY", message, stats)], stats


def check_shape(
    piece: Polygon, narrow: list[Polygon], islands: int, filled: int, min_hole_mm: float
) -> list[PrintWarning]:
    """Narrow necks (where), islands joined, holes filled and inner cuts kept."""
    found: list[PrintWarning] = []
    if narrow:
        places = [_place(part, piece) for part in narrow[:MAX_PLACES]]
        words = ", ".join(f"{p['side']} (x {p['x_mm']} mm, y {p['y_mm']} mm)" for p in places)
        message = (
            f"칼선 안쪽 폭이 {NECK_LIMIT_MM:g} mm보다 좁은 곳이 {len(narrow)}곳 있습니다: {words}. "
            f"칼의 오차(±{CUT_DRIFT_MM:g} mm)를 빼면 {MIN_WIDTH_MM:g} mm보다 가늘어져 부러지거나 "
            "찢어질 수 있습니다. 칼선 여백(cut_offset_mm)을 늘리거나 그 부분을 두껍게 그려 주세요."
        )
        found.append(PrintWarning("NARROW_PARTS", message, {"places": places}))
    if islands:
        message = (
            f"떨어져 있는 부분 {islands}곳을 본체에 이어 칼선 하나로 만들었습니다. 이어 붙인 "
            "자리를 미리보기에서 확인해 주세요."
        )
        found.append(PrintWarning("ISLANDS_MERGED", message, {"count": islands}))
    if filled:
        message = (
            f"칼선 안쪽의 작은 구멍 {filled}곳(지름 {min_hole_mm:g} mm 미만)은 "
            "자르지 않고 메웠습니다."
        )
        found.append(PrintWarning("HOLES_FILLED", message, {"count": filled}))
    return found


def check_inner_cuts(count: int) -> list[PrintWarning]:
    if not count:
        return []
    message = (
        f"칼선 안쪽에 따로 잘라 내는 구멍이 {count}곳 있습니다 (안쪽 칼선). "
        "미리보기에서 확인해 주세요."
    )
    return [PrintWarning("INNER_CUTS", message, {"count": count})]


def check_white_choice(kind: PrintKind, white: bool) -> list[PrintWarning]:
    if white or not kind.white:
        return []
    message = (
        "화이트 레이어 없이 만들었습니다. 투명 아크릴에 화이트 없이 인쇄하면 그림이 비쳐 "
        "보입니다. 의도한 것이 아니면 white_layer를 켜 주세요."
    )
    return [PrintWarning("WHITE_LAYER_OFF", message)]


def _place(part: Polygon, piece: Polygon) -> dict[str, Any]:
    """Where a part lies: page mm of its centre, and a word ("왼쪽 위") for people."""
    point = part.representative_point()
    left, top, right, bottom = piece.bounds
    u = (point.x - left) / max(right - left, 1e-9)
    v = (point.y - top) / max(bottom - top, 1e-9)
    across = "왼쪽" if u < 1 / 3 else "오른쪽" if u > 2 / 3 else ""
    down = "위" if v < 1 / 3 else "아래" if v > 2 / 3 else ""
    side = " ".join(w for w in (across, down) if w) or "가운데"
    return {"side": side, "x_mm": round(point.x, 1), "y_mm": round(point.y, 1)}
