"""How many CPUs this process may really use: the container's CPU limit, not the node's.

``os.cpu_count()`` reports the node (a 32-core node for a pod limited to 2 CPUs),
and a worker pool sized from it only adds threads that hold decoded images while
they wait for CPU time the kernel's CFS quota will not give them.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

# Where cgroup v1 mounts the CPU controller: joined ("cpu,cpuacct") on most distributions,
# with "cpu" as a symlink to it; either may be the only one present.
_V1_CPU_DIRS = ("cpu", "cpu,cpuacct")


def available_cpus(cgroup_root: Path = Path("/sys/fs/cgroup")) -> int:
    """CPUs this process can use: the cgroup CPU quota, bounded by the CPU affinity mask.

    Reads cgroup v2 ``cpu.max`` ("max 100000" is unlimited, "150000 100000" is 1.5
    CPUs), falling back to cgroup v1 ``cpu/cpu.cfs_quota_us`` and ``cpu.cfs_period_us``
    (a quota of -1 is unlimited). A fractional quota is rounded up (1.5 CPUs can keep
    two threads busy part of the time), the result never exceeds
    ``len(os.sched_getaffinity(0))`` and is at least 1. Unreadable or malformed files
    count as "no limit".
    """
    cpus = _affinity_cpus()
    quota = _cgroup_v2_quota(cgroup_root)
    if quota is None:
        quota = _cgroup_v1_quota(cgroup_root)
    if quota is not None:
        cpus = min(cpus, math.ceil(quota))
    return max(1, cpus)


def _affinity_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # platforms without affinity masks (macOS development)


def _cgroup_v2_quota(root: Path) -> float | None:
    """CPUs allowed by ``cpu.max``, or None when unlimited, absent or unreadable."""
    text = _read(root / "cpu.max")
    if text is None:
        return None
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    return _ratio(parts[0], parts[1])


def _cgroup_v1_quota(root: Path) -> float | None:
    """CPUs allowed by the CFS quota and period, or None when unlimited or absent."""
    for name in _V1_CPU_DIRS:
        quota = _read(root / name / "cpu.cfs_quota_us")
        period = _read(root / name / "cpu.cfs_period_us")
        if quota is not None and period is not None:
            return _ratio(quota, period)
    return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        quota_us, period_us = int(quota), int(period)
    except ValueError:
        return None
    if quota_us <= 0 or period_us <= 0:  # -1: no quota; 0 would be a broken file
        return None
    return quota_us / period_us


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
