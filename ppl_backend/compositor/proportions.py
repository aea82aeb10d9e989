"""The shot's proportions: every ratio the layout uses, named, in frozen dataclasses.

Lengths are shares of something the reader can see - the frame (W x H), the
figure's height, its head, the product - and each field says which.  Nothing
here is computed; the layout modules only read these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Mask = npt.NDArray[np.bool_]

SOLID_ALPHA = 128  # alpha above this is part of the subject

# --------------------------------------------------------------------------- the frame


@dataclass(frozen=True)
class ShareRule:
    """How much of the frame the product's bounding box covers (a share of W x H)."""

    low: float
    high: float
    aim: tuple[float, float]  # the seed aims within this range


PRODUCT_SHARE = ShareRule(low=0.08, high=0.20, aim=(0.10, 0.15))
BODY_COVER_LIMIT = 0.10  # largest share of the visible character the product may cover


@dataclass(frozen=True)
class StageGeometry:
    """The frame's proportions, as shares of the frame (W x H)."""

    floor: float = 0.9  # the floor line of a full shot
    headroom: float = 0.06  # above the head in closer framings
    margin: float = 0.03  # kept clear at the frame's edges
    group_jitter: float = 0.04  # the seed moves the character+product group sideways
    shrink: float = 0.92  # each try that does not fit scales the character by this
    tries: int = 14
    full_drop: float = 0.04  # a full figure stands this far below the centre (floor allowing)
    half_crop: float = 0.35  # a half figure may leave the frame by this share of its width


STAGE = StageGeometry()

# Closer framings cut the figure at this share of its height, and at least this many
# head heights below the chin (a chibi's big head moves them down); "full" shows it all.
# A cut that would fall below FULL_CUT of the figure's height is a full shot.
FRAMING_CUTS: Mapping[str, tuple[float, float]] = {
    "face": (0.0, 0.45),
    "bust": (0.3, 0.9),
    "waist": (0.5, 1.6),
    "knee": (0.72, 2.5),
}
FULL_CUT = 0.9

# --------------------------------------------------------------------------- the placements


@dataclass(frozen=True)
class Placement:
    """One placement's proportions.

    ``framings`` are the camera framings it may use, preferred first (the seed may
    swap the first two); ``size`` bounds the product's longest side in body lengths
    (the character's height, or three head heights for a half figure); ``surface``
    is what holds a standing product up (None: it is held).
    """

    framings: tuple[str, ...]
    size: tuple[float, float]
    tilt: float = 0.0  # largest seeded tilt, in degrees
    surface: str | None = None  # "table", "plinth" or "floor"


PLACEMENTS: Mapping[str, Placement] = {
    "show": Placement(("waist", "knee"), (0.22, 0.5), tilt=3.0),
    "worn": Placement(("bust", "waist"), (0.1, 1.0)),  # sized by WORN, not by share
    "closeup": Placement(("bust", "waist"), (0.25, 0.55), tilt=4.0),
    "hold": Placement(("knee", "full", "waist"), (0.2, 0.45), tilt=12.0),
    "use": Placement(("waist", "knee"), (0.2, 0.42), tilt=14.0),
    "table": Placement(("knee", "full"), (0.2, 0.55), surface="table"),
    "display": Placement(("full", "knee"), (0.2, 0.55), surface="plinth"),
    "floor": Placement(("full",), (0.22, 0.7), surface="floor"),
    "beside": Placement(("full",), (0.3, 0.75), surface="floor"),
}
MIN_TILT = 0.05  # degrees: a smaller seeded tilt leaves the product unrotated


@dataclass(frozen=True)
class Worn:
    """Where a worn item goes, in the head box (``hw`` x ``hh``) or the shoulders.

    ``width`` is the item's width in head widths (or in shoulder widths when
    ``on_body``); ``y`` is where its ``anchor`` edge ("top", "centre" or
    "bottom") sits, in head heights from the top of the head.
    """

    framings: tuple[str, ...]
    width: float
    y: float
    anchor: str
    on_body: bool = False
    tilt: float = 0.0


WORN: Mapping[str, Worn] = {
    "hat": Worn(("bust", "waist"), 1.22, 0.36, "bottom", tilt=5.0),
    "eyewear": Worn(("face", "bust"), 0.9, 0.58, "centre", tilt=2.0),
    "scarf": Worn(("bust", "waist"), 0.78, 0.9, "top", on_body=True),
    "top": Worn(("waist", "knee"), 1.02, 0.97, "top", on_body=True),
    "bag": Worn(("knee", "full"), 0.55, 2.2, "top", on_body=True, tilt=4.0),
}
HEAD_ASPECT = 0.85  # a head is at most this wide for its height (hair spreading aside)


@dataclass(frozen=True)
class WornFit:
    """How a worn item meets the body, beyond :data:`WORN`'s per-item numbers."""

    size_spread: float = 0.06  # the seed grows or shrinks the item by up to this share
    shoulder_row: float = 0.35  # the shoulders, in head heights below the chin
    no_shoulders: float = 2.0  # shoulder width when that row is empty, in head-box widths
    bag_row: float = 0.3  # a bag meets the body's edge this far down it, in its heights
    bag_reach: float = 0.15  # and hangs this far outside the edge, in its widths
    lift: float = 0.03  # the seed's sideways nudge on the head, in head-box widths


