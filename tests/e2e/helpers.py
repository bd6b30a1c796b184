"""What the browser tests do in JupyterLab: open a notebook, Run All, read outputs, drive a widget.

Selectors are JupyterLab 4 + ipywidgets 8 (see /work/shared/recipes/browser-e2e.md). An exercise
widget (src/threelevels/widgets.py) is a VBox `.threelevels-widget` whose children are: the header
HTML ("Exercise NN.slug ..."), the inputs, an HBox with Check and Hint, the feedback HTML and the
hint HTML (classes `threelevels-feedback` and `threelevels-hints`).
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

from threelevels.widgets import BLANK, ORDINALS

IDLE = re.compile(r"Python 3 \(ipykernel\) \| Idle")
# what a learner must never see in an output: broken widget views, raw widget reprs, tracebacks
FORBIDDEN = [
    ("a broken widget view", re.compile(r"Error displaying widget|model not found", re.I)),
    ("a widget still loading", re.compile(r"Loading widget", re.I)),
    ("a raw widget repr", re.compile(r"\b\w+\(children=|\b(?:Dropdown|Checkbox|Checkboxes|Textarea|Text|Button"
                                     r"|IntProgress|Label|HTML|Output)\((?:value|description|options|layout|"
                                     r"children|index|style)=")),
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)|^\w+Error: ", re.M)),
]
EXERCISE_CALL = re.compile(r"threelevels\.exercise\(")
HEADER_ID = re.compile(r"Exercise (\d\d\.[a-z0-9-]+)")


# --- notebooks as files ------------------------------------------------------------------------
def read_notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_sources(nb: dict) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def expected_widgets(nb: dict) -> int:
    """How many exercise widgets Run All must show: one per `threelevels.exercise(` call."""
    return sum(len(EXERCISE_CALL.findall(src)) for src in code_sources(nb))


# --- JupyterLab --------------------------------------------------------------------------------
# How long a kernel may take to show "Idle" before the test recovers as a person would. A kernel
# that starts normally is idle in 1-6 s here (see kernel_idle_s in timings.json).
KERNEL_WAIT_S = float(os.environ.get("E2E_KERNEL_WAIT_S", "40"))


def kernel_status(page: Page) -> str:
    """What the status bar says about the kernel, e.g. "Python 3 (ipykernel) | Connecting"."""
    try:
        text = page.locator("#jp-main-statusbar").inner_text(timeout=2_000)
    except PlaywrightError:
        return "(no status bar)"
    m = re.search(r"[^\n|]*\|\s*\w[\w ]*", text)
    return " ".join(m.group(0).split()) if m else " ".join(text.split())[:80]


def _idle_within(page: Page, seconds: float) -> bool:
    try:
        expect(page.locator("#jp-main-statusbar")).to_contain_text(IDLE, timeout=seconds * 1000)
        return True
    except AssertionError:
        return False


def _kernel_menu(page: Page, item: str) -> None:
    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_role("menuitem", name=item, exact=True).click()


def wait_for_kernel(page: Page, log=print) -> dict:
    """Wait until the status bar says "<kernel> | Idle"; return how long it took, and any recovery.

    A kernel whose websocket never connects stays "Connecting" however long one waits. After
    KERNEL_WAIT_S a person would use the Kernel menu: Reconnect to Kernel first, and, if the kernel
    is still not idle, Restart Kernel. That recovery happens once per notebook and is logged (and
    recorded in timings.json); if the kernel is still not idle after it, the test fails.
    """
    t0 = time.monotonic()
    if _idle_within(page, KERNEL_WAIT_S):
        return {"kernel_idle_s": round(time.monotonic() - t0, 2)}
    stuck = kernel_status(page)
    steps = []
    for item in ("Reconnect to Kernel", "Restart Kernel…"):
        log(f"e2e: kernel not idle after {time.monotonic() - t0:.0f} s ({stuck!r}): Kernel > {item}")
        try:
            _kernel_menu(page, item)
            if item.startswith("Restart"):
                page.locator(".jp-Dialog").get_by_role("button", name="Restart", exact=True).click()
        except PlaywrightError as exc:
            steps.append(f"{item} failed: {str(exc).splitlines()[0][:200]}")
            continue
        steps.append(item)
        if _idle_within(page, KERNEL_WAIT_S):
            took = round(time.monotonic() - t0, 2)
            log(f"e2e: recovered by Kernel > {item}: idle after {took} s in all")
            return {"kernel_idle_s": took, "kernel_recovery": {"stuck_at": stuck, "steps": steps}}
    raise AssertionError(
        f"the kernel never became idle: {stuck!r} for {KERNEL_WAIT_S:g} s, then still "
        f"{kernel_status(page)!r} after {' and '.join(steps) or 'no possible recovery'} "
        f"({time.monotonic() - t0:.0f} s in all)")


def open_notebook(page: Page, lab, rel: str, n_cells: int) -> tuple[Locator, dict]:
    """Open a notebook in a reset workspace; return its panel once every cell is there and the
    kernel is idle, with the kernel's timings (see wait_for_kernel)."""
    page.goto(f"{lab.url}/lab/tree/{rel}?reset&token={lab.token}")
    panel = page.locator(".jp-NotebookPanel").first
    expect(panel.locator(".jp-Notebook .jp-Cell")).to_have_count(n_cells)
    # the toolbar says idle before a kernel exists: wait for the status bar's "<kernel> | Idle"
    return panel, wait_for_kernel(page)


