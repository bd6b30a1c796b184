"""A whole class takes the course on a real JupyterHub (deploy/jupyterhub), on 127.0.0.1.

Five learners (HUB_TEST_LEARNERS) log in and click the nbgitpuller link at once; each answers
exercises through the widgets' own code path (`threelevels.exercise(id).submit(answer)`) in their
own kernel, over the kernel websocket as JupyterLab does, and hands in an export. Then: each
learner's store holds exactly their attempts, no learner's token opens another's server, the
exports are one per learner named after the hub user, the seminar summary counts every learner,
and a course update pulled through the same link keeps each learner's edits and answers. One more
learner does it in headless Chromium. The tests run in order and share one hub and one class.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from . import hubkit

pytestmark = [pytest.mark.hub, pytest.mark.usefixtures("hub_ready")]

N = max(5, int(os.environ.get("HUB_TEST_LEARNERS", "5")))
NAMES = [f"learner{i:02d}" for i in range(1, N + 1)]
LESSONS = sorted(p.name for p in (hubkit.CHECKOUT / "lessons").glob("*.ipynb"))
WORKBOOKS = sorted(p.name for p in (hubkit.CHECKOUT / "exercises").glob("*.ipynb"))
CHINA = ["global", "peninsular", "regional"]  # 01.china-link; the key is "regional"
ORDER = ["global", "regional", "peninsular"]   # 05.us-order; the key


def attempts_of(i: int) -> list[tuple[str, object]]:
    """Learner i's own answers: a different number and mix for everyone, so stores cannot be confused."""
    return [("01.china-link", CHINA[k % 3]) for k in range(i + 1)] + [("05.us-order", ORDER[::-1] if i % 2 else ORDER)]


def each(fn, items):
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(fn, items))


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    h = hubkit.Hub(tmp_path_factory.mktemp("hub"), python=sys.executable)
    try:
        h.start()
        yield h
    finally:
        print(h.stop())
        print(h.log(40))


@pytest.fixture(scope="module")
def klass(hub):
    """The class arrives together: everyone logs in and clicks the link at the same moment."""
    learners = [hubkit.Learner(hub, n) for n in NAMES]
    each(lambda l: l.create(), learners)

    def arrive(l):
        l.login()
        return l.follow_link()
    visits = each(arrive, learners)
    assert all(v["opened"] == f"lab/tree/{hubkit.LESSON_01}" for v in visits), visits
    kernels = each(lambda l: l.kernel(), learners)
    yield list(zip(learners, kernels))
    for k in kernels:
        k.close()


def rows(store: Path) -> list[tuple[str, object]]:
    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as conn:
        return [(e, json.loads(a)) for e, a in conn.execute("SELECT exercise_id, answer FROM attempts ORDER BY id")]


def test_every_learner_gets_every_lesson_and_workbook(hub, klass):
    for learner, _ in klass:
        lessons = sorted(x["name"] for x in learner.contents("three-levels/lessons")["content"]
                         if x["name"].endswith(".ipynb"))
        workbooks = sorted(x["name"] for x in learner.contents("three-levels/exercises")["content"]
                           if x["name"].endswith(".ipynb"))
        assert (lessons, workbooks) == (LESSONS, WORKBOOKS), learner.name
        assert (hub.home(learner.name) / hubkit.LESSON_01).is_file()


