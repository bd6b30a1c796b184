"""`threelevels.progress()` (src/threelevels/progress_view.py): bars that also say it in text.

Runs without a kernel, on a small test bank and a THREELEVELS_HOME under tmp_path.
"""
from __future__ import annotations

import re

import ipywidgets as w
import pytest

import threelevels
from threelevels import banks, store

from .conftest import MANY, PICK, YEAR, bank_toml

OBJECTIVE = "Say where China comes in <b>(regional)</b>."
BANK = bank_toml("Levels & <tags>", {**PICK, "objective": OBJECTIVE, "wrong": []},
                 {**MANY, "objective": OBJECTIVE}, YEAR)


@pytest.fixture
def course(make_course):
    """A one-lesson test course (three exercises, two objectives); the value is the learner's home."""
    return make_course({"01-test.toml": BANK}).home


def answer(ex_id: str, value) -> None:
    ex = banks.get(ex_id)
    store.record(ex, value, ex.check(value))


def walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)


def test_repr_is_fixed_text_without_memory_addresses(course):
    """Is the view's plain-text form (what nbval compares) the same every run, with no 0x... address?"""
    view = threelevels.progress()
    assert isinstance(view, w.VBox)
    assert repr(view) == "[Your progress: run this cell to see it]"
    assert not re.search(r"0x[0-9a-f]+", repr(view))
    assert view._repr_mimebundle_()["text/plain"] == repr(view)


def test_each_bar_is_said_in_text_too(course):
    """Does every lesson's progress bar sit beside a label that says 'N of M correct'?"""
    answer("01.pick", "regional")
    answer("01.year", 1994)
    view = threelevels.progress()
    bars = [x for x in walk(view) if isinstance(x, w.IntProgress)]
    assert len(bars) == 1
    assert (bars[0].value, bars[0].max) == (1, 3)
    row = next(x for x in walk(view) if isinstance(x, w.HBox) and bars[0] in x.children)
    texts = [c.value for c in row.children if isinstance(c, w.Label)]
    assert "Lesson 01: Levels & <tags>" in texts  # a Label shows text as text (no HTML)
    assert "1 of 3 correct, 2 attempted" in texts


def test_objective_table_counts_and_escapes(course):
    """Does the per-objective table count correctly and show objectives as text, not HTML?"""
    answer("01.pick", "regional")
    answer("01.many", ["global"])
    view = threelevels.progress()
    table = next(x.value for x in walk(view) if isinstance(x, w.HTML) and "<table" in x.value)
    assert "<caption>Progress per objective</caption>" in table
    assert '<th scope="col">Objective</th>' in table
    assert "&lt;b&gt;(regional)&lt;/b&gt;" in table and "<b>(regional)</b>" not in table
    row = re.search(r"<tr><td>01</td><td>Say where China.*?</tr>", table).group(0)
    assert "<td>1 of 2</td><td>0</td><td>2</td>" in row  # correct, self-assessed, attempted


def test_all_correct_fills_the_bar(course):
    """When every exercise of a lesson is correct, is the bar full and the text '3 of 3 correct'?"""
    answer("01.pick", "regional")
    answer("01.many", ["global", "regional", "peninsular"])
    answer("01.year", 1997)
    view = threelevels.progress()
    bar = next(x for x in walk(view) if isinstance(x, w.IntProgress))
    assert bar.value == bar.max == 3
    assert any(isinstance(x, w.Label) and x.value == "3 of 3 correct" for x in walk(view))


def test_a_damaged_store_is_reported_in_the_view(course):
    """If the progress file is junk, does the view still appear, saying where the old file went?"""
    answer("01.pick", "regional")
    (course / "progress.sqlite").write_bytes(b"junk" * 1000)
    view = threelevels.progress()
    moved = list(course.glob("progress.sqlite.damaged-*"))
    assert len(moved) == 1
    notes = [x.value for x in walk(view) if isinstance(x, w.HTML) and "Note:" in x.value]
    assert notes and str(moved[0]) in notes[0]
    assert any(isinstance(x, w.Label) and x.value == "0 of 3 correct" for x in walk(view))


def test_an_unusable_store_gives_a_message_not_an_exception(course):
    """If the store cannot be read (a newer schema), does progress() show why instead of raising?"""
    import sqlite3
    answer("01.pick", "regional")
    conn = sqlite3.connect(course / "progress.sqlite")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    view = threelevels.progress()
    assert repr(view) == "[Your progress: run this cell to see it]"
    assert "newer version" in view.children[0].value


ESSAY = dict(id="01.essay", type="short-answer", objective="Explain the levels.",
             prompt="In 5 to 20 words, explain the levels.", rubric=["names the three levels"],
             exemplar="Global, regional, peninsular.", min_words=5, answer="global regional peninsular levels here",
             hints=["Three."], explanation="Three levels.", sources=["three-level-framework"], minutes=3)


def test_a_short_answer_counts_as_done_never_as_correct(make_course, capsys):
    """Is a self-ticked short answer counted as self-assessed (done), not correct, in progress() and the CLI?"""
    make_course({"01-test.toml": bank_toml("Essays", {**PICK, "wrong": []}, ESSAY)})
    answer("01.essay", {"text": "banana " * 50, "ticked": [0]})
    answer("01.pick", "regional")
    s = store.summary()
    assert [(e["correct"], e["self_assessed"], e["attempted"], e["total"]) for e in s["lessons"]] == [(1, 1, 2, 2)]
    view = threelevels.progress()
    labels = [x.value for x in walk(view) if isinstance(x, w.Label)]
    assert "2 of 2 done (1 correct, 1 self-assessed)" in labels
    bar = next(x for x in walk(view) if isinstance(x, w.IntProgress))
    assert (bar.value, bar.max) == (2, 2)
    table = next(x.value for x in walk(view) if isinstance(x, w.HTML) and "<table" in x.value)
    assert "<th scope=\"col\">Self-assessed</th>" in table
    from threelevels import cli
    assert cli.main(["progress"]) == 0
    out = capsys.readouterr().out
    lesson_line = next(line for line in out.splitlines() if line.startswith("01") and "Essays" in line)
    assert lesson_line.split()[-4:] == ["1", "1", "2", "2"]  # self-assessed, correct, attempted, exercises
    assert "never as correct" in out


def test_a_short_answer_stored_as_correct_before_the_rule_is_not_counted_correct(make_course):
    """Does an old attempt stored with status 'correct' for a short answer count as self-assessed, not correct?"""
    from threelevels.checks import Result
    make_course({"01-test.toml": bank_toml("Essays", {**PICK, "wrong": []}, ESSAY)})
    store.record(banks.get("01.essay"), "old text", Result("correct", 1.0, "Correct (self-assessed)."))
    (e,) = store.summary()["lessons"]
    assert (e["correct"], e["self_assessed"]) == (0, 1)
