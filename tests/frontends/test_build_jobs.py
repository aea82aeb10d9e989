"""The built pages carry 최근 작업 and its dialog (both pages) and 인쇄용 파일 (goods only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.frontends.test_build import parse

HISTORY_IDS = {
    "history", "history-heading", "history-list", "history-more", "history-empty", "history-error",
    "history-live", "job-dialog", "job-dialog-title", "job-dialog-close", "job-dialog-download",
    "job-dialog-rerun", "job-dialog-delete", "job-dialog-confirm",
}  # fmt: skip
PRINT_IDS = {
    "print-file", "print-dialog", "print-form", "print-height", "print-offset", "print-hole",
    "print-white", "print-submit", "print-status", "print-preview", "print-warnings",
    "print-download", "print-accept-low", "job-dialog-print",
}  # fmt: skip


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_both_pages_have_the_history_and_its_dialog(dist: Path, page: str):
    ids = parse(dist, page).ids
    assert HISTORY_IDS <= ids, HISTORY_IDS - ids
    html = (dist / page / "index.html").read_text(encoding="utf-8")
    assert ">최근 작업</h2>" in html and '<dialog id="job-dialog"' in html


def test_only_the_goods_page_offers_print_files(dist: Path):
    assert PRINT_IDS <= parse(dist, "goods-gen").ids
    assert not PRINT_IDS & parse(dist, "ppl-gen").ids


@pytest.mark.parametrize("page", ["ppl-gen", "goods-gen"])
def test_the_dialogs_send_nothing_with_the_generate_form(dist: Path, page: str):
    html = (dist / page / "index.html").read_text(encoding="utf-8")
    form_end = html.index("</form>")
    for dialog in ('<dialog id="job-dialog"', '<dialog id="print-dialog"'):
        if dialog in html:
            assert html.index(dialog) > form_end  # outside #generate-form: its fields are not sent
