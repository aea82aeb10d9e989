"""The cut shape a factory accepts, checked on the files themselves (SVG paths, PDF's alpha).

Every art here is drawn on the spot. The checks are the reference's rules:
one closed outline per piece, every visible pixel at least the offset inside
the cut line (less 0.1 mm), no self-intersection, the keyring hole in its tab
with 1.5 mm of material, narrow necks reported with where they are.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import LinearRing, Polygon

from goods_backend.print_file.package import CUT_ALPHA_MIN
from tests.goods.print_file_arts import (
    PAPER,
    antenna,
    blob,
    character,
    detached_hand,
    drawn,
    jpeg,
    package,
    png,
    ring,
    unpack,
)

TOLERANCE_MM = 0.1


def piece_polygon(rings: list[np.ndarray]) -> Polygon:
    return Polygon(rings[0], rings[1:])


def visible_pixels_mm(
    alpha: np.ndarray, box: tuple[float, float, float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Page-mm centres of the visible pixels on the silhouette's edge, and of all of them.

    The nearest cut line to any visible pixel is nearest to one on the edge (the line
    lies outside the art): distances are measured from the edge pixels only.
    """
    x, y, w, h = box
    visible = alpha >= CUT_ALPHA_MIN
    padded = np.pad(visible, 1)
    inner = padded[:-2, 1:-1] & padded[2:, 1:-1] & padded[1:-1, :-2] & padded[1:-1, 2:]
    edge = visible & ~inner
    scale = np.array([w / alpha.shape[1], h / alpha.shape[0]])

    def centres(mask: np.ndarray) -> np.ndarray:
        rows, cols = np.nonzero(mask)
        return (np.stack([cols, rows], axis=1) + 0.5) * scale + np.array([x, y])

    return centres(edge), centres(visible)


