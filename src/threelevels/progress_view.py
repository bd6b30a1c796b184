"""`threelevels.progress()`: your progress as widgets, per lesson and per objective.

A progress bar has no role or value for a screen reader (recipes/accessibility.md), so every bar
sits next to text that says the same thing ("3 of 5 correct"; with short answers, which are
self-assessed and count as done but never as correct, "4 of 6 done (3 correct, 1 self-assessed)");
the table per objective is plain HTML with a caption and column headers. The numbers come from `store.summary()`, the same as
`threelevels progress` prints.
"""
from __future__ import annotations

import html
import warnings

import ipywidgets as w

from . import store


class ProgressView(w.VBox):
    """Progress bars with text labels, one per lesson, and a table per objective."""

    def __repr__(self) -> str:  # what a notebook shows before its cells run (no memory addresses)
        return "[Your progress: run this cell to see it]"


def progress_text(entry: dict) -> str:
    """'1 of 3 correct, 2 attempted', or with short answers '3 of 5 done (2 correct, 1 self-assessed),
    4 attempted': a self-assessed short answer counts as done, never as correct."""
    total, correct, attempted = entry["total"], entry["correct"], entry["attempted"]
    sa = entry.get("self_assessed", 0)
    done = correct + sa
    of = f" of {total}" if total is not None else ""
    if sa:
        text = f"{done}{of} done ({correct} correct, {sa} self-assessed)"
    else:
        text = f"{correct}{of} correct"
    return text + (f", {attempted} attempted" if attempted != done else "")


def _lesson_row(entry: dict) -> w.HBox:
    total = entry["total"] or 0
    done = entry["correct"] + entry.get("self_assessed", 0)
    name = f"Lesson {entry['lesson']}" + (f": {entry['title']}" if entry.get("title") else "")
    bar = w.IntProgress(value=min(done, total), min=0, max=max(total, 1), description="",
                        bar_style="success" if total and done == total else "",
                        layout=w.Layout(width="12em"))
    bar.add_class("threelevels-progress-bar")
    return w.HBox([w.Label(value=name, layout=w.Layout(width="24em")), bar, w.Label(value=progress_text(entry))],
                  layout=w.Layout(align_items="center"))


def _objective_table(objectives: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e['lesson'])}</td><td>{html.escape(e['objective'])}</td>"
        f"<td>{e['correct']} of {e['total'] if e['total'] is not None else '?'}</td>"
        f"<td>{e.get('self_assessed', 0)}</td>"
        f"<td>{e['attempted']}</td></tr>" for e in objectives)
    return ('<table class="threelevels-progress"><caption>Progress per objective</caption>'
            '<thead><tr><th scope="col">Lesson</th><th scope="col">Objective</th>'
            '<th scope="col">Correct</th><th scope="col">Self-assessed</th>'
            '<th scope="col">Attempted</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def progress() -> ProgressView:
    """Your progress: a bar and a sentence per lesson, and a table per objective."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", store.DamagedStoreWarning)
        try:
            s = store.summary()
        except store.StoreError as exc:
            return ProgressView([w.HTML(f"<p><strong>Your progress could not be read:</strong> "
                                        f"{html.escape(str(exc))}</p>")])
    notes += [str(c.message) for c in caught if issubclass(c.category, store.DamagedStoreWarning)]
    if s["note"]:
        notes.append(s["note"])
    n = s["attempts"]
    head = (f"<h3>Your progress</h3><p>{n} checked attempt{'s' if n != 1 else ''} so far. "
            "An exercise counts as correct once any of your attempts at it was correct. "
            "A short answer is self-assessed: once submitted it counts as done, never as correct.</p>")
    children = [w.HTML(head)]
    children += [w.HTML(f'<p role="note"><strong>Note:</strong> {html.escape(t)}</p>') for t in notes]
    children += [_lesson_row(e) for e in s["lessons"]]
    if s["objectives"]:
        children.append(w.HTML(_objective_table(s["objectives"])))
    if s["retired"]:
        children.append(w.HTML("<p>Also in your history (no longer in the course, kept): "
                               + html.escape(", ".join(s["retired"])) + "</p>"))
    view = ProgressView(children)
    view.add_class("threelevels-progress")
    view.summary = s
    return view
