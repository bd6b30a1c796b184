"""The progress store (src/threelevels/store.py): durable, concurrent, and safe with any answer.

Every test runs against a throwaway THREELEVELS_HOME under tmp_path; the real home is never touched.
"""
from __future__ import annotations

import json
import math
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from threelevels import banks, checks, store

from .conftest import MANY, ORDER, PICK, YEAR, bank_toml

SRC = Path(store.__file__).resolve().parents[1]
JUNK = b"this is not a database, it is a learner's stray paste\n" * 100
BANK = bank_toml("Test lesson & <levels>", {**PICK, "objective": "Pick the level <b>and</b> say why"},
                 {**MANY, "objective": "Pick the level <b>and</b> say why"}, ORDER)
BANK_02 = bank_toml("Second lesson", {**YEAR, "id": "02.year"}, lesson="02")


@pytest.fixture
def course(make_course):
    """A small course (the real seeds, a two-lesson test bank) and an empty learner home."""
    return make_course({"01-test.toml": BANK, "02-other.toml": BANK_02})


@pytest.fixture
def home(tmp_path, monkeypatch):
    """Only an empty learner home (for tests that need no bank)."""
    monkeypatch.setenv("THREELEVELS_HOME", str(tmp_path / "home"))
    return SimpleNamespace(home=tmp_path / "home", db=tmp_path / "home" / "progress.sqlite")


EX = SimpleNamespace(id="01.pick", lesson="01", objective="an objective", type="single-choice")
OK = checks.Result("correct", 1.0, "Correct.")
WRONG = checks.Result("incorrect", 0.0, "Not yet right.")


