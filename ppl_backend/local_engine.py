"""PPL without a provider: the Pillow compositor (run by ``webtoon_core.engine.LocalEngine``)."""

from __future__ import annotations

from collections.abc import Mapping

from ppl_backend.compositor import compose_product_shot
from ppl_backend.params import PplParams
from webtoon_core.images import PreparedImage, encode_image


def render(params: PplParams, images: Mapping[str, PreparedImage]) -> bytes:
    """The composited shot of ``input_image_1`` holding ``input_image_2``, encoded as asked."""
    character, product = images["input_image_1"], images["input_image_2"]
    image = compose_product_shot(
        character.to_pil(),
        product.to_pil(),
        prompt=params.prompt,
        aspect_ratio=params.aspect_ratio,
        seed=params.seed,
        # answered once, when the upload was normalised
        character_has_alpha=character.has_alpha,
        product_has_alpha=product.has_alpha,
    )
    return encode_image(image, params.replicate_output_format)
