"""Every lesson and workbook, as a learner meets it in JupyterLab (headless Chromium, Playwright).

One test per notebook (found by glob, so a new lesson is covered without touching this file):
1. opened before running, it shows no broken widget, raw widget repr or traceback;
2. Run All finishes with no error output, every cell executed, and one rendered exercise widget
   per `threelevels.exercise(` call (none left "Loading widget");
3. each exercise widget, driven through its inputs as a learner would: Hint shows the first hint;
   a known wrong answer gets that answer's own feedback; the key gets "✓ Correct"; and from the
   first input Tab reaches Check, Enter checks, and Shift+Tab leads back to the first input.
A screenshot of each notebook after Run All goes to test-artifacts/e2e/ (or E2E_ARTIFACTS), with
timings.json; a failing test also leaves failed-<test>.png and a Playwright trace-<test>.zip there
(`.venv/bin/playwright show-trace test-artifacts/e2e/trace-<test>.zip`).
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from .conftest import ARTIFACTS, IN_CI, PLAYWRIGHT_ERROR, ROOT, _safe

if PLAYWRIGHT_ERROR is None:   # without Playwright the fixtures skip (or fail in CI) with a message
    from . import helpers as h

# one xdist group: under `-n 2 --dist loadfile` (or loadgroup) one worker runs them all, so the
# session has one server and one browser
pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

NOTEBOOKS = sorted([*(ROOT / "lessons").glob("*.ipynb"), *(ROOT / "exercises").glob("*.ipynb")],
                   key=lambda p: (p.name, p.parent.name != "lessons"))   # lesson NN, then its workbook
# Target (issue 4): open + Run All under 10 s per notebook. Failing only above twice that catches a
# regression without making a loaded CI machine flaky; E2E_MAX_OPEN_RUN_S changes the limit.
MAX_OPEN_RUN_S = float(os.environ.get("E2E_MAX_OPEN_RUN_S", "20"))
# axe-core audits what the notebook outputs show (not JupyterLab's own chrome) against WCAG 2.x A/AA.
# .ci/run installs it into .cache/ with npm; elsewhere the audit is skipped, and timings.json says so.
AXE_JS = Path(os.environ.get("AXE_JS", ROOT / ".cache" / "node_modules" / "axe-core" / "axe.min.js"))
AXE_RUN = """async () => (await axe.run({include: [['.jp-OutputArea-output']]},
    {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
     resultTypes: ['violations']})).violations
    .map(v => ({id: v.id, impact: v.impact, n: v.nodes.length, help: v.help,
                where: v.nodes[0].target.join(' ')}))"""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[f"{p.parent.name}/{p.stem}" for p in NOTEBOOKS])
def test_notebook_in_jupyterlab(path, lab, in_browser, timings):
    rel = path.relative_to(ROOT).as_posix()
    in_browser(lambda page: _check_notebook(rel, lab, page, timings))


def _check_notebook(rel: str, lab, page, timings: dict) -> None:
    from threelevels.banks import get

    shutil.copy(ROOT / rel, lab.root / rel)   # the notebook as committed (and as a rerun finds it)
    nb = h.read_notebook(lab.root / rel)
    n_widgets = h.expected_widgets(nb)
    problems: list[str] = []

    # 1. opened, before running: what the stored outputs show
    t0 = time.monotonic()
    panel, kernel = h.open_notebook(page, lab, rel, len(nb["cells"]))
    t_open = time.monotonic() - t0
    timings[rel] = {"open_s": round(t_open, 2), **kernel}   # kept even if a later step fails
    problems += [f"before running: {p}" for p in h.output_problems(panel)]

    # 2. Run All
    t1 = time.monotonic()
    h.run_all(page)
    widgets = panel.locator(".threelevels-widget")
    try:
        h.expect(widgets).to_have_count(n_widgets)
        h.expect(panel.get_by_text("Loading widget")).to_have_count(0)
    except (AssertionError, h.PlaywrightError):
        pass  # reported below with the exact numbers
    t_run = time.monotonic() - t1
    not_run = h.unexecuted_cells(panel, nb)
    if not_run:
        problems.append(f"after Run All: cell(s) {not_run} did not run (did an earlier cell fail?)")
    problems += [f"after Run All: {p}" for p in h.output_problems(panel)]
    shown = widgets.count()
    if shown != n_widgets:
        problems.append(f"after Run All: {shown} exercise widget(s) rendered, but the notebook calls "
                        f"threelevels.exercise( {n_widgets} time(s)")
    t_shot = time.monotonic()
    h.tall_screenshot(page, panel, ARTIFACTS / f"{_safe(rel.removesuffix('.ipynb'))}.png")
    t_shot = time.monotonic() - t_shot
    problems += _accessibility(page, rel, timings)
    if problems:   # no point driving the widgets of a notebook that did not run cleanly
        pytest.fail(f"{rel}:\n- " + "\n- ".join(problems), pytrace=False)

    # 3. every exercise widget, as a learner drives it
    t2 = time.monotonic()
    per_widget = {}
    for i in range(shown):
        widget = widgets.nth(i)
        try:
            ex_id = h.widget_id(widget)
            ex = get(ex_id)
        except (AssertionError, KeyError) as exc:
            problems.append(f"exercise widget #{i + 1}: {exc}")
            continue
        tw = time.monotonic()
        try:
            _drive(h.ExerciseUI(page, widget, ex), page)
        except (AssertionError, h.PlaywrightError) as exc:   # a failed check, or a timeout
            problems.append(f"{ex_id} ({ex.type}): {str(exc).strip()[:1200]}")
        per_widget[ex_id] = round(time.monotonic() - tw, 2)
    t_interact = time.monotonic() - t2

    timings[rel] = {"open_s": round(t_open, 2), **kernel, "run_all_s": round(t_run, 2),
                    "open_and_run_s": round(t_open + t_run, 2), "screenshot_s": round(t_shot, 2),
                    "widgets": shown, "widgets_s": round(t_interact, 2), "total_s": round(time.monotonic() - t0, 2),
                    "per_widget_s": per_widget}
    if problems:
        pytest.fail(f"{rel}:\n- " + "\n- ".join(problems), pytrace=False)
    if "kernel_recovery" in kernel:   # the wait before recovering is not the notebook's time
        return
    assert t_open + t_run < MAX_OPEN_RUN_S, (
        f"{rel}: opening and running all cells took {t_open + t_run:.1f} s "
        f"(target 10 s, limit {MAX_OPEN_RUN_S:g} s; open {t_open:.1f} s, Run All {t_run:.1f} s)")


def _accessibility(page, rel: str, timings: dict) -> list[str]:
    """axe-core's WCAG findings in the rendered outputs (the widgets, quotes, tables, figures)."""
    if not AXE_JS.exists():
        if IN_CI:
            return [f"accessibility audit: axe-core is not installed at {AXE_JS} (.ci/run installs it)"]
        timings.setdefault("_notes", {})["axe"] = f"skipped: no {AXE_JS} (npm install --prefix .cache axe-core@4)"
        return []
    page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(AXE_RUN)
    return [f"accessibility ({v['impact']}): {v['id']}: {v['help']}, {v['n']} element(s), e.g. {v['where']}"
            for v in found]


