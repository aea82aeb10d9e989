"""Jobs in the store: where each part lives, and listing newest first on object storage alone.

Keys (under ``<service>/`` in the store, so both services may share one)::

    jobs/<id>/job.json         the record (rewritten by the replica running it)
    jobs/<id>/input/<field>    the normalised inputs (kept for re-runs)
    jobs/<id>/result           the image, copied in as soon as the provider has it
    jobs/<id>/thumbnail        a small preview, made once
    jobs/<id>/cancel           a cancel request from any replica (created once)
    jobs/<id>/delete           a delete request for a job still running
    jobs/<id>/lease/<n>        who took the job over after its replica died (created once)
    index/all/<day>/<newest-first>_<id>            every job, newest first
    index/owner/<owner key>/<day>/<newest-first>_<id>  one owner's jobs, newest first
    index/batch/<batch key>/<day>/<newest-first>_<id>  one batch's jobs (a goods set)
    active/<id>                jobs queued or running (what a live replica watches)
    expiry/<id>                every job, oldest first (what the retention sweep reads)
    spend/<day>/<replica>      each replica's estimated spend that day (the shared budget)

Object stores list keys in lexicographic order only, so the order is in the
keys: a ULID sorts oldest first, its mirrored form newest first.  A page of
history lists the day folders, then the days it needs, from the previous
page's last key (``history_key``).  Other replicas
only ever *create* small marker objects (cancel, delete, lease); the record
itself has one writer at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator, Sequence

from pydantic import ValidationError

from webtoon_core.errors import JobError
from webtoon_core.jobs.model import Job, history_key
from webtoon_core.store import Missing, Store


def owner_key(owner: str) -> str:
    """An owner as a key segment: fixed length, no characters a store could mind."""
    return hashlib.sha256(owner.encode()).hexdigest()[:32]


class JobRepository:
    def __init__(self, store: Store, service: str) -> None:
        self.store = store
        self.root = f"{service}/"

    def _key(self, key: str) -> str:
        return self.root + key

    def _job(self, job_id: str, part: str) -> str:
        return f"{self.root}jobs/{job_id}/{part}"

    # --- the record ---------------------------------------------------------------

    async def create(self, job: Job, inputs: dict[str, bytes]) -> None:
        """Keep a new job: its inputs, its record, and its place in the indexes."""
        await asyncio.gather(
            *(
                self.store.put(self._job(job.id, f"input/{name}"), data)
                for name, data in inputs.items()
            )
        )
        await self.save(job)
        await asyncio.gather(
            *(self.store.put(key, b"") for key in self._index_keys(job)),
            self.store.put(self._key(f"expiry/{job.id}"), b""),
            self.store.put(self._key(f"active/{job.id}"), b""),
        )

    def _index_keys(self, job: Job) -> list[str]:
        """The job's places in the newest-first indexes: everyone's, its owner's, its batch's."""
        order = history_key(job.id)
        keys = [
            self._key(f"index/all/{order}"),
            self._key(f"index/owner/{owner_key(job.owner)}/{order}"),
        ]
        if job.batch_id:
            keys.append(self._key(f"index/batch/{owner_key(job.batch_id)}/{order}"))
        return keys

    async def save(self, job: Job) -> None:
        await self.store.put(self._job(job.id, "job.json"), job.model_dump_json().encode())

    async def load(self, job_id: str) -> Job:
        """The record, or ``JobError`` (404) for an id that is not a kept job."""
        if not _plausible(job_id):
            raise JobError()
        try:
            data = await self.store.get(self._job(job_id, "job.json"))
        except Missing:
            raise JobError() from None
        try:
            return Job.model_validate_json(data)
        except ValidationError:
            raise JobError(log_detail=f"job {job_id}: unreadable record") from None

    async def finished(self, job: Job) -> None:
        """The job has ended: it leaves the active list."""
        await self.save(job)
        await self.forget_active(job.id)

    async def forget_active(self, job_id: str) -> None:
        await self.store.delete(self._key(f"active/{job_id}"))

    async def forget_expiry(self, job_id: str) -> None:
        await self.store.delete(self._key(f"expiry/{job_id}"))

    # --- its images -----------------------------------------------------------------

    async def input(self, job_id: str, field: str) -> bytes:
        return await self.store.get(self._job(job_id, f"input/{field}"))

    async def put_result(self, job_id: str, data: bytes) -> None:
        await self.store.put(self._job(job_id, "result"), data)

    async def result(self, job_id: str) -> bytes:
        return await self.store.get(self._job(job_id, "result"))

    async def put_thumbnail(self, job_id: str, data: bytes) -> None:
        await self.store.put(self._job(job_id, "thumbnail"), data)

    async def thumbnail(self, job_id: str) -> bytes:
        return await self.store.get(self._job(job_id, "thumbnail"))

    # --- requests from any replica ----------------------------------------------------

    async def request_cancel(self, job_id: str) -> None:
        await self.store.put(self._job(job_id, "cancel"), b"", create_only=True)

    async def cancel_requested(self, job_id: str) -> bool:
        return await self._exists(self._job(job_id, "cancel"))

    async def request_delete(self, job_id: str) -> None:
        await self.store.put(self._job(job_id, "delete"), b"", create_only=True)

    async def delete_requested(self, job_id: str) -> bool:
        return await self._exists(self._job(job_id, "delete"))

    async def take_over(self, job_id: str, attempt: int) -> bool:
        """Claim the job's ``attempt``-th take-over; exactly one replica wins it."""
        return await self.store.put(self._job(job_id, f"lease/{attempt}"), b"", create_only=True)

    async def taken_over(self, job_id: str, resumes: int) -> bool:
        """Whether another replica took the job over after take-over ``resumes`` (ours)."""
        return await self._exists(self._job(job_id, f"lease/{resumes + 1}"))

    async def put_spend(self, day: str, replica: str, usd: float) -> None:
        await self.store.put(self._key(f"spend/{day}/{replica}"), json.dumps({"usd": usd}).encode())

    async def spend(self, day: str) -> dict[str, float]:
        """Every replica's report for ``day``; unreadable reports count as nothing."""
        prefix = self._key(f"spend/{day}/")
        keys = [key async for key in self.store.keys(prefix)]
        reports: dict[str, float] = {}
        for key in keys:
            try:
                usd = float(json.loads(await self.store.get(key))["usd"])
            except (Missing, ValueError, KeyError, TypeError):
                continue
            if usd >= 0:
                reports[key.removeprefix(prefix)] = usd
        return reports

    async def forget_spend_before(self, day: str) -> int:
        """Drop the spend reports of days before ``day``; how many."""
        prefix = self._key("spend/")
        old = [key async for key in self.store.keys(prefix) if key.removeprefix(prefix)[:10] < day]
        for key in old:
            await self.store.delete(key)
        return len(old)

    async def _exists(self, key: str) -> bool:
        try:
            await self.store.get(key)
        except Missing:
            return False
        return True

    # --- lists ------------------------------------------------------------------------

    async def page(
        self, owner: str | None, *, limit: int, cursor: str | None, batch: str | None = None
    ) -> tuple[list[Job], str | None]:
        """Up to ``limit`` jobs newest first, and the next cursor.

        The jobs are one batch's, one owner's, or everyone's.
        """
        if batch is not None:
            prefix = self._key(f"index/batch/{owner_key(batch)}/")
        else:
            prefix = self._key(
                "index/all/" if owner is None else f"index/owner/{owner_key(owner)}/"
            )
        start_day = cursor.split("/", 1)[0] if cursor else None
        keys: list[str] = []
        for folder in await self.store.folders(prefix):
            day = folder.removeprefix(prefix).rstrip("/")
            if start_day is not None and day < start_day:
                continue  # newer days: the previous pages had them
            after = f"{prefix}{cursor}" if cursor and day == start_day else None
            async for key in self.store.keys(folder, after=after):
                keys.append(key)
                if len(keys) > limit:
                    break
            if len(keys) > limit:
                break
        more = len(keys) > limit
        keys = keys[:limit]
        jobs = await asyncio.gather(*(self._indexed(key) for key in keys))
        found = [job for job in jobs if job is not None]
        next_cursor = keys[-1].removeprefix(prefix) if more and keys else None
        return found, next_cursor

    async def _indexed(self, key: str) -> Job | None:
        job_id = key.rsplit("_", 1)[-1]
        try:
            return await self.load(job_id)
        except JobError:
            await self.store.delete(key)  # an index entry left by an interrupted delete
            return None

    async def active_ids(self) -> list[str]:
        prefix = self._key("active/")
        return [key.removeprefix(prefix) async for key in self.store.keys(prefix)]

    async def oldest_ids(self) -> AsyncIterator[str]:
        """Every job id, oldest first, listed as the caller goes (the sweep stops early)."""
        prefix = self._key("expiry/")
        async for key in self.store.keys(prefix):
            yield key.removeprefix(prefix)

    # --- the end ------------------------------------------------------------------------

    async def delete(self, job: Job) -> None:
        """The record and every image of it are gone (idempotent)."""
        parts: Sequence[str] = [
            *(self._job(job.id, f"input/{ref.field}") for ref in job.inputs),
            self._job(job.id, "result"),
            self._job(job.id, "thumbnail"),
            *self._index_keys(job),
            self._key(f"active/{job.id}"),
            self._key(f"expiry/{job.id}"),
        ]
        await asyncio.gather(*(self.store.delete(key) for key in parts))
        leases = [key async for key in self.store.keys(self._job(job.id, "lease/"))]
        await asyncio.gather(*(self.store.delete(key) for key in leases))
        await self.store.delete(self._job(job.id, "cancel"))
        await self.store.delete(self._job(job.id, "job.json"))
        await self.store.delete(self._job(job.id, "delete"))


def _plausible(job_id: str) -> bool:
    """A ULID: 26 Crockford base-32 characters (anything else is not one of ours)."""
    return len(job_id) == 26 and all(c in "0123456789ABCDEFGHJKMNPQRSTVWXYZ" for c in job_id)
