"""Goods without a provider: the mockup renderer, run in the worker pool."""

from __future__ import annotations

from collections.abc import Mapping

from goods_backend.catalogue import guess_kind
from goods_backend.mockup_renderer import render_mockup
from goods_backend.params import GoodsParams
from webtoon_core.engine import EngineResources, GenerationContext, RunSync
from webtoon_core.images import PreparedImage, encode_image


def render(params: GoodsParams, character: PreparedImage) -> bytes:
    kind = params.kind or guess_kind(params.prompt)
    image = render_mockup(
        character.to_pil(),
        kind=kind.id,
        prompt=params.prompt,
        aspect_ratio=params.effective_aspect_ratio,
        seed=params.seed,
    )
    return encode_image(image, params.bfl_output_format)


class LocalGoodsEngine:
    """No network, no key: always ready."""

    name = "local"

    def __init__(self, resources: EngineResources[object]) -> None:
        self._run_sync: RunSync = resources.run_sync

    def not_ready_reason(self) -> str | None:
        return None

    async def generate(
        self, params: GoodsParams, images: Mapping[str, PreparedImage], ctx: GenerationContext
    ) -> bytes:
        ctx.submitted("local")
        ctx.progress("rendering", 0.0)
        data = await self._run_sync(render, params, images["input_image"])
        ctx.progress("rendered", 1.0)
        return data

    async def aclose(self) -> None:
        return None
