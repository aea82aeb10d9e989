"""PPL without a provider: the Pillow compositor (run by ``webtoon_core.engine.LocalEngine``)."""

from __future__ import annotations

from collections.abc import Mapping

from ppl_backend.local_compositor import compose_product_shot
from ppl_backend.params import PplParams
from webtoon_core.images import PreparedImage, encode_image


def render(params: PplParams, images: Mapping[str, PreparedImage]) -> bytes:
    image = compose_product_shot(
        images["input_image_1"].to_pil(),
        images["input_image_2"].to_pil(),
        prompt=params.prompt,
        aspect_ratio=params.aspect_ratio,
        seed=params.seed,
    )
    return encode_image(image, params.replicate_output_format)
