"""The online JupyterLite build (`make lite-online`), opened in headless Chromium with a stand-in CDN.

The online site loads Pyodide and its packages from cdn.jsdelivr.net at run time, which the
machines that test this project cannot reach. Here every request to that CDN's Pyodide folder is
answered by the browser's request router from the same release's files: the runtime and the
official pyodide-lock.json from npm's `pyodide` package, and each package wheel only if its sha256
equals the one that lock gives (the files the CDN serves for that release). Every other request
beyond the local server is aborted and logged, and the test asserts there were none.

What it proves: the built site points the kernel at that release on the CDN, the course installs
from the site with the notebook's own `%pip` cell, lesson 01 runs without an error, an exercise
gives its verdicts. What it cannot prove: that the real CDN is up, or fast.
Skipped without npm, Chromium or Playwright, saying so; with CI=true a missing tool fails it.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from .test_lite import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, IN_CI, LESSON, ROOT, _missing, _open,
                        _problems, _run_all, is_local, served, sync_playwright)

pytestmark = pytest.mark.lite
_spec = importlib.util.spec_from_file_location("lite_build", ROOT / "lite" / "build.py")
lite_build = importlib.util.module_from_spec(_spec)   # lite/build.py: its pins and download helpers
_spec.loader.exec_module(lite_build)

CDN = f"https://cdn.jsdelivr.net/pyodide/v{lite_build.PYODIDE_VERSION}/full/"
TYPES = {".js": "application/javascript", ".mjs": "application/javascript", ".wasm": "application/wasm",
         ".json": "application/json", ".zip": "application/zip", ".whl": "application/zip"}


@pytest.fixture(scope="module")
def online_site(tmp_path_factory):
    why = _missing()
    if why:
        if IN_CI:
            pytest.fail(f"the JupyterLite online test cannot run in CI: {why}", pytrace=False)
        pytest.skip(f"JupyterLite online test skipped: {why}")
    out = tmp_path_factory.mktemp("lite-online") / "www"
    cache = ROOT / ".cache" / "lite"
    t0 = time.time()
    proc = subprocess.run([sys.executable, ROOT / "lite" / "build.py", "--online", "--out", out,
                           "--cache", cache], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"lite/build.py --online failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return out, round(time.time() - t0, 1), cache


def stand_in_cdn(cache: Path) -> dict[str, bytes]:
    """file name -> bytes, as the CDN serves the release: runtime files and lock from npm's package,
    package wheels from the bundle, each checked against the official lock's sha256."""
    npm = lite_build.npm_pyodide(cache)
    files = {f: (npm / f).read_bytes() for f in lite_build.RUNTIME_FILES + ["pyodide-lock.json"]}
    lock = json.loads(files["pyodide-lock.json"])
    prefix = lite_build.WHEEL_BUNDLE[2]
    bundle = lite_build.wheel_bundle(lite_build.build_env(cache), cache)
    with zipfile.ZipFile(bundle) as zf:
        inside = set(zf.namelist())
        for entry in lock["packages"].values():
            if prefix + entry["file_name"] in inside:
                data = zf.read(prefix + entry["file_name"])
                if hashlib.sha256(data).hexdigest() == entry["sha256"]:
                    files[entry["file_name"]] = data
    return files


def test_online_site_with_a_stand_in_cdn(online_site):
    import threelevels
    out, build_s, cache = online_site
    cdn = stand_in_cdn(cache)
    art = ARTIFACTS / "online"
    art.mkdir(parents=True, exist_ok=True)
    cfg = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = cfg["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]
    assert kernel["pyodideUrl"] == CDN + "pyodide.js" and kernel["disablePyPIFallback"] is True, kernel
    assert not (out / "static" / "pyodide").exists(), "the online site ships Pyodide itself"

    from_cdn, refused, console, timings = [], [], [], {"build_s": build_s}
    with served(out, art / "http_server.log") as base:
        def route(r):
            url = r.request.url
            if is_local(url, base):
                return r.continue_()
            name = url[len(CDN):].split("?")[0] if url.startswith(CDN) else None
            if name in cdn:
                from_cdn.append(name)
                return r.fulfill(status=200, body=cdn[name], headers={
                    "Content-Type": TYPES.get(Path(name).suffix, "application/octet-stream"),
                    "Access-Control-Allow-Origin": "*"})
            refused.append(url)
            r.abort()

        ex = threelevels.bank()[0]
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                ctx.route(lambda url: not url.startswith(base + "/"), route)
                page = ctx.new_page()
                page.on("console", lambda m: console.append(f"{m.type}: {m.text}"[:300]))
                try:
                    t0 = time.time()
                    page.goto(f"{base}/lab/index.html")
                    _open(page, LESSON)
                    timings["page_to_idle_kernel_s"] = round(time.time() - t0, 1)
                    src = page.evaluate("window.__nb().content.model.cells.get(2).sharedModel.getSource()")
                    assert "%pip install -q three-levels" in src.splitlines(), src   # the online site's install cell
                    timings["lesson_run_all_s"] = round(_run_all(page), 1)
                    assert _problems(page) == []
                    r = page.evaluate("(c) => window.__run(c)",
                                      f"w = threelevels.exercise({ex.id!r})\n"
                                      f"print(w.submit({list(ex.wrong[0][0])!r}).status, w.submit({list(ex.answer)!r}).status)")
                    assert r["status"] == "ok", r
                    first, second = r["out"].split()
                    assert first != "correct" and second == "correct", r
                    page.screenshot(path=str(art / "lesson.png"))
                except Exception:
                    page.screenshot(path=str(art / "failed.png"))
                    raise
                finally:
                    (art / "console.log").write_text("\n".join(console))
                    browser.close()
        finally:
            timings["cdn_files_served"] = len(set(from_cdn))
            (art / "timings.json").write_text(json.dumps(timings, indent=1))
            (art / "cdn-served.json").write_text(json.dumps(sorted(set(from_cdn)), indent=0))
            print("lite online timings:", json.dumps(timings))
    assert refused == [], f"requests beyond the local server and the CDN's Pyodide folder: {refused[:20]}"
    assert "pyodide.asm.wasm" in from_cdn and any(n.startswith("pandas-") for n in from_cdn), sorted(set(from_cdn))