_WATCH_QUEUE = """() => {
  const nb = document.querySelector('.jp-NotebookPanel .jp-Notebook');
  window.__e2eQueued = false;
  const queued = () => [...nb.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
  const obs = new MutationObserver(() => { if (queued()) { window.__e2eQueued = true; obs.disconnect(); } });
  obs.observe(nb, {subtree: true, childList: true, characterData: true});
}"""
_RUN_FINISHED = """() => window.__e2eQueued &&
  ![...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-InputPrompt')]
    .some(p => p.textContent.includes('*'))"""


def run_all(page: Page) -> None:
    """Run > Run All Cells, and wait until no cell is queued or running and the kernel is idle.

    Stored outputs keep their execution counts, so "every cell has a number" proves nothing: watch
    for the queued marker [*] to appear (a MutationObserver cannot miss it) and then to go away.
    """
    page.evaluate(_WATCH_QUEUE)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(_RUN_FINISHED, timeout=120_000, polling=50)
    expect(page.locator("#jp-main-statusbar")).to_contain_text(IDLE, timeout=60_000)


def unexecuted_cells(panel: Locator, nb: dict) -> list[int]:
    """1-based numbers (among all cells) of non-empty code cells that show no execution count."""
    prompts = panel.locator(".jp-Notebook .jp-Cell").evaluate_all(
        "cells => cells.map(c => { const p = c.querySelector('.jp-InputPrompt');"
        " return c.classList.contains('jp-CodeCell') ? (p ? p.textContent.trim() : '') : null; })")
    out = []
    for i, (cell, prompt) in enumerate(zip(nb["cells"], prompts), 1):
        src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and src.strip() and not re.fullmatch(r"\[\d+\]:?", prompt or ""):
            out.append(i)
    return out


def output_problems(panel: Locator) -> list[str]:
    """Everything wrong in what the outputs show: error/stderr outputs and forbidden text."""
    outputs = panel.locator(".jp-OutputArea-output").evaluate_all(
        "els => els.map(e => [e.getAttribute('data-mime-type') || '', e.innerText])")
    problems = []
    for mime, text in outputs:
        if mime == "application/vnd.jupyter.stderr":
            problems.append(f"an error/stderr output: {text.strip()[:600]}")
            continue
        for what, pattern in FORBIDDEN:
            m = pattern.search(text)
            if m:
                start = max(0, m.start() - 80)
                problems.append(f"{what}: …{text[start:m.end() + 200].strip()}…")
    return problems


def tall_screenshot(page: Page, panel: Locator, path: Path, max_height: int = 16_000) -> None:
    """A screenshot of the whole notebook: grow the window to the notebook's height, from its top."""
    inner = panel.locator(".jp-WindowedPanel-outer").first
    if inner.count():
        height = inner.evaluate("e => e.scrollHeight")
        chrome = page.evaluate("() => window.innerHeight") - inner.evaluate("e => e.clientHeight")
        page.set_viewport_size({"width": 1280, "height": int(min(max(900, height + chrome + 20), max_height))})
        inner.evaluate("e => { e.scrollTop = 0; }")
    page.wait_for_timeout(150)   # let JupyterLab lay out at the new size
    page.screenshot(path=str(path))
    # back to a normal window: a tall one makes every frame (and every trace screenshot) costly
    page.set_viewport_size({"width": 1280, "height": 900})


# --- one exercise widget -----------------------------------------------------------------------
def widget_id(widget: Locator) -> str:
    text = widget.locator(".threelevels-exercise strong").first.inner_text()
    m = HEADER_ID.search(text)
    assert m, f"an exercise widget whose header does not name it: {text!r}"
    return m.group(1)


