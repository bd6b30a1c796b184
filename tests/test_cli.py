"""The `threelevels` command (src/threelevels/cli.py): progress, export and seminar, on a temp home.

The course here is a small test bank (copied seeds + exercises/01-test.toml), so the numbers are
known; THREELEVELS_HOME is a folder under tmp_path, never the real home.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from threelevels import __version__, banks, cli, store

from .conftest import MANY, ORDER, PICK, bank_toml

SRC = Path(store.__file__).resolve().parents[1]
US = ["global", "regional", "peninsular"]
ROK = ["peninsular", "regional", "global"]
BANK = bank_toml("Test lesson", {k: v for k, v in PICK.items() if k != "wrong"}, {**ORDER, "wrong": []},
                 MANY)


@pytest.fixture
def course(make_course):
    """A one-lesson test course and an empty learner home (a second home per learner via `as_learner`)."""
    return make_course({"01-test.toml": BANK}, learner="ana")


def answer(ex_id: str, value) -> None:
    ex = banks.get(ex_id)
    store.record(ex, value, ex.check(value))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def child_env(**extra) -> dict:
    env = dict(os.environ, **extra)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


# --- help --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("argv", [["--help"], ["progress", "--help"], ["export", "--help"],
                                  ["seminar", "--help"]])
def test_every_command_has_help(capsys, argv):
    """Does `--help` work on the command and on each subcommand (exit 0, a usage line)?"""
    code, out, _ = run(capsys, *argv)
    assert code == 0
    assert out.startswith("usage: threelevels")


def test_python_dash_m_runs_the_same_command(tmp_path):
    """Does `python -m threelevels --version` run the CLI?"""
    done = subprocess.run([sys.executable, "-m", "threelevels", "--version"], capture_output=True, text=True,
                          env=child_env(THREELEVELS_HOME=str(tmp_path / "home")))
    assert done.returncode == 0
    assert done.stdout.strip() == f"threelevels {__version__}"


def test_a_usage_error_is_a_message_and_exit_2(capsys):
    """Does an unknown subcommand give argparse's one-line error and exit code 2, not a traceback?"""
    code, _, err = run(capsys, "frobnicate")
    assert code == 2
    assert "invalid choice" in err


# --- progress ----------------------------------------------------------------------------------------

def test_progress_on_an_empty_home_says_so_and_creates_nothing(course, capsys):
    """With no attempts yet, does `progress` say so, list the lessons, and leave the disk untouched?"""
    code, out, _ = run(capsys, "progress")
    assert code == 0
    assert "Nothing recorded yet" in out
    assert "Test lesson" in out
    assert not course.home.exists()


def test_progress_counts_per_lesson_and_objective(course, capsys):
    """Does `progress` print correct/attempted/total per lesson and per objective?"""
    answer("01.pick", "global")
    answer("01.pick", "regional")
    answer("01.order", ROK)
    code, out, _ = run(capsys, "progress")
    assert code == 0
    assert "3 checked attempts" in out
    lesson_line = next(line for line in out.splitlines() if line.startswith("01") and "Test lesson" in line)
    assert lesson_line.split()[-3:] == ["1", "2", "3"]  # correct, attempted, exercises
    pick_line = next(line for line in out.splitlines() if "Say where China comes in." in line)
    assert pick_line.split()[-3:] == ["1", "1", "1"]
    order_line = next(line for line in out.splitlines() if "Rank the levels" in line)
    assert order_line.split()[-3:] == ["0", "1", "1"]


