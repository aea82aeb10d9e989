"""History newest first, page by page, across days, on disk and on Azure Blob (Azurite)."""

from __future__ import annotations

import itertools
import time

import pytest
from ulid import ULID

from goods_backend.settings import GoodsSettings
from webtoon_core.jobs.model import Job
from webtoon_core.jobs.repository import JobRepository
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.store import open_store

DAY = 86400.0
_names = itertools.count()


def job_at(created: float, owner: str) -> Job:
    job_id = str(ULID.from_timestamp(created))
    return Job(id=job_id, service="goods", owner=owner, engine="local", model="m", params={},
               inputs=[], replica="r", created_at=created, deadline_at=created,
               status="succeeded")  # fmt: skip


@pytest.fixture(params=["disk", "azure"])
def repo(request, tmp_path) -> JobRepository:
    if request.param == "disk":
        settings = GoodsSettings(job_store_url=f"file://{tmp_path}")
    else:
        azurite = request.getfixturevalue("azurite")
        settings = GoodsSettings(**azurite.settings(f"pages{int(time.time())}{next(_names)}"))
    return JobRepository(open_store(settings, ServiceMetrics("goods")), "goods")


async def walk(repo: JobRepository, owner: str | None, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        jobs, cursor = await repo.page(owner, limit=limit, cursor=cursor)
        pages.append([job.id for job in jobs])
        if cursor is None:
            return pages


async def test_pages_cross_day_folders_in_order_and_end_exactly(repo):
    now = time.time()
    # Five days back, a few jobs a day, some at the edges of their day; two owners.
    times = [now - d * DAY + s for d in (0, 1, 2, 3, 5) for s in (0.0, 1.0, 2.5)]
    jobs = [job_at(t, "kim@studio" if i % 3 else "lee@studio") for i, t in enumerate(times)]
    for job in jobs:
        await repo.create(job, {})
    newest_first = [j.id for j in sorted(jobs, key=lambda j: j.created_at, reverse=True)]

    pages = await walk(repo, None, limit=4)
    assert [len(p) for p in pages] == [4, 4, 4, 3]
    assert [i for page in pages for i in page] == newest_first

    kims = [i for i in newest_first if next(j for j in jobs if j.id == i).owner == "kim@studio"]
    assert [i for page in await walk(repo, "kim@studio", limit=3) for i in page] == kims

    # A page that ends exactly at a day's end still says there is more, and the next starts
    # the next day.
    first, cursor = await repo.page(None, limit=3, cursor=None)
    assert [j.id for j in first] == newest_first[:3] and cursor is not None
    after, _ = await repo.page(None, limit=3, cursor=cursor)
    assert [j.id for j in after] == newest_first[3:6]


async def test_a_deleted_job_leaves_no_hole_and_no_empty_day(repo):
    now = time.time()
    jobs = [job_at(now - d * DAY, "kim@studio") for d in (0, 1, 2)]
    for job in jobs:
        await repo.create(job, {})
    await repo.delete(jobs[1])  # the only job of its day
    assert await walk(repo, None, limit=1) == [[jobs[0].id], [jobs[2].id]]