def test_answers_through_the_widgets_land_in_each_learners_own_store(hub, klass):
    def answer(pair):
        i = NAMES.index(pair[0].name)
        k = pair[1]
        env = k.ok("import os, json, threelevels, threelevels.store as st\n"
                   "print(json.dumps({'home': os.environ['THREELEVELS_HOME'], 'db': str(st.db_path()),"
                   " 'learner': st.learner()}))")
        code = ["widgets = {}"]
        for ex, a in attempts_of(i):
            code.append(f"widgets.setdefault({ex!r}, threelevels.exercise({ex!r}))")
            code.append(f"print(widgets[{ex!r}].submit({a!r}).status)")
        out = k.ok("\n".join(code))
        return json.loads(env["stdout"]), out["stdout"].split()

    results = each(answer, klass)
    for (learner, _), (env, statuses) in zip(klass, results):
        i = NAMES.index(learner.name)
        own = hub.home(learner.name) / ".local/share/threelevels"
        assert env["home"] == str(own) and env["db"] == str(own / "progress.sqlite"), env
        assert env["learner"] == learner.name, "the learner's name must come from the hub user (JUPYTERHUB_USER)"
        expected = attempts_of(i)
        assert statuses[:-1] == ["correct" if a == "regional" else "incorrect" for _, a in expected[:-1]], statuses
        assert (statuses[-1] == "correct") == (expected[-1][1] == ORDER), statuses  # a ranking may be partial
        assert rows(hub.store(learner.name)) == [(ex, a) for ex, a in expected]
    stores = sorted(hub.state.rglob("progress.sqlite"))
    assert stores == sorted(hub.store(n) for n in NAMES), "a progress store outside the learners' own homes"


def test_a_learners_token_cannot_reach_another_learners_server(klass):
    (a, _), (b, _) = klass[0], klass[1]
    import requests
    for path in ("api/status", "api/contents/three-levels", "api/kernels"):
        assert requests.get(f"{b.base}/{path}", headers=a.auth, timeout=30).status_code == 403
    assert requests.get(f"{a.base}/api/status", headers=a.auth, timeout=30).status_code == 200
    # nor with the browser's login cookies
    r = a.browser.get(f"{b.base}/lab", timeout=60, allow_redirects=True)
    assert r.status_code == 403 or "/hub/login" in r.url or not r.url.startswith(b.base), r.url


def test_the_terminal_keeps_the_course_on_path(hub, klass):
    learner, _ = klass[0]
    out = learner.terminal('printf "found:%s\\n" "$(command -v threelevels)"; echo "done$((6*7))"', "done42")
    venv_bin = str(Path(sys.executable).parent)
    assert f"found:{venv_bin}/threelevels" in out, out


def test_exports_are_one_per_learner_named_after_the_hub_user(hub, klass):
    exports = hub.state / "exports"
    outs = each(lambda pair: pair[1].ok('!threelevels export --output "$CLASS_EXPORTS"')["stdout"], klass)
    for (learner, _), out in zip(klass, outs):
        assert f"by {learner.name}" in out, out
    assert sorted(p.name for p in exports.glob("*.json")) == sorted(f"{n}.json" for n in NAMES)
    for n in NAMES:
        data = json.loads((exports / f"{n}.json").read_text())
        assert data["learner"] == n
        assert [(a["exercise_id"], a["answer"]) for a in data["attempts"]] == attempts_of(NAMES.index(n))
    # A learner who names another learner's file does not overwrite it.
    theirs = exports / f"{NAMES[1]}.json"
    before = theirs.read_bytes()
    klass[0][1].run(f'!threelevels export --output "$CLASS_EXPORTS/{NAMES[1]}.json"')
    assert theirs.read_bytes() == before, "one learner's export overwrote another's"


def test_the_seminar_summary_counts_every_learner(hub, klass, tmp_path):
    r = subprocess.run([sys.executable, "-m", "threelevels", "seminar", str(hub.state / "exports"),
                        "--plot", str(tmp_path / "seminar.png")], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "THREELEVELS_HOME": str(tmp_path / "instructor")})
    assert r.returncode == 0, r.stderr
    assert f"Seminar summary: {N} learners" in r.stdout, r.stdout
    china = next(line for line in r.stdout.splitlines() if "01.china-link" in line)
    assert f" {N} " in china, china  # every learner answered it