def test_progress_after_junk_overwrite_exits_0_and_says_where_the_file_went(course, capsys):
    """If the progress file is junk, does `progress` move it aside, say where, and still exit 0?"""
    answer("01.pick", "regional")
    db = course.home / "progress.sqlite"
    db.write_bytes(b"\x00junk" * 500)
    code, out, err = run(capsys, "progress")
    assert code == 0
    moved = list(course.home.glob("progress.sqlite.damaged-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == b"\x00junk" * 500
    assert str(moved[0]) in err
    assert "Nothing recorded yet" in out  # a fresh store


def test_progress_with_a_newer_schema_is_an_error_message(course, capsys):
    """If the file comes from a newer course, does `progress` explain and exit 1 without a traceback?"""
    import sqlite3
    answer("01.pick", "regional")
    conn = sqlite3.connect(course.home / "progress.sqlite")
    conn.execute("PRAGMA user_version = 999")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "progress")
    assert code == 1
    assert "newer version" in err


# --- export ------------------------------------------------------------------------------------------

def test_export_to_stdout_and_to_a_file(course, capsys, tmp_path):
    """Does `export` write the learner's attempts as strict JSON, to stdout or to --output?"""
    answer("01.pick", "regional")
    answer("01.pick", b"bytes \xff")
    code, out, _ = run(capsys, "export")
    assert code == 0
    got = json.loads(out)
    assert got["learner"] == "ana" and got["course_version"] == __version__
    assert [a["answer"] for a in got["attempts"]] == ["regional", {"$bytes": "Ynl0ZXMg/w=="}]

    target = tmp_path / "ana.json"
    code, out, _ = run(capsys, "export", "--output", str(target), "--learner", "Ana K.")
    assert code == 0 and str(target) in out
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert saved["learner"] == "Ana K." and len(saved["attempts"]) == 2


def test_export_to_a_missing_folder_is_a_message(course, capsys, tmp_path):
    """Does `export --output` into a folder that does not exist fail with a message and exit 1?"""
    code, _, err = run(capsys, "export", "--output", str(tmp_path / "no" / "such" / "x.json"))
    assert code == 1
    assert "Could not write" in err


# --- seminar -----------------------------------------------------------------------------------------

@pytest.fixture
def class_folder(course, capsys):
    """Three learners' exports, plus a broken file, a foreign JSON file and a non-JSON file."""
    folder = course.tmp / "exports"
    folder.mkdir()
    plan = {
        "ana": [("01.pick", "regional"), ("01.order", US), ("01.many", US)],
        "ben": [("01.pick", "global"), ("01.order", ROK), ("01.pick", "regional")],  # right on the 2nd try
        "cho": [("01.pick", "global"), ("01.order", ["regional", "global", "peninsular"]),
                ("01.many", ["peninsular", "global"])],
    }
    for name, attempts in plan.items():
        course.as_learner(name)
        for ex_id, value in attempts:
            answer(ex_id, value)
        assert cli.main(["export", "--output", str(folder / f"{name}.json")]) == 0
    capsys.readouterr()
    (folder / "broken.json").write_text('{"learner": "dan", "attempts": [', encoding="utf-8")
    (folder / "foreign.json").write_text('{"name": "package.json", "version": "1.0.0"}', encoding="utf-8")
    (folder / "list.json").write_text("[1, 2, 3]", encoding="utf-8")
    (folder / "latin1.json").write_bytes('{"learner": "\xe9"}'.encode("latin-1"))
    (folder / "deep.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    (folder / "notes.txt").write_text("not an export", encoding="utf-8")
    return folder


def test_seminar_summarises_the_class(class_folder, capsys, tmp_path):
    """Does `seminar` give the share correct, the most common wrong answer, and the US/ROK comparison?"""
    plot = tmp_path / "class.png"
    code, out, err = run(capsys, "seminar", str(class_folder), "--plot", str(plot))
    assert code == 0, err
    assert "3 learners" in out
    rows = {line.split()[0]: line for line in out.splitlines() if line.startswith("01.")}
    # 01.pick, last attempts: ana right, ben right (2nd try), cho wrong ("global")
    assert "67%" in rows["01.pick"] and "global" in rows["01.pick"]
    # 01.many: ana right; cho's "peninsular, global" is shown in option order
    assert "50%" in rows["01.many"] and "global, peninsular" in rows["01.many"]
    ranking = [line for line in out.splitlines() if line.startswith("01.order")]
    assert len(ranking) == 2  # one row in each table
    # = US 1 (ana), = ROK 1 (ben), = key 1; agreement with US (1 + 0 + 2/3) / 3 = 56%, with ROK 44%
    assert ranking[1].split()[1:] == ["3", "1", "1", "1", "56%", "44%"]
    assert "global > regional > peninsular" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Plot saved to {plot}" in out


def test_seminar_can_count_first_attempts(class_folder, capsys, tmp_path):
    """With --attempt first, is each learner's first try counted (before any feedback)?"""
    code, out, _ = run(capsys, "seminar", str(class_folder), "--attempt", "first", "--plot", str(tmp_path / "p.png"))
    assert code == 0
    pick = next(line for line in out.splitlines() if line.startswith("01.pick"))
    assert "33%" in pick  # ben's first try was wrong
    assert pick.split()[-1] == "2"  # "global", given by two learners


def test_seminar_names_and_skips_files_it_cannot_use(class_folder, capsys, tmp_path):
    """Are a broken file, a foreign JSON file, a JSON list, a non-UTF-8 file and a JSON bomb each named
    and skipped?"""
    code, out, err = run(capsys, "seminar", str(class_folder), "--plot", str(tmp_path / "p.png"))
    assert code == 0
    for name in ("broken.json", "foreign.json", "list.json", "latin1.json", "deep.json"):
        assert f"Skipped {name}" in err
    assert "not valid JSON" in err and "not a threelevels export" in err
    assert "notes.txt" not in err  # only *.json files are read
    assert "3 learners" in out


def test_seminar_default_plot_name_and_the_plot_text(class_folder, capsys, tmp_path, monkeypatch):
    """Without --plot, is seminar.png written in the current folder?"""
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "seminar", str(class_folder))
    assert code == 0
    assert (tmp_path / "seminar.png").stat().st_size > 1000


def test_seminar_without_usable_files_or_folder(course, capsys, tmp_path):
    """Does `seminar` explain a missing folder (exit 2) and a folder with no exports (exit 1)?"""
    code, _, err = run(capsys, "seminar", str(tmp_path / "missing"))
    assert code == 2 and "is not a folder" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "junk.json").write_text("nope", encoding="utf-8")
    code, _, err = run(capsys, "seminar", str(empty))
    assert code == 1
    assert "Skipped junk.json" in err and "No usable export files" in err


