"""The offline JupyterLite site, built from this checkout and driven in headless Chromium.

`lite/build.py` builds the offline site (cached downloads in .cache/lite), `python -m http.server`
serves it on 127.0.0.1, and one Chromium (Playwright) uses it as a learner would:
lesson 01 opens and its kernel becomes idle; Run All shows no error; the workbook opens (a second
kernel) and Run All shows no error; one exercise is answered wrong, then right, through its widget
(each verdict shown); `%run -m threelevels export` writes an export file to the browser drive; the
page is reloaded and a fresh kernel still counts the attempts (`store.summary()` and the
`threelevels.progress()` widget). Every request that is not to the local server is aborted and
logged, and the test asserts there were none.

Skipped without npm, Chromium or Playwright, saying so; with CI=true a missing tool fails it.
LITE_SITE=DIR tests a site built already instead of building one.
Timings and sizes go to test-artifacts/lite/timings.json (and are printed).
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LITE_ARTIFACTS") or ROOT / "test-artifacts" / "lite")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage",
                 "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter"]
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
LESSON = "lessons/01-three-levels.ipynb"
WORKBOOK = "exercises/01-three-levels-workbook.ipynb"  # renamed in the site (see lite/build.py)
pytestmark = pytest.mark.lite

try:
    from playwright.sync_api import sync_playwright
    PLAYWRIGHT_ERROR = None
except ImportError as exc:
    sync_playwright = None
    PLAYWRIGHT_ERROR = exc


def _missing() -> str | None:
    why = []
    if not shutil.which("npm"):
        why.append("npm is not installed (`apt-get install -y npm`): the offline site needs it to fetch Pyodide")
    if PLAYWRIGHT_ERROR is not None:
        why.append(f"Playwright for Python is not installed ({PLAYWRIGHT_ERROR}); never `playwright install`")
    if not CHROMIUM or not os.access(CHROMIUM, os.X_OK):
        why.append("Chromium is not installed (`apt-get install -y chromium`, or set CHROMIUM)")
    return "; ".join(why) or None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(folder: Path, log_path: Path | None = None):
    """`python -m http.server` serving folder on a free port of 127.0.0.1, once it answers;
    yields its base address (http://127.0.0.1:PORT). Its log goes to log_path, if given."""
    port = _free_port()
    log = open(log_path, "w") if log_path else subprocess.DEVNULL
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(folder)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()
        if log_path:
            log.close()


def is_local(url: str, base: str) -> bool:
    """A request the served site may make: to its own server, or data:/blob: in the page."""
    return url.startswith(("data:", "blob:")) or urllib.parse.urlsplit(url).netloc == urllib.parse.urlsplit(base).netloc


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    why = _missing()
    if why:
        if IN_CI:
            pytest.fail(f"the JupyterLite test cannot run in CI: {why}", pytrace=False)
        pytest.skip(f"JupyterLite test skipped: {why}")
    if os.environ.get("LITE_SITE"):   # a site built already (e.g. by `make lite`), to iterate on the test
        out = Path(os.environ["LITE_SITE"]).resolve()
        info = json.loads((out / "build-info.json").read_text())
        info["build_wall_s"] = info.get("built_in_s")
        return out, info
    out = tmp_path_factory.mktemp("lite") / "www"
    t0 = time.time()
    proc = subprocess.run([sys.executable, ROOT / "lite" / "build.py", "--out", out,
                           "--cache", ROOT / ".cache" / "lite"], capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"lite/build.py failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    info = json.loads((out / "build-info.json").read_text())
    info["build_wall_s"] = round(time.time() - t0, 1)
    return out, info


JS = r"""() => {
window.__nb = () => window.jupyterapp.shell.currentWidget;
window.__kernel = () => { const w = window.__nb();
  return w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel; };
window.__run = async (code) => { const out = []; const f = window.__kernel().requestExecute({code, store_history: false});
  f.onIOPub = (m) => { const t = m.header.msg_type;
    if (t === 'stream') out.push(m.content.text);
    else if (t === 'error') out.push('ERROR ' + m.content.ename + ': ' + m.content.evalue);
    else if (t === 'execute_result' || t === 'display_data') out.push(m.content.data['text/plain'] || ''); };
  const reply = await f.done; return {status: reply.content.status, out: out.join('')}; };
window.__watch = () => { const nb = window.__nb().content.node; window.__queued = false;
  const busy = () => [...nb.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
  const obs = new MutationObserver(() => { if (busy()) { window.__queued = true; obs.disconnect(); } });
  obs.observe(nb, {subtree: true, childList: true, characterData: true}); };
window.__done = () => window.__queued && ![...window.__nb().content.node.querySelectorAll('.jp-InputPrompt')]
  .some(p => p.textContent.includes('*'));
return true; }"""
KERNEL_IDLE = ("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
               " && window.jupyterapp.shell.currentWidget.sessionContext"
               " && window.jupyterapp.shell.currentWidget.sessionContext.session"
               " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
               " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'")


def _open(page, path: str, marks: dict | None = None) -> float:
    """Open a notebook; seconds until its kernel is idle and answers (marks["nb"]: the moment,
    time.time(), the notebook was open in its panel)."""
    t0 = time.time()
    page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000, polling=100)
    page.evaluate("async (p) => { await window.jupyterapp.restored;"
                  " await window.jupyterapp.commands.execute('docmanager:open', {path: p}); return true; }", path)
    page.wait_for_function("(p) => window.jupyterapp.shell.currentWidget && "
                           "window.jupyterapp.shell.currentWidget.context && "
                           "window.jupyterapp.shell.currentWidget.context.path === p", arg=path, timeout=120_000)
    if marks is not None:
        marks["nb"] = time.time()
    page.wait_for_function(KERNEL_IDLE, timeout=300_000, polling=100)
    page.evaluate(JS)
    r = page.evaluate("window.__run('1+1')")
    assert r == {"status": "ok", "out": "2"}, r
    return time.time() - t0


def _run_all(page) -> float:
    t0 = time.time()
    page.evaluate("window.__watch()")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function("window.__done()", timeout=300_000, polling=100)
    page.wait_for_function(KERNEL_IDLE, timeout=120_000, polling=100)
    return time.time() - t0


def _problems(page) -> list[str]:
    outs = page.evaluate("[...window.__nb().content.node.querySelectorAll('.jp-OutputArea-output')]"
                         ".map(e => [e.getAttribute('data-mime-type') || '', e.innerText])")
    bad = []
    for mime, text in outs:
        if mime == "application/vnd.jupyter.stderr" or "Traceback" in text or "Error displaying widget" in text:
            bad.append(text[:800])
    return bad


def _feedback(widget, text: str, page) -> str:
    fb = widget.locator(".threelevels-feedback")
    page.wait_for_function("([el, t]) => el.textContent.includes(t)", arg=[fb.element_handle(), text],
                           timeout=60_000, polling=50)
    return " ".join(fb.inner_text().split())


def test_offline_site_in_headless_chromium(site):
    import threelevels
    out, info = site
    ex = threelevels.bank()[0]
    assert ex.id == "01.which-levels" and ex.type == "multi-select" and ex.wrong, ex
    wrong_answer, wrong_feedback = set(ex.wrong[0][0]), ex.wrong[0][1]
    timings = {"build_s": info["build_wall_s"], "site_mb": round(info["size_bytes"] / 1e6, 1),
               "site_files": info["files"]}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests, nonlocal_requests, console = [], [], []
    with served(out, ARTIFACTS / "http_server.log") as base:
        def route(r):
            if is_local(r.request.url, base):
                r.continue_()
            else:
                nonlocal_requests.append(r.request.url)
                r.abort()

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
                ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
                ctx.route(lambda url: not url.startswith(base + "/"), route)
                ctx.on("request", lambda r: requests.append(r.url))
                page = ctx.new_page()
                page.on("console", lambda m: console.append(f"{time.strftime('%H:%M:%S')} {m.type}: {m.text}"[:300]))
                page.on("pageerror", lambda e: console.append(f"PAGEERROR: {e}"[:300]))
                try:
                    # 1. lesson 01: page load to an idle kernel, then Run All
                    t0 = time.time()
                    page.goto(f"{base}/lab/index.html")
                    _open(page, LESSON)
                    timings["page_to_idle_kernel_s"] = round(time.time() - t0, 1)
                    timings["lesson_run_all_s"] = round(_run_all(page), 1)
                    assert _problems(page) == []
                    note = page.evaluate("window.__nb().content.model.cells.get(1).sharedModel.getSource()")
                    assert note.startswith("**Browser edition.**") and "for this web address only" in note, note
                    page.screenshot(path=str(ARTIFACTS / "1-lesson.png"))

                    # 2. its workbook (a second kernel): Run All, then one exercise wrong and right
                    timings["workbook_to_idle_kernel_s"] = round(_open(page, WORKBOOK), 1)
                    timings["workbook_run_all_s"] = round(_run_all(page), 1)
                    assert _problems(page) == []
                    # JupyterLab renders only the cells in view: bring the exercise's cell there first
                    page.evaluate("""async (id) => { const nb = window.__nb().content; const cells = nb.model.cells;
                        for (let i = 0; i < cells.length; i++) {
                          if (cells.get(i).sharedModel.getSource().includes("exercise('" + id + "')")) {
                            nb.activeCellIndex = i; await nb.scrollToItem(i, 'start'); return i; } }
                        throw new Error('no cell shows ' + id); }""", ex.id)
                    widget = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .threelevels-widget",
                                          has_text=ex.id).first
                    widget.wait_for(state="visible", timeout=30_000)
                    for option in ex.spec["options"]:
                        widget.get_by_role("checkbox", name=ex.labels.get(option, option), exact=True) \
                            .set_checked(option in wrong_answer)
                    t1 = time.time()
                    widget.get_by_role("button", name="Check", exact=True).click()
                    wrong_text = _feedback(widget, wrong_feedback[:40], page)
                    timings["check_to_verdict_s"] = round(time.time() - t1, 2)
                    for option in ex.spec["options"]:
                        widget.get_by_role("checkbox", name=ex.labels.get(option, option), exact=True) \
                            .set_checked(option in set(ex.answer))
                    widget.get_by_role("button", name="Check", exact=True).click()
                    right_text = _feedback(widget, "Correct", page)
                    assert "Correct" not in wrong_text and "Correct" in right_text, (wrong_text, right_text)
                    page.screenshot(path=str(ARTIFACTS / "2-workbook.png"))
                    # the export a seminar reads, written to the browser drive next to the workbook
                    r = page.evaluate("(c) => window.__run(c)",
                                      "%run -m threelevels export -o my-answers.json --learner lite-test")
                    assert r["status"] == "ok" and "ERROR" not in r["out"], r
                    listing = page.evaluate("async () => (await window.jupyterapp.serviceManager.contents"
                                            ".get('exercises', {content: true})).content.map(x => x.name)")
                    assert "my-answers.json" in listing, listing   # in the file browser, to download
                    r = page.evaluate("(c) => window.__run(c)", "print(open('my-answers.json').read())")
                    export = json.loads(r["out"])
                    assert export["learner"] == "lite-test"
                    statuses = [a["status"] for a in export["attempts"] if a["exercise_id"] == ex.id]
                    assert len(statuses) == 2 and statuses[0] != "correct" and statuses[1] == "correct", statuses

                    # 3. reload: a fresh kernel still counts the attempts
                    t2 = time.time()
                    page.reload()
                    _open(page, WORKBOOK)
                    timings["reload_to_idle_kernel_s"] = round(time.time() - t2, 1)
                    r = page.evaluate("(c) => window.__run(c)",
                                      "import json, threelevels, threelevels.store as s\n"
                                      "d = s.summary(); at = s.attempts('" + ex.id + "')\n"
                                      "print(json.dumps({'attempts': d['attempts'], 'statuses': [a['status'] for a in at],"
                                      " 'lesson01': [l for l in d['lessons'] if l['lesson'] == '01']}))")
                    assert r["status"] == "ok", r
                    after = json.loads(r["out"])
                    assert after["attempts"] == 2 and after["statuses"] == statuses, after
                    assert after["lesson01"][0]["correct"] >= 1, after
                    # and the progress widget a learner opens says so
                    page.evaluate("""() => { const nb = window.__nb(); const n = nb.content.model.cells.length;
                        nb.content.model.sharedModel.insertCell(n, {cell_type: 'code', source: 'threelevels.progress()'});
                        nb.content.activeCellIndex = n; return true; }""")
                    page.evaluate("window.__watch()")
                    page.evaluate("window.jupyterapp.commands.execute('notebook:run-cell')")
                    page.wait_for_function("window.__done()", timeout=120_000, polling=100)
                    row = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-hbox",
                                       has_text="Lesson 01").first
                    row.wait_for(timeout=60_000)
                    assert "correct" in row.inner_text(), row.inner_text()
                    page.screenshot(path=str(ARTIFACTS / "3-after-reload.png"))
                except Exception:
                    page.screenshot(path=str(ARTIFACTS / "failed.png"))
                    raise
                finally:
                    (ARTIFACTS / "console.log").write_text("\n".join(console))
                    browser.close()
        finally:
            (ARTIFACTS / "requests.json").write_text(json.dumps(requests, indent=0))
            (ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=1))
            print("lite timings:", json.dumps(timings))
    local = [u for u in requests if u.startswith(base + "/")]
    assert nonlocal_requests == [], f"requests beyond the local server (aborted): {nonlocal_requests[:20]}"
    assert [u for u in requests if not u.startswith((base + "/", "data:", "blob:"))] == []
    assert len(local) > 100, f"only {len(local)} requests seen: the request log is not working"
