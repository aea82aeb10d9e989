"""k8s/monitoring/: the rules pass promtool and their unit tests, match the app's metrics and the
runbook, and the Operator manifests (ServiceMonitor, PrometheusRule) agree with k8s/ and the
rules."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from prometheus_client import generate_latest

from tests.monitoring.conftest import MONITORING, ROOT, RULES_FILE
from webtoon_core.metrics import PRIMED_OUTCOMES, ServiceMetrics
from webtoon_core.settings import CommonSettings

SEVERITIES = {"P1", "P2", "P3", "P4"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
OUR_PREFIXES = "generation_|generations_|provider_|engine_|job_store_|jobs_|webhook_"
OUR_METRIC = re.compile(rf"(?<![\w:])((?:{OUR_PREFIXES})\w+)")
OUR_METRIC_OR_RECORD = re.compile(rf"(?:service:|{OUR_PREFIXES})\w+")
LINK = re.compile(r"docs/troubleshooting-guide\.md#([^\s,)]+)")
BACKENDS = {"ppl": "ppl-gen-backend", "goods": "goods-gen-backend"}
# What the spend, budget and refusal rules and panels are written against: name -> (type, labels).
SPEND_METRICS = {
    "generation_spend_usd_total": ("counter", {"service", "engine", "model"}),
    "generation_budget_usd": ("gauge", {"service"}),
    "generation_spend_today_usd": ("gauge", {"service"}),
    "generations_started_total": ("counter", {"service", "engine", "identity"}),
    "provider_throttled_total": ("counter", {"service", "engine", "call"}),
}
# What the job rules and panels are written against: name -> (type, labels).
JOB_METRICS = {
    "job_store_seconds": ("histogram", {"service", "op"}),
    "job_store_errors_total": ("counter", {"service", "op"}),
    "jobs_finished_total": ("counter", {"service", "engine", "status"}),
    "jobs_resumed_total": ("counter", {"service", "outcome"}),
    "webhook_deliveries_total": ("counter", {"service", "outcome"}),
}
# Counters of rare events, born at their first event: the records that window them also count a
# series created inside the window (<name>_created) -> the window's length in seconds.
BORN_IN_WINDOW = {
    "service:job_store_errors:increase5m": ("job_store_errors", "5m", 300),
    "service:generation_store_unavailable:increase5m": ("generation_requests", "5m", 300),
    "service:jobs_resumed:increase1h": ("jobs_resumed", "1h", 3600),
    "service:webhook_deliveries:increase1h": ("webhook_deliveries", "1h", 3600),
}
STORE_ANCHOR = "docs/troubleshooting-guide.md#315-작업-저장소-장애-store_unavailable"
# Answered 429 by policy, not for lack of capacity: left out of the request counts and ratios.
POLICY_REFUSALS = ("RATE_LIMITED", "BUDGET_EXHAUSTED")
REFUSALS = ("RATE_LIMITED", "BUDGET_EXHAUSTED", "CROSS_SITE_FORBIDDEN")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


def load_all(path: Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def exported_names() -> set[str]:
    """Every series name the app can expose, derived from its registry's metric families."""
    names: set[str] = set()
    for family in ServiceMetrics("ppl").registry.collect():
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_sum", "_count", "_created"),
            "gauge": ("",),
        }[family.type]
        names.update(family.name + suffix for suffix in suffixes)
    return names


# ---- promtool ----------------------------------------------------------------------------