def test_seminar_reads_exports_of_exercises_the_bank_no_longer_has(course, capsys, tmp_path):
    """Are attempts at unknown exercise ids (another course version) summarised from their raw answers,
    comparing only the answers that rank the three levels with the article's orders?"""
    folder = tmp_path / "old"
    folder.mkdir()
    export = {"format": "threelevels-export", "format_version": 1, "learner": "eve", "course_version": "0.0.1",
              "attempts": [{"exercise_id": "09.gone", "type": "ranking", "status": "incorrect", "score": 0.0,
                            "answer": ROK},
                           {"exercise_id": "09.gone", "status": "bogus"}]}
    odd = dict(export, learner="fay", attempts=[{"exercise_id": "09.gone", "type": "ranking", "status": "incorrect",
                                                  "score": 0.0, "answer": ["global", "somewhere else"]}])
    (folder / "fay.json").write_text(json.dumps(odd), encoding="utf-8")
    (folder / "eve.json").write_text(json.dumps(export), encoding="utf-8")
    code, out, err = run(capsys, "seminar", str(folder), "--plot", str(tmp_path / "p.png"))
    assert code == 0
    assert "skipped 1 attempt(s) whose status is not one the course gives" in err
    gone = [line for line in out.splitlines() if line.startswith("09.gone")]
    assert gone[0].split()[2] == "2"  # two learners
    assert gone[1].split()[1:4] == ["1", "0", "1"]  # rankings of the three levels, = US, = ROK


# --- nothing lost silently (issue 10) ----------------------------------------------------------------

def test_export_names_the_learner_from_jupyterhub_user(course, capsys, tmp_path, monkeypatch):
    """On a hub (every learner the OS user jovyan), is the file named after JUPYTERHUB_USER?"""
    monkeypatch.delenv("THREELEVELS_LEARNER")
    monkeypatch.setenv("JUPYTERHUB_USER", "hana")
    answer("01.pick", "regional")
    shared = tmp_path / "shared"
    shared.mkdir()
    code, out, _ = run(capsys, "export", "-o", str(shared))
    assert code == 0
    saved = json.loads((shared / "hana.json").read_text(encoding="utf-8"))
    assert saved["learner"] == "hana"


