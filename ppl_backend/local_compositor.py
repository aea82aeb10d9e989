"""Local PPL engine: an offline, deterministic product-shot compositor.

The real PPL engine is an AI model.  This module is the local stand-in and the
preview every newcomer sees: it lifts the character and the product off their
backgrounds (:func:`webtoon_core.cutout.remove_background`, the one background
removal the goods renderer and the print files use too), frames the character
like a photographer would for the placement the prompt asks for, and places
the product where that placement puts it, with contact shadows and a light
colour match so the result reads as one photographed scene.

The numbers a shot keeps (checked by ``tests/ppl/test_ppl_shots.py``):

* :data:`PRODUCT_SHARE`: the product's bounding box covers 8-20 % of the frame
  (the seed aims at 10-15 %).  The camera frames the character closer (knee-,
  waist-up or bust shots) until the product reaches that share without growing
  past a believable size for the body (:attr:`Placement.size`).  A worn item is
  sized by the body part it is worn on instead.
* :data:`BODY_COVER_LIMIT`: the product covers at most 10 % of the character's
  visible silhouette (worn items excepted: clothes cover the body on purpose).
* the face is never covered: the head is found from the silhouette's neck and
  kept clear (a hat sits above the hairline; glasses sit on the eyes on purpose).
* a character that cannot be cut out (a busy or photo background) is shown on
  purpose as a card with a white border and a shadow, the product against it.

Placements and the prompt words that reach them (:data:`PLACEMENT_WORDS`;
English or Korean, first in this order wins; a negated word - "don't hold it",
"들지 않고" - never counts): show to camera, worn, close-up, hold, use, table,
display, floor, beside.  With none named, a fashion item (hat, glasses, scarf,
clothes) is worn and anything else is held; "left"/"right" choose the side.
The seed picks the unspecified side, the framing among the placement's two,
the size within the share range, the tilt and the product's height: two seeds
give visibly different pictures.

Contract: same inputs + seed -> identical pixels; no network, no global random
state; pure Pillow + numpy, synchronous (the service runs it in a thread pool),
about 0.05-0.1 s for a 1024-px frame on one core.
"""

from __future__ import annotations

import math
import random
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageOps

from webtoon_core.compositing import (
    canvas_size,
    rotate_rgba,
    scale_rgba,
    soft_shadow,
    subject_bbox,
)
from webtoon_core.cutout import Cutout, remove_background
from webtoon_core.images import has_real_transparency

Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Mask = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------- the numbers


@dataclass(frozen=True)
class ShareRule:
    """How much of the frame the product's bounding box covers (a share of W x H)."""

    low: float
    high: float
    aim: tuple[float, float]  # the seed aims within this range


PRODUCT_SHARE = ShareRule(low=0.08, high=0.20, aim=(0.10, 0.15))
BODY_COVER_LIMIT = 0.10  # largest share of the visible character the product may cover


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
class StageGeometry:
    """The frame's proportions, as shares of the frame (W x H)."""

    floor: float = 0.9  # the floor line of a full shot
    headroom: float = 0.06  # above the head in closer framings
    margin: float = 0.03  # kept clear at the frame's edges
    group_jitter: float = 0.04  # the seed moves the character+product group sideways
    shrink: float = 0.92  # each try that does not fit scales the character by this
    tries: int = 14


@dataclass(frozen=True)
class FigureGeometry:
    """A standing figure's landmarks, as shares of its height or its head."""

    arm_band: tuple[float, float] = (0.35, 0.72)  # rows where hanging arms end
    hand_height: float = 0.56  # assumed when nothing reaches out
    body_heads: float = 3.0  # a half figure's body length, in head heights (at least)
    neck_narrowing: float = 0.82  # the neck is this much narrower than the head above it
    shoulder_widening: float = 1.6  # the shoulders are this much wider than the rows above
    head_fallback: float = 0.2  # head height when no neck is found, in figure heights
    face_pad: float = 0.06  # the face keep-out grows by this share of the head


@dataclass(frozen=True)
class CardGeometry:
    """A character on a busy background, shown as a photo card."""

    border: float = 0.035  # white border, in the card's short side
    radius: float = 0.03
    height: float = 0.8  # tallest the card stands, in H
    face: Box = (0.18, 0.0, 0.82, 0.62)  # kept clear, in the picture's width and height
    overlap: float = 0.35  # the product covers the card's edge by this share of its width
    held_height: float = 0.62  # a held product's centre, down the card
    size: tuple[float, float] = (0.25, 0.75)  # the product's longest side, in card heights


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

STAGE = StageGeometry()
FIGURE = FigureGeometry()
CARD = CardGeometry()


@dataclass(frozen=True)
class CastShadow:
    """A soft drop shadow, as if lit from the upper left (offset in the cut-out's size)."""

    offset: tuple[float, float]
    blur: float
    opacity: float


@dataclass(frozen=True)
class ContactShadow:
    """The blurred ellipse where something meets a surface, in the reference lengths."""

    width: float
    height: float
    opacity: float


@dataclass(frozen=True)
class BackdropLight:
    """The studio sweep's light, as brightness factors over the base colour."""

    wall: tuple[float, float] = (0.92, 0.08)  # at the top, rise towards the horizon
    floor: tuple[float, float] = (0.96, -0.12)  # at the horizon, change towards the bottom
    bend: float = 0.008  # width of the soft wall/floor bend, in H
    horizon: float = 0.07  # the bend, this far above the floor line, in figure heights
    glow: float = 0.07  # spotlight behind the subject, towards white
    glow_spread: tuple[float, float] = (5.0, 3.0)  # its falloff across W and H
    vignette: float = 0.22
    grid: float = 4.0  # computed on a grid this many px apart, then upsampled


LIGHT = BackdropLight()
CHARACTER_CONTACT = ContactShadow(0.75, 0.06, 0.55)
CHARACTER_CAST = CastShadow((0.025, 0.012), blur=0.02, opacity=0.22)
CARD_CAST = CastShadow((0.02, 0.025), blur=0.03, opacity=0.35)
PRODUCT_CONTACT = ContactShadow(1.05, 0.12, 0.6)
STANDING_CAST = CastShadow((0.08, 0.02), blur=0.045, opacity=0.28)
HELD_CAST = CastShadow((0.05, 0.04), blur=0.045, opacity=0.3)
WORN_CAST = CastShadow((0.02, 0.05), blur=0.03, opacity=0.25)

_NEUTRAL = (232.0, 229.0, 224.0)  # warm studio grey when the character has no plain background
_MAX_BASE = 240.0  # the backdrop's brightest channel: never paper-white, so edges stay legible
_MIN_BASE = 70.0  # nor near black: shadows must still show
_SHADE = 0.30  # shadows are the scene colour this dark, not pure black
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)
_SOLID = 128  # alpha above this is part of the subject
_GRID = 320  # overlap is measured on a grid with this many cells along the frame's long side
_LENS_ALPHA = 60  # clear lenses of glasses: mostly see-through

Colour = tuple[int, ...]

# --------------------------------------------------------------------------- the prompt

