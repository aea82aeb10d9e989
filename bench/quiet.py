"""Is anything else using the CPU?  The machine is shared, so each figure records it.

``ForeignCpu`` measures CPU time used by processes that are not the harness
or its children during a block: the machine's user + system time (``/proc/stat``)
minus the harness's own (``os.times()``, which includes reaped children) and
its live children's.  ``wait_for_quiet`` waits, bounded, for a moment when
nothing else is busy before a figure starts.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from bench.processes import CLK_TCK, ProcessSet, cpu_seconds


def _busy_s() -> float:
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:4]]
    user, nice, system = fields[:3]
    # Not irq/softirq: the kernel charges loopback traffic there, not to any process,
    # so the harness's own 5 MB uploads would count as someone else's work.
    return (user + nice + system) / CLK_TCK


def _own_s(procs: ProcessSet) -> float:
    t = os.times()
    own = t.user + t.system + t.children_user + t.children_system
    for child in procs.children:
        try:
            own += cpu_seconds(child.pid)
        except OSError:
            pass  # exited between the listing and the read; counted once reaped
    return own


@dataclass
class ForeignCpu:
    procs: ProcessSet
    started: float = 0.0
    busy0: float = 0.0
    own0: float = 0.0
    foreign_s: float = 0.0
    wall_s: float = 0.0

    def __enter__(self) -> ForeignCpu:
        self.started, self.busy0, self.own0 = time.monotonic(), _busy_s(), _own_s(self.procs)
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.monotonic() - self.started
        busy = _busy_s() - self.busy0
        own = _own_s(self.procs) - self.own0
        self.foreign_s = max(0.0, busy - own)

    @property
    def vcpus(self) -> float:
        """Average number of vCPUs other processes kept busy."""
        return self.foreign_s / self.wall_s if self.wall_s else 0.0


def wait_for_quiet(
    procs: ProcessSet, *, max_wait_s: float, threshold_vcpu: float = 0.15
) -> dict[str, float]:
    """Wait until other processes use under ``threshold_vcpu`` for 2 s, at most ``max_wait_s``."""
    began = time.monotonic()
    while True:
        with ForeignCpu(procs) as window:
            time.sleep(2.0)
        waited = time.monotonic() - began
        if window.vcpus < threshold_vcpu or waited >= max_wait_s:
            return {"waited_s": waited, "foreign_vcpu": window.vcpus}
