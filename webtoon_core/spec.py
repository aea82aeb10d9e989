"""How a service describes itself to the shared core.

A service is a ``ServiceSpec`` (its names, its form, its choices) and an
engine factory; everything else (uploads, jobs, the deadline, errors, logs,
metrics, probes, CORS, request ids) is the same code for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel

from webtoon_core.settings import CommonSettings

P = TypeVar("P", bound=BaseModel)
S = TypeVar("S", bound=CommonSettings)


@dataclass(frozen=True)
class ServiceSpec(Generic[P, S]):
    key: str  # metrics label: "ppl" | "goods"
    label: str  # how logs and messages name it: "PPL" | "굿즈"
    title: str
    api_prefix: str  # "/api/ppl-gen"
    page_path: str  # "/ppl-gen": where the page lives
    download_stem: str  # "generated-ppl-image"
    params_model: type[P]
    file_fields: tuple[str, ...]
    describe: Callable[[P], str]  # the parameters, for the 생성 요청 log line
    result_format: Callable[[P], str]  # what the user asked for: the result is converted to it
    choices: Callable[[S], dict[str, Any]]  # the form's choices, for the info endpoint
    extra_routes: tuple[APIRouter, ...] = field(default=())
