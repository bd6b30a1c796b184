"""`threelevels seminar` over hostile folders (issue 10): files made by learners never stop the summary.

The test builds one folder holding every hostile case found so far, next to a few honest exports,
and runs the command in a child process under a memory cap (RLIMIT_AS) and a time cap. Each case
must be named with its reason (or, inside an otherwise valid file, reported), the honest files
summarised, nothing printed may carry a control character, and the plot and page must stay small.
The figures (files tried, peak memory, time) go to test-artifacts/seminar/hostile-figures.json.

The exercises come from the course's real banks, picked by type, so the test follows bank edits.
"""
from __future__ import annotations

import json
import os
import re
import resource
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from threelevels import banks, seminar, store

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
ARTIFACTS = Path(os.environ.get("SEMINAR_ARTIFACTS") or ROOT / "test-artifacts" / "seminar")
MEMORY_CAP = 1_000_000_000   # bytes of address space for the whole child (Python, NumPy, matplotlib); peak RSS is ~110 MB
TIME_CAP = 90                # seconds, on a shared 2-core machine; measured figures are far lower
CONTROL = ("\x1b", "\x07", "\x9b", "\x9d", "\x08", "\r")


def first(kind: str, where=lambda e: True):
    return next(e for e in banks.bank() if e.type == kind and where(e))


def wrong_answer(ex):
    if ex.wrong:
        return ex.wrong[0][0]
    return {"single-choice": [o for o in ex.spec.get("options", []) if o != ex.answer][:1] or ["x"]}.get(ex.type, "x")[0]


def export(learner, attempts, **extra) -> dict:
    return {"format": store.EXPORT_FORMAT, "format_version": store.EXPORT_VERSION, "learner": learner,
            "course_version": "0.1.0", "exported_at": "2026-11-30T12:00:00Z", "attempts": attempts, **extra}


def attempt(ex, answer, status, **extra) -> dict:
    return {"exercise_id": ex.id if hasattr(ex, "id") else ex, "type": getattr(ex, "type", "single-choice"),
            "answer": answer, "status": status, "score": 1.0 if status == "correct" else 0.0, **extra}


def write(folder: Path, name: str, data) -> None:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    (folder / name).write_text(text, encoding="utf-8")


