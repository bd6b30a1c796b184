"""deploy/jupyterhub/prestart.py against a stand-in for the hub's REST API (no hub needed).

The real hub path (create, start, progress stream) is exercised by tests/hub/test_class.py, whose
learners' servers are started through prestart.start_server; here the cases a real hub rarely
gives on demand: a server that fails, a refused start, a stream that ends early, bad arguments.
"""
from __future__ import annotations

import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "prestart", Path(__file__).resolve().parents[2] / "deploy/jupyterhub/prestart.py")
prestart = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prestart)

TOKEN = "secret-token"


class FakeHub(BaseHTTPRequestHandler):
    """Users: `ok-*` start and become ready; `fail-*` fail with a message; `refused-*` get a 403;
    `early-*` have a stream that ends without a word. Records every request (method, path)."""
    users: set = set()
    seen: list = []
    lock = threading.Lock()

    def log_message(self, *a):
        pass

    def _send(self, code, body=b"", ctype="application/json"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _auth(self):
        if self.headers.get("Authorization") != f"token {TOKEN}":
            self._send(403, b'{"message": "bad token"}')
            return False
        return True

    def do_GET(self):
        with self.lock:
            self.seen.append(("GET", self.path))
        if not self._auth():
            return
        parts = self.path.split("/")   # /hub/api/users/NAME[/server/progress]
        name = parts[4]
        if self.path.endswith("/server/progress"):
            if name.startswith("early-"):
                return self._send(200, b"", "text/event-stream")
            event = ({"failed": True, "message": "Spawner failed: no room"} if name.startswith("fail-")
                     else {"progress": 100, "ready": True})
            body = (b'data: {"progress": 50, "message": "starting"}\n\n'
                    + f"data: {json.dumps(event)}\n\n".encode())
            return self._send(200, body, "text/event-stream")
        if name not in self.users:
            return self._send(404, b'{"message": "no such user"}')
        return self._send(200, json.dumps({"name": name, "servers": {}}).encode())

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        with self.lock:
            self.seen.append(("POST", self.path))
        if not self._auth():
            return
        if self.path == "/hub/api/users":
            self.users.update(body["usernames"])
            return self._send(201, b"[]")
        name = self.path.split("/")[4]
        if name.startswith("refused-"):
            return self._send(403, b'{"message": "not allowed"}')
        return self._send(202)


@pytest.fixture
def hub():
    FakeHub.users, FakeHub.seen = {"ok-existing"}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_class_starts_and_each_failure_is_named_without_stopping_the_others(hub):
    names = ["ok-existing", "ok-new", "fail-one", "refused-one", "early-one"]
    got = prestart.start_class(hub, TOKEN, names, parallel=2, timeout=10, report=lambda s: None)
    assert isinstance(got["ok-existing"], float) and isinstance(got["ok-new"], float)
    assert "no room" in got["fail-one"]
    assert "refused" in got["refused-one"] and "403" in got["refused-one"]
    assert "ended before the server was ready" in got["early-one"]
    # only the users that did not exist were created, in one request
    assert ("POST", "/hub/api/users") in FakeHub.seen
    assert FakeHub.users == set(names)
    assert sum(1 for m, p in FakeHub.seen if (m, p) == ("POST", "/hub/api/users")) == 1


def test_the_command_reports_and_exits_1_when_a_server_is_not_ready(hub, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HUB_SERVICE_TOKEN", TOKEN)
    roster = tmp_path / "class-list.txt"
    roster.write_text("# the seminar\nok-a\n\nok-b\nok-a\n")
    assert prestart.main([str(roster), "--hub", hub]) == 0
    out = capsys.readouterr().out
    assert "Starting 2 servers" in out and "2 of 2 servers ready" in out
    assert prestart.main(["ok-c", "fail-d", "--hub", hub, "--parallel", "1"]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 servers ready" in out and "not ready: RuntimeError: fail-d" in out


def test_the_command_needs_the_token_and_a_reachable_hub(monkeypatch, capsys):
    monkeypatch.delenv("HUB_SERVICE_TOKEN", raising=False)
    assert prestart.main(["someone"]) == 2
    assert "HUB_SERVICE_TOKEN" in capsys.readouterr().err
    monkeypatch.setenv("HUB_SERVICE_TOKEN", TOKEN)
    assert prestart.main(["someone", "--hub", "http://127.0.0.1:9"]) == 1   # nothing listens on port 9
    assert "cannot reach the hub" in capsys.readouterr().err


def test_a_wrong_token_is_reported_not_hidden(hub, monkeypatch, capsys):
    monkeypatch.setenv("HUB_SERVICE_TOKEN", "wrong")
    assert prestart.main(["ok-x", "--hub", hub]) == 1
    err = capsys.readouterr().err
    assert "refused (403" in err and "class-driver" in err and "cannot reach" not in err
