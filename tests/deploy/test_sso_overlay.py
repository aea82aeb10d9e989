"""k8s/overlays/sso: the base plus oauth2-proxy (Microsoft Entra ID) in front of the four paths.

The overlay renders and validates like the base; sign-in exists only there; oauth2-proxy is
hardened like the other pods and reaches nothing but the ingress controller, DNS and HTTPS;
the backends trust the forwarded user only there; and the overlay is the base plus the
component, nothing else (both build on k8s/base).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from goods_backend.settings import GoodsSettings
from ppl_backend.settings import PplSettings
from tests.deploy.conftest import ROOT
from tests.deploy.test_ingress_edge import PREFIX, SUPPORTED

OVERLAY = ROOT / "k8s" / "overlays" / "sso"
COMPONENT = ROOT / "k8s" / "components" / "sso"
EXAMPLE_SECRET = ROOT / "k8s" / "examples" / "oauth2-proxy-secret.example.yaml"

GATEWAY = "multi-app-gateway-ingress"
APP = "oauth2-proxy-lee-2"
DEPLOYMENT = "oauth2-proxy-deployment-lee-2"
SERVICE = "oauth2-proxy-service-lee-2"
CONTAINER = "oauth2-proxy-container-lee-2"
SIGNIN_INGRESS = "oauth2-proxy-ingress-lee-2"
CONFIG = "oauth2-proxy-config-lee-2"
SECRET = "oauth2-proxy-secret-lee-2"
SECRET_ENV = {
    "OAUTH2_PROXY_CLIENT_ID": "client-id",
    "OAUTH2_PROXY_CLIENT_SECRET": "client-secret",
    "OAUTH2_PROXY_COOKIE_SECRET": "cookie-secret",
}
AUTH_ANNOTATIONS = {f"{PREFIX}auth-url", f"{PREFIX}auth-signin", f"{PREFIX}auth-response-headers"}
FORWARDED_HEADERS = {"X-Auth-Request-Email", "X-Auth-Request-User"}
TRUST = {"TRUST_FORWARDED_USER": "true", "FORWARDED_USER_HEADER": "X-Auth-Request-Email"}
BACKEND_CONFIGS = ("ppl-gen-backend-config-lee-2", "goods-gen-backend-config-lee-2")
SETTINGS = {
    "ppl-gen-backend-config-lee-2": PplSettings,
    "goods-gen-backend-config-lee-2": GoodsSettings,
}
# What the component adds to the base, and nothing else.
SSO_ONLY = {
    ("Deployment", DEPLOYMENT),
    ("Service", SERVICE),
    ("PodDisruptionBudget", APP),
    ("Ingress", SIGNIN_INGRESS),
    ("ConfigMap", CONFIG),
    ("NetworkPolicy", "oauth2-proxy-from-ingress"),
    ("NetworkPolicy", "oauth2-proxy-to-https"),
}
PRIVATE_RANGES = {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"}
# configMapGenerator's content hash suffix.
HASHED = re.compile(r"^(?P<name>.+)-[a-z0-9]{10}$")

Objects = dict[str, dict[str, dict]]


def render_overlay() -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl is required to render k8s/overlays/sso (kubectl kustomize)")
    result = subprocess.run(
        [kubectl, "kustomize", str(OVERLAY)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def index(docs: list[dict]) -> Objects:
    out: Objects = {}
    for obj in docs:
        out.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj
    return out


@pytest.fixture(scope="session")
def sso_rendered_yaml() -> str:
    return render_overlay()


@pytest.fixture(scope="session")
def sso_objects(sso_rendered_yaml: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(sso_rendered_yaml) if doc]


@pytest.fixture(scope="session")
def sso_by_kind(sso_objects: list[dict]) -> Objects:
    return index(sso_objects)


RENDERS = {"base": "rendered_yaml", "sso": "sso_rendered_yaml"}


def render(request: pytest.FixtureRequest, which: str) -> str:
    """The base's render (conftest) or the overlay's, each on its own.

    One failing never hides the other.
    """
    return request.getfixturevalue(RENDERS[which])


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def config_map(by_kind: Objects, name: str) -> dict:
    """A generated ConfigMap by the name it was generated under (without its hash)."""
    (found,) = [c for n, c in by_kind["ConfigMap"].items() if n == name or n.startswith(f"{name}-")]
    return found


def flags(args: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for arg in args:
        assert arg.startswith("--") and "=" in arg, arg
        name, value = arg[2:].split("=", 1)
        assert name not in out, f"--{name} given twice"
        out[name] = value
    return out


def selects(policy: dict, labels: dict[str, str]) -> bool:
    selector = policy["spec"]["podSelector"]
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        assert expr["operator"] == "In", expr
        if labels.get(expr["key"]) not in expr["values"]:
            return False
    return True


def unhashed(by_kind: Objects) -> Objects:
    """The objects with every generated ConfigMap name (and reference to it) unhashed."""
    text = yaml.safe_dump([o for kind in by_kind.values() for o in kind.values()])
    for name in by_kind.get("ConfigMap", {}):
        match = HASHED.match(name)
        if match:
            text = re.sub(rf"\b{re.escape(name)}\b", match["name"], text)
    return index(yaml.safe_load(text))


def gateway_host(by_kind: Objects) -> str:
    (rule,) = by_kind["Ingress"][GATEWAY]["spec"]["rules"]
    return rule["host"]


# --- renders and validates ---------------------------------------------------------------


@pytest.mark.parametrize("which", ["base", "sso"])
def test_each_render_validates_strictly_against_kubernetes_1_32(
    request: pytest.FixtureRequest, which: str, tmp_path: Path
) -> None:
    rendered = tmp_path / f"{which}.yaml"
    rendered.write_text(render(request, which))
    tool = shutil.which("kubernetes-validate") or str(
        Path(sys.executable).parent / "kubernetes-validate"
    )
    result = subprocess.run(
        [tool, "-k", "1.32", "--strict", str(rendered)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("passed") >= 20


@pytest.mark.parametrize("which", ["base", "sso"])
def test_no_rendered_image_is_latest_or_untagged(
    request: pytest.FixtureRequest, which: str
) -> None:
    images = [
        c["image"]
        for obj in yaml.safe_load_all(render(request, which))
        if obj and obj["kind"] == "Deployment"
        for key in ("containers", "initContainers")
        for c in obj["spec"]["template"]["spec"].get(key, [])
    ]
    assert len(images) >= 4
    for image in images:
        reference, _, digest = image.partition("@")
        last = reference.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        assert tag or digest.startswith("sha256:"), f"{image}: no tag, so whatever is pushed last"
        assert tag != "latest", (
            f"{image}: a moving tag; set a release tag (k8s/kustomization.yaml images)"
        )


def test_everything_in_the_overlay_lives_in_namespace_lee(sso_objects: list[dict]) -> None:
    for obj in sso_objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "lee", obj["metadata"]["name"]


def test_the_overlay_is_the_base_plus_the_component_and_nothing_else(
    by_kind: Objects, sso_by_kind: Objects
) -> None:
    """Everything the base renders, the overlay renders too, changed only by the component."""
    base, sso = unhashed(by_kind), unhashed(sso_by_kind)
    base_ids = {(k, n) for k, objs in base.items() for n in objs}
    sso_ids = {(k, n) for k, objs in sso.items() for n in objs}
    assert sso_ids - base_ids == SSO_ONLY
    mirror = "k8s/overlays/sso differs from k8s/ beyond the component"
    assert base_ids <= sso_ids, f"{mirror}: missing {sorted(base_ids - sso_ids)}"
    for kind, name in sorted(base_ids):
        expected, actual = base[kind][name], yaml.safe_load(yaml.safe_dump(sso[kind][name]))
        if (kind, name) == ("Ingress", GATEWAY):
            for key in AUTH_ANNOTATIONS:
                actual["metadata"]["annotations"].pop(key)
        if kind == "ConfigMap" and name in BACKEND_CONFIGS:
            for key, value in TRUST.items():
                assert actual["data"].pop(key) == value
        assert actual == expected, f"{mirror}: {kind}/{name} differs"


# --- sign-in only in the overlay ---------------------------------------------------------


def test_sign_in_guards_the_four_paths_only_in_the_overlay(
    by_kind: Objects, sso_by_kind: Objects
) -> None:
    base_annotations = by_kind["Ingress"][GATEWAY]["metadata"]["annotations"]
    assert not [k for k in base_annotations if k.startswith(f"{PREFIX}auth-")]

    ingress = sso_by_kind["Ingress"][GATEWAY]
    annotations = ingress["metadata"]["annotations"]
    svc = sso_by_kind["Service"][SERVICE]
    (port,) = svc["spec"]["ports"]
    namespace = svc["metadata"]["namespace"]
    # In-cluster, straight to the Service (no trip out through the public address).
    assert annotations[f"{PREFIX}auth-url"] == (
        f"http://{SERVICE}.{namespace}.svc.cluster.local:{port['port']}/oauth2/auth"
    )
    # Back to the page asked for: a path on this host, nothing an attacker can point elsewhere.
    assert (
        annotations[f"{PREFIX}auth-signin"] == "https://$host/oauth2/start?rd=$escaped_request_uri"
    )
    headers = {h.strip() for h in annotations[f"{PREFIX}auth-response-headers"].split(",")}
    assert headers == FORWARDED_HEADERS
    # The four paths themselves are the base's, unchanged.
    paths = {p["path"] for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]}
    assert paths == {"/ppl-gen", "/goods-gen", "/api/ppl-gen", "/api/goods-gen"}


def test_every_annotation_in_the_overlay_is_one_ingress_nginx_or_cert_manager_reads(
    sso_by_kind: Objects,
) -> None:
    for name, ingress in sso_by_kind["Ingress"].items():
        annotations = ingress["metadata"]["annotations"]
        nginx = {k.removeprefix(PREFIX) for k in annotations if k.startswith(PREFIX)}
        assert nginx <= SUPPORTED, (name, nginx - SUPPORTED)
        others = {k for k in annotations if not k.startswith(PREFIX)}
        assert others <= {"cert-manager.io/cluster-issuer"}, (name, others)


def test_the_sign_in_ingress_shares_the_host_and_certificate(sso_by_kind: Objects) -> None:
    gateway = sso_by_kind["Ingress"][GATEWAY]
    signin = sso_by_kind["Ingress"][SIGNIN_INGRESS]
    assert signin["spec"]["ingressClassName"] == gateway["spec"]["ingressClassName"]
    (rule,) = signin["spec"]["rules"]
    assert rule["host"] == gateway_host(sso_by_kind)
    assert signin["spec"]["tls"] == gateway["spec"]["tls"]
    (path,) = rule["http"]["paths"]
    (port,) = sso_by_kind["Service"][SERVICE]["spec"]["ports"]
    assert (path["path"], path["pathType"]) == ("/oauth2", "Prefix")
    assert path["backend"]["service"] == {"name": SERVICE, "port": {"number": port["port"]}}
    annotations = signin["metadata"]["annotations"]
    # One issuer per certificate: the gateway's annotation; a second would fight over the Secret.
    assert "cert-manager.io/cluster-issuer" not in annotations
    assert annotations[f"{PREFIX}force-ssl-redirect"] == "true"


# --- oauth2-proxy ------------------------------------------------------------------------


def test_oauth2_proxy_is_the_official_image_pinned_to_a_release(sso_by_kind: Objects) -> None:
    image = container(sso_by_kind["Deployment"][DEPLOYMENT])["image"]
    assert re.fullmatch(
        r"quay\.io/oauth2-proxy/oauth2-proxy:v\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?", image
    )
    # The release's digest is written down beside it, for whoever pins the bytes.
    assert re.search(r"sha256:[0-9a-f]{64}", (COMPONENT / "oauth2-proxy.yaml").read_text())


def test_oauth2_proxy_signs_in_with_entra_id_for_the_ingress(sso_by_kind: Objects) -> None:
    c = container(sso_by_kind["Deployment"][DEPLOYMENT])
    args = flags(c["args"])
    assert args["provider"] == "entra-id"
    assert args["upstream"] == "static://202"  # answers auth requests, proxies nothing
    assert args["set-xauthrequest"] == "true"  # the X-Auth-Request-* headers the ingress passes on
    assert args["reverse-proxy"] == "true"
    assert set(args["trusted-proxy-ip"].split(",")) >= PRIVATE_RANGES
    assert args["skip-provider-button"] == "true"
    assert "openid" in args["scope"].split() and "email" in args["scope"].split()
    (port,) = c["ports"]
    assert args["http-address"] == f"0.0.0.0:{port['containerPort']}"
    # The session cookie: HTTPS only, host-only, out of scripts' reach, back from Entra on lax.
    assert args["cookie-secure"] == "true" and args["cookie-httponly"] == "true"
    assert args["cookie-name"].startswith("__Host-") and "cookie-domain" not in args
    assert args["cookie-samesite"] == "lax"
    assert args["cookie-csrf-per-request"] == "true"  # two tabs signing in at once both succeed
    # No secret on the command line (it would show in `kubectl describe` and ps).
    assert not [a for a in args if "secret" in a or a == "client-id"]

    (source,) = c["envFrom"]
    config = config_map(sso_by_kind, source["configMapRef"]["name"].rsplit("-", 1)[0])["data"]
    assert re.fullmatch(
        r"https://login\.microsoftonline\.com/[^/]+/v2\.0", config["OAUTH2_PROXY_OIDC_ISSUER_URL"]
    )
    assert (
        config["OAUTH2_PROXY_REDIRECT_URL"]
        == f"https://{gateway_host(sso_by_kind)}/oauth2/callback"
    )
    domains = config["OAUTH2_PROXY_EMAIL_DOMAINS"].split(",")
    assert domains and "*" not in domains, (
        "who may generate: the studio's domain, not every account"
    )
    assert not [k for k in config if "SECRET" in k or k.endswith("CLIENT_ID")]


def test_the_redirect_url_follows_the_one_host_value(tmp_path: Path) -> None:
    """Change the host in k8s/base/ingress.yaml alone: sign-in Ingress and redirect URL follow."""
    copy = tmp_path / "k8s"
    shutil.copytree(ROOT / "k8s", copy)
    ingress = copy / "base" / "ingress.yaml"
    text = ingress.read_text()
    (host,) = re.findall(r"&host (\S+)", text)  # written once, the anchor
    ingress.write_text(text.replace(f"&host {host}", "&host studio.example.org"))
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    out = subprocess.run(
        [kubectl, "kustomize", str(copy / "overlays" / "sso")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert host not in out
    by_kind = index([d for d in yaml.safe_load_all(out) if d])
    assert gateway_host(by_kind) == "studio.example.org"
    assert by_kind["Ingress"][SIGNIN_INGRESS]["spec"]["rules"][0]["host"] == "studio.example.org"
    config = config_map(by_kind, CONFIG)["data"]
    assert config["OAUTH2_PROXY_REDIRECT_URL"] == "https://studio.example.org/oauth2/callback"


def test_oauth2_proxy_reads_its_secrets_from_one_secret_by_name(sso_by_kind: Objects) -> None:
    env = {e["name"]: e for e in container(sso_by_kind["Deployment"][DEPLOYMENT])["env"]}
    assert set(env) == set(SECRET_ENV)
    for name, key in SECRET_ENV.items():
        ref = env[name]["valueFrom"]["secretKeyRef"]
        # Not optional: no sign-in without them, and a pod that cannot start fails closed.
        assert ref == {"name": SECRET, "key": key, "optional": False}


def test_the_secret_is_only_an_example_with_placeholders(sso_objects: list[dict]) -> None:
    assert not [o for o in sso_objects if o["kind"] == "Secret"]
    example = yaml.safe_load(EXAMPLE_SECRET.read_text())
    assert example["metadata"]["name"] == SECRET and example["metadata"]["namespace"] == "lee"
    assert set(example["stringData"]) == set(SECRET_ENV.values())
    for key, value in example["stringData"].items():
        assert value.startswith("<") and value.endswith(">"), f"{key}: placeholders only"


def test_oauth2_proxy_is_hardened_like_the_other_pods(sso_by_kind: Objects) -> None:
    deployment = sso_by_kind["Deployment"][DEPLOYMENT]
    assert deployment["spec"]["selector"]["matchLabels"] == {"app": APP}
    assert deployment["spec"]["replicas"] >= 2  # every protected request asks it first
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    pod = deployment["spec"]["template"]
    assert pod["metadata"]["labels"]["app"] == APP
    spec = pod["spec"]
    assert spec["nodeSelector"] == {"agentpool": "userpool"}
    assert spec["automountServiceAccountToken"] is False
    pod_sc = spec["securityContext"]
    assert (
        pod_sc["runAsNonRoot"] is True
        and isinstance(pod_sc["runAsUser"], int)
        and pod_sc["runAsUser"] > 0
    )
    assert pod_sc["seccompProfile"] == {"type": "RuntimeDefault"}
    c = container(deployment)
    assert c["name"] == CONTAINER
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    for bound in ("requests", "limits"):
        assert set(c["resources"][bound]) == {"memory", "cpu"}
    assert c["livenessProbe"]["httpGet"] == {"path": "/ping", "port": "http"}
    assert c["readinessProbe"]["httpGet"] == {"path": "/ready", "port": "http"}
    (port,) = c["ports"]
    svc = sso_by_kind["Service"][SERVICE]
    assert svc["spec"]["type"] == "ClusterIP" and svc["spec"]["selector"] == {"app": APP}
    (svc_port,) = svc["spec"]["ports"]
    assert svc_port["targetPort"] == port["name"] == "http"
    pdb = sso_by_kind["PodDisruptionBudget"][APP]
    assert pdb["spec"]["selector"]["matchLabels"] == {"app": APP}
    assert pdb["spec"]["maxUnavailable"] == 1


def test_oauth2_proxy_reaches_only_the_controller_dns_and_https(
    by_kind: Objects, sso_by_kind: Objects
) -> None:
    labels = {"app": APP}
    policies = [p for p in sso_by_kind["NetworkPolicy"].values() if selects(p, labels)]
    names = {p["metadata"]["name"] for p in policies}
    assert names == {
        "default-deny-all",
        "allow-dns-egress",
        "oauth2-proxy-from-ingress",
        "oauth2-proxy-to-https",
    }
    # The two new policies select oauth2-proxy and nothing else.
    for name in ("oauth2-proxy-from-ingress", "oauth2-proxy-to-https"):
        assert sso_by_kind["NetworkPolicy"][name]["spec"]["podSelector"] == {"matchLabels": labels}

    (port,) = container(sso_by_kind["Deployment"][DEPLOYMENT])["ports"]
    ingress_rules = [r for p in policies for r in p["spec"].get("ingress", [])]
    (rule,) = ingress_rules
    # From the same controller namespace the frontends admit, on the container port only.
    controller = by_kind["NetworkPolicy"]["frontends-from-ingress"]["spec"]["ingress"][0]["from"]
    assert rule["from"] == controller
    assert rule["ports"] == [{"protocol": "TCP", "port": port["containerPort"]}]

    egress = [r for p in policies for r in p["spec"].get("egress", [])]
    assert {(q["protocol"], q["port"]) for r in egress for q in r["ports"]} == {
        ("UDP", 53),
        ("TCP", 53),
        ("TCP", 443),
    }
    (https,) = [r for r in egress if r["ports"] == [{"protocol": "TCP", "port": 443}]]
    (block,) = https["to"]
    assert block["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert set(block["ipBlock"]["except"]) >= PRIVATE_RANGES | {"169.254.0.0/16"}


# --- the backends trust the forwarded user only behind sign-in -----------------------------


@pytest.mark.parametrize("name", BACKEND_CONFIGS)
def test_the_backends_trust_the_forwarded_user_only_in_the_overlay(
    by_kind: Objects, sso_by_kind: Objects, name: str
) -> None:
    base = config_map(by_kind, name)["data"]
    assert base.get("TRUST_FORWARDED_USER", "false") == "false"  # nothing sets the header there
    data = config_map(sso_by_kind, name)["data"]
    for key, value in TRUST.items():
        assert data[key] == value
    # The header trusted is one the ingress sets from oauth2-proxy's answer.
    annotations = sso_by_kind["Ingress"][GATEWAY]["metadata"]["annotations"]
    passed = {h.strip() for h in annotations[f"{PREFIX}auth-response-headers"].split(",")}
    assert data["FORWARDED_USER_HEADER"] in passed
    settings_cls = SETTINGS[name]
    known = {field.upper() for field in settings_cls.model_fields}
    assert set(data) <= known, set(data) - known
    settings = settings_cls(**{k.lower(): v for k, v in data.items()})
    assert settings.trust_forwarded_user is True
    assert settings.forwarded_user_header == "X-Auth-Request-Email"