def _drive(ui, page) -> None:
    """Hint, a known wrong answer, the key, and the keyboard path, on one exercise widget."""
    ex = ui.ex
    # Hint reveals the first hint, and the button counts it
    ui.hint.click()
    h.wait_text(page, ui.hints, f"Hint 1 of {len(ex.hints)}: {ex.hints[0][:40]}")
    h.wait_text(page, ui.hint, "No more hints" if len(ex.hints) == 1 else f"Hint (1 of {len(ex.hints)})")

    # a known wrong answer gets its own feedback (not only a generic verdict)
    wrong = ui.wrong()
    if wrong is not None:
        answer, feedback = wrong
        ui.enter(answer)
        ui.check.click()
        ui.expect_feedback(feedback[:40])

    # the key is correct (a short answer is self-assessed: done, never "correct")
    ui.enter(ui.key())
    ui.check.click()
    ui.expect_feedback("✎ Self-assessed" if ex.type == "short-answer" else "✓ Correct")

    # keyboard only: Tab from the first input reaches Check, Enter checks (the feedback changes
    # from "Correct" to the wrong answer's), and Shift+Tab as often leads back to the first input
    other, other_text = wrong if wrong is not None else (None, "○ Not attempted")
    ui.enter(other)
    steps = ui.tab_to_check()
    page.keyboard.press("Enter")
    ui.expect_feedback(other_text[:40])
    for _ in range(steps):
        page.keyboard.press("Shift+Tab")
    assert ui.is_focused(ui.first_input), f"Shift+Tab ({steps}x) from Check does not lead back to the first input"
