"""Goods without a provider: the mockup renderer (run by ``webtoon_core.engine.LocalEngine``)."""

from __future__ import annotations

from collections.abc import Mapping

from goods_backend.catalogue import guess_kind
from goods_backend.mockup_renderer import render_mockup
from goods_backend.params import GoodsParams
from webtoon_core.images import PreparedImage, encode_image


def render(params: GoodsParams, images: Mapping[str, PreparedImage]) -> bytes:
    kind = params.kind or guess_kind(params.prompt)
    image = render_mockup(
        images["input_image"].to_pil(),
        kind=kind.id,
        prompt=params.prompt,
        aspect_ratio=params.effective_aspect_ratio,
        seed=params.seed,
    )
    return encode_image(image, params.bfl_output_format)
