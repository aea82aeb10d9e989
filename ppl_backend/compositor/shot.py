"""A shot's fixed inputs (the subjects and what the seed drew) and one candidate layout."""

from __future__ import annotations

import random
from dataclasses import dataclass

from PIL import Image

from ppl_backend.compositor.figure import Figure
from ppl_backend.compositor.proportions import PRODUCT_SHARE, Placement, Worn


@dataclass(frozen=True)
class Draws:
    """Everything the seed decides, drawn once in a fixed order (each in -1..1 unless named)."""

    aim: float  # the product's share of the frame
    swap: bool  # use the placement's second framing first
    tilt: float
    lift: float  # up or down along the body
    shift: float  # the group sideways in the frame
    size: float  # a worn item's size, and how close a product gets to its largest size
    gap: float  # how far a standing product stands from the character

    @classmethod
    def from_rng(cls, rng: random.Random, variant: int) -> Draws:
        """``variant`` (0 or 1) picks the framing, the smaller or larger half of the share
        range and which way the group shifts, so neighbouring seeds never look alike; the
        rest is drawn."""
        low, high = PRODUCT_SHARE.aim
        middle = (low + high) / 2
        aim = rng.uniform(middle, high) if variant else rng.uniform(low, middle)
        tilt, lift, shift, size, gap = (rng.uniform(-1.0, 1.0) for _ in range(5))
        shift = abs(shift) if variant else -abs(shift)
        return cls(aim, bool(variant), tilt, lift, shift, size, gap)


@dataclass(frozen=True)
class Shot:
    """The fixed inputs of the layout search: the frame, the subjects and the seed's draws."""

    width: int
    height: int
    figure: Figure
    product: Image.Image
    name: str  # the placement's name
    placement: Placement
    worn: Worn | None
    side: int  # 1: the product goes on the right (as seen), -1: on the left
    draws: Draws


@dataclass(frozen=True)
class Surface:
    """What a standing product stands on, in frame pixels: ``kind`` and its front face."""

    kind: str  # "table", "plinth" or "floor"
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class Plan:
    """One candidate layout in frame pixels."""

    framing: str
    scale: float
    figure_xy: tuple[float, float]
    floor_y: float
    product_xy: tuple[float, float]
    product_size: tuple[int, int]
    surface: Surface | None
    fits: bool
    share: float
    cover: float
