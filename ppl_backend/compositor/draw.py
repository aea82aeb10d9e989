"""Painting a planned shot: the backdrop, furniture, the figure and the product over shadows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from ppl_backend.compositor.shadows import (
    CARD_CAST,
    CARD_CONTACT,
    CHARACTER_CAST,
    CHARACTER_CONTACT,
    HELD_CAST,
    PRODUCT_CONTACT,
    SHADE,
    STANDING_CAST,
    WORN_CAST,
    Colour,
    contact_shadow,
    paste_with_shadow,
)
from ppl_backend.compositor.shot import Plan, Shot
from ppl_backend.compositor.studio import LIGHT, backdrop, furniture
from webtoon_core.compositing import scale_rgba

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)  # Rec. 601 brightness weights


@dataclass(frozen=True)
class SceneMatch:
    """How far the product's colour is pulled toward the scene it is placed in."""

    backdrop: float = 0.5  # the scene's colour: this share backdrop, the rest the character
    brightness: tuple[float, float] = (0.7, 0.3)  # weights of its own and the scene's brightness
    gain: tuple[float, float] = (0.9, 1.1)  # the brightness change stays within these factors
    tint: float = 0.1  # share of the scene's colour cast it takes on
    key_light: tuple[float, float] = (1.04, 0.94)  # brightness factor at its top and bottom


SCENE = SceneMatch()


def draw_shot(shot: Shot, plan: Plan, base: np.ndarray) -> Image.Image:
    """Backdrop, furniture, the figure and the product, each over its shadows."""
    fig, s = shot.figure, plan.scale
    fx, fy = plan.figure_xy
    char = scale_rgba(fig.rgba, s)
    shade: Colour = tuple(int(c) for c in base * SHADE)
    focus = (fx + char.width / 2, fy + min(char.height, shot.height - fy) / 2)
    horizon = plan.floor_y - LIGHT.horizon * fig.rgba.height * s
    canvas = backdrop(shot.width, shot.height, base, focus, horizon)
    if plan.surface is not None:
        furniture(canvas, plan.surface, base, shade)
    _draw_figure(canvas, shot, plan, char, shade)
    _draw_product(canvas, shot, plan, base, shade)
    return canvas


def _draw_figure(
    canvas: Image.Image, shot: Shot, plan: Plan, char: Image.Image, shade: Colour
) -> None:
    """The scaled figure over its drop shadow, standing in a contact shadow when its feet show."""
    fx, fy = plan.figure_xy
    pos = (round(fx), round(fy))
    if shot.figure.card:
        bottom = (fx + char.width / 2, fy + char.height)
        contact_shadow(canvas, bottom, (char.width, char.height), CARD_CONTACT, shade)
        paste_with_shadow(canvas, char, pos, CARD_CAST, shade)
        return
    if not shot.figure.cut_off and plan.floor_y < shot.height:
        feet = (fx + char.width / 2, plan.floor_y)
        contact_shadow(canvas, feet, char.size, CHARACTER_CONTACT, shade)
    paste_with_shadow(canvas, char, pos, CHARACTER_CAST, shade)


def _draw_product(
    canvas: Image.Image, shot: Shot, plan: Plan, base: np.ndarray, shade: Colour
) -> None:
    """The product, in the scene's light, over its drop shadow (and contact shadow if standing)."""
    mix = SCENE.backdrop
    scene = mix * base + (1 - mix) * mean_rgb(shot.figure.rgba)
    scaled = scale_rgba(shot.product, plan.product_size[0] / shot.product.width)
    prod = match_scene(scaled, scene)
    px, py = plan.product_xy
    surface = plan.surface
    if surface is not None:
        reference = (prod.width, prod.height)
        centre = (px + prod.width / 2, surface.top)
        contact_shadow(canvas, centre, reference, PRODUCT_CONTACT, shade)
        cast = STANDING_CAST
    else:
        cast = WORN_CAST if shot.worn is not None else HELD_CAST
    paste_with_shadow(canvas, prod, (round(px), round(py)), cast, shade)


def mean_rgb(rgba: Image.Image) -> np.ndarray:
    """Alpha-weighted mean colour of an RGBA image (float32 RGB)."""
    arr = np.asarray(rgba, dtype=np.float32)
    weight = arr[..., 3:] / 255.0
    mean: np.ndarray = (arr[..., :3] * weight).sum(axis=(0, 1)) / max(float(weight.sum()), 1.0)
    return mean


def match_scene(rgba: Image.Image, scene: np.ndarray) -> Image.Image:
    """Pull the product's brightness and colour temperature part-way toward the scene."""
    arr = np.asarray(rgba, dtype=np.float32).copy()
    own = mean_rgb(rgba)
    own_l, scene_l = float(own @ LUMA), float(scene @ LUMA)
    keep, pull = SCENE.brightness
    gain = np.clip((keep * own_l + pull * scene_l) / max(own_l, 1.0), *SCENE.gain)
    tint = 1.0 + SCENE.tint * (scene / max(float(scene.mean()), 1.0) - 1.0)
    # Key light from above: a gentle top-to-bottom falloff gives the flat cutout some form.
    top, bottom = SCENE.key_light
    falloff = np.linspace(top, bottom, arr.shape[0], dtype=np.float32)[:, None, None]
    arr[..., :3] = np.clip(arr[..., :3] * gain * tint * falloff, 0, 255)
    return Image.fromarray(arr.astype(np.uint8), "RGBA")
