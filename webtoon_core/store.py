"""Where jobs live: one object store, local disk or Azure Blob, through obstore.

``JOB_STORE_URL`` names it:

- unset: a directory ``./data/jobs`` under the working directory (``make run``
  needs nothing else);
- ``file:///abs/path``: another directory;
- ``az://<container>[/<prefix>]``: Azure Blob Storage.  The account comes from
  ``AZURE_STORAGE_ACCOUNT_NAME``; the credential from
  ``AZURE_STORAGE_ACCOUNT_KEY`` (a Secret) or, without a key, workload identity
  (``AZURE_CLIENT_ID``, ``AZURE_TENANT_ID``, ``AZURE_FEDERATED_TOKEN_FILE``,
  set by AKS).  ``JOB_STORE_ENDPOINT`` points it elsewhere (Azurite in tests).
  ``s3://`` and ``gs://`` work the same way through obstore's own variables.

obstore (object_store, in Rust) speaks all of these with one async API, so
nothing here blocks the event loop.  The only primitives used are plain
get/put/delete/list and "create if absent" (a lease), which every backend
offers, local disk included.  Any failure to reach the store is
``StoreUnavailable`` (503): a paid result we cannot keep is worse than a
clear refusal.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import obstore
from obstore.exceptions import AlreadyExistsError, BaseError, NotFoundError
from obstore.store import AzureStore, LocalStore, ObjectStore, from_url

from webtoon_core.errors import StoreUnavailable
from webtoon_core.metrics import ServiceMetrics
from webtoon_core.settings import CommonSettings

log = logging.getLogger("webtoon_core.store")

DEFAULT_DIRECTORY = Path("data") / "jobs"


class Missing(KeyError):
    """The object is not in the store."""


class Store:
    """Bytes by key, with the store's failures mapped to ours and timed in the metrics."""

    def __init__(self, backend: ObjectStore, metrics: ServiceMetrics, where: str) -> None:
        self._backend = backend
        self._metrics = metrics
        self.where = where  # for logs and /ready: never a credential

    async def get(self, key: str) -> bytes:
        started = time.perf_counter()
        try:
            result = await obstore.get_async(self._backend, key)
            data = bytes(await result.bytes_async())
        except (NotFoundError, FileNotFoundError):
            self._observe("get", started, ok=True)
            raise Missing(key) from None
        except (BaseError, OSError) as exc:
            raise self._failed("get", started, exc) from None
        self._observe("get", started, ok=True)
        return data

    async def put(self, key: str, data: bytes, *, create_only: bool = False) -> bool:
        """Write ``data``; with ``create_only``, only if nothing is there (False if it was)."""
        started = time.perf_counter()
        try:
            await obstore.put_async(
                self._backend, key, data, mode="create" if create_only else "overwrite"
            )
        except AlreadyExistsError:
            self._observe("put", started, ok=True)
            return False
        except (BaseError, OSError) as exc:
            raise self._failed("put", started, exc) from None
        self._observe("put", started, ok=True)
        return True

    async def delete(self, key: str) -> None:
        started = time.perf_counter()
        try:
            await obstore.delete_async(self._backend, key)
        except (NotFoundError, FileNotFoundError):
            pass  # already gone: deleting is idempotent
        except (BaseError, OSError) as exc:
            raise self._failed("delete", started, exc) from None
        self._observe("delete", started, ok=True)

    async def folders(self, prefix: str) -> list[str]:
        """The "folders" right under ``prefix`` (``prefix/<name>/``), in lexicographic order."""
        started = time.perf_counter()
        try:
            listing = await obstore.list_with_delimiter_async(self._backend, prefix.rstrip("/"))
        except (BaseError, OSError) as exc:
            raise self._failed("list", started, exc) from None
        self._observe("list", started, ok=True)
        return sorted(f"{str(p).rstrip('/')}/" for p in listing["common_prefixes"])

    async def keys(self, prefix: str, *, after: str | None = None) -> AsyncIterator[str]:
        """Keys under ``prefix`` in lexicographic order, those after ``after`` only.

        Object stores list in that order; a directory on disk lists in whatever order
        the file system keeps, so its keys are gathered and sorted first.
        """
        started = time.perf_counter()
        try:
            if isinstance(self._backend, LocalStore):
                found: list[str] = []
                async for chunk in obstore.list(self._backend, prefix, chunk_size=1000):
                    found.extend(str(meta["path"]) for meta in chunk)
                for key in sorted(found):
                    if after is None or key > after:
                        yield key
            else:
                # The offset saves listing what comes before it where the service honours
                # it; the filter keeps the promise where it does not (Azurite, for one).
                async for chunk in obstore.list(
                    self._backend, prefix, offset=after, chunk_size=500
                ):
                    for meta in chunk:
                        key = str(meta["path"])
                        if after is None or key > after:
                            yield key
        except (BaseError, OSError) as exc:
            raise self._failed("list", started, exc) from None
        self._observe("list", started, ok=True)

    def _observe(self, op: str, started: float, *, ok: bool) -> None:
        self._metrics.store_seconds.labels(self._metrics.service, op).observe(
            time.perf_counter() - started
        )
        if not ok:
            self._metrics.store_errors.labels(self._metrics.service, op).inc()

    def _failed(self, op: str, started: float, exc: Exception) -> StoreUnavailable:
        self._observe(op, started, ok=False)
        reason = failure_reason(exc)
        log.error("작업 저장소 %s 실패 (%s): %s", op, self.where, reason)
        return StoreUnavailable(log_detail=f"job store {op} failed: {reason}")


