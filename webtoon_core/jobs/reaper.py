"""Every replica's background work: take over orphaned jobs, sweep old ones, watch the store.

Take-over: a queued or running job whose heartbeat is older than
``JOB_STALE_AFTER_S`` lost its replica (OOMKill, node drain, ``kill -9``).
The first live replica to create the job's next lease object takes it over:
with a provider task recorded and time left before the job's deadline, it
polls that task to the end and stores the result; otherwise (the local
engine, or a job that never reached the provider) the job ends ``failed``
with ``JOB_INTERRUPTED``, never ``running`` forever.

Retention: jobs older than ``JOB_RETENTION_DAYS`` are deleted, oldest first
(the store's lifecycle rule can do the same for the images; see the runbook).

Store health: a small write every few seconds tells ``/ready`` and the
admission whether the store can be reached.

Shared budget: with ``DAILY_BUDGET_USD`` set, each replica writes its spend of
the day and reads the others' at the same pace, so the budget holds for the
deployment rather than for each replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import date, timedelta
from typing import Any

from webtoon_core.errors import AppError, JobError, StoreUnavailable
from webtoon_core.jobs.model import created_at_of
from webtoon_core.jobs.runner import Jobs
from webtoon_core.limits import DailyBudget

log = logging.getLogger("webtoon_core.jobs.reaper")

SWEEP_EVERY_S = 3600.0


class Reaper:
    def __init__(self, jobs: Jobs[Any]) -> None:
        self.jobs = jobs
        self.settings = jobs.settings
        self.store_ok = True
        self._tasks: list[asyncio.Task[None]] = []
        self._last_sweep = 0.0
        self._budget: DailyBudget | None = None
        self._reported: tuple[str, float] | None = None  # the last (day, spend) written

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(), name="job-reaper")]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        interval = max(1.0, min(self.settings.job_heartbeat_s, self.settings.job_stale_after_s / 3))
        while True:
            await self.check_store()
            if self.store_ok:
                with contextlib.suppress(StoreUnavailable):
                    await self.take_over_orphans()
                    await self.share_spend()
                    if time.time() - self._last_sweep >= SWEEP_EVERY_S:
                        self._last_sweep = time.time()
                        await self.sweep()
            await asyncio.sleep(interval)

    async def check_store(self) -> bool:
        store = self.jobs.repo.store
        try:
            key = f"{self.jobs.repo.root}health/{self.settings.replica_name}"
            await store.put(key, str(time.time()).encode())
        except StoreUnavailable:
            if self.store_ok:
                log.error("작업 저장소에 닿을 수 없습니다: %s", store.where)
            self.store_ok = False
            return False
        if not self.store_ok:
            log.info("작업 저장소가 다시 응답합니다: %s", store.where)
        self.store_ok = True
        return True

    def share_budget(self, budget: DailyBudget) -> None:
        """Keep ``budget`` in step with the other replicas' spend (when a budget is set)."""
        self._budget = budget

    async def share_spend(self) -> None:
        """Report this replica's spend today and take in the other replicas' reports."""
        budget = self._budget
        if budget is None or budget.budget_usd is None:
            return
        day, me = budget.today(), self.settings.replica_name
        reports = await self.jobs.repo.spend(day)
        mine = reports.pop(me, None)
        if self._reported is None and mine is not None:
            budget.carry_over(day, mine)  # restarted under the same name (``make run``)
        own = budget.spent_today
        if self._reported != (day, own):
            await self.jobs.repo.put_spend(day, me, own)
            self._reported = (day, own)
        budget.set_others(day, sum(reports.values()))

    async def take_over_orphans(self) -> int:
        """Take over every job whose replica stopped beating; how many were taken."""
        taken = 0
        now = time.time()
        for job_id in await self.jobs.repo.active_ids():
            if job_id in self.jobs.local:
                continue
            try:
                job = await self.jobs.repo.load(job_id)
            except JobError:
                await self.jobs.repo.forget_active(job_id)
                continue
            if not job.active:
                await self.jobs.repo.forget_active(job_id)
                continue
            beat = job.heartbeat_at or job.started_at or job.created_at
            if now - beat < self.settings.job_stale_after_s:
                continue
            if not await self.jobs.repo.take_over(job_id, job.resumes + 1):
                continue  # another replica won this take-over
            job.resumes += 1
            log.warning(
                "작업 %s의 복제본(%s)이 %.0f초 동안 응답이 없어 이어받습니다",
                job_id,
                job.replica,
                now - beat,
            )
            await self.jobs.resume(job)
            taken += 1
        return taken

    async def sweep(self) -> int:
        """Delete jobs past ``JOB_RETENTION_DAYS``, oldest first; how many were deleted."""
        cutoff = time.time() - self.settings.job_retention_days * 86400
        deleted = 0
        async for job_id in self.jobs.repo.oldest_ids():
            try:
                born = created_at_of(job_id)
            except ValueError:
                continue
            if born >= cutoff:
                break  # oldest first: everything after is younger
            try:
                job = await self.jobs.repo.load(job_id)
            except JobError:
                await self.jobs.repo.forget_expiry(job_id)
                continue
            if job.active:
                continue
            try:
                await self.jobs.repo.delete(job)
            except AppError:
                continue
            deleted += 1
        if deleted:
            log.info("보관 기간이 지난 작업 %d건을 지웠습니다", deleted)
        if self._budget is not None:  # spend reports older than yesterday serve nothing
            yesterday = date.fromisoformat(self._budget.today()) - timedelta(days=1)
            await self.jobs.repo.forget_spend_before(yesterday.isoformat())
        return deleted