def test_a_course_update_keeps_each_learners_edits_and_answers(hub, klass, tmp_path):
    mark = "My own note, written before the update"

    def edit(pair):
        learner = pair[0]
        nb = learner.contents(hubkit.LESSON_01)["content"]
        nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": f"{mark} ({learner.name})."})
        learner.save_notebook(hubkit.LESSON_01, nb)
    each(edit, klass)
    before = {n: rows(hub.store(n)) for n in NAMES}

    # The instructor changes lesson 01 and adds a file, and publishes the change where the link points.
    work = tmp_path / "course"
    git = ["git", "-c", "user.name=Instructor", "-c", "user.email=instructor@example.invalid", "-C", str(work)]
    subprocess.run(["git", "clone", "-q", str(hub.remote), str(work)], check=True)
    lesson = work / "lessons/01-three-levels.ipynb"
    nb = json.loads(lesson.read_text())
    first = nb["cells"][0]["source"]
    nb["cells"][0]["source"] = ("".join(first) if isinstance(first, list) else first) + "\n\n*Updated for this term.*"
    lesson.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    (work / "lessons/TERM-NOTES.md").write_text("Notes for this term.\n")
    subprocess.run(git + ["commit", "-q", "-am", "Update for this term"], check=True)
    subprocess.run(git + ["add", "lessons/TERM-NOTES.md"], check=True)
    subprocess.run(git + ["commit", "-q", "-m", "Term notes"], check=True)
    subprocess.run(git + ["push", "-q", "origin", "HEAD:main"], check=True)

    each(lambda pair: pair[0].follow_link(), klass)  # everyone clicks the same link again
    for learner, _ in klass:
        home = hub.home(learner.name) / "three-levels"
        cells = json.loads((home / "lessons/01-three-levels.ipynb").read_text())["cells"]
        text = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
        assert "Updated for this term" in text[0], learner.name
        assert text[-1] == f"{mark} ({learner.name}).", learner.name
        assert (home / "lessons/TERM-NOTES.md").is_file()
        assert rows(hub.store(learner.name)) == before[learner.name]
    # and the course still works in a kernel after the update
    assert klass[0][1].ok("print(threelevels.check('01.china-link', 'regional').status)")["stdout"].strip() == "correct"


def test_a_learner_in_a_real_browser(hub, tmp_path):
    """Link -> login -> the hub spawns the server -> nbgitpuller pulls -> lesson 01 -> the workbook
    -> Check shows the verdict, and the attempt is in this learner's own store."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("playwright is not installed")
    if not Path(chromium).exists():
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed")
        pytest.skip("chromium is not installed")
    import re
    name = "browser01"
    idle = re.compile(r"Python 3 \(ipykernel\) \| Idle")
    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
    # No JupyterLab news pop-up over the widgets: the learner's settings, before their first visit.
    settings = hub.home(name) / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false", "checkForUpdates": false}')
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=args)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(hub.link())
            page.locator("input[name=username]").fill(name)
            page.locator("input[name=password]").fill("any password")
            page.locator("input[type=submit], button[type=submit]").first.click()
            page.wait_for_url(re.compile(rf"/user/{name}/lab/tree/{re.escape(hubkit.LESSON_01)}"), timeout=240_000)
            expect(page.locator(".jp-NotebookPanel").first).to_be_visible(timeout=120_000)
            expect(page.locator("#jp-main-statusbar")).to_contain_text(idle, timeout=120_000)

            # ?reset: a fresh workspace with only the workbook open (its kernel is the one in the status bar)
            page.goto(f"{hub.url}/user/{name}/lab/tree/three-levels/exercises/{WORKBOOKS[0]}?reset")
            panel = page.locator(".jp-NotebookPanel").first
            expect(panel).to_be_visible(timeout=120_000)
            expect(page.locator("#jp-main-statusbar")).to_contain_text(idle, timeout=120_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            widget = panel.locator(".threelevels-widget").filter(has_text="01.china-link").first
            expect(widget).to_be_visible(timeout=120_000)
            widget.scroll_into_view_if_needed()
            widget.get_by_label("Answer:", exact=True).select_option(value="regional")
            widget.get_by_role("button", name="Check", exact=True).click()
            expect(widget.locator(".threelevels-feedback")).to_contain_text("Correct", timeout=60_000)
        except Exception:
            page.screenshot(path=str(tmp_path / "hub-browser-failure.png"))
            raise
        finally:
            browser.close()
    assert ("01.china-link", "regional") in rows(hub.store(name))
    assert all(e == "01.china-link" for e, _ in rows(hub.store(name)))
