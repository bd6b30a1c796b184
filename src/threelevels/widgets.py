"""Thin ipywidgets views over the pure checks.

A view collects an answer, calls `checks.check`, shows the Result in an HTML widget (never an
Output capture: see DESIGN.md), and records the attempt. Clicking Check and calling
`.submit(answer)` go through the same `_evaluate` path.
"""
from __future__ import annotations

import html

import ipywidgets as w

from . import checks
from .banks import Exercise

BLANK = "— choose —"
ORDINALS = ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th", "9th", "10th"]
WIDE = {"description_width": "initial"}


def _options(ex: Exercise, values: list[str]) -> list[tuple[str, str | None]]:
    return [(BLANK, None)] + [(ex.labels.get(v, v), v) for v in values]


class ExerciseWidget(w.VBox):
    """One exercise as a widget. `submit(answer)` checks an answer as a click on Check does."""

    def __init__(self, ex: Exercise, record: bool = True):
        self.exercise = ex
        self._record = record
        self._hints_shown = 0
        self.result: checks.Result | None = None
        header = w.HTML(
            f'<div class="threelevels-exercise"><strong>Exercise {html.escape(ex.id)}</strong> '
            f'({html.escape(ex.type)}, about {ex.minutes:g} min)<br>'
            f'<em>Objective: {html.escape(ex.objective)}</em>'
            f'<p>{html.escape(ex.prompt)}</p></div>')
        self.inputs = self._build_inputs()
        # No icons: an icon font glyph would become part of the button's accessible name.
        self.check_button = w.Button(description="Check", button_style="primary",
                                     tooltip=f"Check your answer to {ex.id}")
        self.hint_button = w.Button(description=f"Hint (0 of {len(ex.hints)})", tooltip="Show the next hint")
        self.feedback = w.HTML(value="", layout=w.Layout(min_height="1.5em"))
        self.feedback.add_class("threelevels-feedback")
        self.hint_box = w.HTML(value="")
        self.hint_box.add_class("threelevels-hints")
        self.check_button.on_click(lambda _b: self._evaluate(self.value()))
        self.hint_button.on_click(lambda _b: self.next_hint())
        super().__init__([header, *self.inputs, w.HBox([self.check_button, self.hint_button]),
                          self.feedback, self.hint_box],
                         layout=w.Layout(border="1px solid #bbb", padding="0.5em", margin="0.5em 0"))
        self.add_class("threelevels-widget")
        self._restore()

    def __repr__(self) -> str:  # what a notebook shows before its cells are run (and what nbval compares)
        return f"[Exercise {self.exercise.id}: run this cell to answer it]"

    # --- inputs, one layout per type ------------------------------------------------------------
    def _build_inputs(self) -> list:
        ex, spec, t = self.exercise, self.exercise.spec, self.exercise.type
        if t == "single-choice":
            self._pick = w.Dropdown(options=_options(ex, spec["options"]), value=None,
                                    description="Answer:", layout=w.Layout(width="auto"))
            return [self._pick]
        if t == "multi-select":
            self._boxes = [w.Checkbox(value=False, description=ex.labels.get(o, o), indent=False,
                                      style=WIDE, layout=w.Layout(width="auto")) for o in spec["options"]]
            return self._boxes
        if t == "ranking":
            self._slots = [w.Dropdown(options=_options(ex, spec["items"]), value=None,
                                      description=f"{ORDINALS[i]}:", layout=w.Layout(width="auto"))
                           for i in range(len(spec["items"]))]
            return [w.HTML("<em>Highest first:</em>"), *self._slots]
        if t in ("categorize", "matching"):
            self._pairs = {item: w.Dropdown(options=_options(ex, spec["choices"]), value=None,
                                            description=ex.labels.get(item, item), style=WIDE,
                                            layout=w.Layout(width="auto"))
                           for item in spec["items"]}
            return list(self._pairs.values())
        if t == "numeric":
            unit = spec.get("unit", "")
            self._text = w.Text(value="", description=f"Answer{' (' + unit + ')' if unit else ''}:",
                                placeholder="a number", style=WIDE)
            return [self._text]
        if t == "short-answer":
            self._text = w.Textarea(value="", description="Your answer:", style=WIDE,
                                    placeholder="Write here…", layout=w.Layout(width="95%", height="8em"))
            self._boxes = [w.Checkbox(value=False, description=f"My answer: {r}", indent=False, style=WIDE,
                                      layout=w.Layout(width="auto")) for r in spec["rubric"]]
            return [self._text, w.HTML("<em>Tick each rubric item your answer meets:</em>"), *self._boxes]
        if t == "code":
            self._text = w.Textarea(value=spec.get("given", ""), description="Code:", style=WIDE,
                                    placeholder="a pandas expression using chron, claims and pd",
                                    layout=w.Layout(width="95%", height="6em"))
            return [self._text]
        raise ValueError(f"no view for type {t!r}")

    def value(self):
        """The answer the inputs currently hold, in the form `check` takes."""
        ex, t = self.exercise, self.exercise.type
        if t == "single-choice":
            return self._pick.value
        if t == "multi-select":
            return [o for o, b in zip(ex.spec["options"], self._boxes) if b.value]
        if t == "ranking":
            picked = [s.value for s in self._slots]
            return [] if all(p is None for p in picked) else [p if p is not None else "" for p in picked]
        if t in ("categorize", "matching"):
            return {item: d.value for item, d in self._pairs.items() if d.value is not None}
        if t == "short-answer":
            return {"text": self._text.value, "ticked": [i for i, b in enumerate(self._boxes) if b.value]}
        return self._text.value

    def _show_answer(self, answer) -> None:
        """Put an answer back into the inputs, where it fits them (otherwise leave them as they are)."""
        ex, t = self.exercise, self.exercise.type
        try:
            if t == "single-choice":
                self._pick.value = checks.canon_single(ex, answer)
            elif t == "multi-select":
                chosen = checks.canon_multi(ex, answer)
                for o, b in zip(ex.spec["options"], self._boxes):
                    b.value = o in chosen
            elif t == "ranking":
                for slot, item in zip(self._slots, checks.canon_ranking(ex, answer)):
                    slot.value = item
            elif t in ("categorize", "matching"):
                given = dict(checks.canon_mapping(ex, answer))
                for item, d in self._pairs.items():
                    d.value = given.get(item)
            elif t == "short-answer":
                text, ticked = checks.canon_short(ex, answer)
                self._text.value = answer["text"] if isinstance(answer, dict) else str(answer)
                for i, b in enumerate(self._boxes):
                    b.value = i in ticked
            elif isinstance(answer, (str, int, float)) and not isinstance(answer, bool):
                self._text.value = str(answer)[:100_000]
        except KeyboardInterrupt:
            raise
        except BaseException:  # an answer the inputs cannot show, or whose own methods fail: leave them
            pass

    # --- the one path a click and submit() share -------------------------------------------------
    def _evaluate(self, answer) -> checks.Result:
        try:
            result = checks.check(self.exercise, answer)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # check() never raises; if it ever does, the kernel still lives
            result = checks._result(self.exercise, "not-attempted", 0.0,
                                    f"Not checked: this answer could not be read ({type(exc).__name__}).")
        self.result = result
        note = ""
        if self._record and result.status != "not-attempted":
            note = _record(self.exercise, answer, result)
        self.feedback.value = result._repr_html_() + (f"<p><em>{html.escape(note)}</em></p>" if note else "")
        return result

    def submit(self, answer) -> checks.Result:
        """Check `answer` exactly as a click on Check would, show it in the inputs, and return the Result."""
        self._show_answer(answer)
        return self._evaluate(answer)

    def next_hint(self) -> str | None:
        hints = self.exercise.hints
        if self._hints_shown < len(hints):
            self._hints_shown += 1
        shown = hints[:self._hints_shown]
        self.hint_box.value = "".join(
            f"<p><strong>Hint {i} of {len(hints)}:</strong> {html.escape(h)}</p>" for i, h in enumerate(shown, 1))
        self.hint_button.description = f"Hint ({self._hints_shown} of {len(hints)})"
        if self._hints_shown == len(hints):
            self.hint_button.disabled = True
            self.hint_button.description = "No more hints"
        return shown[-1] if shown else None

    def _restore(self) -> None:
        """After a restart, show the learner's last answer and the verdict stored with it.

        Nothing is checked or run again: stored code may sleep, print or allocate, and reopening a
        notebook must never do that a second time. Press Check to see the full feedback again.
        """
        if not self._record:
            return
        last, note = _last(self.exercise.id)
        if last is None:
            if note:
                self.feedback.value = f"<p><em>{html.escape(note)}</em></p>"
            return
        self._show_answer(last["answer"])
        result = _stored_result(self.exercise, last)
        self.result = result
        self.feedback.value = (f"<p><em>Your last answer, checked {html.escape(str(last.get('when', '')))} "
                               "(press Check to see the full feedback again):</em></p>" + result._repr_html_())


