"""The seminar page (`threelevels seminar --html`) opened in a real browser, offline.

A class folder with honest answers and hostile text (markup, script, escape sequences, mathtext)
is summarised; headless Chromium opens the page from disk with the network cut off, and the test
checks what a person sees: both sections, the embedded plot drawn, the short answers shown as
text (no markup or script ever runs), no learner names. A full-page screenshot is kept in
test-artifacts/seminar/ (SEMINAR_ARTIFACTS overrides). Without Chromium or Playwright the test is
skipped; with CI=true it fails instead, like the browser tests in tests/e2e/.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from threelevels import banks, cli, store

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = Path(os.environ.get("SEMINAR_ARTIFACTS") or ROOT / "test-artifacts" / "seminar")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
try:
    from playwright.sync_api import sync_playwright
    PLAYWRIGHT_ERROR = None
except ImportError as exc:
    sync_playwright, PLAYWRIGHT_ERROR = None, exc


def require_browser():
    problems = []
    if PLAYWRIGHT_ERROR is not None:
        problems.append(f"Playwright is not installed ({PLAYWRIGHT_ERROR}): `{sys.executable} -m pip install playwright`")
    if not CHROMIUM or not os.access(CHROMIUM, os.X_OK):
        problems.append("Chromium is not installed: `apt-get install -y chromium` (or set CHROMIUM)")
    if problems:
        if IN_CI:
            pytest.fail("the seminar browser test cannot run in CI: " + "; ".join(problems), pytrace=False)
        pytest.skip("seminar browser test skipped: " + "; ".join(problems))


def build_class(folder: Path) -> tuple[str, list[str]]:
    """Four learners; returns the short-answer exercise id and the names that must not appear."""
    bank = banks.bank()
    single = next(e for e in bank if e.type == "single-choice")
    ranking = next(e for e in bank if e.type == "ranking" and len(e.spec["items"]) == 3)
    short = next(e for e in bank if e.type == "short-answer")
    wrong = single.wrong[0][0] if single.wrong else next(o for o in single.spec["options"] if o != single.answer)
    texts = [
        "The abstract places US policy in a global, regional and peninsular framework. " * 4,
        "<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script> $\\frac{a}{b}$ "
        "\x1b]0;title\x07 Seoul ranks the peninsula first, Washington the world. " * 2,
        "짧은 답: 세 수준. Both allies need an equilibrium in Northeast Asia, one reading says. " * 3,
    ]
    names = ["Alice Kim", "Bob Park", "Chae Lee", "Dmitri Y"]
    folder.mkdir()
    for i, name in enumerate(names):
        attempts = [
            {"exercise_id": single.id, "type": single.type, "answer": single.answer if i % 2 else wrong,
             "status": "incorrect", "score": 0},
            {"exercise_id": ranking.id, "type": ranking.type,
             "answer": ranking.answer if i < 2 else list(reversed(ranking.answer)), "status": "correct", "score": 1},
        ]
        if i < 3:
            attempts.append({"exercise_id": short.id, "type": short.type, "status": "self-assessed", "score": 0,
                             "answer": {"text": texts[i], "ticked": [0]}})
        export = {"format": store.EXPORT_FORMAT, "format_version": 1, "learner": name, "course_version": "0.1.0",
                  "attempts": attempts}
        (folder / f"{name.split()[0].lower()}.json").write_text(json.dumps(export), encoding="utf-8")
    return short.id, names


def test_the_seminar_page_in_a_real_browser(tmp_path, capsys):
    """Offline in Chromium: are both sections there, the plot drawn, hostile answers shown as plain
    text (no script ran), and no learner name on the page? (Screenshot kept as an artifact.)"""
    require_browser()
    short_id, names = build_class(tmp_path / "class")
    page_path = tmp_path / "seminar.html"
    code = cli.main(["seminar", str(tmp_path / "class"), "--plot", str(tmp_path / "seminar.png"),
                     "--html", str(page_path)])
    capsys.readouterr()
    assert code == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--headless", "--disable-gpu"])
        try:
            ctx = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
            page = ctx.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            requests = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_path.as_uri())
            text = page.inner_text("body")
            assert "Machine-checked exercises" in text and "Self-assessed exercises (short answers)" in text
            assert page.evaluate("window.__pwned") is None          # no markup or script from answers ran
            assert "<script>window.__pwned=2</script>" in text       # shown as the text it is
            assert "$\\frac{a}{b}$" in text and "\x1b" not in text
            assert "짧은 답" in text
            assert page.locator(f"h3:text-is('{short_id}')").count() == 1
            assert page.locator("blockquote").count() == 3
            img = page.locator("figure img")
            assert img.count() == 1
            assert page.evaluate("document.querySelector('figure img').naturalWidth") > 100
            for name in names:
                assert name not in text and name.split()[0].lower() not in page.content()
            assert all(u.startswith(("file:", "data:")) for u in requests), requests
            page.screenshot(path=str(ARTIFACTS / "seminar-page.png"), full_page=True)
            assert not errors, errors
            ctx.close()
        finally:
            browser.close()
    assert (ARTIFACTS / "seminar-page.png").stat().st_size > 10_000
