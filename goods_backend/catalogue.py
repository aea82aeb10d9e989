"""The goods catalogue: each kind of merchandise, its label and its model prompt.

The model follows English best, so every kind owns an English prompt written
for it (what the object is, where the print sits, how it is lit), and the
creator's own words are woven in as extra direction.  The labels are what
the goods page shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEEP_CHARACTER = (
    "Use the character from the reference image exactly as drawn: keep its face, "
    "colors, line art, outfit and proportions unchanged, and do not add text or logos."
)
PHOTO_STYLE = (
    "Professional e-commerce product photograph, soft studio lighting, clean light "
    "seamless backdrop, realistic materials, sharp focus, high detail."
)


@dataclass(frozen=True)
class GoodsKind:
    id: str
    label: str
    description: str
    aspect_ratio: str
    product: str  # English: the object and how it carries the print

    def prompt(self, extra: str = "") -> str:
        parts = [f"Create a product photo of {self.product}.", KEEP_CHARACTER, PHOTO_STYLE]
        if extra.strip():
            parts.append(f"Additional direction from the creator: {extra.strip()}")
        return " ".join(parts)


CATALOGUE: tuple[GoodsKind, ...] = (
    GoodsKind(
        "tshirt",
        "티셔츠",
        "가슴 중앙에 캐릭터를 프린트한 반팔 티셔츠",
        "3:4",
        "a white short-sleeve crew-neck cotton T-shirt shown flat and front-facing, with the "
        "character printed large and centered on the chest as a crisp screen print that follows "
        "the gentle folds of the fabric",
    ),
    GoodsKind(
        "mug",
        "머그컵",
        "곡면을 따라 캐릭터를 감싼 세라믹 머그컵",
        "4:3",
        "a glossy white ceramic 11 oz coffee mug with the handle on the right, the character "
        "printed on the side and wrapping naturally around the curved surface, with a soft "
        "reflection on the glaze",
    ),
    GoodsKind(
        "ecobag",
        "에코백",
        "앞면에 캐릭터를 프린트한 캔버스 에코백",
        "3:4",
        "a natural off-white cotton canvas tote bag with two long handles, the character "
        "printed on the front panel as a flat screen print showing the woven canvas texture",
    ),
    GoodsKind(
        "acrylic_keyring",
        "아크릴 키링",
        "실루엣대로 자른 투명 아크릴 키링",
        "1:1",
        "a clear acrylic keychain charm die-cut along the character's silhouette with a thin "
        "transparent border, printed in full color, hanging from a small silver ring and chain, "
        "with glossy highlights on the acrylic edges",
    ),
    GoodsKind(
        "acrylic_stand",
        "아크릴 스탠드",
        "받침대에 세운 투명 아크릴 스탠드",
        "3:4",
        "a clear acrylic standee of the character, die-cut along its silhouette and standing "
        "upright in a slotted clear acrylic base on a desk, the edges catching the light",
    ),
    GoodsKind(
        "sticker",
        "스티커",
        "흰 테두리로 다이컷한 비닐 스티커",
        "1:1",
        "a die-cut glossy vinyl sticker of the character with a thick white border following "
        "its silhouette, one corner slightly peeling up, lying on a clean desk surface",
    ),
    GoodsKind(
        "phone_case",
        "폰케이스",
        "뒷면에 캐릭터를 프린트한 스마트폰 케이스",
        "9:16",
        "a glossy smartphone back case with the character printed across the back, a camera "
        "cut-out in the top-left corner, photographed upright at a slight angle",
    ),
    GoodsKind(
        "badge",
        "뱃지",
        "원 안에 캐릭터를 담은 핀버튼 뱃지",
        "1:1",
        "a round 58 mm pin-back button badge with the character printed inside the circle, a "
        "glossy domed surface with a soft highlight and a thin metal rim",
    ),
    GoodsKind(
        "cushion",
        "쿠션",
        "캐릭터를 프린트한 정사각형 쿠션",
        "1:1",
        "a square 45 cm soft cushion with the character printed on the front, plush fabric "
        "texture and gently puffed edges, resting on a light sofa",
    ),
    GoodsKind(
        "poster",
        "포스터",
        "액자에 넣은 A3 포스터",
        "2:3",
        "an A3 art poster of the character in a thin black frame hanging on a light wall, the "
        "artwork filling the poster with a small white margin",
    ),
)

BY_ID: dict[str, GoodsKind] = {kind.id: kind for kind in CATALOGUE}

# Words a free prompt uses for each kind, so the local preview can pick one.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "tshirt": ("t-shirt", "tshirt", "tee", "shirt", "티셔츠"),
    "mug": ("mug", "cup", "머그", "컵"),
    "ecobag": ("tote", "eco bag", "ecobag", "bag", "에코백", "가방"),
    "acrylic_keyring": ("keyring", "keychain", "key ring", "키링"),
    "acrylic_stand": ("standee", "acrylic stand", "스탠드"),
    "sticker": ("sticker", "스티커"),
    "phone_case": ("phone case", "phone", "폰케이스", "케이스"),
    "badge": ("badge", "button", "pin", "뱃지", "배지"),
    "cushion": ("cushion", "pillow", "쿠션", "베개"),
    "poster": ("poster", "print", "포스터"),
}


def guess_kind(prompt: str) -> GoodsKind:
    """The kind a free prompt talks about (first mention wins); a poster otherwise."""
    text = prompt.lower()
    best: tuple[int, str] | None = None
    for kind_id, words in _KEYWORDS.items():
        for word in words:
            match = re.search(r"(?<![a-z])" + re.escape(word) + r"(?![a-z])", text)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), kind_id)
    return BY_ID[best[1] if best else "poster"]


def as_json() -> list[dict[str, str]]:
    return [
        {
            "id": k.id,
            "label": k.label,
            "description": k.description,
            "default_aspect_ratio": k.aspect_ratio,
        }
        for k in CATALOGUE
    ]
