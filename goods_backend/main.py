"""Goods service: ``uvicorn --factory goods_backend.main:create_app --port 8001``.

Importing this module builds nothing: the app (its settings, logging and
engine) comes into being when ``create_app()`` is called.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI

from goods_backend import catalogue, params
from goods_backend.print_file.route import print_file_routes
from goods_backend.settings import GoodsSettings, get_settings
from webtoon_core.app import create_service_app
from webtoon_core.engine import Engine, EngineResources, LocalEngine
from webtoon_core.service import ServiceSpec

catalogue_routes = APIRouter()


@catalogue_routes.get("/goods-types")
async def goods_types() -> list[dict[str, str]]:
    """The goods catalogue: id, Korean label, description, default aspect ratio."""
    return catalogue.as_json()


SPEC: ServiceSpec[params.GoodsParams, GoodsSettings] = ServiceSpec(
    key="goods",
    label="굿즈",
    title="굿즈 이미지 생성 API",
    api_prefix="/api/goods-gen",
    page_path="/goods-gen",
    download_stem="generated-goods",
    params_model=params.GoodsParams,
    file_fields=params.FILE_FIELDS,
    describe=params.describe,
    result_format=params.result_format,
    choices=params.choices,
    extra_routes=(catalogue_routes, print_file_routes),
)


def build_engine(resources: EngineResources[GoodsSettings]) -> Engine[Any]:
    if resources.settings.goods_engine == "bfl":
        from goods_backend.bfl_engine import BflEngine

        return BflEngine(resources)
    from goods_backend.local_engine import render

    return LocalEngine(resources, render, model="local-mockup")


def create_app(settings: GoodsSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or get_settings(), build_engine)