def test_an_output_ending_in_a_slash_is_a_folder_made_if_need_be(course, capsys, tmp_path, monkeypatch):
    """Does `export -o exports/` (the guide's command) make the folder and name the file after the learner?"""
    monkeypatch.setenv("JUPYTERHUB_USER", "hana")
    monkeypatch.delenv("THREELEVELS_LEARNER")
    answer("01.pick", "regional")
    code, out, _ = run(capsys, "export", "-o", str(tmp_path / "exports") + "/")
    assert code == 0, out
    assert (tmp_path / "exports").is_dir()
    assert json.loads((tmp_path / "exports" / "hana.json").read_text(encoding="utf-8"))["learner"] == "hana"


def test_a_name_never_takes_the_file_out_of_its_folder(course, capsys, tmp_path):
    """Does --learner ../../x write inside the folder given, never above it?"""
    answer("01.pick", "regional")
    shared = tmp_path / "a" / "b" / "shared"
    shared.mkdir(parents=True)
    before = set(tmp_path.rglob("*"))
    code, out, _ = run(capsys, "export", "-o", str(shared), "--learner", "../../x")
    assert code == 0
    created = set(tmp_path.rglob("*")) - before
    assert created == {shared / "x.json"}
    assert json.loads((shared / "x.json").read_text(encoding="utf-8"))["learner"] == "../../x"
    for name, expected in [("..", "learner.json"), ("/etc/passwd", "etc_passwd.json"), ("a\x1b[2Jb", "a__2Jb.json"),
                           (".hidden", "hidden.json"), ("김민지", "김민지.json")]:
        assert cli.file_name(name) == expected


def test_an_export_of_another_learner_is_never_overwritten(course, capsys, tmp_path):
    """Into a shared folder: is a second learner of the same name written beside the first, while a
    learner's own earlier export is updated? To a named file: is another's export refused?"""
    shared = tmp_path / "shared"
    shared.mkdir()
    answer("01.pick", "global")
    assert run(capsys, "export", "-o", str(shared))[0] == 0          # ana's first export
    answer("01.pick", "regional")
    code, _, err = run(capsys, "export", "-o", str(shared))            # ana again: her own file, updated
    assert code == 0 and "instead" not in err
    assert len(json.loads((shared / "ana.json").read_text())["attempts"]) == 2
    course.as_learner("ana")                                          # another learner called ana
    answer("01.order", US)
    code, _, err = run(capsys, "export", "-o", str(shared))
    assert code == 0 and "ana-2.json instead" in err
    assert len(json.loads((shared / "ana.json").read_text())["attempts"]) == 2   # untouched
    assert json.loads((shared / "ana-2.json").read_text())["attempts"][0]["exercise_id"] == "01.order"
    original = (shared / "ana.json").read_bytes()
    code, _, err = run(capsys, "export", "-o", str(shared / "ana.json"))
    assert code == 1 and "nothing was overwritten" in err
    assert (shared / "ana.json").read_bytes() == original
    notes = shared / "notes.txt"
    notes.write_text("my notes")
    assert run(capsys, "export", "-o", str(notes))[0] == 1 and notes.read_text() == "my notes"


def test_progress_says_when_threelevels_home_is_a_file(course, capsys, monkeypatch, tmp_path):
    """If THREELEVELS_HOME is a file, does `progress` say so and exit non-zero (not "0 attempts")?"""
    blocker = tmp_path / "home-file"
    blocker.write_text("I am a file")
    monkeypatch.setenv("THREELEVELS_HOME", str(blocker))
    code, out, err = run(capsys, "progress")
    assert code == 1
    assert "is a file, not a folder" in err and "checked attempt" not in out


@pytest.mark.parametrize("version", [-1, 999, 2 ** 31 - 1])
def test_progress_with_an_unknown_schema_is_one_clear_message(course, capsys, version):
    """Does any unknown schema version (newer, or -1) give the same message and exit 1, no traceback?"""
    import sqlite3
    answer("01.pick", "regional")
    conn = sqlite3.connect(course.home / "progress.sqlite")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    code, _, err = run(capsys, "progress")
    assert code == 1
    assert "newer version of the course, or one this version does not know" in err
    assert f"schema {version}" in err