def _record(ex: Exercise, answer, result: checks.Result) -> str:
    """Store the attempt; say so if it could not be stored (the verdict is shown either way)."""
    try:
        from . import store
        store.record(ex, answer, result)
    except Exception as exc:  # the store must never cost the learner their feedback
        return f"(This attempt could not be saved: {type(exc).__name__}: {exc})"
    return ""


def _last(exercise_id: str):
    """The latest stored attempt (or None) and, if the store cannot be read, a sentence saying why."""
    try:
        from . import store
        return store.last(exercise_id), ""
    except Exception as exc:  # the store must never cost the learner the exercise itself
        return None, f"Your earlier answers cannot be shown: {exc}"


def _stored_result(ex: Exercise, row: dict) -> checks.Result:
    """The Result stored with an attempt, rebuilt without checking anything again."""
    status = row.get("status")
    message = str(row.get("message") or "")
    try:
        score = min(1.0, max(0.0, float(row.get("score") or 0.0)))
    except (TypeError, ValueError, OverflowError):
        score = 0.0
    try:
        return checks.Result(status, score, message, (), ex.id)
    except (TypeError, ValueError):  # a status this version does not know (another course version)
        return checks.Result("not-attempted", 0.0, f"Stored verdict: {status} ({message})".strip(), (), ex.id)


def exercise(ex: Exercise, record: bool = True) -> ExerciseWidget:
    return ExerciseWidget(ex, record=record)
