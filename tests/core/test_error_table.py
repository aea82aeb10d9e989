"""One error table: every code is a class in webtoon_core/errors.py; the README and nginx agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from webtoon_core import errors
from webtoon_core.errors import AppError, error_classes

ROOT = Path(__file__).resolve().parents[2]
CLASSES = list(error_classes())


def readme_rows() -> dict[str, str]:
    """code -> status as the README's error table states it ("varies" where it says so)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### 오류", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not re.search(r"`[A-Z_]+`", cells[2]):
            continue
        codes = re.findall(r"`([A-Z][A-Z_]+)`", cells[2].split("(")[0])
        statuses = [s.strip() for s in cells[1].split("/")]
        if len(statuses) == 1:
            statuses *= len(codes)
        assert len(statuses) == len(codes), line
        for code, status in zip(codes, statuses, strict=True):
            rows[code] = status if status.isdigit() else "varies"
    return rows


def test_every_code_is_one_class_with_status_message_and_docstring():
    codes = [cls.code for cls in CLASSES if cls is not errors.PollsExhausted]
    assert len(codes) == len(set(codes)), "a code belongs to one class"
    for cls in CLASSES:
        assert cls.__doc__ and "\n" not in cls.__doc__.strip(), (
            f"{cls.__name__}: one-line docstring"
        )
        assert re.search(r"[\uac00-\ud7a3]", cls.message), f"{cls.__name__}: a Korean message"
        assert re.fullmatch(r"[A-Z][A-Z_]+", cls.code)


def test_the_hierarchy_is_drawn_once_at_the_top_and_matches_the_classes():
    drawn = {
        name: (code, status)
        for name, code, status in re.findall(
            r"[├└]── (\w+)\s+([A-Z_]+) (\d{3}|\(status given\))", errors.__doc__ or ""
        )
    }
    assert set(drawn) == {cls.__name__ for cls in CLASSES}
    for cls in CLASSES:
        code, status = drawn[cls.__name__]
        assert code == cls.code, cls.__name__
        if status.isdigit():
            assert int(status) == cls.status, cls.__name__


def test_the_readme_error_table_and_the_code_agree():
    rows = readme_rows()
    table = {cls.code: cls for cls in CLASSES}
    assert set(rows) == set(table), (sorted(set(table) - set(rows)), sorted(set(rows) - set(table)))
    for code, status in rows.items():
        if status != "varies":
            assert int(status) == table[code].status, code


def test_nginx_answers_in_the_table_with_the_tables_status():
    conf = (ROOT / "frontends" / "nginx" / "page.conf.template").read_text()
    answers = re.findall(
        r"return (\d{3}) '\{\"error\":\{\"code\":\"([A-Z_]+)\",\"message\":\"([^\"]+)\"", conf
    )
    assert {code for _, code, _ in answers} == {"FILE_TOO_LARGE", "BACKEND_UNAVAILABLE"}
    table = {cls.code: cls for cls in CLASSES}
    for status, code, message in answers:
        assert int(status) == table[code].status, code
    assert (
        dict((c, m) for _, c, m in answers)["BACKEND_UNAVAILABLE"]
        == errors.BackendUnavailable.message
    )


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_raise_sites_pass_only_what_varies(cls):
    # No code or status can be passed: they belong to the class.
    with pytest.raises(TypeError):
        cls(code="OTHER") if cls not in (errors.RouteError,) else cls(404, code="OTHER")  # type: ignore[call-arg]


def test_no_code_is_spelled_outside_the_table():
    table = {cls.code for cls in CLASSES}
    spelled = set()
    for folder in ("webtoon_core", "ppl_backend", "goods_backend"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.name == "errors.py":
                continue
            spelled |= set(
                re.findall(r"\b(?:code|outcome) ?= ?\"([A-Z][A-Z_]{3,})\"", path.read_text())
            )
    assert spelled <= table | {"ok"}, spelled - table
    assert issubclass(errors.ProvenanceFailed, AppError)
