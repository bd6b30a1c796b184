"""Answer keys for instructors: drive an exercise's widget with its key and each known wrong answer.

`drive(id)` goes through `ExerciseWidget.submit`, the same path as a click, and prints every verdict,
so nbval compares the printed text: a broken key or check fails CI with a readable diff.
"""
from __future__ import annotations

import json

from .banks import get
from .widgets import ExerciseWidget


def _fmt(answer) -> str:
    if isinstance(answer, str):
        return answer if len(answer) <= 300 else answer[:300] + "…"
    return json.dumps(answer, ensure_ascii=False)


def drive(exercise_id: str) -> ExerciseWidget:
    """Submit every known wrong answer, every accepted reading and the key; print the verdicts;
    return the widget (showing the key)."""
    ex = get(exercise_id)
    view = ExerciseWidget(ex, record=False)
    print(f"{ex.id} ({ex.type}) - objective: {ex.objective}")
    for n, (answer, _feedback) in enumerate(ex.wrong, 1):
        print(f"\nKnown wrong answer {n}: {_fmt(answer)}")
        print(_indent(view.submit(answer).text()))
    for n, (answer, _feedback) in enumerate(ex.accepted, 1):
        print(f"\nAccepted reading {n} (contestable key: see the guide's 'Contestable keys'): {_fmt(answer)}")
        print(_indent(view.submit(answer).text()))
    print(f"\nKey: {_fmt(ex.answer)}")
    result = view.submit(ex.answer)
    print(_indent(result.text()))
    print("\nHints: " + " | ".join(ex.hints))
    print(f"Sources: {', '.join(ex.sources)}")
    return view


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())
