"""Drive a class through the course on a real JupyterHub: the hub test and bench/bench_hub.py use this.

A `Hub` is deploy/jupyterhub/hub.sh started with its own state folder and port. A `Learner` does
what a learner's browser does: logs in on the hub's form, follows the nbgitpuller link (through the
hub's redirects and the spawn), runs the pull the page's JavaScript runs, and then talks to their
own server: the contents API, kernels over their websocket, terminals over theirs.
"""
from __future__ import annotations

import datetime as dt
import html
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import time
import urllib.parse
import uuid
from pathlib import Path

import requests
import websocket

CHECKOUT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("prestart", CHECKOUT / "deploy/jupyterhub/prestart.py")
prestart = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prestart)

HUB_SH = CHECKOUT / "deploy/jupyterhub/hub.sh"
PROXY = CHECKOUT / ".cache/hub/node/node_modules/.bin/configurable-http-proxy"
LESSON_01 = "three-levels/lessons/01-three-levels.ipynb"


def missing() -> list[str]:
    """What this machine lacks to run a hub (empty when it can)."""
    need = []
    for mod in ("jupyterhub", "nbgitpuller"):
        try:
            __import__(mod)
        except ImportError:
            need.append(f"pip package {mod}")
    if not PROXY.exists():
        need.append(f"npm package configurable-http-proxy (expected at {PROXY.relative_to(CHECKOUT)})")
    if not shutil.which("git"):
        need.append("git")
    return need


def free_port_block(n: int = 3) -> int:
    """A port p with p .. p+n-1 all free on 127.0.0.1 (the hub uses three in a row)."""
    for _ in range(200):
        p = secrets.randbelow(20000) + 30000
        ok = True
        for q in range(p, p + n):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", q))
                except OSError:
                    ok = False
                    break
        if ok:
            return p
    raise RuntimeError("no block of free ports")


class Hub:
    def __init__(self, state: Path, python: str, port: int | None = None):
        self.state = Path(state)
        self.port = port or free_port_block()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(32)
        self.env = {**os.environ, "HUB_STATE": str(self.state), "HUB_PORT": str(self.port),
                    "HUB_PYTHON": python, "HUB_SERVICE_TOKEN": self.token, "HUB_PROXY": str(PROXY)}
        self.env.pop("HUB_PASSWORD", None)
        self.remote = self.state / "course/three-levels"

    def start(self) -> str:
        r = subprocess.run([str(HUB_SH), "start"], env=self.env, capture_output=True, text=True, timeout=180)
        if r.returncode != 0:
            raise RuntimeError(f"hub.sh start failed:\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def stop(self) -> str:
        r = subprocess.run([str(HUB_SH), "stop"], env=self.env, capture_output=True, text=True, timeout=120)
        return r.stdout + r.stderr

    def log(self, tail: int = 60) -> str:
        p = self.state / "logs/hub.log"
        return "\n".join(p.read_text(errors="replace").splitlines()[-tail:]) if p.exists() else ""

    def pid(self) -> int:
        return int((self.state / "run/jupyterhub.pid").read_text())

    def api(self, method: str, path: str, **kw) -> requests.Response:
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=kw.pop("timeout", 120),
                                headers={"Authorization": f"token {self.token}"}, **kw)

    def link(self, urlpath: str = f"lab/tree/{LESSON_01}") -> str:
        q = urllib.parse.urlencode({"repo": str(self.remote), "branch": "main", "urlpath": urlpath})
        return f"{self.url}/hub/user-redirect/git-pull?{q}"

    def home(self, name: str) -> Path:
        return self.state / "homes" / name

    def store(self, name: str) -> Path:
        return self.home(name) / ".local/share/threelevels/progress.sqlite"


