"""`threelevels.progress()`: your progress as widgets, per lesson and per objective.

A progress bar has no role or value for a screen reader (recipes/accessibility.md), so every bar
sits next to text that says the same thing ("3 of 5 correct"); the table per objective is plain
HTML with a caption and column headers. The numbers come from `store.summary()`, the same as
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


def _lesson_row(entry: dict) -> w.HBox:
    total = entry["total"] or 0
    correct, attempted = entry["correct"], entry["attempted"]
    name = f"Lesson {entry['lesson']}" + (f": {entry['title']}" if entry.get("title") else "")
    text = (f"{correct} of {total} correct" if entry["total"] is not None else f"{correct} correct") + \
           (f", {attempted} attempted" if attempted != correct else "")
    bar = w.IntProgress(value=min(correct, total), min=0, max=max(total, 1), description="",
                        bar_style="success" if total and correct == total else "",
                        layout=w.Layout(width="12em"))
    bar.add_class("threelevels-progress-bar")
    return w.HBox([w.Label(value=name, layout=w.Layout(width="24em")), bar, w.Label(value=text)],
                  layout=w.Layout(align_items="center"))


def _objective_table(objectives: list[dict]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e['lesson'])}</td><td>{html.escape(e['objective'])}</td>"
        f"<td>{e['correct']} of {e['total'] if e['total'] is not None else '?'}</td>"
        f"<td>{e['attempted']}</td></tr>" for e in objectives)
    return ('<table class="threelevels-progress"><caption>Progress per objective</caption>'
            '<thead><tr><th scope="col">Lesson</th><th scope="col">Objective</th>'
            '<th scope="col">Correct</th><th scope="col">Attempted</th></tr></thead>'
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
            "An exercise counts as correct once any of your attempts at it was correct.</p>")
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
