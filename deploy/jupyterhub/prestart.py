"""Start a class's servers before the class, a few at a time, and say when every one is ready.

    python deploy/jupyterhub/prestart.py class-list.txt            (one hub user name a line)
    HUB_URL=http://127.0.0.1:8000 HUB_SERVICE_TOKEN=... python deploy/jupyterhub/prestart.py NAMES...

Uses the hub's REST API with the token of the class-driver service (jupyterhub_config.py): creates
the users that do not exist yet, starts each server, and follows the hub's progress stream until it
is ready. At most --parallel servers start at the same moment (default: twice the cores of this
machine): a server start costs about 3 CPU-seconds, and a whole class starting at once makes every
start slower than starting them in turn (measured: bench/bench_hub.py --spawn-parallel). A server
that fails is named with the hub's message, and the others go on. Standard library only, so it
runs with any Python 3.9+ where the hub is reachable. Exit status: 0 if every server is ready.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def _request(hub: str, token: str, method: str, path: str, body=None, timeout: float = 120):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"{hub}/hub/api{path}", data=data, method=method,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    return urllib.request.urlopen(req, timeout=timeout)


def create_users(hub: str, token: str, names: list[str]) -> None:
    """Create the hub users that do not exist yet (existing ones are left as they are)."""
    missing = []
    for name in names:
        try:
            _request(hub, token, "GET", f"/users/{urllib.parse.quote(name)}").close()
        except urllib.error.HTTPError as exc:
            if exc.code != 404:
                raise
            missing.append(name)
    if missing:
        _request(hub, token, "POST", "/users", {"usernames": missing}).close()


def start_server(hub: str, token: str, name: str, timeout: float = 600) -> float:
    """Start one user's server (if it is not running) and wait until the hub says it is ready."""
    t0 = time.perf_counter()
    user = urllib.parse.quote(name)
    try:
        _request(hub, token, "POST", f"/users/{user}/server", timeout=timeout).close()
    except urllib.error.HTTPError as exc:
        if exc.code != 400:  # 400: already running (or already starting)
            raise RuntimeError(f"{name}: the hub refused to start the server ({exc.code} {exc.reason})") from None
    with _request(hub, token, "GET", f"/users/{user}/server/progress", timeout=timeout) as stream:
        for raw in stream:
            line = raw.decode("utf-8", "replace").strip()
            if not line.startswith("data:"):
                continue
            event = json.loads(line[5:])
            if event.get("ready"):
                return time.perf_counter() - t0
            if event.get("failed"):
                raise RuntimeError(f"{name}: the server failed to start: {event.get('message', '')}")
    with _request(hub, token, "GET", f"/users/{user}") as r:   # the stream ended: ask once
        server = json.load(r).get("servers", {}).get("")
    if server and server.get("ready"):
        return time.perf_counter() - t0
    raise RuntimeError(f"{name}: the hub's progress stream ended before the server was ready")


def start_class(hub: str, token: str, names: list[str], parallel: int, timeout: float = 600,
                report=print) -> dict[str, float | str]:
    """Start every server, at most `parallel` at once; name -> seconds until ready, or the error."""
    create_users(hub, token, names)
    results: dict[str, float | str] = {}

    def one(name: str):
        try:
            results[name] = start_server(hub, token, name, timeout)
            report(f"  ready: {name} ({results[name]:.1f} s)")
        except Exception as exc:  # one learner's failure must not stop the class
            results[name] = f"{type(exc).__name__}: {exc}"
            report(f"  NOT ready: {results[name]}")

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        list(pool.map(one, names))
    return results


def read_names(args: list[str]) -> list[str]:
    names: list[str] = []
    for arg in args:
        if os.path.isfile(arg):
            with open(arg, encoding="utf-8") as fh:
                names += [line.strip() for line in fh if line.strip() and not line.lstrip().startswith("#")]
        else:
            names.append(arg)
    return list(dict.fromkeys(names))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="+", help="hub user names, or files with one name a line")
    ap.add_argument("--hub", default=os.environ.get("HUB_URL", "http://127.0.0.1:8000"),
                    help="the hub's address (default: $HUB_URL or http://127.0.0.1:8000)")
    ap.add_argument("--parallel", type=int, default=2 * (os.cpu_count() or 1),
                    help="servers starting at the same moment (default: twice this machine's cores)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds to wait for one server")
    a = ap.parse_args(argv)
    token = os.environ.get("HUB_SERVICE_TOKEN")
    if not token:
        print("prestart: set HUB_SERVICE_TOKEN to the class-driver service's token "
              "(the one the hub was started with)", file=sys.stderr)
        return 2
    names = read_names(a.names)
    if not names:
        print("prestart: no user names given", file=sys.stderr)
        return 2
    print(f"Starting {len(names)} servers on {a.hub}, {a.parallel} at a time ...", flush=True)
    t0 = time.perf_counter()
    try:
        results = start_class(a.hub.rstrip("/"), token, names, a.parallel, a.timeout,
                              report=lambda s: print(s, flush=True))
    except urllib.error.HTTPError as exc:   # before URLError, whose subclass it is
        print(f"prestart: the hub at {a.hub} refused ({exc.code} {exc.reason}); is HUB_SERVICE_TOKEN "
              "the class-driver service's token?", file=sys.stderr)
        return 1
    except urllib.error.URLError as exc:
        print(f"prestart: cannot reach the hub at {a.hub}: {exc.reason}", file=sys.stderr)
        return 1
    failed = {n: r for n, r in results.items() if isinstance(r, str)}
    print(f"{len(names) - len(failed)} of {len(names)} servers ready in {time.perf_counter() - t0:.0f} s.")
    for name, why in failed.items():
        print(f"  not ready: {why}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
