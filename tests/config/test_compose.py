"""docker-compose.yml: valid against the Compose schema (no Docker engine runs here) and coherent.

Compose interpolates ``${VAR}`` before it validates, so these tests do the same with the values
an operator puts in ``.env``; then they check what the schema does not: every reference
(depends_on, volumes, secrets, configs) points at something defined, and the shape matches
docs/deployment.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from compose_spec import PyCompose
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
APP_SERVICES = ["web", "intake", "live", "worker"]
OPERATOR_ENV = {"POSTGRES_PASSWORD": "pw", "ALLOWED_HOSTS": "hotline.example.gov.cn"}
_VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>[A-Z_][A-Z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ``$$``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?error}``."""

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name)
        if op in {":-", "-"}:
            return value if value else arg
        if op in {":?", "?"} and not value:
            raise ValueError(f"{name}: {arg}")
        return value or ""

    return _VARIABLE.sub(substitute, text)


def load(text: str) -> PyCompose:
    """As Compose reads the file: YAML (whose loader resolves ``<<`` merge keys), then the schema."""
    return PyCompose.from_json(json.dumps(yaml.safe_load(text)))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(interpolate(COMPOSE.read_text(), OPERATOR_ENV)).to_dict()


def test_it_is_valid_against_the_compose_schema() -> None:
    parsed = load(interpolate(COMPOSE.read_text(), OPERATOR_ENV))
    parsed.validate()
    assert {"proxy", "web", "intake", "live", "worker", "migrate", "postgres", "redis", "minio"} <= set(
        parsed.service_names()
    )


def test_the_schema_check_does_catch_mistakes() -> None:
    broken = interpolate(COMPOSE.read_text(), OPERATOR_ENV).replace("service_completed_successfully", "finished", 1)
    with pytest.raises(ValueError, match="unknown variant `finished`"):
        load(broken)


def test_it_refuses_to_start_without_the_operator_settings() -> None:
    with pytest.raises(ValueError, match="POSTGRES_PASSWORD"):
        interpolate(COMPOSE.read_text(), {"ALLOWED_HOSTS": "x"})


def test_every_reference_points_at_something_defined(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        targets = depends_on if isinstance(depends_on, list) else list(depends_on)
        assert set(targets) <= set(services), f"{name} depends on an unknown service"
        assert name not in targets
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in compose.get("volumes", {}), f"{name} mounts undeclared volume {source}"
        for secret in service.get("secrets", []):
            secret_name = secret["source"] if isinstance(secret, dict) else secret
            assert secret_name in compose.get("secrets", {}), f"{name} uses undeclared secret {secret_name}"
        for config in service.get("configs", []):
            config_name = config["source"] if isinstance(config, dict) else config
            assert config_name in compose.get("configs", {}), f"{name} uses undeclared config {config_name}"


def test_app_services_wait_for_their_data_and_for_migrations(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
    for name in ["postgres", "redis", "minio"]:
        assert "healthcheck" in compose["services"][name], name


def test_two_web_replicas_behind_one_public_port(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["web"]["deploy"]["replicas"] == 2
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert list(published) == ["proxy"]
    proxy_conf = " ".join(compose["configs"]["nginx_conf"]["content"].split())
    assert "location /ws/ { proxy_pass http://live;" in proxy_conf
    assert "proxy_set_header Upgrade $http_upgrade;" in proxy_conf  # $$ in the file: not a Compose variable
    assert "location / { proxy_pass http://web; }" in proxy_conf


def test_the_doors_have_their_own_sync_workers(compose: dict[str, Any]) -> None:
    """Every prefix that takes the slim door stack (DOOR_STACKS) is proxied to intake, whose gunicorn
    runs sync workers: a door added to the settings but not to the proxy fails here."""
    intake = compose["services"]["intake"]
    assert intake["deploy"]["replicas"] == 2
    assert intake["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert "--threads" not in intake["command"] and "--worker-class" not in intake["command"]
    proxy_conf = " ".join(compose["configs"]["nginx_conf"]["content"].split())
    routed = set(re.findall(r"location (\S+) \{ proxy_pass http://intake; \}", proxy_conf))
    assert routed == set(settings.DOOR_STACKS)


def test_each_role_runs_the_right_program(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["web"]["command"][:2] == ["gunicorn", "config.wsgi:application"]
    assert services["live"]["command"][:2] == ["uvicorn", "config.asgi:application"]
    assert services["worker"]["command"][:3] == ["python", "manage.py", "task_worker"]
    assert "*" in services["worker"]["command"]  # every queue, or SMS would wait forever (STACK-NOTES §2)
    assert (ROOT / "config" / "wsgi.py").exists()
    assert (ROOT / "config" / "asgi.py").exists()


def test_every_gunicorn_loads_the_shared_settings(compose: dict[str, Any]) -> None:
    """config/gunicorn.py holds what they share, the access log that leaves out query strings among it."""
    cmd = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert cmd
    for command in [
        compose["services"]["web"]["command"],
        compose["services"]["intake"]["command"],
        json.loads(cmd[1]),
    ]:
        assert command[0] == "gunicorn" and "python:config.gunicorn" in command, command


def test_app_settings_are_documented_variables(compose: dict[str, Any]) -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.M))
    for name in [*APP_SERVICES, "migrate"]:
        for variable in compose["services"][name]["environment"]:
            assert variable.removesuffix("_FILE") in documented, f"{name}: {variable} is not in .env.example"


def test_production_settings_run_in_every_app_container(compose: dict[str, Any]) -> None:
    for name in [*APP_SERVICES, "migrate"]:
        env = compose["services"][name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://hotline:pw@postgres:5432/hotline?pool_max=")
        assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_each_pool_covers_its_process_concurrency(compose: dict[str, Any]) -> None:
    """A pool smaller than a process's threads makes requests queue for a connection (docs/deployment.md)."""
    web = compose["services"]["web"]
    threads = int(web["command"][web["command"].index("--threads") + 1])
    pool = {
        name: int(compose["services"][name]["environment"]["DATABASE_URL"].rsplit("pool_max=", 1)[1])
        for name in APP_SERVICES
    }
    assert pool["web"] >= threads
    assert pool["intake"] >= 1  # sync workers: one request at a time
    assert pool["live"] >= 10
    assert pool["worker"] >= 1


def test_the_image_is_built_from_the_project(compose: dict[str, Any]) -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11" in dockerfile
    assert "USER hotline" in dockerfile  # not root
    for name in [*APP_SERVICES, "migrate"]:
        assert compose["services"][name]["build"] == "."
