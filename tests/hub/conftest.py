import os

import pytest

from . import hubkit


def pytest_configure(config):
    config.addinivalue_line("markers", "hub: a class on a real JupyterHub (needs npm's configurable-http-proxy)")


@pytest.fixture(scope="session")
def hub_ready():
    """Skip (locally) or fail (CI=true) when this machine cannot run a hub, saying what is missing."""
    need = hubkit.missing()
    if need:
        why = ("a real JupyterHub needs " + ", ".join(need)
               + "; `make test` installs them (deploy/jupyterhub/install.sh) when npm is available")
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