def child_env(home_dir: Path) -> dict:
    env = dict(os.environ, THREELEVELS_HOME=str(home_dir))
    env["PYTHONPATH"] = os.pathsep.join([str(SRC)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def strict_json(text: str):
    """json.loads that refuses NaN/Infinity (what other JSON readers do)."""
    def bad(token):
        raise ValueError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=bad)


# --- where, and the round trip --------------------------------------------------------------------

def test_home_follows_env_then_xdg_then_default(monkeypatch, tmp_path):
    """Where does the store live: THREELEVELS_HOME, else $XDG_DATA_HOME/threelevels, else ~/.local/share?"""
    monkeypatch.setenv("THREELEVELS_HOME", str(tmp_path / "a"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "x"))
    assert store.db_path() == tmp_path / "a" / "progress.sqlite"
    monkeypatch.delenv("THREELEVELS_HOME")
    assert store.home() == tmp_path / "x" / "threelevels"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert store.home() == tmp_path / "h" / ".local" / "share" / "threelevels"


def test_record_then_last_round_trip(course):
    """Does last() give back what record() stored: the answer, its verdict and a readable time?"""
    ex = banks.get("01.pick")
    assert store.last("01.pick") is None
    first = store.record(ex, "global", ex.check("global"))
    second = store.record(ex, "regional", ex.check("regional"))
    assert second > first
    got = store.last("01.pick")
    assert got["id"] == second
    assert got["answer"] == "regional"
    assert got["status"] == "correct" and got["score"] == 1.0
    assert got["lesson"] == "01" and got["objective"] == ex.objective and got["type"] == "single-choice"
    assert got["at"].endswith("Z") and len(got["at"]) == 20
    assert got["when"].endswith(" UTC") and len(got["when"]) == len("2026-11-27 21:04 UTC")
    assert [a["answer"] for a in store.attempts("01.pick")] == ["global", "regional"]


def test_reading_an_empty_home_creates_nothing(home):
    """Does merely looking at progress (last, attempts, summary) leave the learner's disk untouched?"""
    assert store.last("01.pick") is None
    assert store.attempts() == []
    assert not home.home.exists()


def test_fresh_file_has_schema_version_and_wal(home):
    """Is a new file stamped with the schema version (PRAGMA user_version) and in WAL mode?"""
    store.record(EX, "x", OK)
    conn = sqlite3.connect(home.db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


def test_migration_upgrades_an_old_file_and_keeps_its_data(home):
    """Does migrate() bring a version-0 file up to date without dropping anything already in it?"""
    home.home.mkdir(parents=True)
    conn = sqlite3.connect(home.db)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('kept')")
    conn.commit()
    conn.close()
    store.record(EX, "x", OK)
    conn = sqlite3.connect(home.db)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
        assert conn.execute("SELECT text FROM notes").fetchall() == [("kept",)]
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 1
    finally:
        conn.close()


def test_a_file_from_a_newer_course_is_refused_not_moved(home):
    """Is a file written by a newer schema left alone, with a message that says to update?"""
    store.record(EX, "x", OK)
    conn = sqlite3.connect(home.db)
    conn.execute(f"PRAGMA user_version = {store.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(store.StoreError, match="newer version"):
        store.record(EX, "y", OK)
    assert home.db.exists()
    assert not list(home.home.glob("*.damaged-*"))


# --- hostile answers -------------------------------------------------------------------------------

class ReprRaises:
    def __repr__(self):
        raise RuntimeError("no repr for you")


class ReprSurrogate:
    def __repr__(self):
        return "half a character: \udc80"


class EqRaises:
    def __eq__(self, other):
        raise RuntimeError("no comparisons")
    __hash__ = object.__hash__


def hostile_answers() -> dict:
    import numpy as np
    import pandas as pd
    loop = []
    loop.append(loop)
    deep = current = []
    for _ in range(5_000):
        current.append([])
        current = current[0]
    return {
        "none": None, "empty": "", "huge string": "한" * 3_000_000, "bytes": b"\x00\xff\xfe binary",
        "nan": float("nan"), "inf": float("inf"), "-inf": float("-inf"), "big int": 10 ** 30,
        "giant int": 10 ** 5000, "nested": [[1, [2, [3, ["four"]]]], {"a": [None, True]}],
        "non-string keys": {1: "one", (2, 3): "pair", None: "none", 1.5: "float"},
        "tag-like keys": {"$bytes": "not really bytes"}, "set": {"global", "regional"},
        "tuple": ("global", "regional"), "complex": 1 + 2j, "html": "<script>alert(1)</script>",
        "korean": "한반도 평화", "surrogate": "\ud800 lone", "control chars": "\x00\x1b[31m",
        "dataframe": pd.DataFrame({"year": [1994, 1997], "level": ["global", None], "x": [1.5, float("nan")]}),
        "series": pd.Series([1, 2], index=["a", "b"], name="n"), "ndarray": np.arange(6).reshape(2, 3),
        "numpy scalars": [np.int64(5), np.float32(0.5), np.bool_(True)], "timestamp": pd.Timestamp("1997-06-01"),
        "object": object(), "repr raises": ReprRaises(), "repr surrogate": ReprSurrogate(),
        "eq raises": EqRaises(), "self-containing": loop,
        "deep": deep, "long list": list(range(50_000)), "type": int, "function": len,
    }


def test_hostile_answers_are_stored_and_exported_as_valid_json(home):
    """Can any answer a learner submits be recorded, read back, and exported as strict JSON?"""
    answers = hostile_answers()
    for name, answer in answers.items():
        store.record(SimpleNamespace(id=f"01.{len(name)}", objective=name, type="code"), answer, WRONG)
    # the verdict's message may quote the learner's text, lone surrogates and all
    store.record(EX, "\ud800", checks.Result("not-attempted", 0.0, "Not checked: '\ud800' is not an option."))
    rows = store.attempts()
    assert len(rows) == len(answers) + 1
    exported = store.export()
    text = json.dumps(exported, allow_nan=False, ensure_ascii=False)  # raises if anything is not JSON
    back = strict_json(text)
    assert len(back["attempts"]) == len(answers) + 1
    # nothing is unbounded: the huge string and the long list are cut, and say so
    by_objective = {a["objective"]: a["answer"] for a in back["attempts"]}
    assert by_objective["huge string"]["$truncated"]["length"] == 3_000_000
    assert by_objective["long list"]["$truncated"]["length"] == 50_000
    assert len(text.encode("utf-8")) < 40_000_000


def test_to_json_inverts_what_it_can(home):
    """Does from_json(to_json(x)) give x back for bytes, NaN, infinities, big ints, sets and odd keys?"""
    import pandas as pd
    cases = [b"\x00\xff", float("inf"), float("-inf"), 10 ** 30, -(10 ** 5000), {1: "a", (2, 3): "b"},
             {"$bytes": "plain"}, {"global", "regional"}, 1 + 2j, "한반도", "\ud800", [1, [2, [3]]],
             {"text": "essay", "ticked": [0, 2]}]
    for value in cases:
        text = store.to_json(value)
        strict_json(text)
        assert store.from_json(text) == value
    assert math.isnan(store.from_json(store.to_json(float("nan"))))
    assert store.from_json(store.to_json(("a", "b"))) == ["a", "b"]  # tuples come back as lists
    df = pd.DataFrame({"year": [1994, 1997], "level": ["global", "regional"]}, index=[3, 4])
    pd.testing.assert_frame_equal(store.from_json(store.to_json(df)), df)
    s = pd.Series([1.5, 2.5], index=["a", "b"], name="n")
    pd.testing.assert_series_equal(store.from_json(store.to_json(s)), s)
    assert store.from_json("not json at all") == "not json at all"


def test_importing_the_store_does_not_import_pandas():
    """Is `import threelevels.store` (and the CLI) cheap: no pandas, matplotlib or ipywidgets?"""
    code = ("import sys, threelevels.store, threelevels.cli; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=child_env(Path("/nonexistent")), check=True).stdout
    assert out.strip() == "[]"


# --- concurrency and durability --------------------------------------------------------------------

def _writer(home_dir: str, tag: str, n: int) -> None:
    os.environ["THREELEVELS_HOME"] = home_dir
    from threelevels import store as s
    ex = SimpleNamespace(id="01.pick", objective="o", type="single-choice")
    for i in range(n):
        s.record(ex, {"writer": tag, "i": i}, checks.Result("incorrect", 0.0, "x"))


def test_two_processes_writing_at_once_lose_nothing(home):
    """With two processes recording 500 attempts each at the same time, are all 1,000 stored?"""
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(home.home), tag, 500)) for tag in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    rows = store.attempts()
    assert len(rows) == 1000
    seen = {(r["answer"]["writer"], r["answer"]["i"]) for r in rows}
    assert seen == {(t, i) for t in ("a", "b") for i in range(500)}
    assert len({r["id"] for r in rows}) == 1000


CHILD = textwrap.dedent("""
    import sys
    from types import SimpleNamespace
    from threelevels import store
    ex = SimpleNamespace(id="01.pick", objective="o", type="single-choice")
    res = SimpleNamespace(status="incorrect", score=0.0, message="x")
    i = 0
    while True:
        row = store.record(ex, {"i": i, "pad": "x" * 2000}, res)
        sys.stdout.write(f"{row}\\n")
        sys.stdout.flush()
        i += 1
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_mid_recording_keeps_every_acknowledged_attempt(home):
    """If a kernel is killed (-9) while recording, is every attempt it saw committed still there?"""
    acknowledged: list[int] = []
    for stop_after in (50, 137, 301):
        child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE,
                                 env=child_env(home.home), text=True)
        seen = 0
        for line in child.stdout:
            acknowledged.append(int(line))
            seen += 1
            if seen >= stop_after:
                os.kill(child.pid, signal.SIGKILL)  # most likely in the middle of the next record()
                break
        acknowledged += [int(line) for line in child.stdout.read().splitlines() if line.strip().isdigit()]
        child.wait(30)
        assert child.returncode == -signal.SIGKILL
    stored = {r["id"] for r in store.attempts(decoded=False)}
    assert set(acknowledged) <= stored
    conn = sqlite3.connect(home.db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


# --- damage ----------------------------------------------------------------------------------------

def test_junk_file_is_moved_aside_with_a_message_and_a_fresh_one_started(home):
    """If the file is overwritten with junk, is it kept under a new name, and are we told where?"""
    store.record(EX, "before", OK)
    home.db.write_bytes(JUNK)
    with pytest.warns(store.DamagedStoreWarning) as caught:
        assert store.last("01.pick") is None
    moved = list(home.home.glob("progress.sqlite.damaged-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == JUNK
    assert str(moved[0]) in str(caught[0].message)
    assert "nothing was deleted" in str(caught[0].message)
    row = store.record(EX, "after", OK)  # a fresh store works
    assert store.last("01.pick")["id"] == row


def test_a_corrupt_page_is_found_and_moved_aside_by_the_cli(home):
    """Is a file damaged in the middle (not just its header) caught, moved aside, and reported by the CLI?"""
    for i in range(200):
        store.record(EX, {"i": i, "pad": "y" * 1000}, OK)
    size = home.db.stat().st_size
    assert size > 12 * 4096
    with open(home.db, "r+b") as fh:
        fh.seek(8 * 4096)
        fh.write(b"\xde\xad" * 2048)
    run = subprocess.run([sys.executable, "-m", "threelevels", "progress"], capture_output=True, text=True,
                         env=child_env(home.home))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    moved = list(home.home.glob("progress.sqlite.damaged-*"))
    assert len(moved) == 1 and moved[0].stat().st_size == size
    assert str(moved[0]) in run.stderr


def test_a_damaged_file_with_a_wal_moves_its_wal_too(home):
    """Is a stale -wal file moved with the damaged database, so it can never be replayed into the new one?"""
    store.record(EX, "x", OK)
    # a process that dies after committing leaves its frames in the -wal file, not yet in the database
    crash = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
             "c.execute(\"INSERT INTO attempts (exercise_id, lesson, answer, status, score, at) "
             "VALUES ('01.pick', '01', '1', 'correct', 1, 'now')\"); c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", crash, str(home.db)], check=True)
    wal = Path(str(home.db) + "-wal")
    wal_size = wal.stat().st_size
    assert wal_size > 0
    home.db.write_bytes(JUNK)
    with pytest.warns(store.DamagedStoreWarning):
        store.record(EX, "y", OK)
    moved = list(home.home.glob("progress.sqlite.damaged-*"))
    moved_wal = [p for p in moved if p.name.endswith("-wal")]
    assert len(moved_wal) == 1 and moved_wal[0].stat().st_size == wal_size  # kept whole, for recovery
    assert [p for p in moved if not p.name.endswith(("-wal", "-shm"))][0].read_bytes() == JUNK
    assert [a["answer"] for a in store.attempts()] == ["y"]


def test_an_unwritable_home_gives_a_store_error_not_a_traceback(tmp_path, monkeypatch):
    """If THREELEVELS_HOME points at a file, does record() raise StoreError with a clear message?"""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("THREELEVELS_HOME", str(blocker / "sub"))
    with pytest.raises(store.StoreError, match="THREELEVELS_HOME"):
        store.record(EX, "x", OK)


# --- summary and export ----------------------------------------------------------------------------

def test_summary_counts_per_lesson_and_objective(course):
    """Does summary() count attempted and correct exercises against the bank's totals?"""
    pick, many, order = banks.get("01.pick"), banks.get("01.many"), banks.get("01.order")
    store.record(pick, "global", pick.check("global"))
    store.record(pick, "regional", pick.check("regional"))
    store.record(pick, "global", pick.check("global"))  # a later wrong answer does not undo "correct"
    store.record(order, ["peninsular", "regional", "global"], order.check(["peninsular", "regional", "global"]))
    store.record(SimpleNamespace(id="01.retired", objective="old", type="numeric"), 3, WRONG)
    s = store.summary()
    lessons = {e["lesson"]: e for e in s["lessons"]}
    assert lessons["01"] == {"lesson": "01", "title": "Test lesson & <levels>", "attempted": 2, "correct": 1,
                             "self_assessed": 0, "total": 3}
    assert lessons["02"]["total"] == 1 and lessons["02"]["attempted"] == 0
    objectives = {e["objective"]: e for e in s["objectives"]}
    assert objectives[pick.objective] == {"lesson": "01", "objective": pick.objective, "attempted": 1,
                                          "correct": 1, "self_assessed": 0, "total": 2}
    assert objectives[order.objective]["correct"] == 0
    assert s["retired"] == ["01.retired"]
    assert s["attempts"] == 5
    assert many.id not in s["retired"]


def test_export_names_the_learner_and_the_course_version(course, monkeypatch):
    """Does export() carry the learner (THREELEVELS_LEARNER), the course version and every attempt?"""
    import threelevels
    pick = banks.get("01.pick")
    store.record(pick, b"\x01", pick.check("x"))
    store.record(pick, "regional", pick.check("regional"))
    out = store.export()
    assert out["learner"] == "test-learner"
    assert out["course_version"] == threelevels.__version__
    assert [a["answer"] for a in out["attempts"]] == [{"$bytes": "AQ=="}, "regional"]
    assert {"exercise_id", "lesson", "objective", "type", "answer", "status", "score", "message", "at"} <= set(
        out["attempts"][0])
    monkeypatch.delenv("THREELEVELS_LEARNER")
    assert store.export()["learner"]  # falls back to the OS user name


# --- nothing lost silently (issue 10) ----------------------------------------------------------------

def _leave_a_wal(db: Path) -> int:
    """Commit one attempt in a process that dies at once: its frames stay in the -wal file."""
    crash = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
             "c.execute(\"INSERT INTO attempts (exercise_id, lesson, answer, status, score, at) "
             "VALUES ('01.pick', '01', '1', 'correct', 1, 'now')\"); c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", crash, str(db)], check=True)
    return Path(str(db) + "-wal").stat().st_size


def test_an_empty_file_beside_a_full_wal_is_damage_moved_aside_with_its_wal(home):
    """A progress.sqlite truncated to 0 bytes beside a non-empty -wal: are both kept aside, and said so?"""
    store.record(EX, "x", OK)
    wal_size = _leave_a_wal(home.db)
    assert wal_size > 0
    home.db.write_bytes(b"")
    with pytest.warns(store.DamagedStoreWarning, match="0 bytes") as caught:
        assert store.last("01.pick") is None
    moved = sorted(home.home.glob("progress.sqlite.damaged-*"))
    wal = [p for p in moved if p.name.endswith("-wal")]
    assert len(wal) == 1 and wal[0].stat().st_size == wal_size
    assert any(p.stat().st_size == 0 and not p.name.endswith(("-wal", "-shm")) for p in moved)
    assert "moved aside" in str(caught[0].message)


def _rollback_file(db: Path, version: int) -> bytes:
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE attempts (id INTEGER PRIMARY KEY, exercise_id TEXT)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()
    return db.read_bytes()


@pytest.mark.parametrize("version", [store.SCHEMA_VERSION + 1, -1])
def test_a_store_from_a_newer_or_unknown_course_is_not_changed_at_all(home, version):
    """Is a file with an unknown schema refused before anything is changed (not even its journal mode)?"""
    before = _rollback_file(home.db, version)
    for call in (lambda: store.last("01.pick"), lambda: store.record(EX, "x", OK), store.summary):
        with pytest.raises(store.StoreError, match="newer version of the course, or one this version does not"):
            call()
    assert home.db.read_bytes() == before
    assert sorted(p.name for p in home.home.iterdir()) == ["progress.sqlite"]


def test_a_widget_over_an_unknown_store_says_so_without_a_traceback(course):
    """With user_version = -1, does a widget open, say why earlier answers cannot be shown, and still check?"""
    import threelevels
    _rollback_file(course.db, -1)
    w = threelevels.exercise("01.pick")
    assert "newer version of the course" in w.feedback.value
    result = w.submit("regional")
    assert result.status == "correct"
    assert "could not be saved" in w.feedback.value and "KeyError" not in w.feedback.value


def test_a_relative_home_is_resolved_once_against_the_course_folder(make_course, tmp_path):
    """Do kernels started in lessons/ and in exercises/ with THREELEVELS_HOME=rel share one store, and
    is the absolute path written back for the processes they start?"""
    course = make_course({"01-test.toml": BANK})
    for sub in ("lessons", "exercises"):
        (course.root / sub).mkdir(exist_ok=True)
    code = ("import os; from types import SimpleNamespace as N; from threelevels import store, checks; "
            "store.record(N(id='01.pick', objective='o', type='single-choice'), os.getcwd(), "
            "checks.Result('correct', 1.0, 'ok')); print(os.environ['THREELEVELS_HOME'])")
    homes = []
    for sub in ("lessons", "exercises"):
        env = child_env(Path("rel-home"))
        env["THREELEVELS_ROOT"] = str(course.root)
        done = subprocess.run([sys.executable, "-c", code], cwd=course.root / sub, env=env, capture_output=True,
                              text=True, check=True)
        homes.append(done.stdout.strip())
    assert homes == [str(course.root / "rel-home")] * 2
    conn = sqlite3.connect(course.root / "rel-home" / "progress.sqlite")
    try:
        assert conn.execute("SELECT COUNT(*) FROM attempts").fetchone()[0] == 2
    finally:
        conn.close()
    assert not (course.root / "lessons" / "rel-home").exists()


NOBODY = 65534


@pytest.mark.skipif(not hasattr(os, "geteuid") or not Path("/usr/bin/python3").exists(), reason="POSIX only")
def test_a_read_only_store_still_shows_what_it_holds(make_course, tmp_path):
    """When the store's folder and file cannot be written (another user's, or a read-only volume), do
    `progress` and `last` (what the widget restores) still show every attempt?"""
    import shutil
    import tempfile
    course = make_course({"01-test.toml": BANK})
    base = Path(tempfile.mkdtemp(prefix="threelevels-ro-"))
    try:
        home_dir = base / "home"
        os.environ["THREELEVELS_HOME"] = str(home_dir)
        pick = banks.get("01.pick")
        store.record(pick, "global", pick.check("global"))
        store.record(pick, "regional", pick.check("regional"))
        root = base / "course"
        shutil.copytree(course.root, root)
        for p in [base, *base.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o444)
        script = ("import sys; sys.path.insert(0, sys.argv[1]); from threelevels import store, cli; "
                  "print('LAST', store.last('01.pick')['answer']); sys.exit(cli.main(['progress']))")
        env = {"THREELEVELS_HOME": str(home_dir), "THREELEVELS_ROOT": str(root), "PATH": "/usr/bin:/bin",
               "HOME": str(base)}
        if os.geteuid() == 0:  # root writes anywhere: run as nobody, with the system Python (stdlib only)
            if not shutil.which("setpriv"):
                pytest.skip("needs setpriv to drop root")
            argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "/usr/bin/python3"]
            shutil.copytree(SRC, base / "src")
            for p in [base / "src", *(base / "src").rglob("*")]:
                p.chmod(0o755 if p.is_dir() else 0o444)
            src = base / "src"
        else:
            argv, src = [sys.executable], SRC
        done = subprocess.run(argv + ["-c", script, str(src)], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "LAST regional" in done.stdout
        assert "2 checked attempts" in done.stdout
        assert "Traceback" not in done.stderr
        assert sorted(p.name for p in home_dir.iterdir()) == [".progress.lock", "progress.sqlite"]
    finally:
        for p in [base, *base.rglob("*")]:
            p.chmod(0o700 if p.is_dir() else 0o600)
        shutil.rmtree(base, ignore_errors=True)