def assert_cut_is_clear_of_the_art(files, offset: float) -> None:
    alpha, box = files.placed_alpha()
    edge, everything = visible_pixels_mm(alpha, box)
    pieces = [piece_polygon(rings) for rings in files.pieces().values()]
    holding = [p for p in pieces if p.contains(shapely.points(edge[:1]))[()]]
    assert len(holding) == 1, "the art lies on exactly one piece"
    piece = holding[0]
    sample = everything[:: max(1, len(everything) // 20000)]
    assert shapely.contains(piece, shapely.points(sample)).all(), (
        "every visible pixel is on the piece"
    )
    distances = shapely.distance(piece.boundary, shapely.points(edge))
    assert distances.min() >= offset - TOLERANCE_MM, distances.min()
    # No cut ring passes through the art's inside either (an inner cut on the art).
    x, y, w, h = box
    for ring_mm in [piece.exterior, *piece.interiors]:
        coords = np.asarray(ring_mm.coords)
        cols = ((coords[:, 0] - x) / w * alpha.shape[1]).astype(int)
        rows = ((coords[:, 1] - y) / h * alpha.shape[0]).astype(int)
        inside = (cols >= 0) & (cols < alpha.shape[1]) & (rows >= 0) & (rows < alpha.shape[0])
        assert (alpha[rows[inside], cols[inside]] < CUT_ALPHA_MIN).all()


def assert_clean_outlines(files) -> None:
    for name, rings in files.pieces().items():
        polygon = piece_polygon(rings)
        assert polygon.is_valid, name
        for ring_coords in rings:
            closed = LinearRing(ring_coords)
            assert closed.is_simple, f"{name}: a ring crosses itself"
        # One outline per piece: exactly one exterior; the rest lie inside it.
        outer = Polygon(rings[0])
        assert all(outer.contains(Polygon(inner)) for inner in rings[1:]), name


ARTS = {
    "blob": lambda: png(drawn(blob)),
    "detached_hand": lambda: png(drawn(detached_hand)),
    "antenna": lambda: png(drawn(antenna)),
    "ring": lambda: png(drawn(ring)),
    "plain_jpeg": lambda: jpeg(drawn(character, background=PAPER)),
}


@pytest.mark.parametrize("kind", ["acrylic_keyring", "acrylic_stand", "sticker"])
@pytest.mark.parametrize("art", list(ARTS))
def test_one_clean_outline_per_piece_clear_of_the_art(art: str, kind: str):
    files = unpack(
        package(ARTS[art](), goods_type=kind, height_mm=40 if kind == "acrylic_stand" else 30).data
    )
    offset = files.spec["cut"]["offset_mm"]
    pieces = files.pieces()
    assert (
        set(pieces)
        == {
            "acrylic_keyring": {"keyring"},
            "acrylic_stand": {"figure", "base"},
            "sticker": {"sticker"},
        }[kind]
    )
    assert_clean_outlines(files)
    assert_cut_is_clear_of_the_art(files, offset)


@pytest.mark.parametrize("offset", [1.0, 2.5, 5.0])
def test_the_offset_is_what_was_asked(offset: float):
    files = unpack(
        package(png(drawn(blob)), goods_type="sticker", cut_offset_mm=offset, height_mm=30).data
    )
    alpha, box = files.placed_alpha()
    edge, _ = visible_pixels_mm(alpha, box)
    piece = piece_polygon(files.pieces()["sticker"])
    distances = shapely.distance(piece.boundary, shapely.points(edge))
    # Not only far enough: no further than the offset plus a grid cell and the smoothing.
    assert offset - TOLERANCE_MM <= distances.min() <= offset + 0.2


def test_a_detached_hand_joins_the_one_outline_and_is_reported():
    result = package(png(drawn(detached_hand)), goods_type="acrylic_keyring", height_mm=40)
    files = unpack(result.data)
    assert len(files.pieces()["keyring"]) == 2  # the outline and the keyring's hole: one piece
    codes = {w.code: w for w in result.warnings}
    assert codes["ISLANDS_MERGED"].detail["count"] == 1
    assert "본체에 이어" in codes["ISLANDS_MERGED"].message


def test_a_ring_keeps_its_hole_as_an_inner_cut_and_small_holes_are_filled():
    files = unpack(package(png(drawn(ring)), goods_type="sticker", height_mm=40).data)
    rings = files.pieces()["sticker"]
    assert len(rings) == 2  # outline + the donut's hole
    hole = Polygon(rings[1])
    assert 8 < hole.area**0.5 < 16  # 40 % of 40 mm across, less twice the 3 mm offset
    codes = {w["code"] for w in files.spec["warnings"]}
    assert "INNER_CUTS" in codes

    def small_hole(d, s):  # a hole too small for a cutter once the offset closes it
        d.ellipse((s * 0.1, s * 0.1, s * 0.9, s * 0.9), fill=(40, 90, 200))
        d.ellipse((s * 0.47, s * 0.47, s * 0.53, s * 0.53), fill=(0, 0, 0, 0))

    files = unpack(package(png(drawn(small_hole)), goods_type="sticker", height_mm=40).data)
    assert len(files.pieces()["sticker"]) == 1


def test_the_keyring_hole_sits_in_its_tab_with_material_all_round():
    result = package(png(drawn(character)), goods_type="acrylic_keyring", height_mm=50, hole_mm=3)
    files = unpack(result.data)
    rings = files.pieces()["keyring"]
    piece = piece_polygon(rings)
    holes = [Polygon(r) for r in rings[1:]]
    keyring = files.spec["keyring"]
    centre = shapely.Point(keyring["centre_mm"])
    hole = next(h for h in holes if h.contains(centre))
    assert hole.area == pytest.approx(np.pi * 1.5**2, rel=0.02)  # 3 mm across
    margin = hole.buffer(1.5).difference(hole)
    assert piece.buffer(1e-6).contains(margin), "1.5 mm of acrylic all round the hole"
    # On top, above the art's centre, and clear of the art by the offset like any cut.
    alpha, box = files.placed_alpha()
    assert centre.y < box[1]
    assert abs(centre.x - (box[0] + box[2] / 2)) < box[2] * 0.15
    assert_cut_is_clear_of_the_art(files, files.spec["cut"]["offset_mm"])


def test_the_stand_tab_fits_the_base_slot():
    files = unpack(package(png(drawn(character)), goods_type="acrylic_stand", height_mm=80).data)
    stand = files.spec["stand"]
    tab_width, tab_length = stand["tab_mm"]
    slot_width, slot_depth = stand["slot_mm"]
    assert tab_width <= slot_width <= tab_width + 0.5
    assert stand["sheet_mm"] <= slot_depth <= stand["sheet_mm"] + 0.3
    assert tab_length == stand["sheet_mm"]  # the tab goes through the base sheet
    pieces = files.pieces()
    figure, base = piece_polygon(pieces["figure"]), piece_polygon(pieces["base"])
    slot = Polygon(pieces["base"][1])
    assert slot.bounds[2] - slot.bounds[0] == pytest.approx(slot_width, abs=0.02)
    assert not figure.intersects(base), "pieces are laid out apart"
    # The tab is the lowest part of the figure, as wide as the spec says.
    bottom = figure.bounds[3]
    tab = figure.intersection(shapely.box(-1e3, bottom - tab_length + 0.6, 1e3, bottom))
    assert tab.bounds[2] - tab.bounds[0] == pytest.approx(tab_width, abs=0.05)


def test_narrow_necks_are_reported_with_where_they_are():
    art = png(drawn(antenna))
    thin = package(art, goods_type="acrylic_keyring", height_mm=40, cut_offset_mm=1)
    found = {w.code: w for w in thin.warnings}
    assert "NARROW_PARTS" in found, [w.code for w in thin.warnings]
    places = found["NARROW_PARTS"].detail["places"]
    assert places[0]["side"] == "위"  # the antenna sticks up
    files = unpack(thin.data)
    x, y, w, h = files.spec["art"]["placed_mm"]
    assert y <= places[0]["y_mm"] <= y + 0.4 * h  # mm on the page, where the antenna is
    assert "x " in found["NARROW_PARTS"].message and "mm" in found["NARROW_PARTS"].message
    # The same antenna with 2 mm each side is 4 mm wide: nothing to report.
    thick = package(art, goods_type="acrylic_keyring", height_mm=40, cut_offset_mm=2)
    assert "NARROW_PARTS" not in {w.code for w in thick.warnings}
