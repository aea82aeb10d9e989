"""Goods without a provider: the mockup renderer (run by ``webtoon_core.engine.LocalEngine``)."""

from __future__ import annotations

from collections.abc import Mapping

from goods_backend.catalogue import guess_kind
from goods_backend.mockup_renderer import render_mockup
from goods_backend.params import GoodsParams
from webtoon_core.images import PreparedImage, encode_image


def render(params: GoodsParams, images: Mapping[str, PreparedImage]) -> bytes:
    """The mockup of the chosen (or prompt-guessed) goods kind, encoded as asked."""
    kind = params.kind or guess_kind(params.prompt)
    character = images["input_image"]
    image = render_mockup(
        character.to_pil(),
        kind=kind.id,
        prompt=params.prompt,
        aspect_ratio=params.effective_aspect_ratio,
        seed=params.seed,
        has_alpha=character.has_alpha,  # answered once, when the upload was normalised
    )
    return encode_image(image, params.bfl_output_format)