def build(folder: Path, outside: Path) -> dict:
    """The hostile class folder. Returns {"learners": n, "skipped": {file: reason text}, "reported": [...]}."""
    folder.mkdir()
    single = first("single-choice")
    short = first("short-answer")
    ranking = first("ranking", lambda e: len(e.spec["items"]) == 3)
    skipped, reported = {}, []

    # honest learners (and one who claims a wrong answer is correct: the course's check disagrees)
    write(folder, "ana.json", export("ana", [attempt(single, single.answer, "correct"),
                                             attempt(ranking, ranking.answer, "correct"),
                                             attempt(short, {"text": "<script>alert(1)</script> $x$ " + "word " * 60,
                                                             "ticked": [0]}, "self-assessed")]))
    write(folder, "ben.json", export("ben", [attempt(single, wrong_answer(single), "correct"),
                                             attempt(ranking, list(reversed(ranking.answer)), "incorrect")]))
    reported.append("the file says 'correct'")
    # a score of 1 followed by 400 zeros, NaN and Infinity: still a learner
    big = json.dumps(export("cho", [attempt(single, single.answer, "correct")])).replace(
        '"score": 1.0', '"score": 1' + "0" * 400)
    write(folder, "cho.json", big.replace('"exported_at"', '"nan": NaN, "inf": -Infinity, "exported_at"'))
    # learner names that collide with how a second learner00 used to be told apart
    write(folder, "learner00.json", export("learner00", [attempt(single, single.answer, "correct")]))
    write(folder, "learner00b.json", export("learner00 (learner00b.json)", [attempt(single, wrong_answer(single),
                                                                                    "incorrect")]))
    write(folder, "learner00c.json", export("learner00", [attempt(single, wrong_answer(single), "incorrect")]))
    reported.append("2 files hold the same learner name")
    # escape sequences in the file name, the learner name, ids, types and answers
    esc_name = "evil\x1b]0;pwned\x07\x1b[2J.json"
    write(folder, esc_name, export("\x1b[31mRudolfo\x1b[0m\x9b2J", [
        attempt(single, "\x1b]52;c;Y2xpcGJvYXJk\x07" + single.answer, "correct"),
        {"exercise_id": "\x1b[1A\x1b[2K01.forged  single-choice  99  99  100%", "type": "x", "answer": 1,
         "status": "correct"},
        {"exercise_id": "99.other", "type": "\x1b[2Jranking", "answer": "\x1b[2K\rforged row", "status": "incorrect"},
    ]))
    reported.append("not of the course's form")
    # mathtext in an id, and 3000 fake ids of the course's form (plus 3000 not of it)
    write(folder, "math.json", export("dee", [attempt(single, single.answer, "correct"),
                                              {"exercise_id": "$\\foo{$", "answer": 1, "status": "incorrect"},
                                              {"exercise_id": "01.$x$", "answer": 1, "status": "incorrect"}]))
    fakes = [{"exercise_id": f"99.fake-{i:04d}", "type": "numeric", "answer": i, "status": "incorrect"}
             for i in range(3000)]
    fakes += [{"exercise_id": f"fake id {i}", "answer": i, "status": "incorrect"} for i in range(3000)]
    write(folder, "many.json", export("eve", [attempt(single, single.answer, "correct")] + fakes))
    # a 737-byte-class file whose $ndarray tag asks for gigabytes
    write(folder, "ndarray.json", export("fay", [attempt(single, {"$ndarray": {"dtype": "U5000000",
                                                                               "data": ["x"] * 100}}, "correct")]))
    reported.append("the file says 'correct'")   # the array is not an answer the check accepts
    # format_version as text, and a newer format
    write(folder, "textversion.json", export("gus", [attempt(single, single.answer, "correct")], format_version="1"))
    skipped["textversion.json"] = "not a whole number"
    write(folder, "newer.json", export("hal", [attempt(single, single.answer, "correct")], format_version=99))
    skipped["newer.json"] = "newer version"
    # files with no usable attempts
    write(folder, "empty.json", export("ida", []))
    skipped["empty.json"] = "no usable attempts"
    write(folder, "junkattempts.json", export("jo", [1, "x", None, {"exercise_id": 5}]))
    skipped["junkattempts.json"] = "no usable attempts"
    # not regular files, links out of the folder, a huge sparse file
    os.symlink("/dev/zero", folder / "zero.json")
    skipped["zero.json"] = "symbolic link to something outside the folder"
    (outside / "secret.json").write_text(json.dumps(export("zed", [attempt(single, single.answer, "correct")])))
    os.symlink(outside / "secret.json", folder / "escape.json")
    skipped["escape.json"] = "symbolic link to something outside the folder"
    os.symlink(folder / "ana.json", folder / "zz-alias.json")
    skipped["zz-alias.json"] = "another name for ana.json"
    os.mkfifo(folder / "fifo.json")
    skipped["fifo.json"] = "FIFO"
    with open(folder / "sparse.json", "wb") as fh:
        fh.truncate(100 * 1024 ** 3)
    skipped["sparse.json"] = "over the limit"
    (folder / "dir.json").mkdir()
    skipped["dir.json"] = "a folder"
    # broken files
    (folder / "latin1.json").write_bytes('{"learner": "\xe9"}'.encode("latin-1"))
    skipped["latin1.json"] = "not UTF-8"
    write(folder, "deep.json", "[" * 100_000 + "]" * 100_000)
    skipped["deep.json"] = "nested too deeply"
    write(folder, "broken.json", '{"learner": "kim", "attempts": [')
    skipped["broken.json"] = "not valid JSON"
    write(folder, "foreign.json", {"name": "package.json", "version": "1.0.0"})
    skipped["foreign.json"] = "not a threelevels export"
    return {"learners": 10, "skipped": skipped, "reported": reported}


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


