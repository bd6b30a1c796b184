"""platform.py: the browser edition's differences, tested here by pretending to be in a browser.

In JupyterLite each notebook has its own kernel whose files vanish on a reload; only the browser
drive lasts. Here a kernel is one THREELEVELS_HOME (its memory) plus platform's record of what it
last saw on the drive, and the drive is a temporary folder.
"""
from __future__ import annotations

import warnings

import pytest

from threelevels import platform, store

from .conftest import PICK, bank_toml

BANK = bank_toml("Test", PICK)


@pytest.fixture
def browser(tmp_path, monkeypatch, make_course):
    course = make_course({"01-test.toml": BANK})
    drive = tmp_path / "drive"
    drive.mkdir()
    monkeypatch.setattr(platform, "in_browser", lambda: True)
    monkeypatch.setattr(platform, "DRIVE", drive)
    monkeypatch.setattr(platform, "_seen", {})
    monkeypatch.setattr(platform, "_warned", set())

    def kernel(name: str):
        """Switch to a kernel: its own memory (home); a new kernel has seen nothing on the drive."""
        monkeypatch.setenv("THREELEVELS_HOME", str(tmp_path / f"memory-{name}"))
        platform._seen.pop(str(store.db_path()), None)
    course.drive = drive
    course.kernel = kernel
    course.copy = drive / platform.DRIVE_FOLDER / store.DB_NAME
    return course


def _attempt(ex_id="01.pick", answer="regional"):
    from threelevels import banks
    ex = banks.get(ex_id)
    return store.record(ex, answer, ex.check(answer))


def test_outside_a_browser_nothing_is_copied(make_course, tmp_path, monkeypatch):
    make_course({"01-test.toml": BANK})
    monkeypatch.setattr(platform, "DRIVE", tmp_path)
    assert not platform.in_browser()
    _attempt()
    assert platform.drive_copy(store.db_path()) is None
    assert [p.name for p in tmp_path.iterdir() if p.name == platform.DRIVE_FOLDER] == []


def test_each_write_reaches_the_drive_and_a_reload_restores_it(browser):
    browser.kernel("a")
    _attempt()
    assert browser.copy.read_bytes().startswith(b"SQLite format 3\x00")
    browser.kernel("after-reload")           # a fresh kernel: empty memory
    assert not store.db_path().exists()
    assert store.summary()["attempts"] == 1  # restored from the drive before the first read
    assert [a["exercise_id"] for a in store.attempts()] == ["01.pick"]


def test_two_notebooks_share_progress_through_the_drive(browser):
    browser.kernel("lesson")
    _attempt()                               # no drive copy yet: starts it
    browser.kernel("workbook")
    store.summary()                          # the workbook kernel reads the drive once
    browser.kernel("lesson")                 # back in the lesson
    _attempt(answer="global")
    browser.kernel("workbook")
    _attempt(answer="peninsular")            # must not overwrite the lesson's second attempt
    assert [a["answer"] for a in store.attempts()] == ["regional", "global", "peninsular"]


def test_a_damaged_drive_copy_is_reported_and_memory_kept(browser):
    browser.kernel("a")
    _attempt()
    browser.copy.write_bytes(b"")             # what a failed save on the drive looks like
    browser.kernel("b")
    with pytest.warns(platform.ProgressNotKeptWarning, match="not a progress database"):
        assert store.summary()["attempts"] == 0
    _attempt(answer="global")                # the next write replaces the damaged copy
    assert browser.copy.read_bytes().startswith(b"SQLite format 3\x00")


def test_without_a_drive_progress_works_and_says_it_will_not_last(browser, monkeypatch, tmp_path):
    monkeypatch.setattr(platform, "DRIVE", tmp_path / "no-drive")
    browser.kernel("a")
    with pytest.warns(platform.ProgressNotKeptWarning, match="only until the page is reloaded"):
        _attempt()
    assert store.summary()["attempts"] == 1


def test_no_flock_means_no_lock_and_no_error(monkeypatch, tmp_path):
    monkeypatch.setattr(platform, "fcntl_with_flock", lambda: None)
    with store._lock(tmp_path):
        pass
    assert not (tmp_path / ".progress.lock").exists()


def test_flock_is_found_where_it_exists():
    fcntl = platform.fcntl_with_flock()
    try:
        import fcntl as real
    except ImportError:
        assert fcntl is None
    else:
        assert fcntl is real and hasattr(fcntl, "flock")


def test_start_cannot_open_jupyterlab_in_a_browser(monkeypatch, tmp_path, capsys):
    from threelevels import cli
    monkeypatch.setattr(platform, "in_browser", lambda: True)
    assert cli.main(["start", str(tmp_path / "work")]) == 1
    assert "cannot start JupyterLab" in capsys.readouterr().err
    assert (tmp_path / "work" / "lessons").is_dir()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not platform.can_start_programs()


def test_prepare_silences_matplotlibs_font_cache_notice_only_in_a_browser(monkeypatch):
    import logging
    logger = logging.getLogger("matplotlib.font_manager")
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    platform.prepare()
    assert logger.level == logging.NOTSET      # outside a browser: untouched
    monkeypatch.setattr(platform, "in_browser", lambda: True)
    platform.prepare()
    assert logger.level == logging.ERROR
