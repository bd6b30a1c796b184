"""Where the course files are found (data.root) and `threelevels start` (copy, never overwrite, open)."""
from __future__ import annotations

import importlib.util
import shutil
import subprocess

import pytest

from threelevels import cli, data

from .conftest import ROOT, clear_caches


def _course(folder, lessons=True):
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    (folder / "lessons").mkdir(parents=True)
    (folder / "exercises").mkdir()
    if lessons:
        for src in list(ROOT.glob("lessons/0[12]-*.ipynb")) + list(ROOT.glob("exercises/0[12]-*.ipynb")):
            shutil.copy2(src, folder / src.parent.name / src.name)
        shutil.copy2(ROOT / "lessons" / "glossary.md", folder / "lessons" / "glossary.md")
    return folder


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """No THREELEVELS_ROOT, a checkout without seeds/ and an installed copy we control."""
    monkeypatch.delenv("THREELEVELS_ROOT", raising=False)
    checkout, packaged = tmp_path / "checkout", tmp_path / "site-packages" / "threelevels" / "_course"
    checkout.mkdir()
    monkeypatch.setattr(data, "checkout_root", lambda: checkout)
    monkeypatch.setattr(data, "packaged_root", lambda: packaged)
    clear_caches()
    yield checkout, packaged
    clear_caches()


def test_the_checkout_is_the_course_folder_here(monkeypatch):
    monkeypatch.delenv("THREELEVELS_ROOT", raising=False)
    assert data.root() == ROOT == data.checkout_root()


def test_an_installed_copy_is_used_when_there_is_no_checkout(nowhere):
    checkout, packaged = nowhere
    _course(packaged)
    assert data.root() == packaged
    _course(checkout)                       # an author's checkout takes precedence
    assert data.root() == checkout


def test_no_course_files_anywhere_says_where_it_looked(nowhere):
    checkout, packaged = nowhere
    with pytest.raises(data.DataError) as err:
        data.root()
    assert str(checkout / "seeds") in str(err.value) and str(packaged / "seeds") in str(err.value)


def test_a_wrong_THREELEVELS_ROOT_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("THREELEVELS_ROOT", str(tmp_path))
    with pytest.raises(data.DataError, match="THREELEVELS_ROOT is"):
        data.root()


@pytest.fixture
def course(tmp_path, monkeypatch):
    root = _course(tmp_path / "course")
    monkeypatch.setenv("THREELEVELS_ROOT", str(root))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "jupyterlab" else object())
    clear_caches()
    yield root
    clear_caches()


def test_start_copies_lessons_and_workbooks_only(course, tmp_path, capsys):
    work = tmp_path / "work"
    assert cli.main(["start", str(work), "--no-lab"]) == 0
    copied = sorted(str(p.relative_to(work)) for p in work.rglob("*") if p.is_file() and p.name[0] != ".")
    expected = sorted(str(p.relative_to(course)) for p in course.rglob("*")
                      if p.is_file() and p.parts[-2] in ("lessons", "exercises"))
    assert copied == expected and copied
    assert "5 copied" in capsys.readouterr().out


def test_start_never_overwrites_an_edited_copy_but_updates_an_untouched_one(course, tmp_path, capsys):
    work = tmp_path / "work"
    cli.main(["start", str(work), "--no-lab"])
    lesson, workbook = sorted((work / "lessons").glob("*.ipynb"))[0], sorted((work / "exercises").glob("*.ipynb"))[0]
    lesson.write_text(lesson.read_text() + " ", encoding="utf-8")        # the learner's edit
    mine = lesson.read_bytes()
    for name in (lesson.name,):                                         # the course changes both files
        src = course / "lessons" / name
        src.write_text(src.read_text() + "\n", encoding="utf-8")
    src = course / "exercises" / workbook.name
    src.write_text(src.read_text() + "\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["start", str(work), "--no-lab"]) == 0
    out = capsys.readouterr()
    assert lesson.read_bytes() == mine
    assert f"Kept your lessons/{lesson.name}" in out.err
    assert workbook.read_bytes() == src.read_bytes()                    # untouched by the learner: updated
    assert "1 updated" in out.out and "1 kept" in out.out


def test_start_into_a_file_is_refused(course, tmp_path, capsys):
    target = tmp_path / "a-file"
    target.write_text("x")
    assert cli.main(["start", str(target)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_start_without_jupyterlab_copies_and_says_how_to_get_it(course, tmp_path, capsys):
    assert cli.main(["start", str(tmp_path / "work")]) == 1
    err = capsys.readouterr().err
    assert "JupyterLab is not installed" in err and 'pip install "three-levels[lab]"' in err
    assert (tmp_path / "work" / "lessons").is_dir()


def test_start_opens_jupyterlab_in_the_folder_at_lesson_01(course, tmp_path, monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, cwd=None: calls.append((cmd, cwd)) or 0)
    work = tmp_path / "work"
    assert cli.main(["start", str(work)]) == 0
    (cmd, cwd), = calls
    assert cmd[1:3] == ["-m", "jupyterlab"] and f"--ServerApp.root_dir={work.resolve()}" in cmd
    assert cmd[-1] == "lessons/01-three-levels.ipynb" and cwd == work
