"""PPL service: ``uvicorn --factory ppl_backend.main:create_app --port 8000``.

Importing this module builds nothing: the app (its settings, logging and
engine) comes into being when ``create_app()`` is called.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from ppl_backend import params
from ppl_backend.settings import PplSettings, get_settings
from webtoon_core.app import create_service_app
from webtoon_core.engine import Engine, EngineResources, LocalEngine
from webtoon_core.service import ServiceSpec

SPEC: ServiceSpec[params.PplParams, PplSettings] = ServiceSpec(
    key="ppl",
    label="PPL",
    title="PPL 이미지 생성 API",
    api_prefix="/api/ppl-gen",
    page_path="/ppl-gen",
    download_stem="generated-ppl-image",
    params_model=params.PplParams,
    file_fields=params.FILE_FIELDS,
    describe=params.describe,
    result_format=params.result_format,
    choices=params.choices,
)


def build_engine(resources: EngineResources[PplSettings]) -> Engine[Any]:
    if resources.settings.ppl_engine == "replicate":
        from ppl_backend.replicate_engine import ReplicateEngine

        return ReplicateEngine(resources)
    from ppl_backend.local_engine import render

    return LocalEngine(resources, render, model="local-compositor")


def create_app(settings: PplSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or get_settings(), build_engine)
