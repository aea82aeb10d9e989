"""Two service processes on one store: any answers for any job, none is lost with its replica."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.goods.conftest import goods_form
from tests.goods.fake_bfl import FakeBfl
from tests.support import CANARY_TOKEN, free_port, same_picture, serve

ROOT = Path(__file__).resolve().parents[2]
_PROCESSES: dict[str, subprocess.Popen[bytes]] = {}
PREFIX = "/api/goods-gen"


@contextmanager
def replica(
    name: str, store: str, provider: str | None, log_dir: Path, **env: str
) -> Iterator[str]:
    """A goods service process as the container runs it, on the shared store."""
    port = free_port()
    environment = {
        **os.environ,
        "JOB_STORE_URL": store,
        "REPLICA_NAME": name,
        "JOB_HEARTBEAT_S": "0.3",
        "JOB_STALE_AFTER_S": "2",
        "RATE_LIMIT_IN_FLIGHT": "0",
        "RATE_LIMIT_PER_MINUTE": "0",
        **env,
    }
    if provider is not None:
        environment |= {
            "GOODS_ENGINE": "bfl",
            "BFL_API_KEY": CANARY_TOKEN,
            "BFL_BASE_URL": provider,
            "RESULT_HOSTS": provider,
            "BFL_POLL_INTERVAL_S": "0.1",
        }
    log = (log_dir / f"{name}.log").open("wb")
    argv = [sys.executable, "-m", "uvicorn", "--factory", "goods_backend.main:create_app",
            "--host", "127.0.0.1", "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(argv, env=environment, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    _PROCESSES[url] = proc
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (
                log_dir / f"{name}.log"
            ).read_text()
            time.sleep(0.1)
        yield url
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
        _PROCESSES.pop(url, None)


def start(url: str) -> dict:
    data, files = goods_form()
    response = httpx.post(
        f"{url}{PREFIX}/generate",
        data=data,
        files=files,
        headers={"Prefer": "respond-async"},
        timeout=30,
    )
    assert response.status_code == 202, response.text
    return response.json()


def wait_for(url: str, job_id: str, status: str | tuple[str, ...], timeout: float = 30) -> dict:
    wanted = (status,) if isinstance(status, str) else status
    deadline = time.monotonic() + timeout
    while True:
        job = httpx.get(f"{url}{PREFIX}/jobs/{job_id}", timeout=5).json()
        if job.get("status") in wanted:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def test_a_job_started_on_one_replica_is_read_followed_fetched_and_deleted_through_the_other(
    tmp_path,
):
    fake = FakeBfl(ready_after_s=2.0)
    store = f"file://{tmp_path / 'store'}"
    with (
        serve(fake.app()) as provider,
        replica("a", store, provider.url, tmp_path) as a,
        replica("b", store, provider.url, tmp_path) as b,
    ):
        job = start(a)
        assert httpx.get(f"{b}{PREFIX}/jobs/{job['id']}").json()["replica"] == "a"
        with httpx.stream("GET", f"{b}{PREFIX}/jobs/{job['id']}/events", timeout=30) as events:
            text = "".join(events.iter_text())
        assert "event: submitted" in text and "event: done" in text
        done = wait_for(b, job["id"], "succeeded")
        result = httpx.get(f"{b}{PREFIX}/jobs/{job['id']}/result")
        assert result.status_code == 200 and result.headers["content-type"] == "image/png"
        assert same_picture(
            result.content, httpx.get(f"{a}{PREFIX}/jobs/{job['id']}/result").content
        )
        assert [j["id"] for j in httpx.get(f"{b}{PREFIX}/jobs").json()["jobs"]] == [job["id"]]
        assert httpx.delete(f"{b}{PREFIX}/jobs/{job['id']}").status_code == 204
        assert httpx.get(f"{a}{PREFIX}/jobs/{job['id']}").status_code == 404
    assert done["replica"] == "a"


def test_a_job_running_on_one_replica_is_cancelled_through_the_other(tmp_path):
    fake = FakeBfl(ready_after_s=60)
    store = f"file://{tmp_path / 'store'}"
    with (
        serve(fake.app()) as provider,
        replica("a", store, provider.url, tmp_path) as a,
        replica("b", store, provider.url, tmp_path) as b,
    ):
        job = start(a)
        wait_for(b, job["id"], "running")
        asked = httpx.post(f"{b}{PREFIX}/jobs/{job['id']}/cancel")
        canceled = wait_for(a, job["id"], "canceled", timeout=15)
    assert asked.status_code == 202  # the other replica stops it at its next heartbeat
    assert canceled["error"]["code"] == "JOB_CANCELED"


def test_a_job_survives_its_replica_being_killed(tmp_path):
    """kill -9 mid-generation: another replica resumes the provider's task and finishes the job."""
    fake = FakeBfl(ready_after_s=6.0)
    store = f"file://{tmp_path / 'store'}"
    with serve(fake.app()) as provider:
        with replica("doomed", store, provider.url, tmp_path) as doomed:
            job = start(doomed)
            wait_for(doomed, job["id"], "running")
            deadline = time.monotonic() + 10
            while not httpx.get(f"{doomed}{PREFIX}/jobs/{job['id']}").json().get("provider"):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            _kill_replica(doomed)
            polls_before = len(next(iter(fake.polls.values())))
        with replica("rescuer", store, provider.url, tmp_path) as rescuer:
            done = wait_for(rescuer, job["id"], ("succeeded", "failed"), timeout=40)
            result = httpx.get(f"{rescuer}{PREFIX}/jobs/{job['id']}/result")
            metrics = httpx.get(f"{rescuer}/metrics").text
    assert done["status"] == "succeeded", done
    assert done["replica"] == "rescuer" and done["resumes"] == 1
    assert result.status_code == 200 and result.headers["content-type"] == "image/png"
    assert len(fake.created) == 1  # the provider's task was followed, not created again
    assert len(next(iter(fake.polls.values()))) > polls_before
    assert 'jobs_resumed_total{outcome="resumed",service="goods"} 1.0' in metrics