WORN_FIT = WornFit()


@dataclass(frozen=True)
class ItemShapes:
    """A worn product's item guessed from its width-to-height aspect (none named)."""

    eyewear: float = 2.2  # at least this wide: glasses
    hat: float = 1.15  # at least this wide: a hat
    top: float = 0.75  # at least this wide: clothes; narrower: a bag


ITEM_SHAPES = ItemShapes()

# --------------------------------------------------------------------------- the figure


@dataclass(frozen=True)
class FigureGeometry:
    """A standing figure's landmarks, as shares of its height or its head."""

    arm_band: tuple[float, float] = (0.35, 0.72)  # rows where hanging arms end
    arm_search: float = 0.5  # hands are looked for below this share of the band's start
    hand_height: float = 0.56  # assumed when nothing reaches out
    hand_reach: float = 0.01  # rows reaching this close (in widths) to the furthest count
    hand_row: float = 85.0  # percentile of those rows the hand is at (near the bottom)
    body_heads: float = 3.0  # a half figure's body length, in head heights (at least)
    neck_narrowing: float = 0.82  # the neck is this much narrower than the head above it
    shoulder_widening: float = 1.6  # the shoulders are this much wider than the rows above
    shoulder_search: float = 0.7  # the shoulders lie in this top share of the figure
    shoulder_skip: float = 0.04  # rows this near the top (in heights) are never shoulders
    head_fallback: float = 0.2  # head height when no neck is found, in figure heights
    head_rows: int = 4  # a head is at least this many rows tall
    face_pad: float = 0.06  # the face keep-out grows by this share of the head
    cut_off: float = 0.25  # a body filling this share of the bottom row runs off the picture


FIGURE = FigureGeometry()


@dataclass(frozen=True)
class CardGeometry:
    """A character on a busy background, shown as a photo card."""

    border: float = 0.035  # white border, in the card's short side
    min_border: int = 2  # pixels
    radius: float = 0.03
    paper: tuple[int, int, int] = (250, 249, 246)  # the border's off-white
    height: float = 0.8  # tallest the card stands, in H
    face: Box = (0.18, 0.0, 0.82, 0.62)  # kept clear, in the picture's width and height
    overlap: float = 0.35  # the product covers the card's edge by this share of its width
    held_height: float = 0.62  # a held product's centre, down the card
    shown_height: float = 0.45  # a shown product's hand, down the card
    size: tuple[float, float] = (0.25, 0.75)  # the product's longest side, in card heights
    stand: float = 0.03  # a standing product's base below the card, in card heights


CARD = CardGeometry()

# --------------------------------------------------------------------------- the product


@dataclass(frozen=True)
class SizeLimits:
    """What holds a product's size to a believable one, after its share of the frame.

    ``largest``: the share of the placement's largest size used is the first
    number plus the second times the seed's size draw.
    """

    largest: tuple[float, float] = (0.92, 0.08)
    share_margin: float = 0.95  # stay this share of PRODUCT_SHARE.high at most
    frame: tuple[float, float] = (0.72, 0.8)  # at most this share of W and of H
    above_surface: float = 0.95  # at most this share of the room above its surface


SIZE = SizeLimits()


@dataclass(frozen=True)
class HeldGeometry:
    """Where a held product goes: at the hand, beside the head or at the body's edge.

    Shares of the product's own size unless the comment names another length.
    """

    head_gap: float = 0.05  # show / close-up: beside the head, this many head widths out
    show_rise: float = 0.45  # show: this share of the product rises above the chin
    closeup_rise: float = 0.3  # close-up: the same, held a little lower
    use_row: float = 0.9  # use: at the body's edge this many head heights below the chin
    use_reach: float = 0.1  # use: this share of its width past that edge
    overhang: float = 0.25  # held: this share of its width past the hand
    grip: float = 0.6  # held: the hand this far down the product
    lift: float = 0.08  # the seed's up/down: product heights (body lengths when held)


HELD = HeldGeometry()


@dataclass(frozen=True)
class StandingGeometry:
    """Where a standing product stands: the surface's height and the gap to the figure.

    ``gap``: the gap from the silhouette, in body lengths, is the first number
    plus the second times the seed's gap draw.  ``table`` and ``plinth``: the
    top is this many head heights below the chin, but at most this share of the
    figure's height down it.  ``plinth_span``: the pedestal's left and right
    edges, in product widths from the product's left edge.
    """

    sink: float = 0.99  # its top stands this many of its heights above the surface (no gap)
    gap: tuple[float, float] = (0.05, 0.04)
    floor_overlap: float = 0.2  # "floor": in front of the figure by this share of its width
    floor_drop: float = 0.03  # "floor": below the feet line, in body lengths
    table: tuple[float, float] = (2.9, 0.56)
    plinth: tuple[float, float] = (2.4, 0.5)  # a pedestal a little higher than the hands
    plinth_span: tuple[float, float] = (-0.12, 1.12)


STANDING = StandingGeometry()


@dataclass(frozen=True)
class Clearance:
    """How a product is moved off the body and the face."""

    cover: float = 0.9  # move until it covers this share of BODY_COVER_LIMIT at most
    step: float = 0.04  # each move, in product widths (at least one grid cell)
    steps: int = 80  # at most this many moves


CLEARANCE = Clearance()
