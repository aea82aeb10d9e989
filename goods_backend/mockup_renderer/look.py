"""The seeded look of a mockup (colours a prompt may name, backdrop, jitter); shared constants."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

Colour = tuple[int, int, int]
SUPERSAMPLE = 2  # vector shapes are drawn at this many times the size, then box-reduced
TO_LIGHT = (-0.6, -0.8)  # screen-space direction towards the key light (upper left)
WHITE = (255.0, 255.0, 255.0)


# --------------------------------------------------------------------------- colours

# Fabric/ceramic-plausible versions of the colours a prompt may name.
_BASE_COLOURS: dict[str, Colour] = {
    "white": (244, 243, 239),
    "black": (40, 40, 44),
    "navy": (32, 43, 76),
    "gray": (148, 151, 156),
    "red": (188, 38, 46),
    "blue": (48, 100, 186),
    "pink": (243, 172, 196),
    "yellow": (244, 207, 78),
    "green": (60, 124, 84),
    "beige": (222, 205, 174),
}

# English words need letter boundaries ("red" must not fire inside "colored");
# Korean colour words take particles and suffixes, so they are matched as substrings.
_COLOUR_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "white": (("white",), ("흰색", "화이트", "하얀", "흰")),
    "black": (("black",), ("검정", "블랙", "검은")),
    "navy": (("navy",), ("네이비", "남색")),
    "gray": (("gray", "grey"), ("회색", "그레이")),
    "red": (("red",), ("빨강", "빨간")),
    "blue": (("blue",), ("파랑", "파란")),
    "pink": (("pink",), ("분홍", "핑크")),
    "yellow": (("yellow",), ("노랑", "노란")),
    "green": (("green",), ("초록",)),
    "beige": (("beige",), ("베이지",)),
}

# Products that come in colours, with their default (undyed) base.
_DEFAULT_BASE: dict[str, Colour] = {
    "tshirt": (244, 243, 239),
    "mug": (246, 245, 241),
    "ecobag": (235, 225, 203),  # natural cotton canvas
    "phone_case": (241, 240, 237),
    "cushion": (242, 236, 223),
}

# Soft studio backdrops; the seed picks one, so re-rolls change the mood, not the product.
_BACKDROPS: tuple[Colour, ...] = (
    (219, 212, 201),  # warm sand
    (205, 212, 220),  # cool grey-blue
    (208, 217, 204),  # sage
    (226, 209, 204),  # blush
    (212, 207, 224),  # lavender
    (222, 215, 195),  # wheat
)


def _colour_hint(prompt: str) -> str | None:
    """The base colour named earliest in ``prompt`` ("navy blue" -> navy), if any."""
    text = prompt.lower()
    best: tuple[int, str] | None = None
    for name, (english, korean) in _COLOUR_WORDS.items():
        hits = [m.start() for w in english for m in re.finditer(rf"(?<![a-z]){w}(?![a-z])", text)]
        hits += [i for w in korean if (i := text.find(w)) >= 0]
        if hits and (best is None or min(hits) < best[0]):
            best = (min(hits), name)
    return best[1] if best else None


def planar(colour: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """A constant colour shaped (3, 1, 1), to broadcast against planar images."""
    return np.asarray(colour, np.float32).reshape(3, 1, 1)


# --------------------------------------------------------------------------- look


@dataclass(frozen=True)
class Look:
    """Everything a drawing function may vary: the prompt's colour and the seed's jitter."""

    hint: str | None
    backdrop: tuple[float, float, float]
    tilt: float  # in [-1, 1]; each kind scales it by how much that product may lie askew
    print_scale: float  # print size relative to the product's print area
    glow_x: float  # horizontal shift of the backdrop's light pool
    seed: int

    def base(self, kind: str) -> np.ndarray:
        """The product's base colour: the prompt's colour if it names one, else the default."""
        return planar(_BASE_COLOURS[self.hint] if self.hint else _DEFAULT_BASE[kind])

    def rng(self, salt: int) -> np.random.Generator:
        """A private generator per purpose, so textures never shift the other jitter."""
        return np.random.default_rng([self.seed, salt])


def make_look(prompt: str, seed: int | None) -> Look:
    """The look for a prompt and seed: same arguments, same look (``None`` acts as seed 0)."""
    norm = 0 if seed is None else seed % (1 << 64)  # default_rng refuses negative seeds
    rng = np.random.default_rng(norm)
    tint = np.asarray(_BACKDROPS[int(rng.integers(len(_BACKDROPS)))], np.float64)
    tint = tint + rng.uniform(-5.0, 5.0, 3)
    return Look(
        hint=_colour_hint(prompt),
        backdrop=(float(tint[0]), float(tint[1]), float(tint[2])),
        tilt=float(rng.uniform(-1.0, 1.0)),
        print_scale=float(rng.uniform(0.9, 1.0)),
        glow_x=float(rng.uniform(-0.12, 0.12)),
        seed=norm,
    )
