"""The load generator: generation requests from the harness process (httpx, asyncio)."""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from bench.payloads import FilePart, MultipartTemplate

PPL_PATH = "/api/ppl-gen/generate"
GOODS_PATH = "/api/goods-gen/generate"
PPL_PROMPT = "The character is holding the product in one hand and smiling"
REQUEST_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Sample:
    tag: str
    start: float  # time.monotonic(): the same clock as the fakes' and the prober's timestamps
    end: float
    status: int
    nbytes: int
    content_type: str

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Target:
    """A generation endpoint and the body it takes (files encoded once, tag per request)."""

    url: str
    template: MultipartTemplate
    service: str  # "ppl" | "goods"

    def fields(self, tag: str) -> dict[str, str]:
        if self.service == "ppl":
            return {"prompt": f"{tag} {PPL_PROMPT}", "output_format": "png"}
        return {"goods_type": "mug", "prompt": tag, "output_format": "png"}


def ppl_target(base_url: str, upload: bytes) -> Target:
    files = [
        FilePart("input_image_1", "character.jpg", "image/jpeg", upload),
        FilePart("input_image_2", "product.jpg", "image/jpeg", upload),
    ]
    return Target(base_url + PPL_PATH, MultipartTemplate(files), "ppl")


def goods_target(base_url: str, upload: bytes) -> Target:
    files = [FilePart("input_image", "character.jpg", "image/jpeg", upload)]
    return Target(base_url + GOODS_PATH, MultipartTemplate(files), "goods")


def client(connections: int = 256) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(limits=limits, timeout=REQUEST_TIMEOUT_S)


async def generate(http: httpx.AsyncClient, target: Target, tag: str) -> Sample:
    body = target.template.body(target.fields(tag))
    headers = {"content-type": target.template.content_type}
    start = time.monotonic()
    try:
        response = await http.post(target.url, content=body, headers=headers)
        status, nbytes = response.status_code, len(response.content)
        content_type = response.headers.get("content-type", "")
    except httpx.HTTPError:
        status, nbytes, content_type = 0, 0, ""
    return Sample(tag, start, time.monotonic(), status, nbytes, content_type)


async def burst(http: httpx.AsyncClient, target: Target, prefix: str, n: int) -> list[Sample]:
    """``n`` generations sent at once."""
    return list(await asyncio.gather(*(generate(http, target, f"{prefix}-{i}") for i in range(n))))


async def closed_loop(
    http: httpx.AsyncClient, target: Target, prefix: str, workers: int, per_worker: int
) -> list[Sample]:
    """``workers`` clients, each sending its next request when the last one is answered."""

    async def worker(w: int) -> list[Sample]:
        return [await generate(http, target, f"{prefix}-w{w}-{i}") for i in range(per_worker)]

    batches = await asyncio.gather(*(worker(w) for w in range(workers)))
    return [s for batch in batches for s in batch]


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan
