"""The Korean docs (and the seed runbook they replace) say only what is true.

Names, log phrases, error codes, settings and metrics are extracted from the
documents, not listed by hand, and each is looked up in the manifests or code.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from goods_backend.settings import GoodsSettings
from ppl_backend.settings import PplSettings
from tests.deploy.conftest import ROOT
from webtoon_core import errors
from webtoon_core.metrics import ServiceMetrics

DOCS = sorted((ROOT / "docs").glob("*.md"))
# The operations documents follow the quoting convention; benchmarks.md is written by bench/.
OPS_DOCS = [p for p in DOCS if p.name != "benchmarks.md"]
# The seed runbook these documents replace sits beside the checkout (../shared/seeds), not
# in it, so a checkout anywhere else has none (WEBTOON_SEEDS_DIR points at it): that must
# show as a skip saying so, not as two documents quietly left unchecked.
SEEDS_DIR = Path(os.environ.get("WEBTOON_SEEDS_DIR") or ROOT.parent / "shared" / "seeds")
SEEDS = sorted(SEEDS_DIR.glob("*.md"))
SEED_PARAMS = SEEDS or [
    pytest.param(
        None,
        id="seeds",
        marks=pytest.mark.skip(
            reason=f"SKIPPED LOUDLY - no seed runbook in {SEEDS_DIR} (set WEBTOON_SEEDS_DIR); "
            "the seeds are NOT being checked"
        ),
    )
]
NAME = re.compile(
    r"\b(?:ppl-gen|goods-gen)-(?:frontend|backend)(?:-(?:deployment|service|container))?-lee-2\b"
)
HANGUL = re.compile(r"[\uac00-\ud7a3]")
CODE_SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
SHELL_BLOCK = re.compile(r"```(?:bash|sh|shell)\n(.*?)```", re.S)
GREP = re.compile(r"""grep\s+((?:-[a-zA-Z]+\s+)*)(?:"([^"]+)"|'([^']+)'|([^\s|'"-][^\s|]*))""")
NGINX_VARS = {
    "PAGE", "BACKEND_ADDR", "LISTEN_PORT", "STATIC_ROOT", "NGINX_TMP", "NGINX_CONF_DIR",
    "NGINX_MIME_TYPES", "CLIENT_BODY_TIMEOUT",
}  # fmt: skip


def code_text() -> str:
    sources = []
    for folder in ("webtoon_core", "ppl_backend", "goods_backend", "frontends"):
        for path in (ROOT / folder).rglob("*"):
            if (
                path.is_file()
                and path.suffix in {".py", ".js", ".j2", ".template", ".conf", ".sh"}
                and "dist" not in path.parts
            ):
                sources.append(path.read_text(encoding="utf-8"))
    return "\n".join(sources)


CODE = code_text()


def error_codes() -> set[str]:
    seen, stack = set(), [errors.AppError]
    while stack:
        cls = stack.pop()
        seen.add(cls.code)
        stack.extend(cls.__subclasses__())
    nginx = (ROOT / "frontends" / "nginx" / "page.conf.template").read_text()
    return seen | set(re.findall(r'"code":"([A-Z_]+)"', nginx))


def known_upper_names() -> set[str]:
    settings = {n.upper() for n in PplSettings.model_fields} | {
        n.upper() for n in GoodsSettings.model_fields
    }
    return (
        settings
        | error_codes()
        | print_warning_codes()
        | NGINX_VARS
        | {"REPLICATE_API_TOKEN", "BFL_API_KEY"}
    )


def print_warning_codes() -> set[str]:
    """The print files' preflight warning codes (spec.json, X-Print-Warnings)."""
    source = (ROOT / "goods_backend" / "print_file" / "preflight.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'PrintWarning\(\s*"([A-Z_]+)"', source))
    assert len(codes) >= 5, codes
    return codes


def metric_names() -> set[str]:
    metrics = ServiceMetrics("ppl")
    names = set()
    for family in metrics.registry.collect():
        names.add(family.name)
        suffixes = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}.get(
            family.type, ()
        )
        names.update(family.name + suffix for suffix in suffixes)
    return names


def doc_id(path: Path) -> str:
    return path.name