class ExerciseUI:
    """The browser side of one ExerciseWidget: enter an answer as a learner would, press buttons."""

    def __init__(self, page: Page, widget: Locator, ex):
        self.page, self.w, self.ex = page, widget, ex
        # by accessible name, as a screen reader announces it (so a stray icon glyph would fail here)
        self.check = widget.get_by_role("button", name="Check", exact=True)
        self.hint = widget.get_by_role("button", name=re.compile(r"^(Hint \(\d+ of \d+\)|No more hints)$"))
        self.feedback = widget.locator(".threelevels-feedback")
        self.hints = widget.locator(".threelevels-hints")
        self.first_input = widget.locator("select, input, textarea").first
        self._state: dict = {}   # what this test last put into each input

    def _label(self, value: str) -> str:
        return self.ex.labels.get(value, value)

    def _inputs_for(self, answer) -> list[tuple[str, str, object]]:
        """(kind, accessible name, value) for every input, to hold `answer`.

        `answer` is canonical (the ex.key() form), or the code for a code exercise; None is blank.
        """
        spec, t, lab = self.ex.spec, self.ex.type, self._label
        if t == "single-choice":
            return [("select", "Answer:", answer)]
        if t == "multi-select":
            chosen = answer or frozenset()
            return [("tick", lab(o), o in chosen) for o in spec["options"]]
        if t == "ranking":
            order = list(answer or [])
            return [("select", f"{ORDINALS[i]}:", order[i] if i < len(order) else None)
                    for i in range(len(spec["items"]))]
        if t in ("categorize", "matching"):
            given = dict(answer or ())
            return [("select", lab(item), given.get(item)) for item in spec["items"]]
        if t == "numeric":
            unit = spec.get("unit", "")
            return [("fill", f"Answer{' (' + unit + ')' if unit else ''}:",
                     "" if answer is None else _number(answer))]
        if t == "short-answer":
            text, ticked = answer if answer is not None else ("", frozenset())
            return [("fill", "Your answer:", text)] + [
                ("tick", f"My answer: {r}", i in ticked) for i, r in enumerate(spec["rubric"])]
        if t == "code":
            return [("fill", "Code:", answer or "")]
        raise AssertionError(f"the browser tests do not know exercise type {t!r}: add it to helpers.py")

    def enter(self, answer) -> None:
        """Put an answer into the inputs as a learner would (only the inputs that must change)."""
        for kind, name, value in self._inputs_for(answer):
            if self._state.get((kind, name), _UNSET) == value:
                continue
            if kind == "select":   # an option's value attribute is its label (its text has &nbsp;)
                self.w.get_by_label(name, exact=True).select_option(
                    value=BLANK if value is None else self._label(value))
            elif kind == "tick":
                self.w.get_by_role("checkbox", name=name, exact=True).set_checked(value)
            else:
                self.w.get_by_label(name, exact=True).fill(value)
            self._state[(kind, name)] = value

    def key(self):
        return self.ex.answer if self.ex.type == "code" else self.ex.key()

    def wrong(self):
        """(answer, its feedback) for the first known wrong answer, or None."""
        if not self.ex.wrong:
            return None
        if self.ex.type == "code":
            return self.ex.wrong[0]
        return self.ex.wrong_canonical()[0]

    def expect_feedback(self, text: str, timeout: float = 15_000) -> None:
        wait_text(self.page, self.feedback, text, timeout)

    def is_focused(self, loc: Locator) -> bool:
        return loc.evaluate("e => e === document.activeElement")

    def tab_to_check(self, max_steps: int = 40) -> int:
        """From the first input, press Tab until Check has the focus; return the number of presses."""
        # usually Check is as many Tab stops away as there are controls before it: press that many
        # times and look once; otherwise start again and look after every press
        expected = self.w.evaluate(
            "w => [...w.querySelectorAll('select, input, textarea, button')]"
            ".findIndex(e => e.textContent.trim() === 'Check')")
        for fast in (True, False):
            self.first_input.focus()
            assert self.is_focused(self.first_input), "the first input cannot take the focus"
            steps = 0
            if fast:
                for steps in range(1, max(1, expected) + 1):
                    self.page.keyboard.press("Tab")
                if self.is_focused(self.check):
                    return steps
                continue
            for steps in range(1, max_steps + 1):
                self.page.keyboard.press("Tab")
                if self.is_focused(self.check):
                    return steps
        active = self.page.evaluate("() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)")
        raise AssertionError(f"Check is not reachable with Tab from the first input "
                             f"({max_steps} presses; the focus ends on {active})")


_UNSET = object()
_HAS_TEXT = """([el, text]) => {
  const norm = s => s.replace(/\\s+/g, ' ').trim();
  return norm(el.textContent).includes(norm(text));
}"""


def wait_text(page: Page, loc: Locator, text: str, timeout: float = 15_000) -> None:
    """Wait until `loc` contains `text` (whitespace normalised). Like expect().to_contain_text, but
    polled in the page every 25 ms instead of after 100, 250, 500, 1000 ms: a feedback round-trip to
    the kernel takes about 50-150 ms, and these waits add up over a hundred widgets."""
    handle = loc.element_handle()
    try:
        page.wait_for_function(_HAS_TEXT, arg=[handle, text], polling=25, timeout=timeout)
    except PlaywrightError:
        actual = " ".join(handle.text_content().split())
        raise AssertionError(f"expected text {text!r} within {timeout / 1000:g} s; it says {actual[:600]!r}") from None


def _number(value) -> str:
    v = float(value)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
