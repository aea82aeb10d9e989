"""Shadows: a soft drop shadow under every cut-out, a blurred ellipse where things meet a surface.

Shadows are the scene's colour made dark (:data:`SHADE`), never pure black.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageOps

from webtoon_core.compositing import soft_shadow

Colour = tuple[int, ...]

SHADE = 0.30  # shadows are the scene colour this dark, not pure black
BLUR_REACH = 3  # a drop shadow's blur reaches this many blur radii past the silhouette
MIN_BLUR = 0.5  # px
CONTACT_BLUR = 0.35  # a contact shadow's blur, in its ellipse's heights


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


CHARACTER_CONTACT = ContactShadow(0.75, 0.06, 0.55)  # at the feet, in the figure's size
CHARACTER_CAST = CastShadow((0.025, 0.012), blur=0.02, opacity=0.22)
CARD_CONTACT = ContactShadow(0.9, 0.035, 0.5)  # under a photo card, in its size
CARD_CAST = CastShadow((0.02, 0.025), blur=0.03, opacity=0.35)
PRODUCT_CONTACT = ContactShadow(1.05, 0.12, 0.6)  # under a standing product, in its size
BLOCK_CONTACT = ContactShadow(1.1, 0.08, 0.55)  # under a table or plinth, in its width
STANDING_CAST = CastShadow((0.08, 0.02), blur=0.045, opacity=0.28)
HELD_CAST = CastShadow((0.05, 0.04), blur=0.045, opacity=0.3)
WORN_CAST = CastShadow((0.02, 0.05), blur=0.03, opacity=0.25)


def paste_with_shadow(
    canvas: Image.Image, rgba: Image.Image, pos: tuple[int, int], cast: CastShadow, shade: Colour
) -> None:
    """Paste a cut-out at ``pos`` over its own soft drop shadow."""
    cast_shadow(canvas, rgba, pos, cast, shade)
    canvas.paste(rgba, pos, rgba)


def cast_shadow(
    canvas: Image.Image, rgba: Image.Image, pos: tuple[int, int], cast: CastShadow, colour: Colour
) -> None:
    """Soft drop shadow of ``rgba``'s silhouette pasted at ``pos``, lit from the upper left."""
    blur = cast.blur * rgba.height
    pad = int(BLUR_REACH * blur) + 2
    mask = soft_shadow(
        ImageOps.expand(rgba.getchannel("A"), pad, fill=0),
        blur=max(blur, MIN_BLUR),
        opacity=cast.opacity,
    )
    dx, dy = cast.offset[0] * rgba.width, cast.offset[1] * rgba.height
    x, y = int(pos[0] + dx) - pad, int(pos[1] + dy) - pad
    canvas.paste(colour, (x, y, x + mask.width, y + mask.height), mask)


def contact_shadow(
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
    mask = soft_shadow(mask, blur=h * CONTACT_BLUR, opacity=contact.opacity)
    x, y = int(centre[0] - w / 2) - pad, int(centre[1] - h / 2) - pad
    canvas.paste(colour, (x, y, x + mask.width, y + mask.height), mask)
