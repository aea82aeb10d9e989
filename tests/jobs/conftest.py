"""Azurite, Microsoft's Azure Storage emulator (npm), as a real blob server for the Azure path."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
# Azurite's documented development account (public, the same in every install).
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


@dataclass(frozen=True)
class Azurite:
    endpoint: str  # http://127.0.0.1:<port>/devstoreaccount1

    def container(self, name: str) -> str:
        """A fresh container; its az:// URL."""
        from azure.storage.blob import BlobServiceClient

        conn = (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};AccountKey={KEY};"
            f"BlobEndpoint={self.endpoint};"
        )
        BlobServiceClient.from_connection_string(conn).create_container(name)
        return f"az://{name}"

    def settings(self, name: str) -> dict[str, str]:
        """The settings of a store in a fresh container (as keyword arguments)."""
        return {
            "job_store_url": self.container(name),
            "job_store_endpoint": self.endpoint,
            "azure_storage_account_name": ACCOUNT,
            "azure_storage_account_key": KEY,
        }


def _azurite_blob() -> str | None:
    local = ROOT / ".tools" / "node_modules" / ".bin" / "azurite-blob"
    return str(local) if local.exists() else shutil.which("azurite-blob")


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    binary = _azurite_blob()
    if binary is None:  # the Azure path is part of the product: never skipped quietly
        pytest.fail("Azurite is not installed: `make test` installs it (npm ci --prefix .tools)")
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="azurite-"))
    proc = subprocess.Popen(  # noqa: S603 - a fixed argv
        [binary, "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(data),
         "--skipApiVersionCheck", "--loose", "--silent", "--disableTelemetry"],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "azurite did not start"
                time.sleep(0.1)
        yield Azurite(endpoint=f"http://127.0.0.1:{port}/{ACCOUNT}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        shutil.rmtree(data, ignore_errors=True)