CHILD = """
import resource, sys
cap = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from threelevels.cli import main
code = main(sys.argv[2:])
print(f"PEAK_KB={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
sys.exit(code)
"""


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(resource, "RLIMIT_AS"), reason="needs POSIX")
def test_a_hostile_folder_yields_a_summary_and_a_reason_for_every_bad_file(tmp_path):
    """Under a memory cap and a time cap, does the seminar summarise the valid files, name every
    invalid one with its reason, print no control character, and keep its plot small?"""
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "class"
    plan = build(folder, outside)
    env = dict(os.environ, PYTHONPATH=str(SRC), THREELEVELS_HOME=str(tmp_path / "home"), MPLBACKEND="Agg",
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("THREELEVELS_ROOT", None)
    plot, page = tmp_path / "class.png", tmp_path / "class.html"
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-c", CHILD, str(MEMORY_CAP), "seminar", str(folder), "--plot", str(plot),
                           "--html", str(page)], capture_output=True, text=True, env=env, timeout=TIME_CAP,
                          errors="surrogateescape")
    seconds = time.monotonic() - t0
    out, err = done.stdout, done.stderr
    assert done.returncode == 0, err[-3000:]
    assert "Traceback" not in out + err and "MemoryError" not in err
    peak_kb = int(err.rsplit("PEAK_KB=", 1)[1].split()[0])
    err = err.rsplit("PEAK_KB=", 1)[0]
    # the summary of the valid files is always produced
    assert f"Seminar summary: {plan['learners']} learners" in out
    # every skipped file is named with its reason
    for name, reason in plan["skipped"].items():
        line = next((ln for ln in err.splitlines() if ln.startswith(f"Skipped {name}:")), None)
        assert line is not None, f"{name} not named in:\n{err}"
        assert reason in line, line
    assert "newer" not in next(ln for ln in err.splitlines() if ln.startswith("Skipped textversion.json"))
    for text in plan["reported"]:
        assert text in out + err, text
    # a hostile file name is shown cleaned, and nothing printed carries a control character
    assert "Skipped evil" not in err and "evil\ufffd]0;pwned\ufffd\ufffd[2J.json" in err
    for ch in CONTROL:
        assert ch not in out + err, repr(ch)
    assert "01.forged" not in out                        # the forged row never reaches the table
    assert "Rudolfo" not in out + err                      # learner names are not shown without --names
    # ids not of the course's form are reported, not plotted; the plot stays small
    width, height = png_size(plot)
    assert width <= 1000 and height <= 5000, (width, height)
    assert f"{len(os.listdir(folder))} file(s) tried" in out
    html = page.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    # no learner's name (here "ana") appears as a word: prompts may say "analysis", answers "banana"
    assert "\x1b" not in html and not re.search(r"\bana\b", html, re.I)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    figures = {"files_tried": len(os.listdir(folder)), "skipped": len(plan["skipped"]),
               "learners": plan["learners"], "peak_rss_mb": round(peak_kb / 1024, 1),
               "memory_cap_mb": MEMORY_CAP // 1_000_000, "seconds": round(seconds, 2), "time_cap_s": TIME_CAP,
               "plot_px": [width, height]}
    (ARTIFACTS / "hostile-figures.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(figures)


# --- the pieces, one by one -------------------------------------------------------------------------

def test_clean_removes_every_control_and_invisible_character():
    """Does clean() turn ANSI/OSC sequences, C1 controls, bidi overrides and lone surrogates into U+FFFD?"""
    hostile = "a\x1b]0;t\x07b\x1b[2Jc\x9b31md\u202eevil\u2066e\ud800f\U000e0041g\nh\ti"
    got = seminar.clean(hostile)
    assert got == "a\ufffd]0;t\ufffdb\ufffd[2Jc\ufffd31md\ufffdevil\ufffde\ufffdf\ufffdg h i"
    assert seminar.clean("x" * 1_000_000, 10) == "x" * 9 + "…"


@pytest.mark.parametrize("version, reason", [("1", "not a whole number"), (1.0, "not a whole number"),
                                             (True, "not a whole number"), (2, "newer version"),
                                             (0, "no version of the course writes"), (None, "not a whole number")])
def test_format_version_is_reported_for_what_it_is(version, reason):
    """Is format_version "1" (text) reported as not a number, not as "newer"?"""
    raw = json.dumps(export("x", [], format_version=version)).encode()
    data, why = seminar.parse(raw)
    assert data is None and reason in why


def test_huge_numbers_parse_without_overflow():
    """Does a 400-digit (or 5,000-digit) integer parse as a float instead of raising?"""
    data, why = seminar.parse(b'{"learner": "x", "attempts": [], "n": 1' + b"0" * 5000 + b"}")
    assert why == "" and data["n"] == float("inf")


def test_decode_checks_declared_array_sizes_before_allocating():
    """Is an $ndarray tag asking for gigabytes left undecoded (and quick), while a small one is rebuilt?"""
    t0 = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tag = {"$ndarray": {"dtype": "U5000000", "data": ["x"] * 1000}}
    assert store.decode(tag) == tag
    many = {"$ndarray": {"dtype": "i1", "data": [0] * 2_000_000}}
    assert store.decode(many) == many
    assert store.decode({"$ndarray": {"dtype": "(100000000,)i8", "data": [1]}})["$ndarray"]["data"] == [1]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KB
    assert time.monotonic() - t0 < 5
    assert store.decode({"$ndarray": {"dtype": "int64", "data": [[1, 2], [3, 4]]}}).tolist() == [[1, 2], [3, 4]]


def test_learners_are_keyed_by_file_so_two_never_merge(tmp_path):
    """Do two files with the same (or a look-alike) learner name count as separate learners?"""
    single = first("single-choice")
    folder = tmp_path / "c"
    folder.mkdir()
    write(folder, "learner00.json", export("learner00", [attempt(single, single.answer, "correct")]))
    write(folder, "learner00b.json", export("learner00 (learner00b.json)",
                                            [attempt(single, wrong_answer(single), "incorrect")]))
    write(folder, "x.json", export("learner00", [attempt(single, wrong_answer(single), "incorrect")]))
    got = seminar.load(folder, 5_000_000)
    assert len(got.learners) == 3 and len({lr.file for lr in got.learners}) == 3
    s = seminar.summarise(got, {e.id: e for e in banks.bank()})
    row = next(r for r in s.machine if r["exercise"] == single.id)
    assert (row["learners"], row["correct"]) == (3, 1)


def test_stored_verdicts_are_checked_again(tmp_path):
    """Is a wrong answer stored as "correct" counted as the course's check says, and reported?"""
    single = first("single-choice")
    folder = tmp_path / "c"
    folder.mkdir()
    write(folder, "a.json", export("a", [attempt(single, wrong_answer(single), "correct"),
                                         attempt(single, single.answer, "made-up status")]))
    got = seminar.load(folder, 5_000_000)
    assert [r["status"] for r in got.rows] == ["incorrect", "correct"]
    lines = seminar.disagreements(got, names=False)
    assert len(lines) == 2 and "the file says 'correct'" in lines[0] and "learner 1" in lines[0]


def test_three_thousand_fake_ids_stay_quick_and_small(tmp_path, capsys):
    """Do 3000 fake ids of the course's form give a capped table and a small plot, quickly?"""
    from threelevels import cli
    single = first("single-choice")
    folder = tmp_path / "c"
    folder.mkdir()
    fakes = [{"exercise_id": f"99.fake-{i:04d}", "type": "numeric", "answer": i, "status": "incorrect"}
             for i in range(3000)]
    write(folder, "a.json", export("a", [attempt(single, single.answer, "correct")] + fakes))
    t0 = time.monotonic()
    code = cli.main(["seminar", str(folder), "--plot", str(tmp_path / "p.png")])
    seconds = time.monotonic() - t0
    out, _ = capsys.readouterr()
    assert code == 0 and seconds < 20, seconds
    assert len(out.splitlines()) < 200
    assert "and 2960 more exercises this course does not hold" in out
    width, height = png_size(tmp_path / "p.png")
    assert height < 1000


def test_names_appear_only_when_asked(tmp_path, capsys):
    """Are learner names absent from the output and the page by default, and shown with --names?"""
    from threelevels import cli
    short = first("short-answer")
    folder = tmp_path / "c"
    folder.mkdir()
    write(folder, "zelda.json", export("Zelda Q", [attempt(short, {"text": "word " * 60, "ticked": []},
                                                           "self-assessed")]))
    assert cli.main(["seminar", str(folder), "--plot", str(tmp_path / "p.png")]) == 0
    out, err = capsys.readouterr()
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Zelda" not in out + err + page and "zelda" not in page
    assert "Self-assessed" in out and "100%" in out
    assert cli.main(["seminar", str(folder), "--plot", str(tmp_path / "p.png"), "--names"]) == 0
    assert "Zelda Q (zelda.json)" in (tmp_path / "p.html").read_text(encoding="utf-8")


def test_max_file_mb_raises_the_cap(tmp_path, capsys):
    """Is a file over the cap skipped with a hint, and read once the instructor raises --max-file-mb?"""
    from threelevels import cli
    single = first("single-choice")
    folder = tmp_path / "c"
    folder.mkdir()
    write(folder, "big.json", export("a", [attempt(single, single.answer, "correct", pad="x" * 300_000)]))
    assert cli.main(["seminar", str(folder), "--plot", str(tmp_path / "p.png"), "--max-file-mb", "0.1"]) == 1
    assert "--max-file-mb" in capsys.readouterr().err
    assert cli.main(["seminar", str(folder), "--plot", str(tmp_path / "p.png"), "--max-file-mb", "1"]) == 0
    assert cli.main(["seminar", str(folder), "--max-file-mb", "lots"]) == 2


def test_learner_code_is_never_run_and_its_verdict_is_marked_as_claimed(tmp_path, capsys):
    """Is code in an export never executed on the instructor's machine, its verdict marked as claimed,
    while a stored value (not code) for the same exercise is checked again?"""
    from threelevels import cli
    code_ex = first("code")
    canary = tmp_path / "ran.txt"
    folder = tmp_path / "c"
    folder.mkdir()
    write(folder, "a.json", export("a", [attempt(code_ex, f"open({str(canary)!r}, 'w').write('x')\n1", "correct")]))
    write(folder, "b.json", export("b", [attempt(code_ex, [1, 2, 3], "correct")]))
    code = cli.main(["seminar", str(folder), "--plot", str(tmp_path / "p.png")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert not canary.exists()
    row = next(line for line in out.splitlines() if line.startswith(code_ex.id))
    assert row.split()[1] == "code*" and row.split()[2:4] == ["2", "1"]   # b's claim was checked: wrong
    assert "1 answer(s) given as code are counted as the files claim" in out
    assert "the file says 'correct', the course's check gives 'incorrect'" in out


def test_the_plot_draws_text_as_text_never_as_mathtext(tmp_path):
    """Even if a label held mathtext such as $\\foo{$, is it drawn as plain text (no parse error)?"""
    rows = [{"exercise": label, "type": "single-choice", "learners": 2, "correct": 1, "share_correct": 0.5,
             "common_wrong": "", "common_wrong_n": 0, "in_course": True, "unverified": 0}
            for label in ("$\\foo{$", "$x^2$", "\\\\", "01.plain")]
    png = seminar.plot(seminar.Summary(rows, [], [], 2), tmp_path / "p.png", "t")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and (tmp_path / "p.png").stat().st_size == len(png)