class Kernel:
    """One kernel of one learner, driven over its websocket as JupyterLab does."""

    def __init__(self, learner: "Learner"):
        self.learner = learner
        r = requests.post(f"{learner.base}/api/kernels", json={"name": "python3"}, headers=learner.auth, timeout=300)
        r.raise_for_status()
        self.id = r.json()["id"]
        self.session = uuid.uuid4().hex
        url = f"{learner.base.replace('http', 'ws', 1)}/api/kernels/{self.id}/channels?session_id={self.session}"
        self.ws = websocket.create_connection(url, header=[f"Authorization: token {learner.token}"], timeout=300)

    def run(self, code: str, timeout: float = 300) -> dict:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.learner.name, "session": self.session,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": dt.datetime.now(dt.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        t0 = time.perf_counter()
        out, result, error, idle, reply = [], None, None, False, None
        deadline = time.monotonic() + timeout
        while not (idle and reply):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.learner.name}: no reply in {timeout} s to {code[:60]!r}")
            frame = self.ws.recv()
            if isinstance(frame, bytes):
                continue  # binary frames carry widget buffers, never our replies
            m = json.loads(frame)
            if m.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, c = m["msg_type"], m["content"]
            if kind == "stream":
                out.append(c["text"])
            elif kind == "execute_result":
                result = c["data"].get("text/plain")
            elif kind == "error":
                error = f"{c['ename']}: {c['evalue']}"
            elif kind == "status" and c["execution_state"] == "idle":
                idle = True
            elif kind == "execute_reply":
                reply = c["status"]
        return {"stdout": "".join(out), "result": result, "error": error, "status": reply,
                "seconds": time.perf_counter() - t0}

    def ok(self, code: str, timeout: float = 300) -> dict:
        r = self.run(code, timeout)
        if r["error"] or r["status"] != "ok":
            raise RuntimeError(f"{self.learner.name}: {r['error'] or r['status']} in {code[:80]!r}")
        return r

    def close(self):
        try:
            self.ws.close()
        finally:
            requests.delete(f"{self.learner.base}/api/kernels/{self.id}", headers=self.learner.auth, timeout=60)


