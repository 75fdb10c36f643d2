"""helm/eoffice: renders for the default and a production-like values file, valid for Kubernetes, scanned by
checkov, and every container gets a configuration the server and the mock axis accept."""

from __future__ import annotations

import base64
import shlex
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask_migrate.cli import db as migrate_commands

import eoffice.cli
from eoffice.config import ConfigError, Settings
from national_axis.config import ConfigError as AxisConfigError
from national_axis.config import Settings as AxisSettings
from tests.deploy.conftest import ENV_CHECKED, HOSTED_AGENCY_SYSTEMS, ROOT, SCANNED

# What an operator puts in the Secrets helm/values-production.yaml names (the test sees none of them).
EXISTING_SECRET_EXAMPLES = {
    "PGPASSWORD": "database password",
    "EOFFICE_REDIS_URL": "redis://:redis-password@redis.cache.svc:6379/0",
    "EOFFICE_S3_ACCESS_KEY": "eoffice",
    "EOFFICE_S3_SECRET_KEY": "s3-secret-key",
    "EOFFICE_SECRET_KEY": "k" * 64,
    "EOFFICE_JWT_KEYS": "2026-11:" + "j" * 48,
    "EOFFICE_SIGNING_PIN": "signing-pin",
    "EOFFICE_SMTP_PASSWORD": "smtp-password",
    "EOFFICE_AXIS_SYSTEMS": HOSTED_AGENCY_SYSTEMS,
}
SECRET_SETTINGS = set(EXISTING_SECRET_EXAMPLES) - {"EOFFICE_REDIS_URL"}


def _named(objects: list[dict], kind: str, name: str) -> dict:
    found = [o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} rendered"
    return found[0]


