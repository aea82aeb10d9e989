"""The product shot, end to end: read the prompt, lift both subjects, lay out, paint."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

from PIL import Image

from ppl_backend.compositor.draw import draw_shot
from ppl_backend.compositor.figure import lift_figure
from ppl_backend.compositor.layout import plan_shot
from ppl_backend.compositor.product import lift_product, tilt_product, worn_item
from ppl_backend.compositor.prompt import parse_prompt
from ppl_backend.compositor.proportions import PLACEMENTS, WORN, Box, Worn
from ppl_backend.compositor.shot import Draws, Plan, Shot
from webtoon_core.compositing import canvas_size
from webtoon_core.images import has_real_transparency


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
    intent = parse_prompt(prompt)
    side, draws = seeded(prompt, seed, intent.side)
    width, height = canvas_size(aspect_ratio, longest_side=longest_side, source_size=character.size)
    figure, base = lift_figure(character, _transparent(character, character_has_alpha))
    name = intent.placement
    if name == "worn" and figure.card:
        name = "hold"  # nothing can be worn by a photo
    item = worn_item(intent.item, product.size) if name == "worn" else None
    lenses = item == "eyewear"
    prod, whole_frame = lift_product(product, _transparent(product, product_has_alpha), lenses)
    worn = WORN[item] if item is not None else None
    prod = tilt_product(prod, product_tilt(name, worn, side, draws))
    shot = Shot(width, height, figure, prod, name, PLACEMENTS[name], worn, side, draws)
    plan = plan_shot(shot)
    return ProductShot(draw_shot(shot, plan, base), _account(shot, plan, item, whole_frame))


def seeded(prompt: str, seed: int | None, asked_side: int | None) -> tuple[int, Draws]:
    """The side (unless the prompt asked for one) and everything else the seed decides.

    The seed's last two bits choose the side and the framing and size half, so
    any two seeds up to three apart differ in one of them; the rest is drawn.
    """
    # Layout variation only, not security: a private seeded generator keeps results reproducible.
    rng = random.Random(zlib.crc32(prompt.encode()) if seed is None else seed)  # noqa: S311
    bits = seed if seed is not None else rng.getrandbits(2)
    side = asked_side if asked_side is not None else 1 - 2 * (bits % 2)
    return side, Draws.from_rng(rng, (bits // 2) % 2)


def product_tilt(name: str, worn: Worn | None, side: int, draws: Draws) -> float:
    """The product's tilt in degrees: the seed's share of its placement's (or item's) largest.

    A used product leans into the body.
    """
    tilt = draws.tilt * (worn.tilt if worn is not None else PLACEMENTS[name].tilt)
    return -side * abs(tilt) if worn is None and name == "use" else tilt


def _transparent(image: Image.Image, has_alpha: bool | None) -> bool:
    """The caller's answer to "real transparency?", else :func:`has_real_transparency`'s."""
    return has_real_transparency(image) if has_alpha is None else has_alpha


def _account(shot: Shot, plan: Plan, item: str | None, whole_frame: bool) -> ShotLayout:
    """The plan in the layout's terms: boxes in frame pixels."""
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
