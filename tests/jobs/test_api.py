"""Both services' jobs API: every generation is a job, kept, followed, fetched, re-run, deleted."""

from __future__ import annotations

import json
import time

import pytest
import respx
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from ppl_backend.main import create_app as create_ppl
from ppl_backend.settings import PplSettings
from tests.core.test_streaming import parse_events
from tests.goods.conftest import bfl_settings, goods_form
from tests.ppl.conftest import ppl_form
from tests.support import same_picture, serve

PREFIX = "/api/goods-gen"
ASYNC = {"Prefer": "respond-async"}
USER = "X-Auth-Request-Email"
SECRET = "whsec_" + "dGVzdC13ZWJob29rLXNlY3JldC0xMjM0NTY3OA=="


def start(client: TestClient, headers: dict[str, str] | None = None, **fields) -> dict:
    data, files = goods_form(**fields)
    response = client.post(
        f"{PREFIX}/generate", data=data, files=files, headers={**ASYNC, **(headers or {})}
    )
    assert response.status_code == 202, response.text
    return response.json()


def wait_done(client: TestClient, job_id: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"{PREFIX}/jobs/{job_id}").json()
        if job["status"] not in ("queued", "running"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


@pytest.fixture
def client(tmp_path):
    with TestClient(create_goods(GoodsSettings(job_store_url=f"file://{tmp_path}"))) as c:
        yield c


def test_async_request_answers_202_with_the_job_and_its_location(client):
    accepted = client.post(
        f"{PREFIX}/generate", data=goods_form()[0], files=goods_form()[1], headers=ASYNC
    )
    job = accepted.json()
    assert (
        accepted.status_code == 202 and accepted.headers["location"] == f"{PREFIX}/jobs/{job['id']}"
    )
    assert len(job["id"]) == 26 and job["status"] in ("queued", "running", "succeeded")
    assert job["service"] == "goods" and job["owner"] == "anonymous" and job["engine"] == "local"
    assert job["params"]["goods_type"] == "mug" and job["inputs"][0]["field"] == "input_image"
    assert "events" not in job and "base64" not in json.dumps(job)
    done = wait_done(client, job["id"])
    assert done["status"] == "succeeded" and done["result"]["filename"] == "generated-goods.png"
    assert done["links"]["result"] == f"{PREFIX}/jobs/{job['id']}/result"
    assert done["finished_at"] >= done["started_at"] >= done["created_at"]


def test_the_plain_answer_is_unchanged_and_names_its_job(client):
    data, files = goods_form()
    plain = client.post(f"{PREFIX}/generate", data=data, files=files)
    assert plain.status_code == 200 and plain.headers["content-type"] == "image/png"
    job_id = plain.headers["x-job-id"]
    kept = client.get(f"{PREFIX}/jobs/{job_id}/result")
    assert kept.status_code == 200 and kept.content == plain.content
    assert kept.headers["content-disposition"] == plain.headers["content-disposition"]
    assert kept.headers["x-job-id"] == job_id


def test_the_event_stream_names_the_job_and_numbers_every_event(client):
    data, files = goods_form()
    response = client.post(
        f"{PREFIX}/generate", data=data, files=files, headers={"Accept": "text/event-stream"}
    )
    ids = [int(line[4:]) for line in response.text.splitlines() if line.startswith("id: ")]
    events = parse_events(response.text)
    assert ids == list(range(1, len(events) + 1))
    job_id = events[0][1]["job_id"]
    assert events[-1][0] == "done" and events[-1][1]["job_id"] == job_id
    assert events[-1][1]["image"].startswith("data:image/png;base64,")
    # A follower that reconnects gets only what it missed.
    again = client.get(f"{PREFIX}/jobs/{job_id}/events", headers={"Last-Event-ID": "2"})
    assert [int(line[4:]) for line in again.text.splitlines() if line.startswith("id: ")] == ids[2:]


def test_result_before_the_end_is_409_and_unknown_ids_are_404(client):
    with respx.mock:
        pass
    unknown = client.get(f"{PREFIX}/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    junk = client.get(f"{PREFIX}/jobs/..%2f..%2fetc")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "JOB_NOT_FOUND"
    assert junk.status_code == 404
    for path in ("/result", "/thumbnail", "/events", "/cancel"):
        method = client.post if path == "/cancel" else client.get
        assert method(f"{PREFIX}/jobs/01ARZ3NDEKTSV4RRFFQ69G5FAV{path}").status_code == 404


def test_a_thumbnail_is_made_once_and_history_lists_newest_first_in_pages(client):
    ids = [start(client, seed=str(n))["id"] for n in range(5)]
    for job_id in ids:
        wait_done(client, job_id)
    thumb = client.get(f"{PREFIX}/jobs/{ids[0]}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/webp"
    first = client.get(f"{PREFIX}/jobs", params={"limit": 2}).json()
    assert [j["id"] for j in first["jobs"]] == ids[::-1][:2] and first["next_cursor"]
    second = client.get(
        f"{PREFIX}/jobs", params={"limit": 2, "cursor": first["next_cursor"]}
    ).json()
    third = client.get(
        f"{PREFIX}/jobs", params={"limit": 2, "cursor": second["next_cursor"]}
    ).json()
    assert [j["id"] for j in second["jobs"] + third["jobs"]] == ids[::-1][2:]
    assert third["next_cursor"] is None


def test_a_batch_lists_its_own_jobs_newest_first_and_forgets_deleted_ones(client):
    one = start(client, batch_id="set-01", goods_type="mug")["id"]
    other = start(client, goods_type="sticker")["id"]
    two = start(client, batch_id="set-01", goods_type="tshirt")["id"]
    for job_id in (one, other, two):
        wait_done(client, job_id)
    batch = client.get(f"{PREFIX}/jobs", params={"batch_id": "set-01"}).json()
    assert [j["id"] for j in batch["jobs"]] == [two, one] and batch["next_cursor"] is None
    assert {j["batch_id"] for j in batch["jobs"]} == {"set-01"}
    rerun = client.post(f"{PREFIX}/jobs/{one}/rerun").json()  # a re-run stays in its set
    wait_done(client, rerun["id"])
    assert client.delete(f"{PREFIX}/jobs/{two}").status_code == 204
    after = client.get(f"{PREFIX}/jobs", params={"batch_id": "set-01"}).json()
    assert [j["id"] for j in after["jobs"]] == [rerun["id"], one]
    assert client.get(f"{PREFIX}/jobs", params={"batch_id": "no such set"}).status_code == 422


def test_history_shows_mine_by_default_and_everyones_on_request(tmp_path):
    settings = GoodsSettings(job_store_url=f"file://{tmp_path}", trust_forwarded_user=True)
    with TestClient(create_goods(settings)) as client:
        alice = start(client, {USER: "alice@studio.example"})
        bob = start(client, {USER: "bob@studio.example"})
        wait_done(client, alice["id"]), wait_done(client, bob["id"])
        mine = client.get(f"{PREFIX}/jobs", headers={USER: "alice@studio.example"}).json()
        everyone = client.get(
            f"{PREFIX}/jobs", params={"scope": "all"}, headers={USER: "alice@studio.example"}
        ).json()
        forbidden = client.delete(
            f"{PREFIX}/jobs/{bob['id']}", headers={USER: "alice@studio.example"}
        )
    assert [j["id"] for j in mine["jobs"]] == [alice["id"]] and mine["jobs"][0][
        "owner"
    ] == "alice@studio.example"
    assert {j["id"] for j in everyone["jobs"]} == {alice["id"], bob["id"]}
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "JOB_FORBIDDEN"


def test_rerun_makes_a_new_job_from_the_kept_inputs(client):
    first = wait_done(client, start(client, seed="5")["id"])
    rerun = client.post(f"{PREFIX}/jobs/{first['id']}/rerun", params={"seed": "6"})
    again = wait_done(client, rerun.json()["id"])
    same = wait_done(client, client.post(f"{PREFIX}/jobs/{first['id']}/rerun").json()["id"])
    assert (
        rerun.status_code == 202
        and again["rerun_of"] == first["id"]
        and again["params"]["seed"] == 6
    )
    assert again["inputs"] == first["inputs"] and again["status"] == "succeeded"
    original = client.get(f"{PREFIX}/jobs/{first['id']}/result").content
    assert same_picture(client.get(f"{PREFIX}/jobs/{same['id']}/result").content, original)


def test_delete_removes_the_record_and_every_image(client, tmp_path):
    job = wait_done(client, start(client)["id"])
    assert [p for p in tmp_path.rglob("*") if p.is_file() and job["id"] in str(p)]
    assert client.delete(f"{PREFIX}/jobs/{job['id']}").status_code == 204
    assert client.get(f"{PREFIX}/jobs/{job['id']}").status_code == 404
    assert client.get(f"{PREFIX}/jobs/{job['id']}/result").status_code == 404
    left = [p for p in tmp_path.rglob("*") if p.is_file() and job["id"] in str(p)]
    assert left == []
    assert client.get(f"{PREFIX}/jobs").json()["jobs"] == []


def test_a_cross_site_page_cannot_cancel_or_delete(client):
    job = wait_done(client, start(client)["id"])
    evil = {"Origin": "https://evil.example"}
    assert client.delete(f"{PREFIX}/jobs/{job['id']}", headers=evil).status_code == 403
    assert client.post(f"{PREFIX}/jobs/{job['id']}/cancel", headers=evil).status_code == 403
    assert client.post(f"{PREFIX}/jobs/{job['id']}/rerun", headers=evil).status_code == 403


def test_webhook_url_is_refused_while_webhooks_are_off(client):
    data, files = goods_form(webhook_url="https://hooks.studio.example/done")
    refused = client.post(f"{PREFIX}/generate", data=data, files=files)
    assert refused.status_code == 422 and "webhook_url" in refused.json()["error"]["message"]


def test_a_finished_job_is_posted_to_its_webhook_signed(tmp_path):
    received: list[tuple[dict, bytes]] = []
    hook = FastAPI()

    @hook.post("/done")
    async def done(request: Request):
        received.append((dict(request.headers), await request.body()))
        return {"ok": True}

    with serve(hook) as receiver:
        settings = GoodsSettings(
            job_store_url=f"file://{tmp_path}", webhook_hosts=(receiver.url,), webhook_secret=SECRET
        )
        with TestClient(create_goods(settings)) as client:
            outside = goods_form(webhook_url="https://internal.example/admin")
            assert (
                client.post(f"{PREFIX}/generate", data=outside[0], files=outside[1]).status_code
                == 422
            )
            job = start(client, webhook_url=f"{receiver.url}/done")
            wait_done(client, job["id"])
            deadline = time.monotonic() + 10
            while not received and time.monotonic() < deadline:
                time.sleep(0.05)
    headers, body = received[0]
    payload = Webhook(SECRET).verify(body, headers)  # raises unless signed as the spec says
    assert payload["type"] == "job.succeeded" and payload["data"]["id"] == job["id"]
    assert headers["webhook-id"] and headers["webhook-timestamp"]


@respx.mock
def test_a_provider_failure_is_kept_on_the_job_with_its_code(tmp_path):
    from tests.goods.conftest import CREATE_URL

    respx.post(CREATE_URL).respond(402, json={"detail": "no credit"})
    with TestClient(create_goods(bfl_settings(job_store_url=f"file://{tmp_path}"))) as client:
        data, files = goods_form()
        plain = client.post(f"{PREFIX}/generate", data=data, files=files)
        job = client.get(f"{PREFIX}/jobs/{plain.headers['x-job-id']}").json()
        result = client.get(f"{PREFIX}/jobs/{job['id']}/result")
    assert plain.status_code == 502 and plain.json()["error"]["code"] == "UPSTREAM_QUOTA_EXCEEDED"
    assert job["status"] == "failed" and job["error"]["code"] == "UPSTREAM_QUOTA_EXCEEDED"
    assert result.status_code == 502 and result.json()["error"]["code"] == "UPSTREAM_QUOTA_EXCEEDED"


def test_the_ppl_service_keeps_jobs_too(tmp_path):
    with TestClient(create_ppl(PplSettings(job_store_url=f"file://{tmp_path}"))) as client:
        data, files = ppl_form()
        plain = client.post("/api/ppl-gen/generate", data=data, files=files)
        listed = client.get("/api/ppl-gen/jobs").json()["jobs"]
    assert plain.status_code == 200
    assert listed[0]["id"] == plain.headers["x-job-id"] and listed[0]["service"] == "ppl"
    assert [i["field"] for i in listed[0]["inputs"]] == ["input_image_1", "input_image_2"]


def test_an_unreachable_store_refuses_generations_and_fails_ready():
    settings = GoodsSettings(
        job_store_url="az://jobs", job_store_endpoint="http://127.0.0.1:9/devstoreaccount1",
        azure_storage_account_name="devstoreaccount1", azure_storage_account_key="a2V5",
    )  # fmt: skip
    with TestClient(create_goods(settings)) as client:
        ready = client.get("/ready")
        data, files = goods_form()
        refused = client.post(f"{PREFIX}/generate", data=data, files=files)
        metrics = client.get("/metrics").text
    assert ready.status_code == 503 and ready.json()["error"]["code"] == "STORE_UNAVAILABLE"
    assert refused.status_code == 503 and refused.json()["error"]["code"] == "STORE_UNAVAILABLE"
    assert "job_store_errors_total" in metrics


async def test_retention_sweeps_old_jobs_oldest_first_and_stops_at_young_ones(tmp_path):
    """JOB_RETENTION_DAYS: jobs older than it are deleted by the sweep, younger ones stay."""
    from ulid import ULID

    from webtoon_core.jobs.model import Job
    from webtoon_core.jobs.reaper import Reaper
    from webtoon_core.jobs.repository import JobRepository
    from webtoon_core.metrics import ServiceMetrics
    from webtoon_core.store import open_store

    settings = GoodsSettings(job_store_url=f"file://{tmp_path}", job_retention_days=1)
    repo = JobRepository(open_store(settings, ServiceMetrics("goods")), "goods")
    now = time.time()
    made = {}
    for age_days in (40, 3, 0.5):
        job_id = str(ULID.from_timestamp(now - age_days * 86400))
        job = Job(id=job_id, service="goods", owner="anonymous", engine="local", model="m",
                  params={}, inputs=[], replica="r", created_at=now, deadline_at=now,
                  status="succeeded")  # fmt: skip
        await repo.create(job, {})
        await repo.finished(job)
        made[age_days] = job_id

    class _Jobs:  # the part of Jobs the sweep uses
        def __init__(self) -> None:
            self.repo, self.settings, self.local = repo, settings, {}

    deleted = await Reaper(_Jobs()).sweep()  # type: ignore[arg-type]
    kept, _ = await repo.page(None, limit=10, cursor=None)
    assert deleted == 2 and [j.id for j in kept] == [made[0.5]]