def test_a_local_job_whose_replica_died_ends_interrupted_not_running_forever(tmp_path):
    store = f"file://{tmp_path / 'store'}"
    with replica("doomed", store, None, tmp_path, GOODS_ENGINE="local") as doomed:
        job = start(doomed)
        _kill_replica(doomed)
    # A job the local engine was rendering cannot be resumed: its record says so.
    from webtoon_core.jobs.model import Job

    path = tmp_path / "store" / "goods" / "jobs" / job["id"] / "job.json"
    record = Job.model_validate_json(path.read_bytes())
    # The render may have finished before the kill: the record is put back as the kill
    # leaves it mid-render (running, no provider task, its heartbeat stopped).
    record.status, record.heartbeat_at, record.result = "running", time.time() - 60, None
    path.write_text(record.model_dump_json())
    (tmp_path / "store" / "goods" / "active").mkdir(exist_ok=True)
    (tmp_path / "store" / "goods" / "active" / job["id"]).write_bytes(b"")
    with replica("rescuer", store, None, tmp_path, GOODS_ENGINE="local") as rescuer:
        done = wait_for(rescuer, job["id"], ("failed", "succeeded"), timeout=20)
    assert done["status"] == "failed" and done["error"]["code"] == "JOB_INTERRUPTED"
    assert done["replica"] == "rescuer" and done["resumes"] == 1


def test_a_replica_that_was_only_slow_lets_go_of_a_job_another_took_over(tmp_path):
    """SIGSTOP past the stale limit: the other replica takes the job over. When the slow one
    wakes up it sees the lease, writes nothing more, leaves the provider task alone, and its
    waiting client still gets the image, from the store."""
    from concurrent.futures import ThreadPoolExecutor

    fake = FakeBfl(ready_after_s=8.0)
    store = f"file://{tmp_path / 'store'}"
    with (
        serve(fake.app()) as provider,
        replica("slow", store, provider.url, tmp_path) as slow,
        replica("other", store, provider.url, tmp_path) as other,
        ThreadPoolExecutor(1) as pool,
    ):
        data, files = goods_form()
        waiting = pool.submit(
            httpx.post, f"{slow}{PREFIX}/generate", data=data, files=files, timeout=60
        )
        deadline = time.monotonic() + 15
        while not (jobs := httpx.get(f"{other}{PREFIX}/jobs").json()["jobs"]) or not jobs[0].get(
            "provider"
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        job_id = jobs[0]["id"]
        proc = _PROCESSES[slow]
        proc.send_signal(signal.SIGSTOP)
        try:
            deadline = time.monotonic() + 15
            while httpx.get(f"{other}{PREFIX}/jobs/{job_id}").json()["replica"] != "other":
                assert time.monotonic() < deadline, "the other replica never took the job over"
                time.sleep(0.1)
        finally:
            proc.send_signal(signal.SIGCONT)
        answer = waiting.result(timeout=60)
        done = wait_for(other, job_id, ("succeeded", "failed"), timeout=30)
        kept = httpx.get(f"{other}{PREFIX}/jobs/{job_id}/result")
    assert done["status"] == "succeeded" and done["replica"] == "other" and done["resumes"] == 1
    assert answer.status_code == 200 and answer.headers["x-job-id"] == job_id
    assert same_picture(answer.content, kept.content)
    assert len(fake.created) == 1
    assert "손을 뗍니다" in (tmp_path / "slow.log").read_text()


def _kill_replica(url: str) -> None:
    """SIGKILL the replica's process: no shutdown, no hand-over, its heartbeat just stops."""
    proc = _PROCESSES[url]
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)


pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
