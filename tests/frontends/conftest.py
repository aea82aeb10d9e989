"""Real parts for the page tests: built files, backends on local engines, nginx, Chromium.

The pages run the two ways the product runs them: each backend serving its own page with
the other generator's path sent to the other port (``backends``, as ``make run``), and the
frontend nginx per page in front of its backend (``nginx``). ``served`` gives a test both.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from frontends.build import build
from goods_backend.main import create_app as create_goods
from goods_backend.settings import GoodsSettings
from ppl_backend.main import create_app as create_ppl
from ppl_backend.settings import PplSettings
from tests.support import ServerThread, free_port

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("ppl-gen", "goods-gen")
# axe-core, installed by `make test` from .tools/package.json (the pages' accessibility checks).
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
NGINX_DIR = ROOT / "frontends" / "nginx"
# What the frontend image copies from NGINX_DIR (frontends/Dockerfile).
NGINX_FILES = ("entrypoint.sh", "page.conf.template", "security-headers.conf")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def require(tool: str) -> str:
    """The path of a system tool; CI must have it (``.ci/run`` installs it), elsewhere skip
    loudly."""
    path = shutil.which(tool) or (tool if Path(tool).exists() else None)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{tool} is required in CI (.ci/run installs it)")
    pytest.skip(f"{tool} is not installed: apt-get install -y {Path(tool).name}")


def _others_can_enter(path: Path) -> bool:
    """Whether every directory from / down to ``path`` lets other users through."""
    return all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents))


def world_readable_tmpdir(prefix: str) -> Path:
    """A temp dir nginx's unprivileged user can read (pytest's own are 0700).

    A 0755 directory is not enough inside a private one (TMPDIR=/root/tmp, say):
    then it is made under /tmp, which every user can enter.
    """
    base = Path(tempfile.gettempdir())
    if os.geteuid() == 0 and not _others_can_enter(base):
        base = Path("/tmp")
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    path.chmod(0o755)
    return path


def nginx_conf_copy(source: Path) -> Path:
    """The page's nginx files (``frontends/nginx/``) copied where nginx's user can read them.

    nginx runs unprivileged (uid 65534 when the tests run as root), and the checkout
    may sit in a directory only its owner can enter (/root, ``mktemp -d``): nginx must
    never read from the checkout. The copy keeps the container's modes (COPY, and
    ``--chmod=755`` for the entrypoint).
    """
    conf = world_readable_tmpdir("webtoon-nginx-conf-")
    for name in NGINX_FILES:
        target = conf / name
        shutil.copyfile(source / name, target)
        target.chmod(0o755 if name == "entrypoint.sh" else 0o644)
    return conf


@pytest.fixture(scope="session")
def dist() -> Iterator[Path]:
    out = world_readable_tmpdir("webtoon-dist-")
    build(out)
    for p in out.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    yield out
    shutil.rmtree(out, ignore_errors=True)


def other(page: str) -> str:
    """The other generator's page slug."""
    return PAGES[1 - PAGES.index(page)]


@pytest.fixture(scope="session")
def backends(dist: Path) -> Iterator[dict[str, ServerThread]]:
    """Both backends on their local engines, each serving its built page, as ``make run`` runs
    them: each sends the other generator's path to the other's port (SIBLING_PAGE_URL)."""
    ports = {page: free_port() for page in PAGES}
    sibling = {page: f"http://127.0.0.1:{ports[other(page)]}/{other(page)}/" for page in PAGES}
    ppl = create_ppl(
        PplSettings(
            ppl_engine="local",
            frontend_dir=dist / "ppl-gen",
            sibling_page_url=sibling["ppl-gen"],
        )
    )
    goods = create_goods(
        GoodsSettings(
            goods_engine="local",
            frontend_dir=dist / "goods-gen",
            sibling_page_url=sibling["goods-gen"],
        )
    )
    with (
        ServerThread(ppl, port=ports["ppl-gen"]) as ppl_server,
        ServerThread(goods, port=ports["goods-gen"]) as goods_server,
    ):
        yield {"ppl-gen": ppl_server, "goods-gen": goods_server}


class Nginx:
    """The frontend container's entrypoint and nginx, run from copies outside the checkout.

    ``env`` adds to or overrides the container environment (e.g. ``CLIENT_BODY_TIMEOUT``).
    """

    def __init__(
        self,
        page: str,
        backend_port: int,
        dist: Path,
        env: dict[str, str] | None = None,
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tmp = world_readable_tmpdir("webtoon-nginx-")
        self.conf = nginx_conf_copy(NGINX_DIR)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/bin"),
            "PAGE": page,
            "BACKEND_ADDR": f"127.0.0.1:{backend_port}",
            "LISTEN_PORT": str(self.port),
            "STATIC_ROOT": str(dist / page),
            "NGINX_TMP": str(self.tmp),
            "NGINX_CONF_DIR": str(self.conf),
            **(env or {}),
        }
        command = [str(self.conf / "entrypoint.sh")]
        if os.geteuid() == 0:
            # Run as the container does: an unprivileged user, no root master.
            os.chown(self.tmp, 65534, 65534)
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        self.command = command
        self.log = self.tmp / "nginx.log"
        self.log.touch()
        if os.geteuid() == 0:
            os.chown(self.log, 65534, 65534)  # nginx reopens /dev/stdout as its own user
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                command, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    def stop(self) -> str:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        output = self.log.read_text(errors="replace")
        shutil.rmtree(self.tmp, ignore_errors=True)
        shutil.rmtree(self.conf, ignore_errors=True)
        return output


@pytest.fixture(scope="session")
def nginx(dist: Path, backends: dict[str, ServerThread]) -> Iterator[dict[str, Nginx]]:
    """One frontend nginx per page in front of its backend. Each reaches the other page's
    nginx through SIBLING_PAGE_URL (no ingress here to route the other generator's path)."""
    require("nginx")
    require("envsubst")
    ports = {page: free_port() for page in PAGES}
    servers = {
        page: Nginx(
            page,
            backends[page].port,
            dist,
            env={"SIBLING_PAGE_URL": f"http://127.0.0.1:{ports[other(page)]}/{other(page)}/"},
            port=ports[page],
        )
        for page in PAGES
    }
    try:
        for server in servers.values():
            server.wait_ready()
        yield servers
    finally:
        for server in servers.values():
            server.stop()


# Module scope: Playwright's sync API keeps an event loop running in this thread
# while it is open, which would break asyncio tests collected after the browser ones.
@pytest.fixture(scope="module")
def browser():
    require(CHROMIUM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(params=["make-run", "nginx"])
def served(request: pytest.FixtureRequest) -> dict[str, str]:
    """Each page's base URL, the way the product runs: backends serving their own pages
    (``make run``), then behind the frontend nginx."""
    if request.param == "nginx":
        return {page: server.url for page, server in request.getfixturevalue("nginx").items()}
    return {page: server.url for page, server in request.getfixturevalue("backends").items()}


def axe_violations(page: object) -> list[dict[str, object]]:
    """axe-core's violations on the page as it is now (the page's context must bypass CSP,
    which would refuse the injected script). A missing axe-core fails: `make test` installs it."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `make test` (npm ci --prefix .tools)")
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    found: list[dict[str, object]] = page.evaluate(  # type: ignore[attr-defined]
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
          }));
        }"""
    )
    return found
