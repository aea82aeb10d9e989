"""One function per figure.  Each returns plain data (dicts of numbers) for ``bench.report``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import httpx

from bench import load
from bench.load import Sample, Target, median, percentile
from bench.payloads import FilePart, MultipartTemplate, character_png, noisy_jpeg, product_jpeg
from bench.processes import (
    ROOT,
    Child,
    HealthProbe,
    ProcessSet,
    RssSampler,
    child_env,
    cpu_seconds,
    free_port,
    read_status_kib,
    uvicorn_argv,
)

KEY = "bench-placeholder-key"
WAIT_IN_FLIGHT_S = 180.0  # bound on waiting for every generation to reach the fake


# The harness is one client sending hundreds of generations: the per-client limits
# (which guard the studio's money) would pace it instead of measuring the service.
NO_CLIENT_LIMITS = {"RATE_LIMIT_PER_MINUTE": "0", "RATE_LIMIT_IN_FLIGHT": "0"}


@dataclass
class Bench:
    procs: ProcessSet
    quick: bool
    bfl: Child
    replicate: Child
    upload: bytes  # the ~4.9 MiB noise JPEG

    def reps(self, full: int = 3) -> int:
        return 1 if self.quick else full

    # -- services, started as deployed: uvicorn, one process ------------------------------

    def start_goods(self, *, engine: str = "bfl", pin_cpu: str | None = None, **env: str) -> Child:
        port = free_port()
        extra = {"GOODS_ENGINE": engine, **NO_CLIENT_LIMITS, **env}
        if engine == "bfl":
            extra |= {
                "BFL_API_KEY": KEY,
                "BFL_BASE_URL": self.bfl.url,
                "RESULT_HOSTS": self.bfl.url,
            }
        argv = uvicorn_argv("goods_backend.main:create_app", port, factory=True)
        return self.procs.start(f"goods-{engine}", argv, child_env(extra), port, pin_cpu=pin_cpu)

    def start_ppl(
        self, *, engine: str = "replicate", pin_cpu: str | None = None, **env: str
    ) -> Child:
        port = free_port()
        extra = {"PPL_ENGINE": engine, **NO_CLIENT_LIMITS, **env}
        if engine == "replicate":
            extra |= {
                # The benchmark sends hundreds of creates a minute to one pod; the per-pod
                # share of Replicate's create limit (200/min) would pace them, not measure us.
                "REPLICATE_CREATES_PER_MIN": "600",
                "REPLICATE_API_TOKEN": KEY,
                "REPLICATE_BASE_URL": self.replicate.url,
                "RESULT_HOSTS": self.replicate.url,
            }
        argv = uvicorn_argv("ppl_backend.main:create_app", port, factory=True)
        return self.procs.start(f"ppl-{engine}", argv, child_env(extra), port, pin_cpu=pin_cpu)

    def start_baseline(self) -> Child:
        port = free_port()
        env = child_env({"BFL_API_KEY": KEY, "BFL_BASE_URL": self.bfl.url})
        return self.procs.start("baseline", uvicorn_argv("bench.baseline:app", port), env, port)

    def target(self, service: str, child: Child) -> Target:
        make = load.ppl_target if service == "ppl" else load.goods_target
        return make(child.url, self.upload)

    def fake(self, service: str) -> Child:
        return self.replicate if service == "ppl" else self.bfl


def start_fakes(procs: ProcessSet) -> tuple[Child, Child]:
    children = []
    for name, factory in (
        ("fake-bfl", "create_bfl_app"),
        ("fake-replicate", "create_replicate_app"),
    ):
        port = free_port()
        # A real provider's front end keeps idle connections far longer than uvicorn's 5 s
        # default, which equals httpx's pool expiry and makes reuse race with the close.
        argv = uvicorn_argv(f"bench.fakes:{factory}", port, factory=True, quiet=True)
        argv += ["--timeout-keep-alive", "75"]
        children.append(procs.start(name, argv, child_env({}), port))
    return children[0], children[1]


def make_bench(procs: ProcessSet, quick: bool) -> Bench:
    bfl, replicate = start_fakes(procs)
    return Bench(procs, quick, bfl, replicate, noisy_jpeg())


# -- fake control ---------------------------------------------------------------------------


async def configure(http: httpx.AsyncClient, fake: Child, *, latency_s: float, hold: bool) -> None:
    response = await http.post(
        f"{fake.url}/_bench/config", json={"latency_s": latency_s, "hold": hold}
    )
    response.raise_for_status()


async def reset(http: httpx.AsyncClient, fake: Child) -> None:
    (await http.post(f"{fake.url}/_bench/reset")).raise_for_status()


async def stats(http: httpx.AsyncClient, fake: Child) -> dict[str, Any]:
    response = await http.get(f"{fake.url}/_bench/stats")
    response.raise_for_status()
    return response.json()


def fake_seconds_by_tag(fake_stats: dict[str, Any]) -> dict[str, float]:
    by_tag: dict[str, float] = defaultdict(float)
    for task in fake_stats["tasks"].values():
        by_tag[task["tag"]] += task["fake_s"]
    return dict(by_tag)


def start_burst(
    http: httpx.AsyncClient, target: Target, prefix: str, n: int
) -> list[asyncio.Task[Sample]]:
    """``n`` generations sent at once, as tasks (so the caller can see which have ended)."""
    return [asyncio.ensure_future(load.generate(http, target, f"{prefix}-{i}")) for i in range(n)]


async def wait_active(
    http: httpx.AsyncClient, fake: Child, requests: list[asyncio.Task[Sample]]
) -> dict[str, Any]:
    """Wait (bounded) until every generation is open on the fake or has already ended.

    With the fake holding, a generation that ended before reaching it failed
    (it is reported with the errors); the rest are in flight.
    """
    ends = time.monotonic() + WAIT_IN_FLIGHT_S
    while True:
        current = await stats(http, fake)
        ended = sum(1 for r in requests if r.done())
        if current["active"] + ended >= len(requests):
            return current
        if time.monotonic() > ends:
            raise RuntimeError(
                f"{current['active']} of {len(requests)} generations reached {fake.name} "
                f"and {ended} ended, after {WAIT_IN_FLIGHT_S:.0f} s"
            )
        await asyncio.sleep(0.05)


def errors(samples: list[Sample]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for s in samples:
        if s.status != 200:
            counts[str(s.status)] += 1
    return dict(counts)


def health_summary(
    probe: list[tuple[float, float, int]], start: float, end: float
) -> dict[str, Any]:
    window = [lat for t, lat, _ in probe if start <= t <= end]
    failed = sum(1 for t, _, status in probe if start <= t <= end and status != 200)
    return {
        "n": len(window),
        "failed": failed,
        "p50_s": percentile(window, 50),
        "p99_s": percentile(window, 99),
        "max_s": max(window, default=float("nan")),
    }


def slow_probes(
    probe: list[tuple[float, float, int]], start: float, end: float, threshold: float
) -> dict[str, Any]:
    """How many probes took over ``threshold``, and when (seconds after ``start``)."""
    slow = [t - start for t, lat, _ in probe if start <= t <= end and lat > threshold]
    return {
        "n": len(slow),
        "first_s": min(slow, default=float("nan")),
        "last_s": max(slow, default=float("nan")),
    }


# -- figure 1: 16 concurrent goods generations, ours vs the first version ---------------------


def speedup(bench: Bench, *, concurrency: int = 16, latency_s: float = 2.0) -> dict[str, Any]:
    ours = bench.start_goods(BFL_POLL_INTERVAL_S="1.0")
    baseline = bench.start_baseline()
    result: dict[str, Any] = {"concurrency": concurrency, "latency_s": latency_s, "poll_s": 1.0}
    try:
        for name, child in (("ours", ours), ("baseline", baseline)):
            target = bench.target("goods", child)
            runs = []
            for rep in range(bench.reps() + 1):  # rep 0: warm-up, one request, not counted
                with HealthProbe(bench.procs, child.port) as probe:
                    samples, fake = asyncio.run(
                        _speedup_rep(bench, target, name, rep, concurrency, latency_s)
                    )
                if rep == 0:
                    continue
                start, end = min(s.start for s in samples), max(s.end for s in samples)
                created = [t["created"] - start for t in fake["tasks"].values()]
                runs.append({
                    "wall_s": end - start,
                    "errors": errors(samples),
                    "health": health_summary(probe.samples, start, end),
                    "last_create_s": max(created, default=float("nan")),
                })  # fmt: skip
                print(f"  {name} rep {rep}: wall {end - start:.2f} s", flush=True)
            result[name] = runs
    finally:
        bench.procs.stop(ours)
        bench.procs.stop(baseline)
    result["ours_wall_s"] = median([r["wall_s"] for r in result["ours"]])
    result["baseline_wall_s"] = median([r["wall_s"] for r in result["baseline"]])
    result["speedup"] = result["baseline_wall_s"] / result["ours_wall_s"]
    return result


async def _speedup_rep(
    bench: Bench, target: Target, name: str, rep: int, n: int, latency_s: float
) -> tuple[list[Sample], dict[str, Any]]:
    async with load.client() as http:
        await configure(http, bench.bfl, latency_s=latency_s, hold=False)
        await reset(http, bench.bfl)
        samples = await load.burst(
            http, target, f"bench-tag-speed-{name}-{rep}", 1 if rep == 0 else n
        )
        return samples, await stats(http, bench.bfl)


# -- figures 2 and 3: service overhead per PPL request (2 x 5 MB JPEG) --------------------------


def overhead(bench: Bench) -> dict[str, Any]:
    ppl = bench.start_ppl(MAX_CONCURRENT_GENERATIONS="128")
    target = bench.target("ppl", ppl)
    result: dict[str, Any] = {}
    try:
        asyncio.run(_overhead_run(bench, ppl, target, "warm", 1, 3))
        seq = 8 if bench.quick else 20
        result["c1"] = [
            _overhead_summary(*asyncio.run(_overhead_run(bench, ppl, target, f"c1r{rep}", 1, seq)))
            for rep in range(bench.reps())
        ]
        per_worker = 1 if bench.quick else 2
        result["c64"] = [
            _overhead_summary(
                *asyncio.run(_overhead_run(bench, ppl, target, f"c64r{rep}", 64, per_worker))
            )
            for rep in range(bench.reps())
        ]
    finally:
        bench.procs.stop(ppl)
    for key in ("c1", "c64"):
        for rep, run in enumerate(result[key], 1):
            p50_ms, p99_ms = run["p50_s"] * 1000, run["p99_s"] * 1000
            print(
                f"  {key} rep {rep}: overhead p50 {p50_ms:.0f} ms, p99 {p99_ms:.0f} ms", flush=True
            )
    return result


async def _overhead_run(
    bench: Bench, ppl: Child, target: Target, name: str, workers: int, per_worker: int
) -> tuple[list[Sample], dict[str, float], float]:
    async with load.client() as http:
        await configure(http, bench.replicate, latency_s=0.0, hold=False)
        await reset(http, bench.replicate)
        cpu0 = cpu_seconds(ppl.pid)
        samples = await load.closed_loop(http, target, f"bench-tag-{name}", workers, per_worker)
        cpu = cpu_seconds(ppl.pid) - cpu0
        fake = fake_seconds_by_tag(await stats(http, bench.replicate))
    return samples, fake, cpu


def _overhead_summary(samples: list[Sample], fake: dict[str, float], cpu: float) -> dict[str, Any]:
    ok = [s for s in samples if s.status == 200]
    overheads = [s.seconds - fake.get(s.tag, 0.0) for s in ok]
    return {
        "n": len(ok),
        "errors": errors(samples),
        "untagged": sum(1 for s in ok if s.tag not in fake),
        "p50_s": percentile(overheads, 50),
        "p90_s": percentile(overheads, 90),
        "p99_s": percentile(overheads, 99),
        "e2e_p50_s": percentile([s.seconds for s in ok], 50),
        "fake_p50_s": percentile([fake.get(s.tag, 0.0) for s in ok], 50),
        "service_cpu_per_request_s": cpu / max(1, len(samples)),
        "throughput_rps": len(ok) / (max(s.end for s in samples) - min(s.start for s in samples)),
        "result_bytes": ok[0].nbytes if ok else 0,
    }


# -- figure 4: peak RSS with 32 uploads held in flight ------------------------------------------


def peak_rss(bench: Bench, service: str, *, in_flight: int = 32) -> dict[str, Any]:
    runs = []
    for rep in range(bench.reps()):
        child = bench.start_ppl() if service == "ppl" else bench.start_goods()  # default limit: 32
        try:
            with RssSampler(child.pid) as sampler:
                run = asyncio.run(_rss_rep(bench, service, child, rep, in_flight, sampler))
            run["hwm_kib"] = read_status_kib(child.pid, "VmHWM")
        finally:
            bench.procs.stop(child)
        runs.append(run)
        print(f"  {service} rep {rep + 1}: VmHWM {run['hwm_kib'] / 1024:.0f} MiB", flush=True)
    return {
        "service": service,
        "in_flight": in_flight,
        "files_per_request": 2 if service == "ppl" else 1,
        "runs": runs,
        "hwm_mib": median([r["hwm_kib"] / 1024 for r in runs]),
    }


async def _rss_rep(
    bench: Bench, service: str, child: Child, rep: int, n: int, sampler: RssSampler
) -> dict[str, Any]:
    fake, target = bench.fake(service), bench.target(service, child)
    async with load.client() as http:
        await configure(http, fake, latency_s=0.0, hold=False)
        await load.burst(http, target, f"bench-tag-rsswarm-{rep}", 1)  # lazy imports, pools
        await asyncio.sleep(0.3)
        idle = read_status_kib(child.pid, "VmRSS")
        await configure(http, fake, latency_s=0.0, hold=True)
        await reset(http, fake)
        started = time.monotonic()
        requests = start_burst(http, target, f"bench-tag-rss-{rep}", n)
        in_flight = await wait_active(http, fake, requests)
        all_in = time.monotonic()
        await asyncio.sleep(1.0)  # all n held: uploads read, images prepared, provider waiting
        held_until = time.monotonic()
        await configure(http, fake, latency_s=0.0, hold=False)
        samples = list(await asyncio.gather(*requests))
    held = [kib for t, kib in sampler.samples if all_in <= t <= held_until]
    return {
        "idle_kib": idle,
        "held_kib": median(held),
        "max_sampled_kib": max(kib for t, kib in sampler.samples if t >= started),
        "max_active_at_fake": in_flight["max_active"],
        "fill_s": all_in - started,
        "errors": errors(samples),
    }


# -- figure 5: /health latency while 64 generations are in flight ------------------------------


def health_under_load(bench: Bench, service: str, *, in_flight: int = 64) -> dict[str, Any]:
    child = (bench.start_ppl if service == "ppl" else bench.start_goods)(
        MAX_CONCURRENT_GENERATIONS="128"
    )
    target = bench.target(service, child)
    runs = []
    try:
        asyncio.run(_health_warmup(bench, service, target))
        for rep in range(bench.reps()):
            with HealthProbe(bench.procs, child.port) as probe:
                marks, samples = asyncio.run(_health_rep(bench, service, target, rep, in_flight))
            run = {
                "errors": errors(samples),
                "all": health_summary(probe.samples, marks["start"], marks["end"]),
                "admission": health_summary(probe.samples, marks["start"], marks["all_in"]),
                "waiting": health_summary(probe.samples, marks["all_in"], marks["release"]),
                "finishing": health_summary(probe.samples, marks["release"], marks["end"]),
                "fill_s": marks["all_in"] - marks["start"],
                "in_flight": marks["in_flight"],
                "first_create_s": marks["first_create"] - marks["start"],
                "slow": slow_probes(probe.samples, marks["start"], marks["end"], 0.050),
            }
            runs.append(run)
            p99_ms, probes = run["all"]["p99_s"] * 1000, run["all"]["n"]
            print(
                f"  {service} rep {rep + 1}: /health p99 {p99_ms:.1f} ms over {probes} probes",
                flush=True,
            )
    finally:
        bench.procs.stop(child)
    return {
        "service": service,
        "in_flight": in_flight,
        "runs": runs,
        "p99_s": median([r["all"]["p99_s"] for r in runs]),
    }


async def _health_warmup(bench: Bench, service: str, target: Target) -> None:
    async with load.client() as http:
        await configure(http, bench.fake(service), latency_s=0.0, hold=False)
        await load.burst(http, target, "bench-tag-healthwarm", 2)


async def _health_rep(
    bench: Bench, service: str, target: Target, rep: int, n: int
) -> tuple[dict[str, float], list[Sample]]:
    fake = bench.fake(service)
    async with load.client() as http:
        await configure(http, fake, latency_s=0.0, hold=True)
        await reset(http, fake)
        marks = {"start": time.monotonic()}
        requests = start_burst(http, target, f"bench-tag-health-{rep}", n)
        opened = await wait_active(http, fake, requests)
        marks["all_in"] = time.monotonic()
        marks["first_create"] = min(t["created"] for t in opened["tasks"].values())
        await asyncio.sleep(2.0)
        marks["release"] = time.monotonic()
        marks["in_flight"] = opened["active"]
        await configure(http, fake, latency_s=0.0, hold=False)
        samples = list(await asyncio.gather(*requests))
        marks["end"] = time.monotonic()
    return marks, samples


# -- figure 6: local engines, one 1024 px image, one core ---------------------------------------


def local_engines(bench: Bench) -> dict[str, Any]:
    reps = 3 if bench.quick else 7
    argv = ["taskset", "-c", "0", sys.executable, "-m", "bench.local_cpu", "--reps", str(reps)]
    done = subprocess.run(  # noqa: S603 - argv built here, no shell
        argv, cwd=ROOT, env=child_env({}), capture_output=True, timeout=300, check=True
    )
    inprocess = json.loads(done.stdout)
    result: dict[str, Any] = {"reps": reps, "inprocess": inprocess, "service": {}}
    # The same engines behind the deployed service, pinned to one core, end to end.
    character, product = character_png((1024, 1024)), product_jpeg((1024, 1024))
    for service in ("ppl", "goods"):
        start = bench.start_ppl if service == "ppl" else bench.start_goods
        child = start(engine="local", pin_cpu="0")
        try:
            result["service"][service] = asyncio.run(
                _local_e2e(child, service, character, product, reps)
            )
        finally:
            bench.procs.stop(child)
    return result


async def _local_e2e(
    child: Child, service: str, character: bytes, product: bytes, reps: int
) -> dict[str, Any]:
    if service == "ppl":
        files = [
            FilePart("input_image_1", "character.png", "image/png", character),
            FilePart("input_image_2", "product.jpg", "image/jpeg", product),
        ]
        target = Target(child.url + load.PPL_PATH, MultipartTemplate(files), "ppl")
    else:
        files = [FilePart("input_image", "character.png", "image/png", character)]
        target = Target(child.url + load.GOODS_PATH, MultipartTemplate(files), "goods")
    async with load.client() as http:
        await load.closed_loop(http, target, "bench-tag-localwarm", 1, 1)
        samples = await load.closed_loop(http, target, "bench-tag-local", 1, reps)
    ok = [s.seconds for s in samples if s.status == 200]
    return {
        "n": len(ok),
        "errors": errors(samples),
        "p50_s": median(ok),
        "max_s": max(ok, default=float("nan")),
    }
