"""What keeping jobs costs: the store's share of a generation, and history with 10,000 jobs.

Two figures, each on the embedded store (a directory) and, when Azurite is
installed (``.tools/node_modules/.bin/azurite-blob``), on Azure Blob through
it:

- the job's own cost per generation: the time spent in store operations
  (create, saves, result, thumbnail, end) measured by the service's own
  ``job_store_seconds`` histogram over sequential local-engine generations,
  next to the end-to-end time;
- history: 10,000 jobs written straight into a store, spread over the last 30
  days (the default retention), then the first page and a page near the end
  (``GET .../jobs?limit=20``), timed in-process.

    .venv/bin/python -m bench.jobs
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median
from typing import Any

from fastapi.testclient import TestClient
from ulid import ULID

from bench.payloads import character_png
from goods_backend.main import create_app
from goods_backend.settings import GoodsSettings
from webtoon_core.jobs.model import Job, history_key
from webtoon_core.jobs.repository import JobRepository
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.store import open_store

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
HISTORY_JOBS = 10_000
HISTORY_DAYS = 30  # the jobs of a month, the default retention (JOB_RETENTION_DAYS)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _azurite() -> Iterator[dict[str, str] | None]:
    binary = ROOT / ".tools" / "node_modules" / ".bin" / "azurite-blob"
    if not binary.exists():
        yield None
        return
    port, data = _free_port(), Path(tempfile.mkdtemp(prefix="azurite-"))
    proc = subprocess.Popen(  # noqa: S603 - a fixed argv
        [str(binary), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(data),
         "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        endpoint = f"http://127.0.0.1:{port}/{ACCOUNT}"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("azurite did not start") from None
                time.sleep(0.1)
        from azure.storage.blob import BlobServiceClient

        conn = (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={endpoint};"
        )
        BlobServiceClient.from_connection_string(conn).create_container("bench")
        yield {
            "job_store_url": "az://bench",
            "job_store_endpoint": endpoint,
            "azure_storage_account_name": ACCOUNT,
            "azure_storage_account_key": KEY,
        }
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)


def _histogram_sum(metrics: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith(f"{name}_sum{{")
    )


def generation_cost(store: dict[str, str], n: int) -> dict[str, Any]:
    """Sequential local-engine generations: end to end, and the store's part of each."""
    image = character_png((768, 768))
    with TestClient(create_app(GoodsSettings(**store))) as client:
        form = {"goods_type": "sticker"}
        files = {"input_image": ("c.png", image, "image/png")}
        client.post("/api/goods-gen/generate", data=form, files=files)  # warm-up
        before = _histogram_sum(client.get("/metrics").text, "job_store_seconds")
        walls = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.post("/api/goods-gen/generate", data=form, files=files)
            walls.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
        time.sleep(1.5)  # the last events' delayed save
        after = _histogram_sum(client.get("/metrics").text, "job_store_seconds")
    return {
        "n": n,
        "e2e_p50_ms": median(walls) * 1000,
        "store_ms_per_job": (after - before) / n * 1000,
    }


async def _kept(repo: JobRepository, job: Job) -> None:
    """A finished job as the service leaves it (not among the active ones a replica watches)."""
    await repo.create(job, {})
    await repo.forget_active(job.id)


async def _fill(store: dict[str, str], count: int, days: int) -> list[str]:
    """``count`` finished jobs spread evenly over the last ``days`` days.

    Returns their ids, oldest first.
    """
    repo = JobRepository(open_store(GoodsSettings(**store), ServiceMetrics("goods")), "goods")
    span = days * 86400 * 0.98  # inside the retention: the sweep must not delete them meanwhile
    now, step = time.time(), span / count
    ids: list[str] = []
    for start in range(0, count, 25):  # a few at a time: Azurite is one Node process
        batch = []
        for n in range(start, min(start + 25, count)):
            created = now - span + n * step
            job = Job(id=str(ULID.from_timestamp(created)), service="goods", owner="anonymous",
                      engine="local", model="local-mockup", params={"goods_type": "mug"},
                      inputs=[], replica="bench", created_at=created, deadline_at=created,
                      status="succeeded")  # fmt: skip
            batch.append(_kept(repo, job))
            ids.append(job.id)
        await asyncio.gather(*batch)
    return ids


def history(
    store: dict[str, str], count: int = HISTORY_JOBS, days: int = HISTORY_DAYS
) -> dict[str, Any]:
    """``GET /jobs?limit=20`` with ``count`` jobs kept: the first page and one near the end."""
    ids = asyncio.run(_fill(store, count, days))
    with TestClient(create_app(GoodsSettings(**store))) as client:

        def page(cursor: str | None) -> tuple[float, dict[str, Any]]:
            params: dict[str, Any] = {"limit": 20}
            if cursor:
                params["cursor"] = cursor
            started = time.perf_counter()
            body = client.get("/api/goods-gen/jobs", params=params).json()
            return time.perf_counter() - started, body

        firsts = [page(None)[0] for _ in range(5)]
        # A page near the end: the cursor is the previous page's last key.
        older = ids[40]  # newest first, the 40 oldest come after it
        deep_cursor = history_key(older)
        deep = [page(deep_cursor)[0] for _ in range(5)]
        assert len(page(deep_cursor)[1]["jobs"]) == 20
    return {
        "jobs": count,
        "days": days,
        "first_page_ms": median(firsts) * 1000,
        "deep_page_ms": median(deep) * 1000,
    }


def measure(n: int = 30) -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        local = {"job_store_url": f"file://{tmp}"}
        results["local"] = {"generation": generation_cost(local, n), "history": history(local)}
    with _azurite() as azure:
        if azure is not None:
            results["azurite"] = {
                "generation": generation_cost(azure, n),
                "history": history(azure),
            }
    return results


if __name__ == "__main__":
    import json
    import logging

    logging.getLogger("azure").setLevel(logging.WARNING)
    logging.getLogger("webtoon_core").setLevel(logging.WARNING)
    print(json.dumps(measure(), indent=1))