_STATUS = re.compile(r"status code: (\d{3})")
_SERVICE_CODE = re.compile(r"<Code>([A-Za-z]{1,64})</Code>")


def failure_reason(exc: Exception) -> str:
    """What failed, for an operator: the error's kind, the HTTP status and the storage
    service's own error code when it answered (``GenericError HTTP 403
    AuthenticationFailed``). Never the message itself: it carries URLs and bodies."""
    text = str(exc)
    parts = [type(exc).__name__]
    if status := _STATUS.search(text):
        parts.append(f"HTTP {status.group(1)}")
    if code := _SERVICE_CODE.search(text):
        parts.append(code.group(1))
    return " ".join(parts)


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def open_store(settings: CommonSettings, metrics: ServiceMetrics) -> Store:
    """The store ``JOB_STORE_URL`` names (see the module docstring)."""
    url = settings.job_store_url
    if not url:
        directory = DEFAULT_DIRECTORY.resolve()
        directory.mkdir(parents=True, exist_ok=True)
        return Store(LocalStore(directory), metrics, f"file://{directory}")
    if url.startswith("file://"):
        directory = Path(urlsplit(url).path)
        directory.mkdir(parents=True, exist_ok=True)
        return Store(LocalStore(directory), metrics, f"file://{directory}")
    options: dict[str, Any] = {"timeout": "20s", "connect_timeout": "5s"}
    config: dict[str, Any] = {}
    if settings.job_store_endpoint:
        config["endpoint"] = settings.job_store_endpoint
        # Plain HTTP only to an emulator on this machine (Azurite in tests).
        options["allow_http"] = _is_loopback(settings.job_store_endpoint)
    if settings.azure_storage_account_name:
        config["account_name"] = settings.azure_storage_account_name
    if settings.azure_storage_account_key is not None:
        config["access_key"] = settings.azure_storage_account_key.get_secret_value()
    retry: Any = {"max_retries": 2, "retry_timeout": timedelta(seconds=15)}
    if urlsplit(url).scheme in ("az", "azure", "abfs", "abfss", "adl"):
        backend: ObjectStore = AzureStore.from_url(
            url, config=cast(Any, config), client_options=cast(Any, options), retry_config=retry
        )
    else:
        backend = from_url(url, client_options=cast(Any, options), retry_config=retry)
    return Store(backend, metrics, url)
