"""PPL without a provider: the Pillow compositor, run in the worker pool."""

from __future__ import annotations

from collections.abc import Mapping

from ppl_backend.local_compositor import compose_product_shot
from ppl_backend.params import PplParams
from webtoon_core.engine import EngineResources, GenerationContext, RunSync
from webtoon_core.images import PreparedImage, encode_image


def render(params: PplParams, character: PreparedImage, product: PreparedImage) -> bytes:
    image = compose_product_shot(
        character.to_pil(),
        product.to_pil(),
        prompt=params.prompt,
        aspect_ratio=params.aspect_ratio,
        seed=params.seed,
    )
    return encode_image(image, params.replicate_output_format)


class LocalPplEngine:
    """No network, no key: always ready."""

    name = "local"

    def __init__(self, resources: EngineResources[object]) -> None:
        self._run_sync: RunSync = resources.run_sync

    def not_ready_reason(self) -> str | None:
        return None

    async def generate(
        self, params: PplParams, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        ctx.submitted("local")
        ctx.progress("rendering", 0.0)
        data = await self._run_sync(render, params, images["input_image_1"], images["input_image_2"])
        ctx.progress("rendered", 1.0)
        return data

    async def aclose(self) -> None:
        return None
