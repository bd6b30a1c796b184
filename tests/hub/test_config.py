"""deploy/jupyterhub/jupyterhub_config.py, loaded as JupyterHub loads it (no hub started)."""
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config.loader import PyFileConfigLoader

CONFIG = Path(__file__).resolve().parents[2] / "deploy/jupyterhub/jupyterhub_config.py"


def load(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("HUB_STATE", str(tmp_path))
    for k in ("HUB_PASSWORD", "HUB_SERVICE_TOKEN", "HUB_PORT"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return PyFileConfigLoader(CONFIG.name, path=str(CONFIG.parent)).load_config()


def spawner(name):
    return SimpleNamespace(user=SimpleNamespace(name=name))


def test_every_learner_gets_their_own_home_store_and_runtime_folder(monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path)
    env = c.Spawner.environment
    homes = {n: Path(env["THREELEVELS_HOME"](spawner(n))) for n in ("ana", "ben")}
    assert homes["ana"] == tmp_path / "homes/ana/.local/share/threelevels"
    assert homes["ana"] != homes["ben"]
    assert c.Spawner.notebook_dir == str(tmp_path / "homes/{username}")
    assert env["JUPYTER_RUNTIME_DIR"](spawner("ana")) != env["JUPYTER_RUNTIME_DIR"](spawner("ben"))
    # Unix socket paths are limited to 107 bytes: kernel-<uuid>-ipc-N beside the connection file
    socket = "/kernel-12345678-1234-1234-1234-123456789012-ipc-4"
    assert len(env["JUPYTER_RUNTIME_DIR"](spawner("a" * 32)) + socket) <= 107
    # nothing fixes the learner's name: it comes from JUPYTERHUB_USER, set by the hub for each server
    assert "THREELEVELS_LEARNER" not in env


def test_servers_hold_up_when_a_class_arrives_at_once(monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path)
    assert "--KernelManager.transport=ipc" in c.Spawner.args
    assert c.Spawner.start_timeout >= 300 and c.Spawner.http_timeout >= 300
    assert c.JupyterHub.ip == "127.0.0.1" and c.JupyterHub.hub_ip == "127.0.0.1"


def test_the_terminal_is_not_a_login_shell_and_the_course_is_first_on_path(monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path, HUB_PYTHON="/opt/course-env/bin/python")
    assert "--ServerApp.terminado_settings=shell_command=['/bin/bash']" in c.Spawner.args
    assert c.Spawner.environment["PATH"].split(":")[0] == "/opt/course-env/bin"
    assert c.Spawner.cmd == ["/opt/course-env/bin/jupyterhub-singleuser"]


@pytest.mark.parametrize("password, kind", [(None, "dummy"), ("class-password-1", "shared-password")])
def test_demo_login_any_name_with_an_optional_class_password(monkeypatch, tmp_path, password, kind):
    c = load(monkeypatch, tmp_path, **({"HUB_PASSWORD": password} if password else {}))
    assert c.JupyterHub.authenticator_class == kind
    if password:
        assert c.SharedPasswordAuthenticator.user_password == password
    assert "services" not in c.JupyterHub  # no API service unless a token is given


def test_the_class_driver_service_exists_only_with_a_token(monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path, HUB_SERVICE_TOKEN="t" * 32)
    assert c.JupyterHub.services == [{"name": "class-driver", "api_token": "t" * 32}]
    assert "access:servers" in c.JupyterHub.load_roles[0]["scopes"]


def test_servers_skip_the_slow_optional_import(monkeypatch, tmp_path):
    c = load(monkeypatch, tmp_path, PYTHONPATH="/somewhere/else")
    first, rest = c.Spawner.environment["PYTHONPATH"].split(":", 1)
    assert (Path(first) / "rfc3987_syntax.py").is_file() and rest == "/somewhere/else"