def test_the_four_documents_exist_in_korean():
    expected = {
        "operations-runbook.md",
        "troubleshooting-guide.md",
        "architecture-decision-record.md",
        "kubernetes-service-guide.md",
    }
    assert expected <= {p.name for p in DOCS}
    for path in DOCS:
        assert len(HANGUL.findall(path.read_text(encoding="utf-8"))) > 200, path.name


@pytest.mark.parametrize("path", DOCS + SEED_PARAMS, ids=doc_id)
def test_every_kubernetes_name_exists_in_the_manifests(path, rendered_yaml):
    names = set(NAME.findall(path.read_text(encoding="utf-8")))
    if path.name in ("operations-runbook.md", "kubernetes-service-guide.md") or path in SEEDS:
        assert names, "the document names no deployment"
    missing = {n for n in names if n not in rendered_yaml}
    assert not missing
    if "api-keys-secret" in path.read_text(encoding="utf-8"):
        assert "name: api-keys-secret" in rendered_yaml


@pytest.mark.parametrize("path", DOCS + SEED_PARAMS, ids=doc_id)
def test_every_grepped_log_phrase_is_something_the_code_logs(path):
    patterns = []
    for block in SHELL_BLOCK.findall(path.read_text(encoding="utf-8")):
        for match in GREP.finditer(block):
            flags, pattern = match.group(1) or "", next(g for g in match.group(2, 3, 4) if g)
            if "-E" in flags or "-v" in flags or pattern.startswith("<"):
                continue  # regex alternations and exclusions are not phrases
            patterns.append((pattern, "i" in flags))
    code_lower = CODE.lower()
    missing = [
        p for p, nocase in patterns if (p.lower() not in code_lower if nocase else p not in CODE)
    ]
    assert not missing, missing


@pytest.mark.parametrize("path", OPS_DOCS, ids=doc_id)
def test_every_quoted_korean_phrase_is_verbatim_in_the_code(path):
    spans = [s for s in CODE_SPAN.findall(path.read_text(encoding="utf-8")) if HANGUL.search(s)]
    missing = [s for s in spans if s not in CODE]
    assert not missing, missing


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_quoted_code_setting_and_secret_key_is_real(path):
    known = known_upper_names()
    spans = CODE_SPAN.findall(path.read_text(encoding="utf-8"))
    tokens = {t for s in spans for t in re.findall(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b", s)}
    unknown = tokens - known
    assert not unknown, sorted(unknown)


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_quoted_metric_exists(path):
    spans = CODE_SPAN.findall(path.read_text(encoding="utf-8"))
    candidates = {
        m.split("{")[0]
        for s in spans
        for m in re.findall(
            r"\b(?:generation|generations|provider|engine)_[a-z_]+(?:\{[^}]*\})?", s
        )
    }
    unknown = candidates - metric_names()
    assert not unknown, sorted(unknown)


def test_seed_log_phrases_still_appear_in_our_logs():
    for phrase in ("생성 요청", "Replicate 응답", "Polling", "✅ 이미지 데이터 직접 반환", "CORS"):
        assert phrase in CODE
    for message in (
        "REPLICATE_API_TOKEN이 설정되어 있지 않습니다",
        "BFL_API_KEY가 설정되어 있지 않습니다",
        "처리할 수 없는 결과 타입입니다",
        "BFL.ai 모델 생성 실패",
        "업로드된 파일이 비어 있습니다",
        "이미지 생성 시간이 초과되었습니다",
    ):
        assert message in CODE, message
    assert "이미지 생성이 %s 내에 완료되지 않았습니다" in CODE and errors.limit_phrase(120) == "2분"


def test_docs_link_to_each_other_and_the_links_resolve():
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"\]\((\./[^)#]+|\.\./[^)#]+)(?:#[^)]*)?\)", text):
            assert (path.parent / target).resolve().exists(), f"{path.name}: {target}"


@pytest.mark.parametrize("path", DOCS, ids=doc_id)
def test_every_alert_the_docs_name_is_a_rule(path):
    rules = (ROOT / "k8s" / "monitoring" / "prometheus-rules.yaml").read_text()
    named = {
        t
        for s in CODE_SPAN.findall(path.read_text(encoding="utf-8"))
        for t in re.findall(r"\bWebtoon[A-Za-z]+\b", s)
    }
    assert {n for n in named if f"alert: {n}" not in rules} == set()