# First match in this order wins. English words are whole words; Korean ones are stems.
PLACEMENT_WORDS: tuple[tuple[str, str], ...] = (
    (
        "show",
        r"\bshow(s|ing|n)?\b[^,.;!?]{0,24}\b(camera|viewers?|audience|readers?)\b"
        r"|\b(to|towards|into|at) the camera\b|\bto camera\b|\bpresent(s|ing|ed)?\b"
        r"|\bintroduc(e|es|ing)\b|\bshow(s|ing)? (it |them )?off\b"
        r"|\bhold(s|ing)? (it |them |the \w+ )?up\b|보여|카메라|소개|내밀|자랑",
    ),
    (
        "worn",
        r"\bwear(s|ing)?\b|\bworn\b|\bput(s|ting)? on\b|\bdressed in\b"
        r"|착용|입고|입은|입어|입혀|끼고|낀 |메고|멘 |걸치|두르|두른|매고",
    ),
    (
        "closeup",
        r"\bclose[- ]?up\b|\bportrait\b|\bupper body\b|\bbust shot\b"
        r"|클로즈업|클로즈 업|근접|확대|상반신|얼굴 옆",
    ),
    (
        "hold",
        r"\bhold(s|ing)?\b|\bheld\b|\bcarr(y|ies|ying)\b|\bgrip(s|ping)?\b"
        r"|\bin (his|her|their|the) hands?\b|들고|들어|들지|든 채|쥐고|쥐지|쥔|잡고|잡지|잡은|손에",
    ),
    (
        "use",
        r"\bus(e|es|ed|ing)\b|\bappl(y|ies|ying)\b|\bdrink(s|ing)?\b|\beat(s|ing)?\b"
        r"|사용|쓰는|쓰고|쓰지|바르|마시|먹",
    ),
    ("table", r"\b(table|desk|counter|shelf)\b|테이블|책상|탁자|선반|카운터"),
    (
        "display",
        r"\bdisplay(s|ed|ing)?\b|\bshowcase\b|\bpodium\b|\bpedestal\b|\bplinth\b"
        r"|진열|전시|받침대|단상|포디움",
    ),
    ("floor", r"\b(floor|ground)\b|\bat (his|her|their) feet\b|바닥|발밑|발 밑|발치|발 앞"),
    ("beside", r"\bbeside\b|\bnext to\b|\balongside\b|\bby (his|her|their) side\b|옆|곁"),
)
ITEM_WORDS: tuple[tuple[str, str], ...] = (
    ("eyewear", r"\b(sun)?glasses\b|\beyewear\b|\bspectacles\b|\bgoggles\b|안경|선글라스|고글"),
    (
        "hat",
        r"\bhats?\b|\b(baseball|ball|bucket) caps?\b|\bbeanies?\b|\bberets?\b|\bfedoras?\b"
        r"|모자|비니|베레모|버킷햇|볼캡|야구모자",
    ),
    ("scarf", r"\bscar(f|ves)\b|\bmufflers?\b|\bneckerchiefs?\b|스카프|목도리|머플러"),
    (
        "bag",
        r"\bbags?\b|\bbackpacks?\b|\bpurses?\b|\bhandbags?\b|\btotes?\b"
        r"|가방|백팩|핸드백|에코백|토트백|크로스백",
    ),
    (
        "top",
        r"\b(t-?shirts?|shirts?|tees?|hoodies?|jackets?|coats?|sweaters?|dress(es)?"
        r"|clothes|outfits?|cardigans?|blouses?)\b"
        r"|티셔츠|셔츠|후드|후디|자켓|재킷|코트|스웨터|니트|원피스|가디건|블라우스|옷을|옷",
    ),
)
_PLACEMENT_RES = tuple((name, re.compile(words)) for name, words in PLACEMENT_WORDS)
_ITEM_RES = tuple((name, re.compile(words)) for name, words in ITEM_WORDS)
_HEADWEAR_VERB = re.compile(r"쓰고|쓴|써|쓰는")  # "모자를 쓰고": worn, not "used"
_LEFT = re.compile(r"\bleft\b|왼쪽|왼편|왼손")
_RIGHT = re.compile(r"\bright\b|오른쪽|오른편|오른손")
_CLAUSE = re.compile(r"[,.;!?\n]|\bbut\b|\bthen\b|\band\b")
# English: a negation at most four words before the placement word, in the same clause.
_NEGATED_BEFORE = re.compile(
    r"\b(not|no|never|without|don'?t|doesn'?t|do not|does not|instead of|rather than"
    r"|isn'?t|aren'?t|nor)\b([\s]+[\w'-]+){0,4}\s*$"
)
# Korean: "-지 않/말/마/못", "말고", "없이", "대신", "아니" within two words after the stem,
# or "안"/"못" right before it.
_NEGATED_AFTER = re.compile(r"^(\s*[^\s,.!?]+){0,2}?\s*(지\s*(않|말|마|못)|않|말고|없이|대신|아니)")
_NEGATED_KO_BEFORE = re.compile(r"(^|\s)(안|못)\s*$")
_FASHION = ("eyewear", "hat", "scarf", "top")


@dataclass(frozen=True)
class PromptIntent:
    """What the prompt asks for: a placement, a side (None: the seed picks) and a worn item.

    ``negated`` holds the placements the prompt names only to rule out.
    """

    placement: str
    side: int | None
    item: str | None
    negated: frozenset[str]


def parse_prompt(prompt: str) -> PromptIntent:
    """The placement, side and fashion item a prompt names (English or Korean).

    The first placement in :data:`PLACEMENT_WORDS` named without a negation wins.
    With none, a named fashion item is worn, anything else is held; a negated
    hold falls back to standing beside.
    """
    text = prompt.lower()
    item = next((name for name, pattern in _ITEM_RES if pattern.search(text)), None)
    named: list[str] = []
    negated: set[str] = set()
    for name, pattern in _PLACEMENT_RES:
        hits = [m for m in pattern.finditer(text)]
        if not hits:
            continue
        if all(_is_negated(text, m) for m in hits):
            negated.add(name)
        else:
            named.append(name)
    if item in ("hat", "eyewear") and "use" in named and _HEADWEAR_VERB.search(text):
        named.insert(0, "worn")  # Korean wears hats and glasses with the verb for "use"
    placement = next((name for name, _ in PLACEMENT_WORDS if name in named), None)
    if placement is None:
        first: tuple[str, ...] = ("worn", "hold") if item in _FASHION else ("hold",)
        fallbacks = (*first, "beside", "table", "display")
        placement = next(name for name in fallbacks if name not in negated)
    left, right = bool(_LEFT.search(text)), bool(_RIGHT.search(text))
    side = -1 if left and not right else 1 if right and not left else None
    return PromptIntent(placement, side, item, frozenset(negated))


def _is_negated(text: str, match: re.Match[str]) -> bool:
    """Whether a placement word is ruled out ("don't hold it", "들지 않고", "테이블 말고")."""
    before = _CLAUSE.split(text[: match.start()])[-1]
    if _NEGATED_BEFORE.search(before) or _NEGATED_KO_BEFORE.search(before):
        return True
    after = re.split(r"[,.;!?\n]", text[match.end() : match.end() + 16])[0]
    return not match.group().isascii() and bool(_NEGATED_AFTER.match(after))


