from __future__ import annotations

import os
from pathlib import Path

import pytest

from webtoon_core.cpu import available_cpus


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def four_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """The process may run on four CPUs, whatever the test machine has."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"cpu.max": "max 100000\n"}, 4),  # v2, no limit: the affinity mask decides
        ({"cpu.max": "150000 100000\n"}, 2),  # v2, 1.5 CPUs: rounded up
        ({"cpu.max": "100000 100000\n"}, 1),
        ({"cpu.max": "50000 100000\n"}, 1),  # half a CPU is still one worker
        ({"cpu.max": "800000 100000\n"}, 4),  # a quota above the mask is bounded by it
        ({"cpu/cpu.cfs_quota_us": "250000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 3),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4),
        (
            {"cpu,cpuacct/cpu.cfs_quota_us": "200000", "cpu,cpuacct/cpu.cfs_period_us": "100000"},
            2,
        ),
        ({}, 4),  # no cgroup files at all (a laptop): the affinity mask
        ({"cpu.max": "garbage\n"}, 4),  # malformed: treated as no limit, never a crash
        ({"cpu.max": "0 100000\n"}, 4),
        ({"cpu/cpu.cfs_quota_us": "100000\n"}, 4),  # half a v1 pair: no limit
    ],
)
def test_quota_from_fake_cgroup_trees(
    tmp_path: Path, four_cpus: None, files: dict[str, str], expected: int
) -> None:
    assert available_cpus(_tree(tmp_path, files)) == expected


def test_v2_wins_over_v1_when_both_exist(tmp_path: Path, four_cpus: None) -> None:
    root = _tree(
        tmp_path,
        {
            "cpu.max": "100000 100000",
            "cpu/cpu.cfs_quota_us": "300000",
            "cpu/cpu.cfs_period_us": "100000",
        },
    )
    assert available_cpus(root) == 1


def test_unlimited_v2_falls_back_to_v1(tmp_path: Path, four_cpus: None) -> None:
    # A hybrid host: the v2 file says nothing, the v1 controller carries the quota.
    root = _tree(
        tmp_path,
        {
            "cpu.max": "max 100000",
            "cpu/cpu.cfs_quota_us": "200000",
            "cpu/cpu.cfs_period_us": "100000",
        },
    )
    assert available_cpus(root) == 2


def test_affinity_mask_bounds_the_answer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5})  # taskset -c 5
    assert available_cpus(_tree(tmp_path, {"cpu.max": "400000 100000"})) == 1


def test_real_machine_answers_at_least_one() -> None:
    assert 1 <= available_cpus() <= len(os.sched_getaffinity(0))