def _pod_spec(workload: dict) -> dict:
    if workload["kind"] == "CronJob":
        return workload["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return workload["spec"]["template"]["spec"]


def _workloads(objects: list[dict]) -> list[dict]:
    return [o for o in objects if o["kind"] in ("Deployment", "Job", "CronJob")]


def _containers(objects: list[dict]):
    for workload in _workloads(objects):
        for container in _pod_spec(workload)["containers"]:
            yield workload, container


def _environment(objects: list[dict], container: dict) -> dict[str, str]:
    """The container's environment as Kubernetes would give it; existing Secrets by their examples."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        config_map = _named(objects, "ConfigMap", source["configMapRef"]["name"])
        env.update(config_map["data"])
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = entry["value"]
            continue
        ref = entry["valueFrom"]["secretKeyRef"]
        chart_secrets = [o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == ref["name"]]
        if chart_secrets:
            env[entry["name"]] = base64.b64decode(chart_secrets[0]["data"][ref["key"]]).decode()
        else:
            assert entry["name"] in EXISTING_SECRET_EXAMPLES, f"no example value for {entry['name']}"
            env[entry["name"]] = EXISTING_SECRET_EXAMPLES[entry["name"]]
    return env


def _check_environment(objects: list[dict]) -> None:
    for workload, container in _containers(objects):
        env = _environment(objects, container)
        try:
            if container["command"][:3] == ["python", "-m", "national_axis"]:
                AxisSettings.from_env(env)
            else:
                Settings.from_env(env)
        except (ConfigError, AxisConfigError) as error:
            raise AssertionError(f"{workload['metadata']['name']}/{container['name']}: {error}") from None


@pytest.mark.parametrize("case", SCANNED)
def test_chart_renders_lints_and_validates_against_kubernetes(chart_report, case):
    report = chart_report["cases"][case]
    assert "error" not in report, report.get("error")
    assert report["lint"]["errors"] == []
    assert [m for m in report["lint"]["messages"] if m["severity"] >= 2] == []
    assert report["validation_errors"] == []
    assert {o["kind"] for o in (item["object"] for item in report["objects"])} >= {
        "Deployment",
        "Service",
        "ConfigMap",
        "ServiceAccount",
        "Job",
        "CronJob",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "HorizontalPodAutoscaler",
    } - ({"HorizontalPodAutoscaler"} if case == "test-environment" else set())


def test_metrics_listen_on_their_own_port_reachable_only_from_monitoring(rendered):
    objects = rendered["default"]
    for component in ("server", "api"):
        container = _pod_spec(_named(objects, "Deployment", f"eoffice-{component}"))["containers"][0]
        assert {"name": "metrics", "containerPort": 9100, "protocol": "TCP"} in container["ports"]
        assert _environment(objects, container)["EOFFICE_METRICS_PORT"] == "9100"
        rules = _named(objects, "NetworkPolicy", f"eoffice-{component}")["spec"]["ingress"]
        by_port = {rule["ports"][0]["port"]: rule["from"] for rule in rules}
        assert by_port["metrics"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}
        ]
        assert by_port["http"] != by_port["metrics"]
        # Not through the ingress: no Service carries the port.
        service = _named(objects, "Service", f"eoffice-{component}")
        assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]
    assert not [o for o in rendered["no-metrics"] if "EOFFICE_METRICS_PORT" in o.get("data", {})]


@pytest.mark.parametrize("case", SCANNED)
def test_checkov_fails_nothing_and_every_skip_says_why(chart_report, case):
    scan = chart_report["checkov"][case]
    assert "error" not in scan, scan.get("error")
    assert scan["passed"] > 0
    assert scan["failed"] == []
    assert all(len(skip["reason"].strip()) > 20 for skip in scan["skipped"]), scan["skipped"]


def test_checkov_finds_nothing_in_the_containerfile(chart_report):
    scan = chart_report["checkov"]["image"]
    assert scan["passed"] > 0 and scan["failed"] == []
    assert all(len(skip["reason"].strip()) > 20 for skip in scan["skipped"])


@pytest.mark.parametrize("case", ENV_CHECKED)
def test_every_container_gets_settings_the_server_accepts(rendered, case):
    _check_environment(rendered[case])


@pytest.mark.parametrize(
    ("case", "problem"),
    [
        ("unknown-setting", "EOFFICE_MAX_UPLOAD_SIZ: unknown setting"),
        ("malformed-setting", "EOFFICE_MAX_UPLOAD_SIZE: expected an integer"),
    ],
)
def test_a_setting_the_server_refuses_fails_the_environment_check(rendered, case, problem):
    with pytest.raises(AssertionError, match=problem):
        _check_environment(rendered[case])


def test_a_misspelt_value_is_refused_by_the_values_schema(chart_report):
    error = chart_report["cases"]["misspelt-value"]["error"]
    assert "additional properties 'replica' not allowed" in error


def test_production_values_run_three_servers_behind_a_sticky_ingress(rendered):
    objects = rendered["production"]
    assert _named(objects, "Deployment", "eoffice-server")["spec"]["replicas"] == 3
    hpa = _named(objects, "HorizontalPodAutoscaler", "eoffice-api")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 12)
    assert "replicas" not in _named(objects, "Deployment", "eoffice-api")["spec"]

    routes = {}
    for ingress in (o for o in objects if o["kind"] == "Ingress"):
        for path in ingress["spec"]["rules"][0]["http"]["paths"]:
            routes[path["path"]] = (ingress, path["backend"]["service"]["name"])
    assert {path: service for path, (_, service) in routes.items()} == {
        "/api/": "eoffice-api",
        "/socket.io/": "eoffice-server",
        "/": "eoffice-server",
    }
    sockets = routes["/socket.io/"][0]["metadata"]["annotations"]
    assert sockets["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(sockets["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    uploads = routes["/api/"][0]["metadata"]["annotations"]
    assert "nginx.ingress.kubernetes.io/affinity" not in uploads
    assert uploads["nginx.ingress.kubernetes.io/proxy-request-buffering"] == "off"
    assert uploads["nginx.ingress.kubernetes.io/proxy-body-size"] == "600m"


def test_production_values_take_every_secret_from_the_existing_secrets(rendered):
    objects = rendered["production"]
    assert [o for o in objects if o["kind"] == "Secret"] == []
    assert not [o for o in objects if "mock-axis" in o["metadata"]["name"]]
    for _, container in _containers(objects):
        refs = {
            e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e
        }
        assert refs["PGPASSWORD"] == "eoffice-database"
        assert refs["EOFFICE_REDIS_URL"] == "eoffice-redis"
        assert refs["EOFFICE_JWT_KEYS"] == "eoffice-keys"
        assert refs["EOFFICE_AXIS_SYSTEMS"] == "eoffice-axis"


@pytest.mark.parametrize("case", SCANNED)
def test_nothing_secret_is_in_a_config_map(rendered, case):
    for config_map in (o for o in rendered[case] if o["kind"] == "ConfigMap"):
        assert not SECRET_SETTINGS & set(config_map["data"])
        assert urlsplit(config_map["data"]["EOFFICE_DATABASE_URL"]).password is None


def test_generated_keys_are_what_the_server_needs(rendered):
    secret = _named(rendered["default"], "Secret", "eoffice")
    values = {key: base64.b64decode(value).decode() for key, value in secret["data"].items()}
    assert set(values) == {
        "database-password",
        "s3-access-key",
        "s3-secret-key",
        "secret-key",
        "jwt-keys",
        "signing-pin",
    }
    assert Settings.from_env({"EOFFICE_JWT_KEYS": values["jwt-keys"]}).jwt_keys


def test_migrations_run_before_any_pod_as_a_pre_install_and_pre_upgrade_hook(rendered):
    objects = rendered["default"]
    job = _named(objects, "Job", "eoffice-migrations")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert _pod_spec(job)["containers"][0]["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    # What the Job reads must exist before it: created by earlier hooks.
    for kind in ("ConfigMap", "Secret", "ServiceAccount"):
        needed = _named(objects, kind, "eoffice")["metadata"]["annotations"]
        assert needed["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(needed["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
    for workload in _workloads(objects):
        env = _environment(objects, _pod_spec(workload)["containers"][0])
        assert env["EOFFICE_AUTO_MIGRATE"] == "false"


@pytest.mark.parametrize("case", SCANNED)
def test_pods_run_unprivileged_on_a_read_only_root(rendered, case):
    for workload, container in _containers(rendered[case]):
        pod = _pod_spec(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] > 0
        context = container["securityContext"]
        assert context["readOnlyRootFilesystem"] is True
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"]["drop"] == ["ALL"]
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        assert "emptyDir" in volumes[mounts["/tmp"]]
        assert container["resources"]["limits"] and container["resources"]["requests"]


def test_web_pods_are_probed_spread_and_protected_from_drains(rendered):
    objects = rendered["production"]
    for component in ("server", "api"):
        deployment = _named(objects, "Deployment", f"eoffice-{component}")
        pod = _pod_spec(deployment)
        container = pod["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
            "kubernetes.io/hostname",
            "topology.kubernetes.io/zone",
        }
        budget = _named(objects, "PodDisruptionBudget", f"eoffice-{component}")
        assert budget["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]


def test_only_the_ingress_controller_reaches_web_pods_and_workers_accept_nothing(rendered):
    objects = rendered["test-environment"]
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    for component in ("server", "api"):
        rules = policies[f"eoffice-{component}"]["ingress"]
        assert rules[0]["from"] == [
            {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
        ]
        assert [p["port"] for p in rules[0]["ports"]] == ["http"]
        # The one other rule is the monitoring namespace's, on the metrics port only.
        assert [[p["port"] for p in rule["ports"]] for rule in rules[1:]] == [["metrics"]]
    workers = policies["eoffice-workers"]
    assert workers["policyTypes"] == ["Ingress"] and "ingress" not in workers
    selected = set(workers["podSelector"]["matchExpressions"][0]["values"])
    for workload in _workloads(objects):
        component = workload["metadata"]["labels"]["app.kubernetes.io/component"]
        assert component in selected | {"server", "api", "mock-axis"}
        assert ("ports" in _pod_spec(workload)["containers"][0]) == (component not in selected)


def test_the_mock_axis_is_optional_and_its_worker_talks_to_it(rendered):
    assert not [o for o in rendered["default"] if "axis" in o["metadata"]["name"]]
    objects = rendered["test-environment"]
    _named(objects, "Service", "eoffice-mock-axis")
    worker = _pod_spec(_named(objects, "Deployment", "eoffice-axis-worker"))["containers"][0]
    assert _environment(objects, worker)["EOFFICE_AXIS_URL"] == "http://eoffice-mock-axis:8100"


def test_the_mail_intake_worker_runs_only_when_enabled(rendered):
    assert not [o for o in rendered["default"] if "mail-intake" in o["metadata"]["name"]]
    objects = rendered["test-environment"]
    worker = _pod_spec(_named(objects, "Deployment", "eoffice-mail-intake-worker"))["containers"][0]
    assert worker["command"] == ["flask", "--app", "wsgi", "mail-intake-worker"]
    environment = _environment(objects, worker)
    assert environment["EOFFICE_MAIL_INTAKE"] == "true"
    assert environment["EOFFICE_MAIL_INTAKE_POLL_INTERVAL"] == "30"


def _cli_commands() -> set[str]:
    app = Flask("commands")
    eoffice.cli.register(app)
    return set(app.cli.commands) | {f"db {name}" for name in migrate_commands.commands}


@pytest.mark.parametrize("case", SCANNED)
def test_every_command_the_chart_runs_exists(rendered, case):
    commands = _cli_commands()
    for _workload, container in _containers(rendered[case]):
        command = container["command"]
        if command[0] == "gunicorn":
            assert command[1] == "-c" and (ROOT / command[2]).is_file() and command[3] == "wsgi:app"
        elif command[0] == "flask":
            assert command[1:3] == ["--app", "wsgi"]
            assert " ".join(command[3:]) in commands, shlex.join(command)
        else:
            assert command == ["python", "-m", "national_axis"]
            assert (ROOT / "national_axis" / "__main__.py").is_file()


@pytest.mark.parametrize(
    ("case", "volume", "writable"),
    [("production", "persistentVolumeClaim", True), ("test-environment", "secret", False)],
)
def test_every_pod_sees_the_same_signing_keys(rendered, case, volume, writable):
    objects = rendered[case]
    for workload, container in _containers(objects):
        if container["name"] == "mock-axis":
            continue
        key_dir = _environment(objects, container)["EOFFICE_SIGNING_KEY_DIR"]
        mount = next(m for m in container["volumeMounts"] if m["mountPath"] == key_dir)
        assert mount.get("readOnly", False) is not writable
        source = next(v for v in _pod_spec(workload)["volumes"] if v["name"] == mount["name"])
        assert volume in source