class Learner:
    def __init__(self, hub: Hub, name: str):
        self.hub, self.name = hub, name
        self.base = f"{hub.url}/user/{name}"
        self.token: str | None = None
        self.browser = requests.Session()  # cookies, as the learner's browser holds them

    @property
    def auth(self) -> dict:
        return {"Authorization": f"token {self.token}"}

    def create(self):
        r = self.hub.api("POST", "/users", json={"usernames": [self.name]})
        if r.status_code not in (201, 409):
            raise RuntimeError(f"create {self.name}: {r.status_code} {r.text[:200]}")
        r = self.hub.api("POST", f"/users/{self.name}/tokens",
                         json={"note": "class driver", "expires_in": 6 * 3600,
                               "scopes": [f"access:servers!user={self.name}"]})
        r.raise_for_status()
        self.token = r.json()["token"]

    def spawn(self, timeout: float = 600) -> float:
        """Start the server as an instructor does before class (deploy/jupyterhub/prestart.py: the
        hub's API, then its progress stream); seconds until the server itself answers."""
        t0 = time.perf_counter()
        prestart.start_server(self.hub.url, self.hub.token, self.name, timeout)
        while requests.get(f"{self.base}/api/status", headers=self.auth, timeout=60).status_code != 200:
            time.sleep(0.1)
        return time.perf_counter() - t0

    def login(self, password: str = "any password"):
        page = self.browser.get(f"{self.hub.url}/hub/login", timeout=60).text
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
        r = self.browser.post(f"{self.hub.url}/hub/login", timeout=120,
                              data={"username": self.name, "password": password, "_xsrf": html.unescape(xsrf)})
        if r.status_code != 200 or "/hub/login" in r.url:
            raise RuntimeError(f"login of {self.name} failed: {r.status_code} {r.url}")

    def follow_link(self, link: str | None = None) -> dict:
        """Click the nbgitpuller link: the hub starts the server if needed, nbgitpuller syncs the
        course into the home folder, and the page opens lesson 01 in JupyterLab."""
        t0 = time.perf_counter()
        link = link or self.hub.link()
        r = self.browser.get(link, timeout=600)
        r.raise_for_status()
        if "/hub/spawn-pending/" in r.url:
            # The server takes longer than the hub waits before showing its progress page: follow
            # the progress stream, as that page's JavaScript does, then go on to the link's target.
            self.wait_progress()
            r = self.browser.get(link, timeout=600)
            r.raise_for_status()
        if not r.url.startswith(f"{self.base}/git-pull?"):
            raise RuntimeError(f"{self.name}: the link ended at {r.url}")
        data = {k: urllib.parse.unquote(html.unescape(v)) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', r.text)}
        params = {"_xsrf": data["xsrf"], "repo": data["repo"], "targetpath": data["targetpath"],
                  "branch": data.get("branch", "main")}
        phases, output = [], []
        with self.browser.get(f"{self.base}/git-pull/api", params=params, stream=True, timeout=600) as ev:
            ev.raise_for_status()
            for line in ev.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    d = json.loads(line[6:])
                    phases.append(d.get("phase"))
                    output.append(d.get("output") or d.get("message") or "")
                    if d.get("phase") in ("finished", "error"):
                        break
        if phases[-1:] != ["finished"]:
            raise RuntimeError(f"{self.name}: the pull ended {phases[-1:]}: {''.join(output)[-500:]}")
        page = self.browser.get(f"{self.base}/{data['path']}", timeout=120)  # where the page's JS goes
        if page.status_code != 200 or "JupyterLab" not in page.text:
            raise RuntimeError(f"{self.name}: {page.url} gave {page.status_code}")
        return {"seconds": time.perf_counter() - t0, "opened": data["path"], "hops": len(r.history)}

    def wait_progress(self, timeout: float = 600):
        url = f"{self.hub.url}/hub/api/users/{self.name}/server/progress"
        xsrf = next((c.value for c in self.browser.cookies if c.name == "_xsrf" and c.path.startswith("/hub")), None)
        with self.browser.get(url, params={"_xsrf": xsrf} if xsrf else None, stream=True, timeout=timeout) as ev:
            ev.raise_for_status()
            for line in ev.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    d = json.loads(line[6:])
                    if d.get("ready"):
                        return
                    if d.get("failed"):
                        raise RuntimeError(f"the server of {self.name} failed to start: {d.get('message')}")
        raise RuntimeError(f"the progress of {self.name}'s server ended without it being ready")

    def contents(self, path: str) -> dict:
        r = requests.get(f"{self.base}/api/contents/{path}", headers=self.auth, timeout=60)
        r.raise_for_status()
        return r.json()

    def save_notebook(self, path: str, nb: dict):
        r = requests.put(f"{self.base}/api/contents/{path}", headers=self.auth, timeout=60,
                         json={"type": "notebook", "format": "json", "content": nb})
        r.raise_for_status()

    def kernel(self) -> Kernel:
        return Kernel(self)

    def terminal(self, command: str, expect: str, timeout: float = 60) -> str:
        """Open a JupyterLab terminal, type a command, return what it printed up to `expect`."""
        r = requests.post(f"{self.base}/api/terminals", headers=self.auth, timeout=60)
        r.raise_for_status()
        name = r.json()["name"]
        ws = websocket.create_connection(f"{self.base.replace('http', 'ws', 1)}/terminals/websocket/{name}",
                                         header=[f"Authorization: token {self.token}"], timeout=timeout)
        seen = ""
        try:
            ws.send(json.dumps(["stdin", command + "\r"]))
            deadline = time.monotonic() + timeout
            while expect not in seen and time.monotonic() < deadline:
                msg = json.loads(ws.recv())
                if msg[0] == "stdout":
                    seen += msg[1]
        finally:
            ws.close()
            requests.delete(f"{self.base}/api/terminals/{name}", headers=self.auth, timeout=60)
        return seen

    def stop(self, timeout: float = 120):
        self.hub.api("DELETE", f"/users/{self.name}/server", timeout=timeout)
        t0 = time.perf_counter()
        while self.hub.api("GET", f"/users/{self.name}").json()["servers"]:
            if time.perf_counter() - t0 > timeout:
                raise TimeoutError(f"the server of {self.name} did not stop")
            time.sleep(0.25)
