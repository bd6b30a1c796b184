"""Time estimates come from data (issue 9, section 4): each lesson's header line and the README's
course map are what `maint build` computes (maint.lesson_times), and `maint check` fails on drift."""
import json
import math
import shutil

import pytest

from threelevels import banks, maint

from .conftest import ROOT, clear_caches

LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_time_line_is_computed_from_data(path):
    """Does the lesson's '**Time: N min** (reading R, quick checks Q, workbook W)' line match the data?"""
    first = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    assert maint.time_line(maint.lesson_times(path)) in first


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_quick_checks_and_workbook_cover_the_bank_once(path):
    """Do quick checks and workbook add up to the bank's minutes (each exercise counted once)?"""
    t = maint.lesson_times(path)
    bank = sum(e.minutes for e in banks.bank() if e.lesson == path.name[:2])
    assert math.ceil(bank) <= t["quick"] + t["workbook"] <= math.ceil(bank) + 1
    assert t["total"] == t["reading"] + t["quick"] + t["workbook"]
    assert t["reading"] >= 1


def test_readme_course_map_times_are_computed_from_data():
    """Does the README's course map give each lesson the total its header gives?"""
    _readme, text, new = maint.readme_with_times()
    assert text == new


@pytest.fixture
def course(tmp_path, monkeypatch):
    for folder in ("seeds", "exercises", "lessons", "instructors"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    monkeypatch.setenv("THREELEVELS_ROOT", str(tmp_path))
    clear_caches()
    yield tmp_path
    clear_caches()


def test_build_rewrites_the_time_lines_and_check_then_passes(course):
    """After a wrong time line, does `check` fail, `build` fix the lesson and the README, and `check` pass?"""
    lesson = course / "lessons" / "01-three-levels.ipynb"
    nb = json.loads(lesson.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"])
    nb["cells"][0]["source"] = maint.TIME_LINE.sub("**Time: 999 min** (reading 1 min, quick checks 1 min, "
                                                   "workbook 997 min)", first)
    lesson.write_text(json.dumps(nb), encoding="utf-8")
    assert maint.build(check_only=True) == 1
    assert maint.build() == 0
    assert maint.build(check_only=True) == 0
    t = maint.lesson_times(lesson)
    assert maint.time_line(t) in "".join(json.loads(lesson.read_text(encoding="utf-8"))["cells"][0]["source"])
    assert f"| {t['total']} min |" in (course / "README.md").read_text(encoding="utf-8")