# --------------------------------------------------------------------------- the subjects


@dataclass(frozen=True)
class _Figure:
    """The character ready to place: a cut-out, or a card when it cannot be cut out.

    Lengths are in the pixels of ``rgba``.  ``origin`` is where the source
    image's top-left corner lies in them; ``face`` is the keep-out box;
    ``body`` the body length products are sized by; ``cut_off`` says the body
    leaves the source picture at its bottom edge (a bust), so it stays on the
    frame's bottom edge too.
    """

    rgba: Image.Image
    solid: Mask
    origin: tuple[float, float]
    source: tuple[int, int]  # the source picture's size
    head: Box
    face: Box
    hands: tuple[tuple[float, float], tuple[float, float]]  # left, right (as seen)
    body: float
    cut_off: bool
    card: bool

    @property
    def head_height(self) -> float:
        return self.head[3] - self.head[1]


def _lift_figure(character: Image.Image, has_alpha: bool) -> tuple[_Figure, np.ndarray]:
    """The character as a placeable figure, and the backdrop's base colour (float32 RGB)."""
    cut = remove_background(character, has_alpha=has_alpha)
    if cut.report.method == "kept":
        return _card(character), _base_colour(None)
    x0, y0, x1, y1 = subject_bbox(cut.image, threshold=_SOLID)
    rgba = cut.image.crop((x0, y0, x1, y1))
    solid: Mask = np.asarray(rgba.getchannel("A")) > _SOLID
    # A body that runs off the bottom edge over a quarter of its width is cut off there.
    cut_off = y1 >= character.height - 1 and bool(solid[-1].mean() > 0.25)
    head = _head(solid)
    hh, hw = head[3] - head[1], head[2] - head[0]
    pad = FIGURE.face_pad * hh
    face = (head[0] - pad, head[1] - pad, head[2] + pad, head[3] + pad)
    hands = (_hand_point(solid, head, -1), _hand_point(solid, head, 1))
    body = max(float(rgba.height), FIGURE.body_heads * hh) if hw > 0 else float(rgba.height)
    background = cut.report.background if cut.report.method == "flood" else None
    origin = (float(-x0), float(-y0))
    figure = _Figure(
        rgba, solid, origin, character.size, head, face, hands, body, cut_off, card=False
    )
    return figure, _base_colour(background)


def _card(character: Image.Image) -> _Figure:
    """The whole picture as a photo card: a white border, rounded corners."""
    picture = character.convert("RGB")
    w, h = picture.size
    border = max(2, round(CARD.border * min(w, h)))
    size = (w + 2 * border, h + 2 * border)
    mask = Image.new("L", size, 0)
    radius = round(CARD.radius * min(size))
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius, fill=255)
    card = Image.new("RGBA", size, (250, 249, 246, 255))
    card.paste(picture, (border, border))
    card.putalpha(mask)
    fx0, fy0, fx1, fy1 = CARD.face
    face = (border + fx0 * w, border + fy0 * h, border + fx1 * w, border + fy1 * h)
    held = CARD.held_height * size[1]
    hands = ((0.0, held), (float(size[0] - 1), held))
    solid: Mask = np.asarray(mask) > _SOLID
    origin = (float(border), float(border))
    return _Figure(card, solid, origin, (w, h), face, face, hands, float(size[1]), False, card=True)


def _base_colour(sheet: tuple[int, int, int] | None) -> np.ndarray:
    """The backdrop's base colour: the character sheet's (kept in a legible range) or grey."""
    base = np.array(_NEUTRAL if sheet is None else sheet, dtype=np.float32)
    brightest = max(float(base.max()), 1.0)
    base *= float(np.clip(brightest, _MIN_BASE, _MAX_BASE)) / brightest
    return base


