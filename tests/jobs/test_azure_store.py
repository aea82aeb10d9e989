"""The Azure Blob path, against Azurite (a real server): the store, and the jobs API on it."""

from __future__ import annotations

import itertools
import time

import pytest
from fastapi.testclient import TestClient

from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from tests.goods.conftest import goods_form
from tests.jobs.test_replicas import replica, start, wait_for
from webtoon_core.jobs.repository import JobRepository
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.store import Missing, open_store

PREFIX = "/api/goods-gen"
_names = itertools.count()


def container_name() -> str:
    return f"jobs{int(time.time())}{next(_names)}"


async def test_the_store_primitives_on_azure(azurite):
    store = open_store(GoodsSettings(**azurite.settings(container_name())), ServiceMetrics("goods"))
    assert await store.put("a/one", b"1") is True
    assert await store.get("a/one") == b"1"
    assert await store.put("a/one", b"2", create_only=True) is False  # a lease is taken once
    assert await store.get("a/one") == b"1"
    for key in ("a/two", "a/three", "b/four"):
        await store.put(key, b"")
    assert [k async for k in store.keys("a/")] == ["a/one", "a/three", "a/two"]
    assert [k async for k in store.keys("a/", after="a/one")] == ["a/three", "a/two"]
    await store.delete("a/one")
    await store.delete("a/one")  # twice: idempotent
    with pytest.raises(Missing):
        await store.get("a/one")


async def test_newest_first_pages_on_azure(azurite):
    from webtoon_core.jobs.model import Job, new_job_id

    store = open_store(GoodsSettings(**azurite.settings(container_name())), ServiceMetrics("goods"))
    repo = JobRepository(store, "goods")
    ids = []
    for _ in range(5):
        job = Job(id=new_job_id(), service="goods", owner="anonymous", engine="local", model="m",
                  params={}, inputs=[], replica="r",
                  created_at=time.time(), deadline_at=time.time())  # fmt: skip
        await repo.create(job, {})
        ids.append(job.id)
    first, cursor = await repo.page(None, limit=3, cursor=None)
    rest, end = await repo.page(None, limit=3, cursor=cursor)
    assert [j.id for j in first + rest] == ids[::-1] and end is None


def test_the_jobs_api_on_azure(azurite):
    with TestClient(create_goods(GoodsSettings(**azurite.settings(container_name())))) as client:
        data, files = goods_form()
        plain = client.post(f"{PREFIX}/generate", data=data, files=files)
        job_id = plain.headers["x-job-id"]
        kept = client.get(f"{PREFIX}/jobs/{job_id}/result")
        listed = client.get(f"{PREFIX}/jobs").json()["jobs"]
        thumb = client.get(f"{PREFIX}/jobs/{job_id}/thumbnail")
        rerun = client.post(f"{PREFIX}/jobs/{job_id}/rerun", params={"seed": "7"}).json()
        deleted = client.delete(f"{PREFIX}/jobs/{job_id}")
        gone = client.get(f"{PREFIX}/jobs/{job_id}")
    assert plain.status_code == 200 and kept.content == plain.content
    assert listed[0]["id"] == job_id and thumb.headers["content-type"] == "image/webp"
    assert rerun["rerun_of"] == job_id
    assert deleted.status_code == 204 and gone.status_code == 404


def test_two_replicas_share_jobs_on_azure(azurite, tmp_path):
    settings = azurite.settings(container_name())
    env = {key.upper(): value for key, value in settings.items() if key != "job_store_url"}
    store = settings["job_store_url"]
    with (
        replica("a", store, None, tmp_path, GOODS_ENGINE="local", **env) as a,
        replica("b", store, None, tmp_path, GOODS_ENGINE="local", **env) as b,
    ):
        job = start(a)
        done = wait_for(b, job["id"], "succeeded")
        import httpx

        assert httpx.get(f"{b}{PREFIX}/jobs/{job['id']}/result").status_code == 200
        assert httpx.delete(f"{b}{PREFIX}/jobs/{job['id']}").status_code == 204
        assert httpx.get(f"{a}{PREFIX}/jobs/{job['id']}").status_code == 404
    assert done["replica"] == "a"


async def test_a_refusing_store_is_reported_with_its_status_and_code_never_its_key(azurite, caplog):
    """What the operator reads in the log (docs: troubleshooting 3.15): the HTTP status and the
    service's own error code, with no key and no URL."""
    from webtoon_core.errors import StoreUnavailable

    missing = GoodsSettings(
        **{**azurite.settings(container_name()), "job_store_url": "az://nosuchcontainer"}
    )
    wrong_key = "A" * 86 + "=="
    refused = GoodsSettings(
        **{**azurite.settings(container_name()), "azure_storage_account_key": wrong_key}
    )
    for settings, expected in (
        (missing, "HTTP 404 ContainerNotFound"),
        (refused, "PermissionDeniedError HTTP 403"),
    ):
        store = open_store(settings, ServiceMetrics("goods"))
        with pytest.raises(StoreUnavailable) as info:
            await store.put("goods/health/probe", b"1")
        assert expected in info.value.log_detail
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("webtoon_core"))
    assert "HTTP 404 ContainerNotFound" in ours and "PermissionDeniedError HTTP 403" in ours
    assert wrong_key not in ours and "devstoreaccount1/" not in ours and "127.0.0.1" not in ours
