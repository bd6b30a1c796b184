"""Every exercise in every bank: its key, its known wrong answers, hostile input, and the schema."""
import pytest

import threelevels
from threelevels import banks
from threelevels.checks import Result
from threelevels.data import DataError

from .conftest import HOSTILE

EXERCISES = threelevels.bank()
IDS = [e.id for e in EXERCISES]
WRONG = [(e, i) for e in EXERCISES for i in range(len(e.wrong))]


def test_every_bank_meets_the_floor():
    """Does each bank have at least 5 exercises, using at least 4 types?"""
    by_lesson = {}
    for e in EXERCISES:
        by_lesson.setdefault(e.lesson, []).append(e)
    assert by_lesson, "no exercise banks found"
    for lesson, exs in by_lesson.items():
        assert len(exs) >= 5, lesson
        assert len({e.type for e in exs}) >= 4, lesson


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_the_key_is_correct(ex):
    """Does each exercise accept its own key, through the public check()?"""
    r = threelevels.check(ex.id, ex.answer)
    if ex.type == "short-answer":  # self-assessed: done, never "correct", whatever is ticked
        assert r.status == "self-assessed" and not r.correct, r.text()
        assert r.message.startswith("Self-assessed")
        return
    assert r.status == "correct" and r.score == 1.0, r.text()
    assert r.message.startswith("Correct")


@pytest.mark.parametrize("ex, n", WRONG, ids=[f"{e.id}#wrong{i + 1}" for e, i in WRONG])
def test_each_known_wrong_answer_gets_its_own_feedback(ex, n):
    """Is each listed wrong answer marked not correct, with the feedback written for it?"""
    answer, feedback = ex.wrong[n]
    r = threelevels.check(ex.id, answer)
    assert r.status in (("self-assessed",) if ex.type == "short-answer" else ("incorrect", "partial")), r.text()
    assert feedback in r.details


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_every_exercise_has_hints_sources_objective_and_a_wrong_answer(ex):
    """Does each exercise carry ordered hints, sources, an objective and at least one known wrong answer?"""
    assert ex.hints and ex.sources and ex.objective and ex.explanation
    assert ex.wrong, f"{ex.id} lists no known wrong answer"


@pytest.mark.parametrize("label", list(HOSTILE))
@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_hostile_input_returns_a_result_with_a_message(ex, label):
    """Whatever a learner types, is the answer a Result with a message, and its HTML free of raw tags?"""
    r = threelevels.check(ex.id, HOSTILE[label])
    assert isinstance(r, Result)
    assert r.message and r.status != "correct"
    html = r._repr_html_()
    assert "<script" not in html and "<b onmouseover" not in html and "<i>" not in html
    assert len(r.text()) < 5_000          # a huge answer is summarised, not echoed


def test_unknown_exercise_id_is_a_clear_key_error():
    """Does asking for an id that does not exist say where to find the ids?"""
    with pytest.raises(KeyError, match="threelevels.bank"):
        threelevels.check("99.nope", "x")


def _write_bank(course, text, name="01-three-levels.toml"):
    (course / "exercises" / name).write_text(text, encoding="utf-8")


GOOD = """lesson = "01"
title = "T"
[[exercise]]
id = "01.x"
type = "single-choice"
objective = "o"
prompt = "p"
options = ["a", "b"]
answer = "a"
hints = ["h"]
explanation = "e"
sources = ["global-level"]
minutes = 1
"""


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace('minutes = 1', 'minutes = 1\ncolour = "red"'),
     "exercises/01-three-levels.toml: exercise '01.x': unknown key(s) ['colour']"),
    (lambda t: t.replace('hints = ["h"]\n', ''), "exercise '01.x': missing required key 'hints'"),
    (lambda t: t.replace('"single-choice"', '"essay"'), "exercise '01.x': 'type' must be one of"),
    (lambda t: t.replace('answer = "a"', 'answer = "c"'), "exercise '01.x': the key, a wrong or an accepted answer is not a valid answer"),
    (lambda t: t.replace('id = "01.x"', 'id = "02.x"'), "exercise '02.x': id must look like '01.some-slug'"),
    (lambda t: t.replace('["global-level"]', '["no-such-claim"]'), "unknown source id(s) ['no-such-claim']"),
    (lambda t: t.replace('hints = ["h"]', 'hints = "h"'), "exercise '01.x': 'hints' must be list"),
    (lambda t: t + '[[exercise.wrong]]\nanswer = "a"\nfeedback = "f"\n', "wrong answer #1 is the same as the key"),
    (lambda t: t.replace('lesson = "01"', 'lesson = "02"'), "'lesson' must be \"01\""),
    (lambda t: t.replace('type = ', 'type == '), "not valid TOML"),
    (lambda t: t.replace('title = "T"', 'title = "T"\nobjectives = ["x"]'),
     "exercise '01.x': 'objective' must be one of the bank's objectives (exactly); got 'o'"),
    (lambda t: t.replace('title = "T"', 'title = "T"\nobjectives = []'), "'objectives' must be a non-empty list"),
    (lambda t: t + '[[exercise.accepted]]\nanswer = "b"\n', "accepted answer #1 must be a table with exactly"),
    (lambda t: t + '[[exercise.accepted]]\nanswer = "z"\nfeedback = "f"\n', "not a valid answer"),
    (lambda t: t.replace('options = ["a", "b"]', 'options = ["a", "b", "A."]'), "differ only in case or punctuation"),
])
def test_malformed_banks_name_file_exercise_and_problem(course_copy, change, message):
    """Does a malformed bank fail on load with a message naming the file, the exercise and the problem?"""
    _write_bank(course_copy, change(GOOD))
    with pytest.raises(DataError) as err:
        banks.bank()
    assert "exercises/01-three-levels.toml" in str(err.value)
    assert message in str(err.value)


def test_a_good_minimal_bank_loads(course_copy):
    """Does the minimal bank used above load when nothing is wrong with it (so the errors are real)?"""
    _write_bank(course_copy, GOOD)
    assert [e.id for e in banks.bank() if e.lesson == "01"] == ["01.x"]


def test_objectives_accepted_answers_and_rubric_tables_load(course_copy):
    """Does a bank with `objectives`, an accepted reading and rubric tables with signals load as meant?"""
    _write_bank(course_copy, GOOD.replace('title = "T"', 'title = "T"\nobjectives = ["o", "p"]')
                + '[[exercise.accepted]]\nanswer = "b"\nfeedback = "Read from Seoul, b."\n'
                + '\n[[exercise]]\nid = "01.essay"\ntype = "short-answer"\nobjective = "p"\n'
                  'prompt = "In 20 to 40 words, say why."\nrubric = ["plain", { text = "names levels", '
                  'signals = ["levels", "hindsight"] }]\nexemplar = "E"\nmin_words = 20\nanswer = "x"\n'
                  'hints = ["h"]\nexplanation = "e"\nsources = ["global-level"]\nminutes = 2\n')
    x, essay = [e for e in banks.bank() if e.lesson == "01"]
    assert banks.objectives()["01"] == ("o", "p")
    assert x.contestable and x.accepted == (("b", "Read from Seoul, b."),)
    assert essay.spec["rubric"] == ["plain", "names levels"]
    assert essay.spec["signals"] == ((), ("levels", "hindsight"))
