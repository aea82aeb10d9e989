"""Run every benchmark and write docs/benchmarks.md.

    .venv/bin/python -m bench.run            # full run (~8 min), writes docs/benchmarks.md
    .venv/bin/python -m bench.run --quick    # smoke run (~3 min), prints the report only

Options: ``--output PATH`` (``-`` for stdout), ``--only NAME ...`` to run some figures,
``--keep-logs`` to keep the children's logs, ``--from-results JSON`` to rewrite the report
from a saved run without measuring.  Raw numbers go to bench/results/latest.json
(git-ignored).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import hotpath, input_sizes, jobs, print_file, report, scenarios
from bench.processes import ROOT, ProcessSet
from bench.quiet import ForeignCpu, wait_for_quiet

FIGURES = ("hotpath", "speedup", "overhead", "rss", "health", "local", "inputs", "jobs", "print")


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through the finally that stops every child


def run(quick: bool, only: tuple[str, ...], log_dir: Path, quiet_wait_s: float) -> dict[str, Any]:
    results: dict[str, Any] = {
        "quick": quick, "started": time.time(), "machine": report.machine(), "load": {},
        "code_before": report.code_fingerprint(),
    }  # fmt: skip
    procs = ProcessSet(log_dir)
    try:
        bench = scenarios.make_bench(procs, quick)
        steps = {
            "hotpath": lambda: hotpath.measure(5 if quick else 9),
            "speedup": lambda: scenarios.speedup(bench),
            "overhead": lambda: scenarios.overhead(bench),
            "rss": lambda: {s: scenarios.peak_rss(bench, s) for s in ("goods", "ppl")},
            "health": lambda: {s: scenarios.health_under_load(bench, s) for s in ("goods", "ppl")},
            "local": lambda: scenarios.local_engines(bench),
            "inputs": input_sizes.measure,
            "jobs": lambda: jobs.measure(10 if quick else 30),
            "print": lambda: _on_one_core(lambda: print_file.measure(2 if quick else 5)),
        }
        for name in only:
            quiet = wait_for_quiet(procs, max_wait_s=quiet_wait_s)
            print(
                f"[bench] {name} ... (waited {quiet['waited_s']:.0f} s for a quiet machine; "
                f"other processes: {quiet['foreign_vcpu']:.2f} vCPU)",
                flush=True,
            )
            with ForeignCpu(procs) as foreign:
                results[name] = steps[name]()
            results["load"][name] = {
                **quiet, "wall_s": foreign.wall_s, "foreign_cpu_s": foreign.foreign_s,
                "foreign_vcpu_during": foreign.vcpus, "loadavg_after": os.getloadavg()[0],
            }  # fmt: skip
            print(
                f"[bench] {name} done in {foreign.wall_s:.0f} s "
                f"(other processes used {foreign.vcpus:.2f} vCPU meanwhile)",
                flush=True,
            )
    finally:
        procs.close()
    results["finished"] = time.time()
    results["code_after"] = report.code_fingerprint()
    if results["code_after"] != results["code_before"]:
        print(
            "[bench] WARNING: the services' code changed during the run; "
            "the figures may mix versions",
            file=sys.stderr,
        )
    return results


def _on_one_core(measure: Any) -> Any:
    """Run ``measure`` pinned to the first CPU this process may use (the goal is per core)."""
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        return measure()
    finally:
        os.sched_setaffinity(0, allowed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--quick", action="store_true", help="one repetition per figure, fewer requests"
    )
    parser.add_argument(
        "--output",
        help="report path, '-' for stdout (default: docs/benchmarks.md; --quick: stdout)",
    )
    parser.add_argument("--only", nargs="+", choices=FIGURES, default=list(FIGURES))
    parser.add_argument("--keep-logs", action="store_true")
    parser.add_argument(
        "--from-results", metavar="JSON",
        help="measure nothing: write the report again from a saved run (bench/results/latest.json)",
    )  # fmt: skip
    parser.add_argument(
        "--quiet-wait", type=float, default=None, metavar="S",
        help="before each figure, wait up to S seconds for other processes to leave the CPU "
             "(default 30; --quick: 5)",
    )  # fmt: skip
    args = parser.parse_args(argv)

    if args.from_results:
        text = report.render(json.loads(Path(args.from_results).read_text()))
        output = args.output or str(ROOT / "docs" / "benchmarks.md")
        print(text) if output == "-" else Path(output).write_text(text)
        return 0

    signal.signal(signal.SIGTERM, _sigterm)
    log_dir = Path(tempfile.mkdtemp(prefix="webtoon-bench-"))
    try:
        quiet_wait = (
            args.quiet_wait if args.quiet_wait is not None else (5.0 if args.quick else 30.0)
        )
        results = run(args.quick, tuple(args.only), log_dir, quiet_wait)
    except BaseException:
        print(f"[bench] failed; children's logs: {log_dir}", file=sys.stderr)
        raise
    if not args.keep_logs:
        shutil.rmtree(log_dir, ignore_errors=True)
    else:
        print(f"[bench] logs: {log_dir}")

    raw = ROOT / "bench" / "results" / ("quick.json" if args.quick else "latest.json")
    raw.parent.mkdir(exist_ok=True)
    raw.write_text(json.dumps(results, indent=1, default=str))
    text = report.render(results)
    output = args.output or ("-" if args.quick else str(ROOT / "docs" / "benchmarks.md"))
    if output == "-":
        print(text)
    else:
        Path(output).write_text(text)
        print(f"[bench] wrote {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
