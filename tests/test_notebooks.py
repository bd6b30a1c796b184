"""The notebooks' shape: what a learner meets first and last, and what the keys cover."""
import json
import re

import pytest

import threelevels
from threelevels import maint

from .conftest import ROOT

LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))


def _nb(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _text(nb, kind=None):
    return "\n".join("".join(c["source"]) for c in nb["cells"] if kind is None or c["cell_type"] == kind)


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_opens_with_questions_objectives_and_time_and_closes_with_key_points(path):
    """Does each lesson start with questions, objectives and a time estimate, and end with key points?"""
    nb = _nb(path)
    first = "".join(nb["cells"][0]["source"])
    assert re.search(r"Time: \d+ min", first)
    assert "## Questions" in first and "## Objectives" in first
    last_md = [c for c in nb["cells"] if c["cell_type"] == "markdown"][-1]
    assert "## Key points" in "".join(last_md["source"])


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_quotes_come_from_claims_and_has_a_figure(path):
    """Does each lesson quote through cite() (not by hand) and draw at least one figure?"""
    code = _text(_nb(path), "code")
    assert "threelevels.cite(" in code
    assert "plots." in code


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_markdown_does_not_retype_the_abstract(path):
    """Is no sentence of the abstract typed into lesson prose (quotes are rendered from seeds/)?"""
    from threelevels.data import sentences
    prose = " ".join(_text(_nb(path), "markdown").split())
    for s in sentences():
        if len(s) > 40:
            assert s not in prose


def test_workbooks_and_keys_are_in_sync_with_the_banks():
    """Would `make notebooks` change nothing (workbooks, keys and glossary page match seeds/ and banks)?"""
    assert maint.build(check_only=True) == 0


def test_every_exercise_is_driven_by_its_answer_key():
    """Does each lesson's key notebook drive every exercise of its bank?"""
    for ex in threelevels.bank():
        key = ROOT / "instructors" / "keys" / f"{ex.file.split('/')[-1][:-5]}.ipynb"
        assert f"drive({ex.id!r})" in _text(_nb(key), "code")


@pytest.mark.parametrize("path", sorted(ROOT.glob("*/**/[0-9][0-9]-*.ipynb")), ids=lambda p: p.stem)
def test_stored_outputs_carry_no_widget_state_ids_or_errors(path):
    """Are stored outputs free of widget state, memory addresses and errors?"""
    if ".venv" in path.parts:
        pytest.skip("not course material")
    nb = _nb(path)
    assert "widgets" not in nb["metadata"]
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error"
            assert out.get("name") != "stderr", "".join(out.get("text", ""))
            assert "application/vnd.jupyter.widget-view+json" not in out.get("data", {})
            assert not re.search(r" at 0x[0-9a-f]{6,}", json.dumps(out))


def test_readme_course_map_matches_the_lessons():
    """Does the README's course map list every lesson with its title, time and first question?"""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme.split("| # | lesson | time | question |")[0]
    assert head.count("make lab") == 1 and head.count("make test") == 1
    for path in LESSONS:
        first = "".join(_nb(path)["cells"][0]["source"])
        title = first.splitlines()[0].split("·", 1)[1].strip()
        minutes = re.search(r"Time: (\d+) min", first).group(1)
        question = re.search(r"## Questions\n- (.*)", first).group(1)
        assert f"| {path.name[:2]} | [{title}](lessons/{path.name}) | {minutes} min | {question} |" in readme


def test_instructor_guide_names_only_real_exercises_claims_and_events():
    """Does every exercise id, and every backticked claim or event id, in the guide exist?"""
    from threelevels import data
    guide = (ROOT / "instructors" / "guide.md").read_text(encoding="utf-8")
    exercise_ids = {e.id for e in threelevels.bank()}
    mentioned = set(re.findall(r"\b0[1-8]\.[a-z0-9]+(?:-[a-z0-9]+)*\b", guide))
    assert mentioned and not mentioned - exercise_ids
    known = set(data.claims().claims) | {r["id"] for r in data.chronology_rows()}
    ids = set(re.findall(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`", guide))
    assert ids and not ids - known
