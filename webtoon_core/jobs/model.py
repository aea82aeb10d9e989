"""What a job is: one generation, whichever way it was asked for, kept in the store.

A job is created when its request is admitted and records everything needed
to show it, fetch its result, re-run it and, if its replica dies, resume it:
the service, the validated parameters, the normalised inputs, the engine and
model, the provider's task, the status with its times, the error, the result,
the estimated cost, the owner, the replica running it and its heartbeat, and
the events a follower replays (``Last-Event-ID``).

Ids are ULIDs: 26 characters that sort by creation time, so listing keys in
order is listing jobs in order.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from ulid import ULID

Status = Literal["queued", "running", "succeeded", "failed", "canceled"]
ACTIVE: frozenset[str] = frozenset({"queued", "running"})
MAX_EVENTS = 400  # a BFL job's 120 polls and their progress fit many times over
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_INVERTED = str.maketrans(_CROCKFORD, _CROCKFORD[::-1])


_last_id: list[ULID] = []


def new_job_id() -> str:
    """A new ULID, later than every one this process made before (ULIDs of the same
    millisecond are otherwise in random order, and history lists newest first)."""
    fresh = ULID()
    if _last_id and fresh.bytes <= _last_id[0].bytes:
        fresh = ULID.from_int(int(_last_id[0]) + 1)
    _last_id[:] = [fresh]
    return str(fresh)


def newest_first(job_id: str) -> str:
    """A key that sorts newer jobs first (each ULID character mirrored in the alphabet)."""
    return job_id.upper().translate(_INVERTED)


def history_key(job_id: str) -> str:
    """Where a job sits in a newest-first index: ``<day>/<newest-first>_<id>``.

    The day (days since the epoch, mirrored so later days sort first) groups the
    index into one folder a day: a page lists the folders (a month is a few dozen)
    and then only the days it reaches, so a page deep in a long history does not
    list everything before it (object stores cannot start a listing after a key).
    """
    day = int(created_at_of(job_id) // 86400)
    return f"{99999 - day:05d}/{newest_first(job_id)}_{job_id}"


def created_at_of(job_id: str) -> float:
    """The creation time a ULID carries (seconds since the epoch)."""
    return ULID.from_str(job_id).timestamp


class Event(BaseModel):
    model_config = ConfigDict(frozen=True)

    seq: int
    name: str
    data: dict[str, Any]
    at: float = Field(default_factory=time.time)


class InputRef(BaseModel):
    """A normalised input image kept with the job (its bytes are a separate object)."""

    field: str
    media_type: str
    width: int
    height: int
    has_alpha: bool
    size: int


class ProviderTask(BaseModel):
    """The provider's task: its id, and what resuming it needs (e.g. BFL's polling URL)."""

    task_id: str
    resume: dict[str, str] = Field(default_factory=dict)


class ErrorInfo(BaseModel):
    code: str
    message: str
    status: int
    retry_after: str | None = None  # the Retry-After the plain answer carried


class ResultInfo(BaseModel):
    media_type: str
    extension: str
    filename: str
    size: int


class Job(BaseModel):
    """The record of one generation (``jobs/<id>/job.json`` in the store)."""

    model_config = ConfigDict(validate_assignment=False)

    id: str
    service: str
    status: Status = "queued"
    owner: str
    engine: str
    model: str
    params: dict[str, Any]
    inputs: list[InputRef]
    request_id: str | None = None
    batch_id: str | None = None
    rerun_of: str | None = None
    webhook_url: str | None = None
    replica: str
    created_at: float
    deadline_at: float
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float | None = None
    provider: ProviderTask | None = None
    error: ErrorInfo | None = None
    result: ResultInfo | None = None
    thumbnail: bool = False
    cost_usd: float = 0.0
    resumes: int = 0
    events: list[Event] = Field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def last_seq(self) -> int:
        return self.events[-1].seq if self.events else 0

    def add_event(self, name: str, data: dict[str, Any]) -> Event:
        event = Event(seq=self.last_seq + 1, name=name, data=data)
        self.events.append(event)
        if len(self.events) > MAX_EVENTS:
            # Keep the first ones (accepted, prepared, submitted) and the latest.
            del self.events[3 : len(self.events) - MAX_EVENTS + 3]
        return event

    def view(self, prefix: str) -> dict[str, Any]:
        """The job as the API shows it: no events, no image bytes, links to everything."""
        base = f"{prefix}/jobs/{self.id}"
        links: dict[str, str] = {"self": base, "events": f"{base}/events"}
        if self.result is not None:
            links["result"] = f"{base}/result"
        if self.thumbnail:
            links["thumbnail"] = f"{base}/thumbnail"
        if self.active:
            links["cancel"] = f"{base}/cancel"
        links["rerun"] = f"{base}/rerun"
        data = self.model_dump(mode="json", exclude={"events", "webhook_url"})
        data["webhook"] = self.webhook_url is not None
        data["links"] = links
        return data
