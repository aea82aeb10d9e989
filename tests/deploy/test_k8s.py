"""k8s/: renders, validates against Kubernetes 1.32 (strict), and names what the runbook names."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from goods_backend.settings import GoodsSettings
from ppl_backend.settings import PplSettings
from tests.deploy.conftest import ROOT

SERVICES = ("ppl-gen", "goods-gen")
TIERS = ("frontend", "backend")
BACKEND_PORT = {"ppl-gen": 8000, "goods-gen": 8001}
SECRET_KEY = {"ppl-gen": "REPLICATE_API_TOKEN", "goods-gen": "BFL_API_KEY"}
SETTINGS = {"ppl-gen": PplSettings, "goods-gen": GoodsSettings}
ENGINE = {"ppl-gen": ("PPL_ENGINE", "replicate"), "goods-gen": ("GOODS_ENGINE", "bfl")}


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def test_every_object_validates_strictly_against_kubernetes_1_32(
    rendered_yaml: str, tmp_path: Path
):
    rendered = tmp_path / "rendered.yaml"
    rendered.write_text(rendered_yaml)
    tool = shutil.which("kubernetes-validate") or str(
        Path(sys.executable).parent / "kubernetes-validate"
    )
    result = subprocess.run(
        [tool, "-k", "1.32", "--strict", str(rendered)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") >= 20


def test_everything_lives_in_namespace_lee(objects):
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "lee", obj["metadata"]["name"]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("tier", TIERS)
def test_runbook_names_labels_images_and_node_pool(by_kind, service, tier):
    deployment = by_kind["Deployment"][f"{service}-{tier}-deployment-lee-2"]
    app = f"{service}-{tier}-lee-2"
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": app}
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["labels"]["app"] == app
    assert pod["spec"]["nodeSelector"] == {"agentpool": "userpool"}
    c = container(deployment)
    assert c["name"] == f"{service}-{tier}-container-lee-2"
    assert c["image"].startswith(f"kt16big.azurecr.io/{service}-{tier}-lee-2:")
    svc = by_kind["Service"][f"{service}-{tier}-service-lee-2"]
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["selector"] == {"app": app}
    (port,) = svc["spec"]["ports"]
    expected = 80 if tier == "frontend" else BACKEND_PORT[service]
    assert port["port"] == expected
    container_port = c["ports"][0]["containerPort"]
    assert container_port == (8080 if tier == "frontend" else BACKEND_PORT[service])


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("tier", TIERS)
def test_resources_probes_and_hardening(by_kind, service, tier):
    deployment = by_kind["Deployment"][f"{service}-{tier}-deployment-lee-2"]
    spec = deployment["spec"]["template"]["spec"]
    c = container(deployment)
    expected = (
        {
            "requests": {"memory": "512Mi", "cpu": "500m"},
            "limits": {"memory": "1Gi", "cpu": "1000m"},
        }
        if tier == "backend"
        else {
            "requests": {"memory": "128Mi", "cpu": "100m"},
            "limits": {"memory": "256Mi", "cpu": "200m"},
        }
    )
    assert c["resources"] == expected
    if tier == "backend":
        assert c["livenessProbe"]["httpGet"]["path"] == "/health"
        assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
    else:
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["readinessProbe"]["httpGet"]["path"] == "/healthz"
    pod_sc, sc = spec["securityContext"], c["securityContext"]
    assert (
        pod_sc["runAsNonRoot"] is True
        and isinstance(pod_sc["runAsUser"], int)
        and pod_sc["runAsUser"] > 0
    )
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("tier", TIERS)
def test_rollouts_never_cut_a_generation_short(by_kind, service, tier):
    deployment = by_kind["Deployment"][f"{service}-{tier}-deployment-lee-2"]
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    spec = deployment["spec"]["template"]["spec"]
    pause = container(deployment)["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pause > 0
    assert spec["terminationGracePeriodSeconds"] > 120 + pause


@pytest.mark.parametrize("service", SERVICES)
def test_backends_take_keys_from_api_keys_secret_and_select_real_engines(by_kind, service):
    deployment = by_kind["Deployment"][f"{service}-backend-deployment-lee-2"]
    c = container(deployment)
    env = {e["name"]: e for e in c["env"]}
    key = SECRET_KEY[service]
    ref = env[key]["valueFrom"]["secretKeyRef"]
    assert (ref["name"], ref["key"]) == ("api-keys-secret", key)
    (source,) = c["envFrom"]
    config = by_kind["ConfigMap"][source["configMapRef"]["name"]]
    name, value = ENGINE[service]
    assert config["data"][name] == value


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_the_manifests_set_is_a_real_setting(by_kind, service):
    deployment = by_kind["Deployment"][f"{service}-backend-deployment-lee-2"]
    c = container(deployment)
    known = {name.upper() for name in SETTINGS[service].model_fields}
    config = by_kind["ConfigMap"][c["envFrom"][0]["configMapRef"]["name"]]
    names = set(config["data"]) | {e["name"] for e in c["env"]}
    assert names <= known, names - known
    SETTINGS[service](**{k.lower(): v for k, v in config["data"].items()})  # and the values parse


def test_frontends_point_at_their_backend_service(by_kind):
    for service in SERVICES:
        c = container(by_kind["Deployment"][f"{service}-frontend-deployment-lee-2"])
        env = {e["name"]: e["value"] for e in c["env"]}
        assert env["BACKEND_ADDR"] == f"{service}-backend-service-lee-2:{BACKEND_PORT[service]}"
        entrypoint = (ROOT / "frontends" / "nginx" / "entrypoint.sh").read_text()
        assert env["BACKEND_ADDR"] in entrypoint  # the image's default agrees


def test_hpa_follows_the_runbook(by_kind):
    for service in SERVICES:
        hpa = by_kind["HorizontalPodAutoscaler"][f"{service}-backend-deployment-lee-2"]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"]["name"] == f"{service}-backend-deployment-lee-2"
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 3)
        (metric,) = hpa["spec"]["metrics"]
        assert metric["resource"]["name"] == "cpu"
        assert metric["resource"]["target"]["averageUtilization"] == 70


def test_every_deployment_has_a_disruption_budget(by_kind):
    selectors = [
        p["spec"]["selector"]["matchLabels"]["app"] for p in by_kind["PodDisruptionBudget"].values()
    ]
    assert sorted(selectors) == sorted(f"{s}-{t}-lee-2" for s in SERVICES for t in TIERS)


def test_network_policies_deny_by_default_and_allow_only_the_product_paths(by_kind):
    policies = by_kind["NetworkPolicy"]
    deny = policies["default-deny-all"]
    assert deny["spec"]["podSelector"] == {} and set(deny["spec"]["policyTypes"]) == {
        "Ingress",
        "Egress",
    }
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]
    dns = policies["allow-dns-egress"]["spec"]["egress"][0]["ports"]
    assert {p["port"] for p in dns} == {53}
    https = policies["backends-to-https"]["spec"]["egress"]
    assert [p["port"] for rule in https for p in rule["ports"]] == [443]
    assert "10.0.0.0/8" in https[0]["to"][0]["ipBlock"]["except"]
    for service in SERVICES:
        egress = policies[f"{service}-frontend-to-backend"]["spec"]["egress"][0]
        assert egress["to"][0]["podSelector"]["matchLabels"]["app"] == f"{service}-backend-lee-2"
        assert egress["ports"][0]["port"] == BACKEND_PORT[service]


def test_ingress_routes_the_four_paths_with_fitting_limits(by_kind):
    ingress = by_kind["Ingress"]["multi-app-gateway-ingress"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    routes = {
        p["path"]: (p["backend"]["service"]["name"], p["backend"]["service"]["port"]["number"])
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert routes == {
        "/api/ppl-gen": ("ppl-gen-backend-service-lee-2", 8000),
        "/api/goods-gen": ("goods-gen-backend-service-lee-2", 8001),
        "/ppl-gen": ("ppl-gen-frontend-service-lee-2", 80),
        "/goods-gen": ("goods-gen-frontend-service-lee-2", 80),
    }
    annotations = ingress["metadata"]["annotations"]
    body = annotations["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert body.endswith("m") and int(body[:-1]) >= 11  # two 5 MB uploads
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) > 120


def test_the_secret_is_never_part_of_the_kustomization(objects):
    assert not [o for o in objects if o["kind"] == "Secret"]
    example = (ROOT / "k8s" / "examples" / "api-keys-secret.example.yaml").read_text()
    assert "<your_replicate_token>" in example and "<your_bfl_key>" in example


def test_replicate_calls_of_every_replica_together_stay_inside_the_account_limits(by_kind):
    """3000 non-create calls and 600 creates a minute per account, shared by all replicas."""
    hpa = by_kind["HorizontalPodAutoscaler"]
    (ppl_hpa,) = [
        h
        for h in hpa.values()
        if h["spec"]["scaleTargetRef"]["name"] == "ppl-gen-backend-deployment-lee-2"
    ]
    replicas = ppl_hpa["spec"]["maxReplicas"]
    (config,) = [
        c
        for name, c in by_kind["ConfigMap"].items()
        if name.startswith("ppl-gen-backend-config-lee-2")
    ]
    settings = PplSettings(**{k.lower(): v for k, v in config["data"].items()})
    assert replicas * settings.replicate_api_calls_per_min <= 3000
    assert replicas * settings.replicate_creates_per_min <= 600


@pytest.mark.parametrize("service", SERVICES)
def test_backends_keep_jobs_in_the_storage_account_reached_only_through_its_endpoint(
    by_kind, service
):
    (config,) = [
        c
        for name, c in by_kind["ConfigMap"].items()
        if name.startswith(f"{service}-backend-config-lee-2")
    ]
    settings = SETTINGS[service](**{k.lower(): v for k, v in config["data"].items()})
    assert settings.job_store_url and settings.job_store_url.startswith("az://")
    env = {
        e["name"]: e
        for e in container(by_kind["Deployment"][f"{service}-backend-deployment-lee-2"])["env"]
    }
    key = env["AZURE_STORAGE_ACCOUNT_KEY"]["valueFrom"]["secretKeyRef"]
    assert (
        key["name"] == "api-keys-secret" and key["optional"] is True
    )  # workload identity works without it
    assert env["REPLICA_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    policy = by_kind["NetworkPolicy"]["backends-to-job-store"]
    (rule,) = policy["spec"]["egress"]
    assert (
        rule["ports"] == [{"protocol": "TCP", "port": 443}]
        and "except" not in rule["to"][0]["ipBlock"]
    )
