"""Browser tests: one JupyterLab server and one headless Chromium for the whole session.

The server serves a temporary copy of the course (lessons/, exercises/, instructors/, seeds/) with
its own THREELEVELS_HOME and Jupyter/IPython folders, on 127.0.0.1 with a token. Each test gets a
fresh browser context and page (`in_browser`); its kernel is shut down afterwards. A failed test
leaves a screenshot and a Playwright trace (see TRACE); a passing one leaves nothing but its
screenshot after Run All. Artifacts go to test-artifacts/e2e/ (or the folder E2E_ARTIFACTS names).

Without Chromium or Playwright every browser test is skipped, saying how to install them; with
CI=true a missing browser fails the tests instead.
Recipe: /work/shared/recipes/browser-e2e.md (verified setup, selectors and pitfalls).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS") or ROOT / "test-artifacts" / "e2e")
TOKEN = "threelevels-e2e-" + os.urandom(8).hex()
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
# Playwright launches headless by default; these keep Chromium quiet on a closed network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
COURSE_DIRS = ("lessons", "exercises", "instructors", "seeds")
IN_CI = os.environ.get("CI", "").strip().lower() == "true"

try:
    from playwright.sync_api import expect, sync_playwright
    PLAYWRIGHT_ERROR = None
except ImportError as exc:  # the tests skip (or fail in CI) with a message, never crash collection
    expect = sync_playwright = None
    PLAYWRIGHT_ERROR = exc


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    problems = []
    if PLAYWRIGHT_ERROR is not None:
        problems.append(f"Playwright for Python is not installed ({PLAYWRIGHT_ERROR}): "
                        f"`{sys.executable} -m pip install playwright` (or `make install`); "
                        "never `playwright install`, the tests use the system Chromium")
    if not CHROMIUM or not os.access(CHROMIUM, os.X_OK):
        problems.append("Chromium is not installed: `apt-get install -y chromium` "
                        "(or set CHROMIUM to a Chromium/Chrome executable)")
    return "; ".join(problems) or None


def _require_browser():
    why = missing_browser()
    if why:
        if IN_CI:
            pytest.fail(f"browser tests cannot run in CI: {why}", pytrace=False)
        pytest.skip(f"browser tests skipped: {why}")


# --- the server --------------------------------------------------------------------------------
@dataclass
class Lab:
    url: str
    token: str
    root: Path          # the temporary course copy the server serves
    home: Path          # THREELEVELS_HOME of its kernels
    log: Path
    proc: subprocess.Popen
    started: float      # time.monotonic() when the server was launched

    def api(self, method: str, path: str):
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Delete every session (which shuts its kernel down) so memory stays low between notebooks."""
        for s in self.api("GET", "/api/sessions") or []:
            try:
                self.api("DELETE", f"/api/sessions/{s['id']}")
            except OSError:
                pass
        for k in self.api("GET", "/api/kernels") or []:   # a kernel without a session, if any
            try:
                self.api("DELETE", f"/api/kernels/{k['id']}")
            except OSError:
                pass

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _write_settings(settings: Path) -> None:
    def put(plugin: str, values: dict):
        pkg, name = plugin.rsplit(":", 1)
        path = settings / pkg / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    # the "get Jupyter news?" toast can cover widgets
    put("@jupyterlab/apputils-extension:notification", {"fetchNews": "false", "checkForUpdates": False})
    # render every cell at once (no lazy windowing), so every output is in the DOM after Run All
    put("@jupyterlab/notebook-extension:tracker", {"windowingMode": "none"})
    # never write the served copy behind the test's back (each test also restores its notebook)
    put("@jupyterlab/docmanager-extension:plugin", {"autosave": False})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server by its own PID: SIGTERM (it shuts its kernels down), then SIGKILL."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def lab():
    _require_browser()
    base = Path(tempfile.mkdtemp(prefix="threelevels-e2e-"))
    course = base / "course"
    for folder in COURSE_DIRS:
        if (ROOT / folder).is_dir():
            shutil.copytree(ROOT / folder, course / folder,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    _write_settings(base / "settings")
    home = base / "threelevels-home"
    home.mkdir()
    env = dict(os.environ,
               THREELEVELS_HOME=str(home),
               JUPYTER_CONFIG_DIR=str(base / "jupyter-config"),
               JUPYTER_DATA_DIR=str(base / "jupyter-data"),
               JUPYTER_RUNTIME_DIR=str(base / "jupyter-runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(base / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
               IPYTHONDIR=str(base / "ipython"),
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    for var in ("MPLBACKEND", "THREELEVELS_ROOT", "JUPYTER_PATH", "JUPYTER_PREFER_ENV_PATH"):
        env.pop(var, None)   # a learner's kernel: inline figures, the course found from the package
    port = _free_port()
    t_start = time.monotonic()
    log_path = base / "jupyter.log"
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={course}",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--LabApp.extension_manager=readonly", "--ServerApp.open_browser=False",
         # kernels over Unix sockets: TCP ports are picked by binding port 0 and released before
         # the kernel binds them, so kernels started at once by other processes (nbval's) can take
         # the same port, and the server then talks to the wrong kernel, stuck at "Connecting"
         "--KernelManager.transport=ipc"],
        cwd=course, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Lab(f"http://127.0.0.1:{port}", TOKEN, course, home, log_path, proc, t_start)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited ({proc.returncode}):\n{server.log_tail()}", pytrace=False)
            try:
                server.api("GET", "/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start in 60 s:\n{server.log_tail()}", pytrace=False)
                time.sleep(0.25)
        yield server
    finally:
        _stop(proc)
        log.close()
        if os.environ.get("E2E_KEEP_TMP"):
            print(f"e2e: kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


# --- the browser ---------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser():
    _require_browser()
    expect.set_options(timeout=30_000)   # default is 5 s; a first kernel start can be slower
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")[:150]


# E2E_TRACE: "on-failure" (default) runs untraced and, when a test fails, runs it once more with a
# Playwright trace (screenshots and DOM snapshots) and keeps that trace; "always" traces every run
# (about 3x slower widget steps: each action snapshots JupyterLab's large DOM); "off" never traces.
TRACE = os.environ.get("E2E_TRACE", "on-failure").strip().lower()


def _attempt(browser, lab, name: str, fn, trace: bool, shot: bool, keep_trace: bool = False):
    """fn(page) in a fresh browser context; on failure keep a screenshot and (if traced) the trace."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    if trace:
        ctx.tracing.start(screenshots=True, snapshots=True, sources=False)
    page = ctx.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"uncaught: {e}"))
    ok = False
    try:
        result = fn(page)
        ok = True
        return result
    finally:
        try:
            if not ok:
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                if shot:
                    try:
                        page.screenshot(path=str(ARTIFACTS / f"failed-{name}.png"))
                    except Exception:
                        pass
                if console:
                    (ARTIFACTS / f"console-{name}.txt").write_text("\n".join(console) + "\n")
                # what the server said meanwhile (kernel starts, websocket nudges, timeouts)
                (ARTIFACTS / f"server-{name}.log").write_text(lab.log_tail(300) + "\n")
            if trace:
                keep = keep_trace or not ok
                if keep:
                    ARTIFACTS.mkdir(parents=True, exist_ok=True)
                ctx.tracing.stop(path=str(ARTIFACTS / f"trace-{name}.zip") if keep else None)
        finally:
            ctx.close()
            try:
                lab.shutdown_kernels()   # keep memory low: one kernel at a time
            except OSError:
                pass


@pytest.fixture
def in_browser(browser, lab, request):
    """`in_browser(fn)` runs fn(page) in a fresh context and page (then shuts the kernels down).

    On failure: a screenshot `failed-<test>.png` and a Playwright trace `trace-<test>.zip` in the
    artifacts folder (see TRACE above); nothing is kept for a passing test.
    """
    name = _safe(request.node.name)
    for stale in ("failed-{}.png", "trace-{}.zip", "console-{}.txt", "server-{}.log"):
        (ARTIFACTS / stale.format(name)).unlink(missing_ok=True)

    def run(fn):
        if TRACE in ("always", "1", "on", "true"):
            return _attempt(browser, lab, name, fn, trace=True, shot=True)
        try:
            return _attempt(browser, lab, name, fn, trace=False, shot=True)
        except (Exception, pytest.fail.Exception) as first:
            if TRACE in ("off", "0", "none", "false"):
                raise
            try:
                _attempt(browser, lab, name, fn, trace=True, shot=False, keep_trace=True)
                note = "the traced rerun PASSED: the failure above is intermittent"
            except (Exception, pytest.fail.Exception) as again:
                note = f"the traced rerun failed too ({type(again).__name__})"
            note += f"; trace: {ARTIFACTS / f'trace-{name}.zip'} (`playwright show-trace <file>`)"
            print(note)   # shown under "Captured stdout call" in the report
            first.add_note(note)
            raise first

    return run


# --- timings -------------------------------------------------------------------------------------
TIMINGS: dict[str, dict] = {}


@pytest.fixture(scope="session")
def timings(lab):
    """Per-notebook seconds, written to <artifacts>/timings.json at the end of the session
    (`session_seconds`: from launching the server to the last notebook)."""
    yield TIMINGS
    if TIMINGS:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        out = {"notebooks": TIMINGS, "session_seconds": round(time.monotonic() - lab.started, 1)}
        (ARTIFACTS / "timings.json").write_text(json.dumps(out, indent=2) + "\n")