def _row_extents(solid: Mask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the leftmost and rightmost solid column, and the width (0 for empty rows)."""
    w = solid.shape[1]
    filled = solid.any(axis=1)
    left = np.argmax(solid, axis=1)
    right = w - 1 - np.argmax(solid[:, ::-1], axis=1)
    width = np.where(filled, right - left + 1, 0)
    return left, right, width


def _head(solid: Mask) -> Box:
    """The head's box: from the top down to the neck (the narrowest row above the shoulders).

    The shoulders are the first row much wider (``FIGURE.shoulder_widening``) than
    the rows above it; the neck the narrowest row between the head's widest row
    and them.  Without a neck (long hair down to the shoulders) the head ends at
    the shoulders; without either, it is the top ``FIGURE.head_fallback`` of the
    figure.
    """
    h = solid.shape[0]
    left, right, width = _row_extents(solid)
    rows = np.flatnonzero(width)
    if rows.size == 0:
        return (0.0, 0.0, float(solid.shape[1]), float(h))
    top = int(rows[0])
    span = width[top : top + int(0.7 * (h - top)) + 1].astype(np.float32)
    start = max(2, int(0.04 * h))
    shoulders = next(
        (
            r
            for r in range(start, span.size)
            if span[r] > FIGURE.shoulder_widening * float(np.median(span[:r]))
        ),
        None,
    )
    bottom: int | None = None
    if shoulders is not None:
        head = span[:shoulders]
        widest = int(np.argmax(head))
        neck = widest + int(np.argmin(head[widest:]))
        narrow = head[neck] < FIGURE.neck_narrowing * head[widest]
        bottom = top + (neck if narrow and neck > widest else shoulders)
    if bottom is None or bottom - top < 4:
        bottom = top + max(4, int(FIGURE.head_fallback * (h - top)))
    x0 = float(left[top:bottom][width[top:bottom] > 0].min())
    x1 = float(right[top:bottom][width[top:bottom] > 0].max()) + 1
    return (x0, float(top), x1, float(bottom))


def _hand_point(solid: Mask, head: Box, side: int) -> tuple[float, float]:
    """Where the hand on ``side`` probably is: the outermost point below the head.

    Among the rows (below the neck, above ``FIGURE.arm_band``'s end) that reach
    furthest out on that side, the hand is near the bottom (a straight hanging
    arm) - or at the end of an outstretched one.
    """
    h, w = solid.shape
    r0 = max(int(head[3]), int(FIGURE.arm_band[0] * h * 0.5))
    r1 = max(r0 + 1, int(FIGURE.arm_band[1] * h))
    band = solid[r0:r1] if side > 0 else solid[r0:r1, ::-1]
    reach = np.where(band.any(axis=1), w - 1 - np.argmax(band[:, ::-1], axis=1), -1)
    if reach.size == 0 or reach.max() < 0:
        return (float(w - 1) if side > 0 else 0.0), FIGURE.hand_height * h
    rows = np.flatnonzero(reach >= reach.max() - max(2, 0.01 * w))
    x = float(reach.max())
    return (x if side > 0 else w - 1 - x), r0 + float(np.percentile(rows, 85))


def _lift_product(product: Image.Image, has_alpha: bool, lenses: bool) -> tuple[Image.Image, bool]:
    """The product cut out and trimmed, and whether it is a whole-frame product.

    ``lenses``: glasses, whose clear lenses show the product photo's background
    through them; those pixels become mostly see-through.
    """
    cut = remove_background(product, has_alpha=has_alpha, subject="product")
    rgba = _clear_lenses(cut) if lenses else cut.image
    return rgba.crop(subject_bbox(rgba, threshold=_SOLID)), cut.report.method == "kept"


def _clear_lenses(cut: Cutout) -> Image.Image:
    """Glasses with the background colour inside their frames (the lenses) made glassy."""
    report = cut.report
    if report.method != "flood" or report.background is None or report.threshold is None:
        return cut.image
    arr = np.asarray(cut.image).copy()
    distance = np.abs(arr[..., :3].astype(np.int16) - np.array(report.background)).max(axis=-1)
    lens = (arr[..., 3] == 255) & (distance <= report.threshold)
    arr[..., 3] = np.where(lens, _LENS_ALPHA, arr[..., 3])
    return Image.fromarray(arr, "RGBA")


def _mean_rgb(rgba: Image.Image) -> np.ndarray:
    """Alpha-weighted mean colour of an RGBA image (float32 RGB)."""
    arr = np.asarray(rgba, dtype=np.float32)
    weight = arr[..., 3:] / 255.0
    mean: np.ndarray = (arr[..., :3] * weight).sum(axis=(0, 1)) / max(float(weight.sum()), 1.0)
    return mean


def _match_scene(rgba: Image.Image, scene: np.ndarray) -> Image.Image:
    """Pull the product's brightness and colour temperature part-way toward the scene."""
    arr = np.asarray(rgba, dtype=np.float32).copy()
    own = _mean_rgb(rgba)
    own_l, scene_l = float(own @ _LUMA), float(scene @ _LUMA)
    gain = np.clip((0.7 * own_l + 0.3 * scene_l) / max(own_l, 1.0), 0.9, 1.1)
    tint = 1.0 + 0.1 * (scene / max(float(scene.mean()), 1.0) - 1.0)
    # Key light from above: a gentle top-to-bottom falloff gives the flat cutout some form.
    falloff = np.linspace(1.04, 0.94, arr.shape[0], dtype=np.float32)[:, None, None]
    arr[..., :3] = np.clip(arr[..., :3] * gain * tint * falloff, 0, 255)
    return Image.fromarray(arr.astype(np.uint8), "RGBA")


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class ShotLayout:
    """Where everything went, in frame pixels: the shot's own account, for tests and logs.

    ``character_box`` is where the whole *source* character image lies (so any
    point of it maps into the frame); ``face_box`` the keep-out the product
    stayed out of; ``product_box`` the product's bounding box as placed.
    ``product_share`` is that box's area inside the frame over the frame's area;
    ``body_cover`` the share of the character's visible silhouette (or card)
    under the product.
    """

    placement: str
    item: str | None
    side: int
    framing: str
    card: bool
    whole_frame_product: bool
    scale: float
    character_box: Box
    face_box: Box
    product_box: Box
    product_share: float
    body_cover: float


@dataclass(frozen=True)
class ProductShot:
    """The composited picture and its layout."""

    image: Image.Image
    layout: ShotLayout


@dataclass(frozen=True)
class _Draws:
    """Everything the seed decides, drawn once in a fixed order (each in -1..1 unless named)."""

    aim: float  # the product's share of the frame
    swap: bool  # use the placement's second framing first
    tilt: float
    lift: float  # up or down along the body
    shift: float  # the group sideways in the frame
    size: float  # a worn item's size, and how close a product gets to its largest size
    gap: float  # how far a standing product stands from the character

    @classmethod
    def from_rng(cls, rng: random.Random, variant: int) -> _Draws:
        """``variant`` (0 or 1) picks the framing and the smaller or larger half of the size
        range, so neighbouring seeds never look alike; the rest is drawn."""
        low, high = PRODUCT_SHARE.aim
        middle = (low + high) / 2
        aim = rng.uniform(middle, high) if variant else rng.uniform(low, middle)
        values = [rng.uniform(-1.0, 1.0) for _ in range(5)]
        values[2] = abs(values[2]) if variant else -abs(values[2])  # size
        return cls(aim, bool(variant), *values)


@dataclass(frozen=True)
class _Surface:
    """What a standing product stands on, in frame pixels: ``kind`` and its front face."""

    kind: str  # "table", "plinth" or "floor"
    x0: float
    top: float
    x1: float
    bottom: float


@dataclass(frozen=True)
class _Plan:
    """One candidate layout in frame pixels."""

    framing: str
    scale: float
    figure_xy: tuple[float, float]
    floor_y: float
    product_xy: tuple[float, float]
    product_size: tuple[int, int]
    surface: _Surface | None
    fits: bool
    share: float
    cover: float


@dataclass(frozen=True)
class _Shot:
    """The fixed inputs of the layout search."""

    width: int
    height: int
    figure: _Figure
    product: Image.Image
    name: str
    placement: Placement
    worn: Worn | None
    side: int
    draws: _Draws


def _framings(shot: _Shot) -> tuple[str, ...]:
    """The framings to try, in order: the placement's that cut the figure sensibly, then full."""
    fig = shot.figure
    wanted = shot.worn.framings if shot.worn is not None else shot.placement.framings
    if shot.draws.swap and len(wanted) > 1:
        wanted = (wanted[1], wanted[0], *wanted[2:])
    if fig.card:
        return ("full",)
    valid = [
        name for name in wanted if name == "full" or _cut(fig, name) < FULL_CUT * fig.rgba.height
    ]
    return (*valid, "full") if "full" not in valid else tuple(valid)


def _cut(fig: _Figure, framing: str) -> float:
    """The figure row (its pixels) where ``framing`` puts the frame's bottom edge."""
    share, heads = FRAMING_CUTS[framing]
    return max(share * fig.rgba.height, fig.head[3] + heads * fig.head_height)


def _plan(shot: _Shot) -> _Plan:
    """The first framing whose product reaches its share and fits, else the best one."""
    best: _Plan | None = None
    for framing in _framings(shot):
        plan = _fit(shot, framing)
        if plan.fits and (shot.worn is not None or plan.share >= PRODUCT_SHARE.low):
            return plan
        if best is None or (plan.fits, plan.share) > (best.fits, best.share):
            best = plan
    assert best is not None  # _framings always yields "full"
    return best


def _fit(shot: _Shot, framing: str) -> _Plan:
    """Lay the shot out in ``framing``, scaling the figure down until the group fits."""
    H = shot.height
    fig = shot.figure
    h = fig.rgba.height
    if framing == "full" and not fig.cut_off:
        s0 = (STAGE.floor - STAGE.headroom) * H / h
        if fig.card:
            s0 = min(s0, CARD.height * H / h)
    elif fig.cut_off and framing == "full":
        s0 = (1 - STAGE.headroom) * H / h
    else:
        s0 = (1 - STAGE.headroom) * H / _cut(fig, framing)
    plan: _Plan | None = None
    for attempt in range(STAGE.tries):
        s = s0 * STAGE.shrink**attempt
        plan = _try(shot, framing, s)
        if plan.fits:
            break
    assert plan is not None
    return plan


def _try(shot: _Shot, framing: str, s: float) -> _Plan:
    """One layout at figure scale ``s``: figure, product and surface, then centred.

    A full shot keeps the floor in frame; closer ones (and a half figure) keep the
    head near the top and may lower everything so a hat or a raised product stays
    inside the frame: their bottom edge cuts the figure anyway.
    """
    W, H = shot.width, shot.height
    fig = shot.figure
    fh = fig.rgba.height * s
    full = framing == "full" and not fig.cut_off
    if full:
        floor_y = min(STAGE.floor * H, 0.5 * (H + fh) + 0.04 * H)
        fy = floor_y - fh
    else:
        fy = max(STAGE.headroom * H, H - fh) if fig.cut_off else STAGE.headroom * H
        floor_y = fy + fh
    for _ in range(2):
        grid = _Grid(shot, s, fy)
        surface_y = _surface_top(shot, s, fy, floor_y)
        size = _product_size(shot, s, fy, surface_y)
        px, py = _anchor(shot, s, fy, floor_y, surface_y, size)
        lower = STAGE.margin * H - py
        if full or lower <= 0:
            break
        fy, floor_y = fy + lower, floor_y + lower
    px, py = _clear_of_body(shot, grid, (px, py), size, s)
    surface = _surface(shot, s, fy, floor_y, surface_y, (px, py), size)
    x0, x1 = grid.figure_columns()
    # A half figure may leave the frame on the far side (cropped at the shoulder) rather
    # than shrink and float above the bottom edge.
    crop = 0.35 * (x1 - x0) if fig.cut_off else 0.0
    x0, x1 = min(x0, px), max(x1, px + size[0])
    if surface is not None and surface.kind == "plinth":
        x0, x1 = min(x0, surface.x0), max(x1, surface.x1)
    margin = STAGE.margin * W
    span = W - 2 * margin
    fits = x1 - x0 - crop <= span and py >= 0 and py + size[1] <= H
    if x1 - x0 <= span:  # centre the group (with the seed's nudge) inside the margins
        room = span - (x1 - x0)
        gx = margin + room / 2 + shot.draws.shift * min(room / 2, STAGE.group_jitter * W)
        dx = gx - x0
    else:  # the figure's far side is cropped; the product and the face stay inside
        must0 = min(px, fig.face[0] * s)
        must1 = max(px + size[0], fig.face[2] * s)
        if shot.worn is not None:
            dx = W / 2 - (must0 + must1) / 2
        else:
            dx = (W - margin) - x1 if shot.side > 0 else margin - x0
        dx = float(np.clip(dx, margin - must0, max(margin - must0, W - margin - must1)))
    product_xy = (px + dx, py)
    if surface is not None:
        surface = _Surface(
            surface.kind, surface.x0 + dx, surface.top, surface.x1 + dx, surface.bottom
        )
    box = (product_xy[0], py, product_xy[0] + size[0], py + size[1])
    share = _visible_area(box, W, H) / (W * H)
    cover = grid.cover((px, py), size)
    return _Plan(framing, s, (dx, fy), floor_y, product_xy, size, surface, fits, share, cover)


def _visible_area(box: Box, W: int, H: int) -> float:
    x0, y0, x1, y1 = (
        max(box[0], 0.0),
        max(box[1], 0.0),
        min(box[2], float(W)),
        min(box[3], float(H)),
    )
    return max(0.0, x1 - x0) * max(0.0, y1 - y0)


class _Grid:
    """The figure's and the product's silhouettes on a coarse grid, to measure overlap.

    A cell is ``q`` frame pixels; the figure's left edge is at x = 0 (the layout
    is centred afterwards) and its top at ``fy``.
    """

    def __init__(self, shot: _Shot, s: float, fy: float) -> None:
        self.shot = shot
        self.q = max(shot.width, shot.height) / _GRID
        fig = shot.figure
        self.s = s
        self.fy = fy
        self.figure = _resize_mask(
            fig.solid, fig.rgba.width * s / self.q, fig.rgba.height * s / self.q
        )
        top = int(round(fy / self.q))
        rows = np.arange(self.figure.shape[0]) + top
        self.in_frame = (rows >= 0) & (rows < shot.height / self.q)
        self.top = top
        self.visible = max(1, int(np.count_nonzero(self.figure[self.in_frame])))
        self._products: dict[tuple[int, int], Mask] = {}
        alpha = np.asarray(shot.product.getchannel("A")) > _SOLID
        self._alpha = alpha

    def product(self, size: tuple[int, int]) -> Mask:
        if size not in self._products:
            self._products[size] = _resize_mask(self._alpha, size[0] / self.q, size[1] / self.q)
        return self._products[size]

    def figure_columns(self) -> tuple[float, float]:
        """The visible figure's leftmost and rightmost frame x (relative to its left edge)."""
        cols = np.flatnonzero(self.figure[self.in_frame].any(axis=0))
        if cols.size == 0:
            return 0.0, self.figure.shape[1] * self.q
        return float(cols[0]) * self.q, float(cols[-1] + 1) * self.q

    def _overlap(self, mask: Mask, xy: tuple[float, float], target: Mask, top: int) -> int:
        """Cells where ``mask`` (placed at frame ``xy``) meets ``target`` (at x 0, row ``top``)."""
        x, y = int(round(xy[0] / self.q)), int(round(xy[1] / self.q)) - top
        h, w = mask.shape
        th, tw = target.shape
        x0, y0, x1, y1 = max(0, x), max(0, y), min(tw, x + w), min(th, y + h)
        if x1 <= x0 or y1 <= y0:
            return 0
        return int(np.count_nonzero(mask[y0 - y : y1 - y, x0 - x : x1 - x] & target[y0:y1, x0:x1]))

    def cover(self, xy: tuple[float, float], size: tuple[int, int]) -> float:
        """The share of the visible figure under the product at ``xy``."""
        visible = self.figure & self.in_frame[:, None]
        return self._overlap(self.product(size), xy, visible, self.top) / self.visible

    def face_hit(self, xy: tuple[float, float], size: tuple[int, int]) -> bool:
        """Whether the product at ``xy`` reaches into the face keep-out."""
        fx0, fy0, fx1, fy1 = (v * self.s for v in self.shot.figure.face)
        q = self.q
        gx0, gx1 = int(fx0 / q), int(math.ceil(fx1 / q))
        gy0, gy1 = int((fy0 + self.fy) / q), int(math.ceil((fy1 + self.fy) / q))
        face = np.zeros((max(1, gy1 - gy0), max(1, gx1 - gx0)), dtype=bool)
        face[:] = True
        shifted = (xy[0] - gx0 * q, xy[1])
        return self._overlap(self.product(size), shifted, face, gy0) > 0


def _resize_mask(mask: Mask, width: float, height: float) -> Mask:
    size = (max(1, round(width)), max(1, round(height)))
    small = Image.fromarray(mask.astype(np.uint8) * 255).resize(size, Image.Resampling.BOX)
    resized: Mask = np.asarray(small) > 96
    return resized


def _landmarks(shot: _Shot, s: float, fy: float) -> tuple[Box, float, float]:
    """The head box in frame pixels (figure left edge at 0), head height and body length."""
    x0, y0, x1, y1 = shot.figure.head
    head = (x0 * s, fy + y0 * s, x1 * s, fy + y1 * s)
    return head, (y1 - y0) * s, shot.figure.body * s


def _surface_top(shot: _Shot, s: float, fy: float, floor_y: float) -> float | None:
    """Where a standing product's base goes (frame y), or None for a held or worn one."""
    kind = shot.placement.surface
    if kind is None or shot.worn is not None:
        return None
    fig = shot.figure
    head, hh, body = _landmarks(shot, s, fy)
    if fig.card:  # furniture makes no sense against a photo: in front of it, on the floor
        return floor_y + 0.03 * fig.rgba.height * s
    if fig.cut_off and kind == "floor":  # no floor in sight: it stands on the bottom edge
        return shot.height * (1 - STAGE.margin)
    if kind == "table":
        return fy + min(fig.head[3] + 2.9 * fig.head_height, 0.56 * fig.rgba.height) * s
    if kind == "plinth":  # a pedestal a little higher than the hands
        return fy + min(fig.head[3] + 2.4 * fig.head_height, 0.5 * fig.rgba.height) * s
    return floor_y + (0.03 * body if shot.name == "floor" else 0.0)


def _product_size(shot: _Shot, s: float, fy: float, surface_y: float | None) -> tuple[int, int]:
    """The product's size in frame pixels: its share of the frame, held to a believable size."""
    W, H = shot.width, shot.height
    pw0, ph0 = shot.product.size
    aspect = pw0 / ph0
    if shot.worn is not None:
        width = _worn_width(shot, s) * (1 + 0.06 * shot.draws.size)
        return max(1, round(width)), max(1, round(width / aspect))
    area = shot.draws.aim * W * H
    pw, ph = math.sqrt(area * aspect), math.sqrt(area / aspect)
    body = shot.figure.body * s
    lo, hi = CARD.size if shot.figure.card else shot.placement.size
    hi *= 0.92 + 0.08 * shot.draws.size
    longest = max(pw, ph)
    f = float(np.clip(longest, lo * body, hi * body)) / longest
    f = min(f, math.sqrt(PRODUCT_SHARE.high * 0.95 * W * H / (pw * ph)))
    f = min(f, 0.72 * W / pw, 0.8 * H / ph)
    if surface_y is not None:
        f = min(f, 0.95 * (min(surface_y, H) - STAGE.margin * H) / ph)
    return max(1, round(pw * f)), max(1, round(ph * f))


def _worn_width(shot: _Shot, s: float) -> float:
    """A worn item's width in frame pixels: head widths, or shoulder widths on the body."""
    assert shot.worn is not None
    fig = shot.figure
    x0, _, x1, y1 = fig.head
    if not shot.worn.on_body:  # long hair widens the head box: the head's height bounds it
        head_width = min(x1 - x0, HEAD_ASPECT * fig.head_height)
        return shot.worn.width * head_width * s
    row = min(fig.solid.shape[0] - 1, int(y1 + 0.35 * fig.head_height))
    cols = np.flatnonzero(fig.solid[row])
    shoulders = float(cols[-1] - cols[0] + 1) if cols.size else (x1 - x0) * 2.0
    return shot.worn.width * shoulders * s


def _edge(shot: _Shot, row: float, side: int) -> float:
    """The silhouette's outermost column on ``side`` at ``row`` (figure pixels)."""
    solid = shot.figure.solid
    r = int(np.clip(row, 0, solid.shape[0] - 1))
    cols = np.flatnonzero(solid[r])
    if cols.size == 0:
        return float(solid.shape[1] if side > 0 else 0)
    return float(cols[-1] + 1 if side > 0 else cols[0])


def _edge_over(shot: _Shot, rows: tuple[float, float], side: int) -> float:
    """The silhouette's outermost column on ``side`` over a band of rows (figure pixels)."""
    solid = shot.figure.solid
    r0 = int(np.clip(rows[0], 0, solid.shape[0] - 1))
    r1 = int(np.clip(rows[1], r0 + 1, solid.shape[0]))
    cols = np.flatnonzero(solid[r0:r1].any(axis=0))
    if cols.size == 0:
        return _edge(shot, rows[0], side)
    return float(cols[-1] + 1 if side > 0 else cols[0])


def _anchor(
    shot: _Shot,
    s: float,
    fy: float,
    floor_y: float,
    surface_y: float | None,
    size: tuple[int, int],
) -> tuple[float, float]:
    """The product's top-left corner where its placement first puts it (frame pixels)."""
    H = shot.height
    fig, side, d = shot.figure, shot.side, shot.draws
    pw, ph = size
    head, hh, body = _landmarks(shot, s, fy)
    hw = head[2] - head[0]
    name = shot.name
    if shot.worn is not None and not fig.card:
        return _worn_anchor(shot, s, fy, size)
    if surface_y is not None:  # standing: beside the silhouette at the product's rows
        py = surface_y - 0.99 * ph
        rows = ((py - fy) / s, (surface_y - fy) / s)
        edge = _edge_over(shot, rows, side) * s
        if fig.card:
            inner = edge - side * CARD.overlap * pw
        elif name == "floor":
            inner = edge - side * 0.2 * pw
        else:
            inner = edge + side * (0.05 + 0.04 * d.gap) * body
        px = inner if side > 0 else inner - pw
        return px, py
    if name in ("show", "closeup") and not fig.card:
        gap = 0.05 * hw
        px = head[2] + gap if side > 0 else head[0] - gap - pw
        rise = 0.45 if name == "show" else 0.3
        py = head[3] - rise * ph + d.lift * 0.08 * ph
    elif name == "use" and not fig.card:
        row = fig.head[3] + 0.9 * fig.head_height
        ex = _edge(shot, row, side) * s
        px = ex - pw / 2 + side * 0.1 * pw
        py = fy + row * s - 0.5 * ph + d.lift * 0.08 * ph
    else:  # held at the hand (at the card's edge for a card)
        hx, hy = fig.hands[1 if side > 0 else 0]
        overhang = (0.5 - CARD.overlap) if fig.card else 0.25
        if fig.card and name in ("show", "closeup"):
            hy = 0.45 * fig.rgba.height
        px = hx * s - pw / 2 + side * overhang * pw
        py = fy + hy * s - 0.6 * ph + d.lift * 0.08 * body
    py = float(np.clip(py, STAGE.margin * H, max(STAGE.margin * H, H - STAGE.margin * H - ph)))
    return px, py


def _worn_anchor(shot: _Shot, s: float, fy: float, size: tuple[int, int]) -> tuple[float, float]:
    """A worn item's top-left corner: on the head, the neck or at the hip."""
    assert shot.worn is not None
    spec, fig = shot.worn, shot.figure
    pw, ph = size
    x0, y0, x1, _ = fig.head
    y = fy + (y0 + spec.y * fig.head_height) * s
    py = y - ph if spec.anchor == "bottom" else y - ph / 2 if spec.anchor == "centre" else y
    if shot.name == "worn" and spec is WORN["bag"]:
        row = y0 + spec.y * fig.head_height + 0.3 * ph / s
        edge = _edge(shot, row, shot.side) * s
        px = edge - pw / 2 + shot.side * 0.15 * pw
    else:
        px = (x0 + x1) / 2 * s - pw / 2 + shot.draws.lift * 0.03 * (x1 - x0) * s
    return px, py


def _clear_of_body(
    shot: _Shot, grid: _Grid, xy: tuple[float, float], size: tuple[int, int], s: float
) -> tuple[float, float]:
    """Move the product outward until it clears the face and covers little of the body."""
    if shot.worn is not None and not shot.figure.card:
        return xy
    px, py = xy
    step = max(grid.q, 0.04 * size[0])
    for _ in range(80):
        if grid.cover((px, py), size) <= BODY_COVER_LIMIT * 0.9 and not grid.face_hit(
            (px, py), size
        ):
            break
        px += shot.side * step
    return px, py


def _surface(
    shot: _Shot,
    s: float,
    fy: float,
    floor_y: float,
    surface_y: float | None,
    xy: tuple[float, float],
    size: tuple[int, int],
) -> _Surface | None:
    """The table, plinth or patch of floor under a standing product (frame pixels)."""
    if surface_y is None:
        return None
    px, _ = xy
    pw, _ = size
    kind = shot.placement.surface or "floor"
    if shot.figure.card:
        kind = "floor"
    if kind == "table":  # a counter from behind the character out past the frame's edge
        centre = shot.figure.rgba.width * s / 2
        x0, x1 = (centre, math.inf) if shot.side > 0 else (-math.inf, centre)
        return _Surface("table", x0, surface_y, x1, floor_y)
    if kind == "plinth":
        return _Surface("plinth", px - 0.12 * pw, surface_y, px + 1.12 * pw, floor_y)
    return _Surface("floor", px, surface_y, px + pw, surface_y)


# --------------------------------------------------------------------------- the shot


def compose_product_shot(
    character: Image.Image,
    product: Image.Image,
    *,
    prompt: str,
    aspect_ratio: str,
    seed: int | None,
    longest_side: int = 1024,
    character_has_alpha: bool | None = None,
    product_has_alpha: bool | None = None,
) -> Image.Image:
    """Composite ``product`` into a studio shot of ``character`` and return an RGB image.

    See :func:`render_product_shot`, which also returns the layout.
    """
    return render_product_shot(
        character,
        product,
        prompt=prompt,
        aspect_ratio=aspect_ratio,
        seed=seed,
        longest_side=longest_side,
        character_has_alpha=character_has_alpha,
        product_has_alpha=product_has_alpha,
    ).image


def render_product_shot(
    character: Image.Image,
    product: Image.Image,
    *,
    prompt: str,
    aspect_ratio: str,
    seed: int | None,
    longest_side: int = 1024,
    character_has_alpha: bool | None = None,
    product_has_alpha: bool | None = None,
) -> ProductShot:
    """The product shot of ``character`` with ``product`` as the prompt asks, and its layout.

    Inputs are EXIF-oriented RGB/RGBA images (longest side <= 1024).  The output
    size comes from ``canvas_size(aspect_ratio, ...)`` (``match_input_image``
    follows the character).  The prompt picks the placement, side and worn item
    (:func:`parse_prompt`); ``seed`` varies side, framing, size, tilt and height
    (``None`` derives a seed from the prompt, so the result is still
    deterministic).  ``*_has_alpha`` says whether an input has real transparency
    (``PreparedImage.has_alpha``); None asks
    :func:`webtoon_core.images.has_real_transparency`.
    """
    # Layout variation only, not security: a private seeded generator keeps results reproducible.
    rng = random.Random(zlib.crc32(prompt.encode()) if seed is None else seed)  # noqa: S311
    intent = parse_prompt(prompt)
    # The seed's last two bits choose the side (unless asked) and the framing and size half,
    # so any two seeds up to three apart differ in one of them; the rest is drawn.
    bits = seed if seed is not None else rng.getrandbits(2)
    side = intent.side if intent.side is not None else 1 - 2 * (bits % 2)
    draws = _Draws.from_rng(rng, (bits // 2) % 2)
    width, height = canvas_size(aspect_ratio, longest_side=longest_side, source_size=character.size)
    if character_has_alpha is None:
        character_has_alpha = has_real_transparency(character)
    if product_has_alpha is None:
        product_has_alpha = has_real_transparency(product)

    figure, base = _lift_figure(character, character_has_alpha)
    name = intent.placement
    if name == "worn" and figure.card:
        name = "hold"  # nothing can be worn by a photo
    item = _worn_item(intent.item, product.size) if name == "worn" else None
    prod, whole_frame = _lift_product(product, product_has_alpha, lenses=item == "eyewear")
    worn = WORN[item] if item is not None else None
    tilt = draws.tilt * (worn.tilt if worn is not None else PLACEMENTS[name].tilt)
    if worn is None and name not in ("show", "closeup"):
        tilt = -side * abs(tilt) if name == "use" else tilt  # used: leaning into the body
    if abs(tilt) > 0.05:
        rotated = rotate_rgba(prod, tilt)
        prod = rotated.crop(subject_bbox(rotated))
    shot = _Shot(width, height, figure, prod, name, PLACEMENTS[name], worn, side, draws)
    plan = _plan(shot)

    canvas = _draw(shot, plan, base)
    return ProductShot(canvas, _layout(shot, plan, item, whole_frame))


def _worn_item(named: str | None, size: tuple[int, int]) -> str:
    """The worn item the prompt names, else a guess from the product's shape."""
    if named is not None:
        return named
    aspect = size[0] / max(1, size[1])
    if aspect >= 2.2:
        return "eyewear"
    if aspect >= 1.15:
        return "hat"
    return "top" if aspect >= 0.75 else "bag"


def _layout(shot: _Shot, plan: _Plan, item: str | None, whole_frame: bool) -> ShotLayout:
    fig, s = shot.figure, plan.scale
    fx, fy = plan.figure_xy
    ox, oy = fig.origin
    src = (fx + ox * s, fy + oy * s)
    sw, sh = fig.source
    character_box = (src[0], src[1], src[0] + sw * s, src[1] + sh * s)
    f0, f1, f2, f3 = fig.face
    face = (fx + f0 * s, fy + f1 * s, fx + f2 * s, fy + f3 * s)
    px, py = plan.product_xy
    pw, ph = plan.product_size
    return ShotLayout(
        placement=shot.name,
        item=item,
        side=shot.side,
        framing=plan.framing,
        card=fig.card,
        whole_frame_product=whole_frame,
        scale=s,
        character_box=character_box,
        face_box=face,
        product_box=(px, py, px + pw, py + ph),
        product_share=plan.share,
        body_cover=plan.cover,
    )


# --------------------------------------------------------------------------- drawing


def _draw(shot: _Shot, plan: _Plan, base: np.ndarray) -> Image.Image:
    """Backdrop, furniture, the figure and the product, each over its shadows."""
    W, H = shot.width, shot.height
    fig, s = shot.figure, plan.scale
    fx, fy = plan.figure_xy
    char = scale_rgba(fig.rgba, s)
    shade: Colour = tuple(int(c) for c in base * _SHADE)
    focus = (fx + char.width / 2, fy + min(char.height, H - fy) / 2)
    horizon = plan.floor_y - LIGHT.horizon * fig.rgba.height * s
    canvas = _backdrop(W, H, base, focus, horizon)
    surface = plan.surface
    if surface is not None and surface.kind == "table":
        _table(canvas, surface, base, shade, H)
    elif surface is not None and surface.kind == "plinth":
        _plinth(canvas, surface, base, shade, H)

    pos = (round(fx), round(fy))
    if fig.card:
        _contact_shadow(
            canvas,
            (fx + char.width / 2, fy + char.height),
            (char.width, char.height),
            ContactShadow(0.9, 0.035, 0.5),
            shade,
        )
        _paste_with_shadow(canvas, char, pos, CARD_CAST, shade)
    else:
        if not fig.cut_off and plan.floor_y < H:
            feet = (fx + char.width / 2, plan.floor_y)
            _contact_shadow(canvas, feet, char.size, CHARACTER_CONTACT, shade)
        _paste_with_shadow(canvas, char, pos, CHARACTER_CAST, shade)

    scene = 0.5 * base + 0.5 * _mean_rgb(fig.rgba)
    prod = _match_scene(scale_rgba(shot.product, plan.product_size[0] / shot.product.width), scene)
    px, py = plan.product_xy
    if surface is not None:
        reference = (prod.width, prod.height)
        _contact_shadow(
            canvas, (px + prod.width / 2, surface.top), reference, PRODUCT_CONTACT, shade
        )
        cast = STANDING_CAST
    else:
        cast = WORN_CAST if shot.worn is not None else HELD_CAST
    _paste_with_shadow(canvas, prod, (round(px), round(py)), cast, shade)
    return canvas


def _paste_with_shadow(
    canvas: Image.Image, rgba: Image.Image, pos: tuple[int, int], cast: CastShadow, shade: Colour
) -> None:
    """Paste a cut-out at ``pos`` over its own soft drop shadow."""
    _cast_shadow(canvas, rgba, pos, cast, shade)
    canvas.paste(rgba, pos, rgba)


def _backdrop(
    W: int, H: int, base: np.ndarray, focus: tuple[float, float], horizon: float
) -> Image.Image:
    """Seamless studio sweep: shaded wall, softer floor, spotlight behind the subject, vignette.

    Everything here is smooth, so it is computed on a coarse grid and upsampled:
    ~16x less numpy work for a visually identical result.
    """
    step = LIGHT.grid
    y = np.arange(0, H, step, dtype=np.float32)[:, None] + step / 2
    x = np.arange(0, W, step, dtype=np.float32)[None, :] + step / 2
    wall = LIGHT.wall[0] + LIGHT.wall[1] * np.clip(y / max(horizon, 1.0), 0, 1)
    floor = LIGHT.floor[0] + LIGHT.floor[1] * np.clip((y - horizon) / max(H - horizon, 1.0), 0, 1)
    bend = np.clip((y - horizon) / (LIGHT.bend * H + 1.0), -30.0, 30.0)
    seam = 1.0 / (1.0 + np.exp(-bend))  # soft wall/floor bend instead of a hard line
    light = wall * (1 - seam) + floor * seam
    dx, dy = (x - focus[0]) / W, (y - focus[1]) / H
    spread_x, spread_y = LIGHT.glow_spread
    glow = LIGHT.glow * np.exp(-(dx * dx * spread_x + dy * dy * spread_y))
    nx, ny = x / W - 0.5, y / H - 0.5
    vignette = 1.0 - LIGHT.vignette * (nx * nx + ny * ny)
    pixels = base * (light * vignette)[..., None] + (255.0 - base) * glow[..., None]
    small = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return small.resize((W, H), Image.Resampling.BICUBIC)


def _cast_shadow(
    canvas: Image.Image, rgba: Image.Image, pos: tuple[int, int], cast: CastShadow, colour: Colour
) -> None:
    """Soft drop shadow of ``rgba``'s silhouette placed at ``pos``, as if lit from the upper left."""
    blur = cast.blur * rgba.height
    pad = int(3 * blur) + 2
    mask = soft_shadow(
        ImageOps.expand(rgba.getchannel("A"), pad, fill=0),
        blur=max(blur, 0.5),
        opacity=cast.opacity,
    )
    dx, dy = cast.offset[0] * rgba.width, cast.offset[1] * rgba.height
    x, y = int(pos[0] + dx) - pad, int(pos[1] + dy) - pad
    canvas.paste(colour, (x, y, x + mask.width, y + mask.height), mask)


def _contact_shadow(
    canvas: Image.Image,
    centre: tuple[float, float],
    reference: tuple[float, float],
    contact: ContactShadow,
    colour: Colour,
) -> None:
    """Blurred ellipse centred at ``centre``, sized in ``reference`` lengths (width, height)."""
    w = max(contact.width * reference[0], 2.0)
    h = max(contact.height * reference[1], 2.0)
    pad = int(h) + 2
    mask = Image.new("L", (int(w) + 2 * pad, int(h) + 2 * pad), 0)
    ImageDraw.Draw(mask).ellipse((pad, pad, pad + int(w), pad + int(h)), fill=255)
    mask = soft_shadow(mask, blur=h * 0.35, opacity=contact.opacity)
    x, y = int(centre[0] - w / 2) - pad, int(centre[1] - h / 2) - pad
    canvas.paste(colour, (x, y, x + mask.width, y + mask.height), mask)


def _block(
    canvas: Image.Image,
    surface: _Surface,
    faces: tuple[Colour, Colour],
    shade: Colour,
    H: int,
) -> None:
    """A block whose lit top face is centred on ``surface.top`` and whose front runs down."""
    x0, x1, top = max(surface.x0, -8.0), min(surface.x1, canvas.width + 8.0), surface.top
    depth = max(3.0, 0.025 * H)
    bottom = surface.bottom
    if bottom < H:  # it stands on the floor: a soft shadow where it meets it
        _contact_shadow(
            canvas,
            ((x0 + x1) / 2, bottom),
            (x1 - x0, x1 - x0),
            ContactShadow(1.1, 0.08, 0.55),
            shade,
        )
    draw = ImageDraw.Draw(canvas)
    lid, front = faces
    draw.rectangle((x0, top + depth / 2, x1, bottom), fill=front)
    draw.rectangle((x0, top - depth / 2, x1, top + depth / 2), fill=lid)
    draw.line((x0, top + depth / 2, x1, top + depth / 2), fill=shade, width=1)


def _table(canvas: Image.Image, surface: _Surface, base: np.ndarray, shade: Colour, H: int) -> None:
    """A light wooden counter beside (and behind) the character."""
    wood = np.array([200.0, 165.0, 125.0], dtype=np.float32)
    lid = tuple(int(c) for c in np.clip(0.65 * wood + 0.35 * base + 14, 0, 250))
    front = tuple(int(c) for c in np.clip(0.55 * wood + 0.25 * base, 0, 250))
    _block(canvas, surface, (lid, front), shade, H)


def _plinth(
    canvas: Image.Image, surface: _Surface, base: np.ndarray, shade: Colour, H: int
) -> None:
    """A display block in the backdrop's colour."""
    lid = tuple(int(c) for c in np.clip(base * 1.02 + 8, 0, 246))
    front = tuple(int(c) for c in np.clip(base * 0.80 + 8, 0, 255))
    _block(canvas, surface, (lid, front), shade, H)
