"""The widget views: the same path for a click and submit(), hints, reprs, hostile input."""
import pytest

import threelevels

from .conftest import HOSTILE

EXERCISES = threelevels.bank()
IDS = [e.id for e in EXERCISES]


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_submitting_the_key_shows_correct_feedback_in_an_html_widget(ex):
    """Does submit(key) return a correct Result and put 'Correct' in the feedback widget (for a short
    answer: 'Self-assessed', never 'Correct')?"""
    w = threelevels.exercise(ex.id, record=False)
    r = w.submit(ex.answer)
    if ex.type == "short-answer":
        assert r.status == "self-assessed" and not r.correct
        assert "Self-assessed" in w.feedback.value and "✎" in w.feedback.value
        assert "Correct" not in w.feedback.value and "✓" not in w.feedback.value
    else:
        assert r.correct
        assert "Correct" in w.feedback.value and "✓" in w.feedback.value
    assert w.result is r


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_a_click_on_check_gives_the_same_verdict_as_submit(ex):
    """After submit() fills the inputs, does clicking Check reach the same verdict?"""
    for answer in [ex.answer] + [a for a, _ in ex.wrong]:
        w = threelevels.exercise(ex.id, record=False)
        by_submit = w.submit(answer)
        w.feedback.value = ""
        w.check_button.click()
        assert w.result.status == by_submit.status and w.result.score == by_submit.score
        assert w.feedback.value


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_a_fresh_widget_checked_untouched_is_not_attempted(ex):
    """Is Check on an untouched exercise 'not attempted' (never 'wrong')?"""
    w = threelevels.exercise(ex.id, record=False)
    w.check_button.click()
    if ex.type == "code" and ex.spec.get("given"):
        assert w.result.status != "correct"
    else:
        assert w.result.status == "not-attempted"


def test_hint_button_reveals_hints_in_order_then_stops():
    """Does Hint reveal one more hint per click, then disable itself?"""
    ex = next(e for e in EXERCISES if len(e.hints) >= 2)
    w = threelevels.exercise(ex.id, record=False)
    w.hint_button.click()
    assert ex.hints[0] in w.hint_box.value and ex.hints[1] not in w.hint_box.value
    for _ in ex.hints[1:]:
        w.hint_button.click()
    assert all(h.replace("'", "&#x27;") in w.hint_box.value for h in ex.hints)
    assert w.hint_button.disabled


@pytest.mark.parametrize("label", list(HOSTILE))
def test_hostile_input_through_the_widget_is_escaped(label):
    """Does anything submitted through a widget come back as escaped feedback, never an exception?"""
    for ex in EXERCISES:
        w = threelevels.exercise(ex.id, record=False)
        r = w.submit(HOSTILE[label])
        assert r.message
        assert "<script" not in w.feedback.value


def test_repr_is_deterministic_and_tells_a_learner_what_to_do():
    """Is the plain-text form (what nbval compares, what shows before a run) free of ids and addresses?"""
    w = threelevels.exercise(EXERCISES[0].id, record=False)
    assert repr(w) == f"[Exercise {EXERCISES[0].id}: run this cell to answer it]"
    bundle = w._repr_mimebundle_()
    assert bundle["text/plain"] == repr(w)


def test_every_input_has_a_visible_label():
    """Does every input widget carry a description (its accessible label)?"""
    import ipywidgets as widgets
    for ex in EXERCISES:
        w = threelevels.exercise(ex.id, record=False)
        for child in w.inputs:
            if isinstance(child, (widgets.Dropdown, widgets.Checkbox, widgets.Text, widgets.Textarea)):
                assert child.description.strip(), (ex.id, child)


def test_feedback_never_relies_on_colour_alone():
    """Does each verdict carry words and a symbol, whatever its colour?"""
    ex = EXERCISES[0]
    w = threelevels.exercise(ex.id, record=False)
    for answer, word in [(ex.answer, "Correct"), (ex.wrong[0][0], "right")]:
        w.submit(answer)
        assert word in w.feedback.value


def test_a_reopened_exercise_shows_the_last_answer_and_its_verdict(tmp_path, monkeypatch):
    """After a restart (a new widget, same THREELEVELS_HOME), are the last answer and verdict shown again?"""
    monkeypatch.setenv("THREELEVELS_HOME", str(tmp_path / "home"))
    ex = next(e for e in EXERCISES if e.type == "single-choice")
    wrong = ex.wrong[0][0]
    threelevels.exercise(ex.id).submit(ex.answer)
    threelevels.exercise(ex.id).submit(wrong)                 # the last attempt is the wrong one
    reopened = threelevels.exercise(ex.id)
    assert reopened.value() == wrong
    assert "Your last answer" in reopened.feedback.value
    assert reopened.result.status == "incorrect"


def test_record_false_keeps_attempts_out_of_progress(tmp_path, monkeypatch):
    """Does an answer key's widget (record=False) leave the learner's store untouched?"""
    from threelevels import store
    monkeypatch.setenv("THREELEVELS_HOME", str(tmp_path / "home"))
    ex = EXERCISES[0]
    threelevels.exercise(ex.id, record=False).submit(ex.answer)
    assert store.last(ex.id) is None


def test_the_answer_key_drives_accepted_readings_too(make_course, capsys):
    """Does drive() submit each accepted reading of a contestable exercise and print its verdict?"""
    from threelevels.keys import drive

    from .conftest import PICK, bank_toml
    text = bank_toml("T", PICK).replace(
        '[[exercise.wrong]]', '[[exercise.accepted]]\nanswer = "peninsular"\n'
                              'feedback = "From Seoul, a defensible reading."\n[[exercise.wrong]]', 1)
    make_course({"01-test.toml": text})
    drive("01.pick")
    out = capsys.readouterr().out
    assert "Accepted reading 1" in out and "From Seoul, a defensible reading." in out
    assert out.index("Accepted reading 1") < out.index("Key: regional")
