# JupyterHub configuration: the Three Levels course for a class, on one machine.
#
# Started by `make hub` (deploy/jupyterhub/hub.sh); the hub test and `make bench-hub` use it too.
# Every learner gets their own home folder (the course is cloned there by nbgitpuller), their own
# progress store (THREELEVELS_HOME), and their own name in exports (the hub user, JUPYTERHUB_USER).
#
# Settings come from the environment (hub.sh sets them):
#   HUB_STATE        folder for everything the hub writes (homes, database, logs, exports);
#                    default ~/.local/share/threelevels-hub (outside the checkout, so that
#                    `make clean` or a fresh clone never deletes learners' homes)
#   HUB_PORT         the learners' port on 127.0.0.1 (default 8000); the proxy's API uses
#                    HUB_PORT+1 and the hub itself HUB_PORT+2
#   HUB_IP           the address to listen on (default 127.0.0.1: only this machine)
#   HUB_PYTHON       the Python environment with the course and jupyterhub (default: the hub's own)
#   HUB_PROXY        the configurable-http-proxy command (default .cache/hub/node/...)
#   HUB_PASSWORD     set it for a shared class password; unset, any password is accepted (demo)
#   HUB_ADMINS       comma-separated hub users who are admins (default "teacher")
#   HUB_SERVICE_TOKEN  optional API token for the "class-driver" service: it may create users,
#                    start servers ahead of class and issue tokens (tests, benchmark, pre-start)
#
# Isolation: the SimpleLocalProcessSpawner runs every learner's server as the OS user that runs the
# hub. Learners get separate folders, stores and tokens, but no OS-level isolation: fine for a demo,
# a workshop on a throwaway machine, or a test; not for a class on a shared server (see README.md).
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821

CHECKOUT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share")
STATE = Path(os.environ.get("HUB_STATE") or DATA / "threelevels-hub").resolve()
PORT = int(os.environ.get("HUB_PORT", "8000"))
IP = os.environ.get("HUB_IP", "127.0.0.1")
PYTHON = Path(os.environ.get("HUB_PYTHON") or sys.executable)
BIN = PYTHON.parent  # not resolved: a venv's bin/python is a symlink to the base interpreter
STARTUP = Path(__file__).resolve().parent / "startup"
PROXY = os.environ.get("HUB_PROXY") or str(CHECKOUT / ".cache/hub/node/node_modules/.bin/configurable-http-proxy")
HOMES = STATE / "homes"
EXPORTS = STATE / "exports"  # the class's shared folder for `threelevels export`
RUN = STATE / "run"
for folder in (HOMES, EXPORTS, RUN):
    folder.mkdir(parents=True, exist_ok=True)

# --- network ---------------------------------------------------------------------------------------
c.JupyterHub.ip = IP                                # learners connect here (through the proxy)
c.JupyterHub.port = PORT
c.JupyterHub.hub_ip = "127.0.0.1"                   # the hub process: never exposed
c.JupyterHub.hub_port = PORT + 2
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PORT + 1}"
c.ConfigurableHTTPProxy.command = [PROXY]
c.Spawner.ip = "127.0.0.1"                          # learners' servers, each on a free port

# --- state -----------------------------------------------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{RUN / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(RUN / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(RUN / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True                 # stopping the hub stops every learner's server

# --- who may log in --------------------------------------------------------------------------------
# Demo: any user name; with HUB_PASSWORD set, only with that shared class password.
# For a real class, replace these lines with your institution's authenticator, e.g.
#   c.JupyterHub.authenticator_class = "oauthenticator.GenericOAuthenticator"  (pip install oauthenticator)
#   c.Authenticator.allowed_users = {...}   # or allowed groups / organisations
# and give every learner an OS account (LocalProcessSpawner) or a container (DockerSpawner).
if os.environ.get("HUB_PASSWORD"):
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = os.environ["HUB_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "dummy"      # any name, any password: a demo only
c.Authenticator.allow_all = True                    # JupyterHub 5 admits nobody unless told
c.Authenticator.admin_users = {a.strip() for a in os.environ.get("HUB_ADMINS", "teacher").split(",") if a.strip()}

if os.environ.get("HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [{"name": "class-driver", "api_token": os.environ["HUB_SERVICE_TOKEN"]}]
    c.JupyterHub.load_roles = [{
        "name": "class-driver",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "read:hub"],
        "services": ["class-driver"],
    }]

# --- each learner's server -------------------------------------------------------------------------
c.JupyterHub.spawner_class = "simple"               # SimpleLocalProcessSpawner: no OS accounts needed
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.notebook_dir = str(HOMES / "{username}")  # {username} is expanded here (not in environment)
c.Spawner.default_url = "/lab"
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.args = [
    # Every server on this machine shares one network namespace, and each picks free TCP ports for
    # its kernels without reserving them: two servers starting kernels at once can pick the same
    # port ("Address already in use", a dead kernel). Unix sockets need no ports.
    "--KernelManager.transport=ipc",
    # JupyterLab terminals run `bash -l`, and /etc/profile resets PATH: `threelevels` would be
    # "command not found". A non-login shell keeps the PATH set below.
    "--ServerApp.terminado_settings=shell_command=['/bin/bash']",
    # The course uses no language servers: skip the probe for them at every server start.
    "--LanguageServerManager.autodetect=False",
]
if hasattr(os, "geteuid") and os.geteuid() == 0:
    # Jupyter refuses to run as root without this (containers and CI run as root).
    c.Spawner.args.append("--ServerApp.allow_root=True")

# A class arriving at once shares the machine's cores: with 2 cores the last of 40 servers answers
# after about a minute. The defaults (60 s to start, 30 s to answer) fail part of such a class.
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300


def _home(spawner) -> Path:
    return HOMES / spawner.user.name


def _runtime(spawner) -> str:
    """A short folder for the kernels' Unix sockets: a socket path may have at most 107 bytes, and
    a kernel's socket name alone takes 50. Under the hub's state if that is short enough."""
    folder = RUN / "rt" / spawner.user.name
    if len(str(folder)) + 50 > 107:
        folder = Path("/tmp") / f"tlhub-{PORT}" / spawner.user.name
    return str(folder)


# Values here are used verbatim ({username} is NOT expanded): per-learner values need callables.
# The learner's name in exports comes from JUPYTERHUB_USER, which the hub sets for every server.
c.Spawner.environment = {
    "THREELEVELS_HOME": lambda sp: str(_home(sp) / ".local/share/threelevels"),
    # Kernels' ipc sockets live beside their connection files (the default, under the home, is too long).
    "JUPYTER_RUNTIME_DIR": _runtime,
    # The course's environment first, in notebooks (`!threelevels export`) and terminals alike.
    "PATH": os.pathsep.join([str(BIN), "/usr/local/bin", "/usr/bin", "/bin"]),
    # Where learners hand in their answers: `threelevels export --output "$CLASS_EXPORTS"`.
    "CLASS_EXPORTS": str(EXPORTS),
    # Halves the CPU a server start costs (startup/rfc3987_syntax.py says why and how it was measured).
    "PYTHONPATH": os.pathsep.join(p for p in (str(STARTUP), os.environ.get("PYTHONPATH", "")) if p),
}