def test_promtool_check_rules(promtool: str):
    result = run(promtool, "check", "rules", str(RULES_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_unit_tests_pass(promtool: str):
    files = sorted((MONITORING / "tests").glob("*.yaml"))
    assert len(files) >= 3
    result = run(promtool, "test", "rules", *map(str, files))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FAILED" not in result.stdout + result.stderr


def unit_test_alerts() -> tuple[dict[str, int], dict[str, int]]:
    firing: dict[str, int] = defaultdict(int)
    quiet: dict[str, int] = defaultdict(int)
    for path in (MONITORING / "tests").glob("*.yaml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (firing if case.get("exp_alerts") else quiet)[case["alertname"]] += 1
    return firing, quiet


def test_every_alert_is_unit_tested_both_firing_and_quiet(alert_rules):
    firing, quiet = unit_test_alerts()
    names = {rule["alert"] for rule in alert_rules}
    assert names - set(firing) == set(), "alerts never shown firing in k8s/monitoring/tests"
    assert names - set(quiet) == set(), "alerts never shown staying quiet in k8s/monitoring/tests"
    assert set(firing) | set(quiet) <= names, "unit tests name alerts that do not exist"


def test_every_alert_in_the_unit_tests_names_its_service():
    for path in (MONITORING / "tests").glob("*.yaml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                for alert in case.get("exp_alerts", []):
                    assert alert["exp_labels"].get("service") in {"ppl", "goods"}, (path.name, case)


def test_every_recording_rule_is_unit_tested(recording_rules):
    tested: set[str] = set()
    for path in (MONITORING / "tests").glob("*.yaml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            tested.update(case["expr"] for case in test.get("promql_expr_test", []))
    assert set(recording_rules) - tested == set()


# ---- the rules against the app and the runbook --------------------------------------------


def test_every_metric_of_ours_in_the_rules_is_exported_by_the_app(rules):
    exported = exported_names()
    used = {
        name
        for group in rules["groups"]
        for rule in group["rules"]
        for name in OUR_METRIC.findall(rule["expr"])
    }
    assert {
        "generation_requests_total",
        "generation_duration_seconds_bucket",
        "engine_ready",
    } <= used
    assert used - exported == set(), f"not in webtoon_core/metrics.py: {sorted(used - exported)}"


def test_the_app_exports_the_spend_and_refusal_metrics_the_rules_expect():
    metrics = ServiceMetrics("ppl")
    # prometheus_client has no public view of a labelled metric's label names before its first
    # child.
    collectors = metrics.registry._names_to_collectors  # noqa: SLF001
    types = {family.name: family.type for family in metrics.registry.collect()}
    for name, (kind, labels) in SPEND_METRICS.items():
        assert name in collectors, f"webtoon_core/metrics.py does not export {name}"
        family = name.removesuffix("_total") if kind == "counter" else name
        assert types.get(family) == kind, (name, types.get(family))
        assert set(collectors[name]._labelnames) == labels, name  # noqa: SLF001
    primed = {(outcome, status) for outcome, status in PRIMED_OUTCOMES}
    assert {
        ("RATE_LIMITED", "429"),
        ("BUDGET_EXHAUSTED", "429"),
        ("CROSS_SITE_FORBIDDEN", "403"),
    } <= primed


def test_the_app_exports_the_job_metrics_the_rules_expect():
    metrics = ServiceMetrics("ppl")
    collectors = metrics.registry._names_to_collectors  # noqa: SLF001
    types = {family.name: family.type for family in metrics.registry.collect()}
    for name, (kind, labels) in JOB_METRICS.items():
        assert name in collectors, f"webtoon_core/metrics.py does not export {name}"
        family = name.removesuffix("_total") if kind == "counter" else name
        assert types.get(family) == kind, (name, types.get(family))
        assert set(collectors[name]._labelnames) == labels, name  # noqa: SLF001


def test_the_app_exposes_when_each_rare_event_series_was_born():
    """The rare-event windows rely on <name>_created in the text the app serves on /metrics."""
    metrics = ServiceMetrics("ppl")
    metrics.store_errors.labels("ppl", "put").inc()
    metrics.resumed.labels("ppl", "resumed").inc()
    metrics.webhooks.labels("ppl", "gave_up").inc()
    metrics.observe("replicate", "STORE_UNAVAILABLE", 503, 0.1)
    text = generate_latest(metrics.registry).decode()
    for counter, _, _ in BORN_IN_WINDOW.values():
        assert re.search(rf"^{counter}_created\{{[^}}]*\}} \d", text, re.MULTILINE), counter


def test_rare_event_windows_count_series_born_inside_them(recording_rules):
    for record, (counter, window, seconds) in BORN_IN_WINDOW.items():
        expr = " ".join(recording_rules[record].split())
        assert f"increase({counter}_total{{" in expr and f"}}[{window}])" in expr, record
        labels = r"\{[^}]*\}"
        born = rf"{counter}_total{labels} and {counter}_created{labels} > time\(\) - {seconds} ?\)"
        assert re.search(born + r" or increase\(", expr), record


def test_policy_refusals_are_left_out_of_the_request_counts_and_ratios(rules):
    (group,) = [g for g in rules["groups"] if g["name"] == "webtoon-generation.records"]
    exclusion = f'outcome!~"{"|".join(POLICY_REFUSALS)}"'
    checked = 0
    for rule in group["rules"]:
        for selector in re.findall(r"generation_requests_total\{([^}]*)\}", rule["expr"]):
            if re.search(r'\boutcome="|\bstatus="200"', selector):
                continue  # one outcome (a timeout, a refusal) or the successes: no refusal in it
            assert exclusion in selector, (rule["record"], selector)
            checked += 1
    assert checked >= 9


def test_every_budget_alert_needs_a_budget(recording_rules, alert_rules):
    """No budget (DAILY_BUDGET_USD unset: the gauge is 0): the budget series are absent."""
    for record in (
        "service:generation_budget_spent:ratio",
        "service:generation_budget_exhaustion_hours:rate1h",
    ):
        assert "(service:generation_budget_usd:max > 0)" in recording_rules[record], record
    budget_alerts = [rule for rule in alert_rules if rule["alert"].startswith("WebtoonBudget")]
    assert len(budget_alerts) == 3
    for rule in budget_alerts:
        assert re.match(
            r"service:generation_budget_(spent:ratio|exhaustion_hours:rate1h)\b", rule["expr"]
        ), rule["alert"]


def test_the_projection_counts_hours_left_in_the_budgets_time_zone(alert_rules):
    """WebtoonBudgetBurnFast shifts UTC by a fixed offset: it must be the zone's, all year round."""
    zone = CommonSettings.model_fields["budget_timezone"].default
    overrides = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path in (ROOT / "k8s").rglob("*.yaml")
        if MONITORING not in path.parents
        for line in path.read_text().splitlines()
        if "BUDGET_TIMEZONE" in line
    ]
    assert overrides == [], (
        f"k8s/ sets BUDGET_TIMEZONE; WebtoonBudgetBurnFast assumes {zone}: {overrides}"
    )
    offsets = {ZoneInfo(zone).utcoffset(datetime(2025, month, 1)) for month in (1, 7)}
    assert len(offsets) == 1, (
        f"{zone} has daylight saving: a fixed offset in the rule is wrong half the year"
    )
    (offset,) = offsets
    (rule,) = [r for r in alert_rules if r["alert"] == "WebtoonBudgetBurnFast"]
    assert f"(time() + {int(offset.total_seconds())}) % 86400" in rule["expr"]


def test_every_alert_has_a_severity_a_service_and_korean_text(alert_rules):
    assert len(alert_rules) >= 14
    for rule in alert_rules:
        name = rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, name
        # `service` comes from a static label, a `by (service)` aggregation (also of the
        # service:... recorded series) or a label_replace; the unit tests show it on every alert.
        expr = rule["expr"]
        assert (
            "service" in rule["labels"]
            or "by (service" in expr
            or expr.startswith("service:")
            or '"service", "$1"' in expr
        ), f"{name}: its alerts carry no service label"
        annotations = rule["annotations"]
        assert HANGUL.search(annotations["summary"]), f"{name}: summary is not Korean"
        assert HANGUL.search(annotations["description"]), f"{name}: description is not Korean"
        links = LINK.findall(annotations["description"])
        assert links, f"{name}: description does not point at the troubleshooting guide"
        for anchor in links:
            # GitHub-style: lower case, no spaces or punctuation other than - and _.
            assert anchor == anchor.lower() and re.fullmatch(r"[\w-]+", anchor), (name, anchor)


def test_every_severity_is_used(alert_rules):
    assert {rule["labels"]["severity"] for rule in alert_rules} == SEVERITIES


@pytest.mark.parametrize(
    "alert, threshold, severity",
    [
        ("WebtoonSuccessRateLow", "< 0.95", "P2"),  # HTTP 200 응답률 > 95 %
        ("WebtoonErrorRateHigh", ">= 0.05", "P2"),  # 오류율 5 % 미만
        ("WebtoonPplLatencyHigh", "> 90", "P3"),  # PPL 평균 90초
        ("WebtoonGoodsLatencyHigh", "> 60", "P3"),  # 굿즈 평균 60초
        ("WebtoonLatencyNearLimit", "> 105", "P3"),  # 최대 120초 (p95 in the last bucket before it)
        ("WebtoonCpuHigh", "> 0.8", "P3"),  # CPU 80 % 미만
        ("WebtoonMemoryHigh", "> 0.9", "P2"),  # 메모리 90 % 미만
        ("WebtoonBackendDown", "== 0", "P1"),
        ("WebtoonEngineNotReady", "== 0", "P1"),
        ("WebtoonDeploymentUnavailable", "== 0", "P1"),
    ],
)
def test_runbook_thresholds(alert_rules, alert, threshold, severity):
    (rule,) = [r for r in alert_rules if r["alert"] == alert]
    assert threshold in rule["expr"]
    assert rule["labels"]["severity"] == severity
    assert rule.get("for"), f"{alert} pages on a single evaluation"


@pytest.mark.parametrize(
    "alert, threshold, severity",
    [
        (
            "WebtoonBudgetNearlyExhausted",
            "service:generation_budget_spent:ratio >= 0.8 < 1",
            "P3",
        ),  # 80 % of the budget
        (
            "WebtoonBudgetExhausted",
            "service:generation_budget_spent:ratio >= 1",
            "P2",
        ),  # 100 %: refusals
        (
            "WebtoonBudgetExhausted",
            "service:generation_budget_refusals:increase5m > 0",
            "P2",
        ),  # ... or refusing already
        ("WebtoonBudgetBurnFast", "/ 3600 - 1", "P3"),  # gone an hour or more before midnight
        ("WebtoonProviderPollThrottled", 'call="poll"}[15m])) >= 5', "P3"),
        ("WebtoonRateLimitedBurst", 'outcome="RATE_LIMITED"}[15m])) >= 30', "P4"),
    ],
)
def test_spend_and_refusal_thresholds(alert_rules, alert, threshold, severity):
    (rule,) = [r for r in alert_rules if r["alert"] == alert]
    assert threshold in rule["expr"]
    assert rule["labels"]["severity"] == severity


@pytest.mark.parametrize(
    "alert, threshold, severity",
    [
        (
            "WebtoonJobStoreFailing",
            "service:job_store_errors:increase5m >= 3",
            "P1",
        ),  # no generation can start
        ("WebtoonJobStoreFailing", "service:generation_store_unavailable:increase5m >= 2", "P1"),
        ("WebtoonJobStoreSlow", 'service:job_store_seconds:p95_15m{op="put"} > 2', "P3"),
        (
            "WebtoonWebhooksFailing",
            'service:webhook_deliveries:increase1h{outcome="gave_up"} > 0',
            "P3",
        ),
    ],
)
def test_job_thresholds(alert_rules, alert, threshold, severity):
    (rule,) = [r for r in alert_rules if r["alert"] == alert]
    assert threshold in rule["expr"]
    assert rule["labels"]["severity"] == severity


def test_the_store_alerts_point_at_the_store_section_and_the_slow_one_waits(alert_rules):
    for name in ("WebtoonJobStoreFailing", "WebtoonJobStoreSlow"):
        (rule,) = [r for r in alert_rules if r["alert"] == name]
        assert STORE_ANCHOR in rule["annotations"]["description"], name
    (slow,) = [r for r in alert_rules if r["alert"] == "WebtoonJobStoreSlow"]
    assert slow["for"] == "15m"


def test_takeovers_are_p4_unless_one_failed_then_p3(alert_rules):
    """One alert name, two severities that never fire together for a service."""
    rules = {
        r["labels"]["severity"]: " ".join(r["expr"].split())
        for r in alert_rules
        if r["alert"] == "WebtoonJobsResumed"
    }
    failed = 'service:jobs_resumed:increase1h{outcome="failed"} > 0'
    assert rules["P3"] == failed
    assert (
        rules["P4"]
        == f'service:jobs_resumed:increase1h{{outcome="resumed"}} > 0 unless on (service) {failed}'
    )
    assert len(rules) == 2


def test_a_store_outage_pages_once(alert_rules):
    """STORE_UNAVAILABLE answers are the P1's: the P2 ratio alerts judge the rest, the deployment
    alert steps aside while the store fails (its pods are not Ready because of it)."""
    by_name = {r["alert"]: " ".join(r["expr"].split()) for r in alert_rules}
    share = "service:generation_store_unavailable_ratio:rate15m"
    assert (
        f"service:generation_success_ratio:rate15m + on (service) {share} < 0.95"
        in by_name["WebtoonSuccessRateLow"]
    )
    assert (
        f"service:generation_error_ratio:rate15m - on (service) {share} >= 0.05"
        in by_name["WebtoonErrorRateHigh"]
    )
    store_failing = by_name["WebtoonJobStoreFailing"]
    assert by_name["WebtoonDeploymentUnavailable"].endswith(
        f"unless on (service) ({store_failing})"
    )


def test_kubernetes_alerts_are_scoped_to_namespace_lee_and_our_containers(rules):
    (group,) = [g for g in rules["groups"] if g["name"] == "webtoon-kubernetes.alerts"]
    for rule in group["rules"]:
        for selector in re.findall(r"\b(?:container|kube)_\w+\{[^}]*\}", rule["expr"]):
            assert 'namespace="lee"' in selector, (rule["alert"], selector)
            assert '=~".*-lee-2"' in selector, (rule["alert"], selector)


def dashboard() -> dict:
    return json.loads((MONITORING / "grafana-dashboard.json").read_text())


def test_grafana_dashboard_queries_what_exists(recording_rules):
    exprs = [t["expr"] for panel in dashboard()["panels"] for t in panel.get("targets", [])]
    assert len(exprs) >= 10
    exported = exported_names()
    for expr in exprs:
        assert OUR_METRIC_OR_RECORD.findall(expr) or re.search(r"\b(container|kube)_", expr), expr
        for name in OUR_METRIC.findall(expr):
            assert name in exported, expr
        for name in re.findall(r"\bservice:[\w:]+", expr):
            assert name in recording_rules, expr


def test_grafana_dashboard_layout_is_valid(alert_rules):
    panels = dashboard()["panels"]
    ids = [panel["id"] for panel in panels]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    cells: dict[tuple[int, int], str] = {}
    for panel in panels:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]
        refs = [t["refId"] for t in panel.get("targets", [])]
        assert len(refs) == len(set(refs)), panel["title"]
        if panel["type"] != "row":
            assert refs, f"{panel['title']} has no query"
    # Every alert a panel's description names exists.
    names = {rule["alert"] for rule in alert_rules}
    for panel in panels:
        for name in re.findall(r"\bWebtoon\w+", panel.get("description", "")):
            assert name in names, (panel["title"], name)


def test_grafana_dashboard_shows_spend_budget_refusals_and_throttling():
    queries = [
        (t["expr"], panel["title"])
        for panel in dashboard()["panels"]
        for t in panel.get("targets", [])
    ]

    def panels_with(pattern: str) -> set[str]:
        return {title for expr, title in queries if re.search(pattern, expr)}

    assert panels_with(r"^service:generation_spend_today_usd:sum\{"), (
        "spend per day of the deployment"
    )
    assert panels_with(r"^service:generation_spend_usd_per_hour:rate1h\{"), "spend rate"
    assert panels_with(r"^service:generation_budget_usd:max\{.*\} > 0$"), (
        "budget line (none when no budget)"
    )
    # The budget is drawn on the spend panel itself.
    assert panels_with(r"^service:generation_spend_today_usd:sum\{") & panels_with(
        r"^service:generation_budget_usd:max"
    )
    assert panels_with(r"^service:generation_budget_spent:ratio\{")
    refusals = panels_with(
        r"generation_requests_total\{[^}]*outcome=~\"" + "\\|".join(REFUSALS) + r"\""
    )
    assert refusals, "refusals by outcome"
    assert all("by (service, outcome)" in expr for expr, title in queries if title in refusals)
    assert panels_with(r"sum by \(service, identity\) \(rate\(generations_started_total\{"), (
        "started by identity"
    )
    assert panels_with(r"by \(service, engine, call\) \(increase\(provider_throttled_total\{"), (
        "provider throttling"
    )


def test_grafana_dashboard_shows_jobs_the_store_and_webhooks():
    panels = dashboard()["panels"]
    (row,) = [p for p in panels if p["type"] == "row" and p["title"].startswith("작업(Job)")]
    below = sorted(
        p["gridPos"]["y"]
        for p in panels
        if p["type"] == "row" and p["gridPos"]["y"] > row["gridPos"]["y"]
    )
    end = below[0] if below else float("inf")
    queries = [
        t["expr"]
        for p in panels
        if row["gridPos"]["y"] < p["gridPos"]["y"] < end
        for t in p.get("targets", [])
    ]

    def shown(pattern: str) -> bool:
        return any(re.search(pattern, expr) for expr in queries)

    assert shown(r"^service:jobs_finished:rate15m\{"), "jobs by status"
    assert shown(r"^service:jobs_resumed:increase1h\{"), "resumed jobs"
    assert shown(r"^service:job_store_seconds:p95_15m\{"), "store latency p95 by op"
    assert shown(r"^service:job_store_errors:increase5m\{"), "store errors"
    assert shown(r"by \(service, op\) \(increase\(job_store_errors_total\{"), "store errors by op"
    assert shown(r"^service:generation_store_unavailable:increase5m\{"), "STORE_UNAVAILABLE answers"
    assert shown(r"^service:webhook_deliveries:increase1h\{"), "webhook deliveries"


# ---- Operator manifests ------------------------------------------------------------------------


def test_prometheus_rule_spec_is_the_rules_file():
    (rule,) = load_all(MONITORING / "prometheus-rule.yaml")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert rule["kind"] == "PrometheusRule"
    assert rule["spec"] == yaml.safe_load(RULES_FILE.read_text()), (
        "k8s/monitoring/prometheus-rule.yaml is out of date; "
        "regenerate it with the command in its header"
    )


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is required to render k8s/monitoring/ (kubectl kustomize)")
    result = run(kubectl, "kustomize", str(MONITORING))
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def test_monitoring_kustomization_renders(rendered):
    kinds = sorted((obj["kind"], obj["metadata"]["name"]) for obj in rendered)
    assert kinds == [
        ("PrometheusRule", "webtoon-generation-lee-2"),
        ("ServiceMonitor", "goods-gen-backend-lee-2"),
        ("ServiceMonitor", "ppl-gen-backend-lee-2"),
    ]
    for obj in rendered:
        assert obj["metadata"]["namespace"] == "lee"
    (rule,) = [obj for obj in rendered if obj["kind"] == "PrometheusRule"]
    assert rule["spec"] == yaml.safe_load(RULES_FILE.read_text())


def manifest(stem: str) -> Path:
    """k8s/base/<stem>.yaml (the overlays' base), or k8s/<stem>.yaml before that layout."""
    for path in (ROOT / "k8s" / "base" / f"{stem}.yaml", ROOT / "k8s" / f"{stem}.yaml"):
        if path.exists():
            return path
    raise AssertionError(f"no manifest {stem}.yaml in k8s/base/ or k8s/")


def backend_services() -> dict[str, dict]:
    out = {}
    for key, stem in BACKENDS.items():
        (service,) = [d for d in load_all(manifest(stem)) if d["kind"] == "Service"]
        out[key] = service
    return out


@pytest.mark.parametrize("key", sorted(BACKENDS))
def test_service_monitor_selects_the_backend_service(rendered, key):
    service = backend_services()[key]
    (monitor,) = [
        obj
        for obj in rendered
        if obj["kind"] == "ServiceMonitor" and obj["metadata"]["name"] == f"{BACKENDS[key]}-lee-2"
    ]
    spec = monitor["spec"]
    labels = service["metadata"]["labels"]
    assert spec["selector"]["matchLabels"] == {"app": f"{BACKENDS[key]}-lee-2"}
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert spec["namespaceSelector"] == {"matchNames": ["lee"]}
    # job = the Service's app label: what the rules' job matchers expect.
    assert labels[spec["jobLabel"]] == f"{BACKENDS[key]}-lee-2"
    (endpoint,) = spec["endpoints"]
    assert endpoint["port"] in {p["name"] for p in service["spec"]["ports"]}
    assert endpoint["port"] == "http"
    assert endpoint["path"] == "/metrics"
    assert endpoint["honorLabels"] is True  # keeps the app's service="ppl"/"goods"
    assert {"action": "replace", "targetLabel": "service", "replacement": key} in endpoint[
        "relabelings"
    ]


# ---- plain Prometheus config ----------------------------------------------------------------


def test_plain_prometheus_config_is_valid(promtool: str, tmp_path: Path):
    """promtool check config on prometheus.yml with kubernetes_sd_configs swapped for static
    targets: Debian's Prometheus is built without Kubernetes service discovery."""
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    assert config["rule_files"] == ["prometheus-rules.yaml"]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    backends = jobs["webtoon-backends"]
    (sd,) = backends["kubernetes_sd_configs"]
    assert sd == {"role": "endpoints", "namespaces": {"names": ["lee"]}}
    assert backends["honor_labels"] is True
    (keep,) = [
        r
        for r in backends["relabel_configs"]
        if r.get("action") == "keep" and r["source_labels"] == ["__meta_kubernetes_service_name"]
    ]
    for service in backend_services().values():
        assert re.fullmatch(keep["regex"], service["metadata"]["name"])
    for job in config["scrape_configs"]:
        job.pop("kubernetes_sd_configs", None)
        job["static_configs"] = [{"targets": ["127.0.0.1:9"]}]
        for key in ("authorization", "tls_config"):
            job.pop(key, None)  # in-cluster service-account files
    config["rule_files"] = [str(RULES_FILE)]
    checked = tmp_path / "prometheus.yml"
    checked.write_text(yaml.safe_dump(config))
    result = run(promtool, "check", "config", str(checked))
    assert result.returncode == 0, result.stdout + result.stderr
