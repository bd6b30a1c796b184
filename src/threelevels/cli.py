"""The `threelevels` command (also `python -m threelevels`).

    threelevels progress            what you have done, per lesson and per objective
    threelevels export [-o FILE]    your answers as JSON (hand the file in for a seminar)
    threelevels seminar DIR         summarise a folder of exported answer files (tables, a PNG plot
                                    and an HTML page; see seminar.py)

Every problem a learner or an instructor can cause (a damaged progress file, a broken or foreign
export file, a missing folder) is reported in one sentence, never as a traceback. `export -o
FOLDER` names the file after the learner (THREELEVELS_LEARNER, JUPYTERHUB_USER on a hub, else the
user name), keeps it inside FOLDER, and never replaces another learner's export. matplotlib is
imported by `seminar` only.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from pathlib import Path

from . import __version__, store

WIDTH = 60  # characters of an objective or answer shown in a table cell


# --- small helpers ---------------------------------------------------------------------------------

def _cut(text: str, width: int = WIDTH) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"


def table(headers: list[str], rows: list[list], right: set[int] = frozenset()) -> str:
    """A plain-text table with aligned columns (numbers right-aligned)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r):
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def _say(message: str) -> None:
    print(message, file=sys.stderr)


@contextlib.contextmanager
def _store_notes():
    """Show what the store had to do (e.g. move a damaged file aside) as plain notes, not warnings."""
    before = len(store.NOTES)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", store.DamagedStoreWarning)
        try:
            yield
        finally:
            for note in store.NOTES[before:]:
                _say(f"Note: {note}")


def _write_text(path: Path, text: str) -> None:
    """Write a whole file or nothing (a half-written export is worse than none)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# --- progress --------------------------------------------------------------------------------------

def _count(n, total) -> str:
    return f"{n} of {total}" if total is not None else str(n)


def cmd_progress(args) -> int:
    with _store_notes():
        s = store.summary()
    if s["note"]:
        _say(f"Note: {s['note']}")
    print(f"Your progress ({s['attempts']} checked attempt{'s' if s['attempts'] != 1 else ''}, "
          f"stored in {s['path']})")
    if not s["attempts"]:
        print("Nothing recorded yet: answer an exercise in a workbook and press Check.")
    print()
    if s["lessons"]:
        # Short answers are self-assessed: counted as done, never as correct (their own column).
        print(table(["Lesson", "Title", "Self-assessed", "Correct", "Attempted", "Exercises"],
                    [[e["lesson"], _cut(e["title"], 40), e.get("self_assessed", 0), e["correct"], e["attempted"],
                      "" if e["total"] is None else e["total"]] for e in s["lessons"]], right={2, 3, 4, 5}))
        print()
        print("By objective")
        print(table(["Lesson", "Objective", "Self-assessed", "Correct", "Attempted", "Exercises"],
                    [[e["lesson"], _cut(e["objective"]), e.get("self_assessed", 0), e["correct"], e["attempted"],
                      "" if e["total"] is None else e["total"]] for e in s["objectives"]], right={2, 3, 4, 5}))
        print("\nA short answer is self-assessed: once submitted it counts as done, never as correct.")
    if s["retired"]:
        print()
        print(f"Also in your history (no longer in the course, kept): {', '.join(s['retired'])}")
    return 0


# --- export ----------------------------------------------------------------------------------------

def file_name(learner: str) -> str:
    """A file name made from a learner's name that stays in its folder: letters, digits, '.', '-'
    and '_' only, no leading dot, at most 80 characters ("../../x" -> "x.json")."""
    safe = "".join(c if (c.isalnum() or c in "-_.") and c.isprintable() else "_" for c in learner)
    safe = safe.strip("._")[:80].strip("._") or "learner"
    return f"{safe}.json"


def _attempt_keys(attempts) -> list:
    return [(a.get("id"), a.get("at"), a.get("exercise_id")) if isinstance(a, dict) else None for a in attempts]


def _owner(path: Path, mine: dict) -> tuple[bool, str | None, bool]:
    """Whether path holds a threelevels export, whose (None if unknown), and whether it is an earlier
    export of this very store (same learner, and its attempts are the first of ours): only that one
    may be replaced. Two people with the same name have different histories."""
    try:
        if not path.is_file() or path.stat().st_size > 200_000_000:
            return False, None, False
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError):
        return False, None, False
    if isinstance(data, dict) and isinstance(data.get("attempts"), list) and "learner" in data:
        owner = data["learner"] if isinstance(data["learner"], str) else None
        theirs = _attempt_keys(data["attempts"])
        same = owner == mine["learner"] and theirs == _attempt_keys(mine["attempts"][:len(theirs)])
        return True, owner, same
    return False, None, False


def _write_new(path: Path, text: str) -> bool:
    """Write a new file atomically, never replacing one that exists (False if it does)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        try:
            os.link(tmp, path)  # fails if path exists, even if another learner wrote it a moment ago
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: check, then replace
            if path.exists():
                return False
            os.replace(tmp, path)
        return True
    finally:
        if tmp.exists():
            tmp.unlink()


def cmd_export(args) -> int:
    if args.learner:
        os.environ["THREELEVELS_LEARNER"] = args.learner
    with _store_notes():
        data = store.export()
    text = json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    n = len(data["attempts"])
    if args.output:
        out = Path(args.output)
        who = data["learner"]
        try:
            if args.output.endswith(("/", os.sep)):  # "exports/" names a folder, made if need be
                out.mkdir(parents=True, exist_ok=True)
            if out.is_dir():  # a shared folder: a file name from the learner's name, never another's file
                base = file_name(who)
                stem = base[:-len(".json")]
                for i in range(1, 1000):
                    candidate = out / (base if i == 1 else f"{stem}-{i}.json")
                    is_export, owner, same = _owner(candidate, data)
                    if same:
                        _write_text(candidate, text)  # this learner's own earlier export: update it
                        break
                    if not candidate.exists() and _write_new(candidate, text):
                        break
                else:
                    _say(f"Could not find a free file name for {who!r} in {out}.")
                    return 1
                if candidate.name != base:
                    _say(f"Note: {out / base} holds another learner's export (or another file); "
                         f"yours was written to {candidate.name} instead, so nothing is overwritten.")
                out = candidate
            else:
                is_export, owner, same = _owner(out, data)
                if out.exists() and not same:
                    whose = (f"an export by {owner!r} with other attempts than yours" if is_export
                             else "a file that is not your export")
                    _say(f"Not written: {out} already exists and holds {whose}. Choose another file name "
                         "(or a folder: the file is then named after you); nothing was overwritten.")
                    return 1
                _write_text(out, text)
        except OSError as exc:
            _say(f"Could not write {out}: {exc.strerror or exc}.")
            return 1
        print(f"Wrote {n} attempt{'s' if n != 1 else ''} by {who} to {out}")
        return 0
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # a terminal that cannot show Korean text, say
        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=1, allow_nan=False) + "\n")
    return 0


# --- seminar ---------------------------------------------------------------------------------------

def cmd_seminar(args) -> int:
    from . import seminar  # pandas and matplotlib load here, for the seminar only
    return seminar.run(args)


# --- start: the course in a working folder ---------------------------------------------------------

# what `start` copies from the course folder (a checkout, or the copy inside an installed wheel)
START_FILES = {"lessons": ("[0-9][0-9]-*.ipynb", "glossary.md"), "exercises": ("[0-9][0-9]-*.ipynb",)}
START_MANIFEST = ".threelevels-start.json"   # what start copied last time, to tell learners' edits apart


def _digest(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy_course(target: Path) -> dict[str, list[str]]:
    """Copy the lessons and workbooks into `target`, never over a learner's edited copy.

    A file that is missing is copied; one equal to the course's is left alone; one that differs is
    replaced only if it is still exactly what an earlier `start` copied there (the course changed,
    the learner did not), and otherwise kept. Returns {"copied", "updated", "unchanged", "kept"}:
    paths relative to `target`.
    """
    from .data import root
    source = root()
    manifest_path = target / START_MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = manifest if isinstance(manifest, dict) else {}
    except (OSError, ValueError):
        manifest = {}
    done: dict[str, list[str]] = {"copied": [], "updated": [], "unchanged": [], "kept": []}
    for folder, patterns in START_FILES.items():
        for src in sorted({f for pattern in patterns for f in (source / folder).glob(pattern)}):
            rel = f"{folder}/{src.name}"
            dest = target / folder / src.name
            new = _digest(src)
            if dest.exists():
                old = _digest(dest)
                if old == new:
                    done["unchanged"].append(rel)
                    manifest[rel] = new
                    continue
                if manifest.get(rel) != old:
                    done["kept"].append(rel)
                    continue
                done["updated"].append(rel)
            else:
                done["copied"].append(rel)
            dest.parent.mkdir(parents=True, exist_ok=True)
            _write_text(dest, src.read_text(encoding="utf-8"))
            manifest[rel] = new
    _write_text(manifest_path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return done


def cmd_start(args) -> int:
    from . import platform
    from .data import DataError
    target = Path(args.dir).expanduser()
    if target.exists() and not target.is_dir():
        _say(f"{target} is a file, not a folder. Name a folder for your copy of the course.")
        return 2
    try:
        target.mkdir(parents=True, exist_ok=True)
        done = copy_course(target)
    except DataError as exc:
        _say(f"Error: {exc}")
        return 1
    except OSError as exc:
        _say(f"Could not copy the course into {target}: {exc.strerror or exc}. Name a folder you can write to.")
        return 1
    counts = ", ".join(f"{len(v)} {k}" for k, v in done.items() if v)
    print(f"Your copy of the course is in {target.resolve()} ({counts}).")
    for rel in done["kept"]:
        _say(f"Kept your {rel}: it differs from the course's version, so it was not overwritten. "
             f"To get the course's version, rename or delete yours and run `threelevels start` again.")
    first = next(iter(sorted((target / "lessons").glob("[0-9][0-9]-*.ipynb"))), None)
    if args.no_lab:
        return 0
    if not platform.can_start_programs():
        _say("This Python runs in a web browser, where it cannot start JupyterLab; the files are copied.")
        return 1
    import importlib.util
    if importlib.util.find_spec("jupyterlab") is None:
        _say("JupyterLab is not installed in this Python, so the course was copied but not opened. "
             'Install it with `pip install "three-levels[lab]"` and run `threelevels start` again, '
             f"or open {first or target} in any Jupyter you have.")
        return 1
    import subprocess
    cmd = [sys.executable, "-m", "jupyterlab", "--ip=127.0.0.1", f"--ServerApp.root_dir={target.resolve()}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")   # Jupyter refuses to run as root without it (containers, CI)
    if first is not None:
        cmd.append(str(first.relative_to(target)))
    print("Starting JupyterLab (stop it with Ctrl+C)...")
    return subprocess.call(cmd, cwd=target)


# --- entry point -----------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="threelevels",
        description="Three Levels, Reversed: your progress, your answers, and seminar summaries.",
        epilog="Progress is stored in THREELEVELS_HOME (default ~/.local/share/threelevels).")
    p.add_argument("--version", action="version", version=f"threelevels {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sp = sub.add_parser("progress", help="what you have done, per lesson and objective",
                        description="Show how many exercises you have attempted and answered correctly, "
                                    "per lesson and per objective. An exercise counts as correct once any "
                                    "attempt at it was correct.")
    sp.set_defaults(func=cmd_progress)
    se = sub.add_parser("export", help="your answers as JSON (to hand in for a seminar)",
                        description="Write every attempt you have made as JSON, to stdout or to a file.")
    se.add_argument("-o", "--output", metavar="FILE", help="write to FILE (a folder: FILE/<learner>.json)")
    se.add_argument("--learner", metavar="NAME",
                    help="the name in the file (default: THREELEVELS_LEARNER, else JUPYTERHUB_USER, else your "
                         "user name)")
    se.set_defaults(func=cmd_export)
    ss = sub.add_parser("seminar", help="summarise a folder of exported answer files",
                        description="Read every *.json export in DIR (files made by learners: each is checked, "
                                    "and a file that cannot be used is named with the reason and skipped). "
                                    "Every answer is checked again with the course's own check. Machine-checked "
                                    "exercises: the share of learners who are correct and the most common wrong "
                                    "answer; for ranking exercises, the class's orders against the article's US "
                                    "and ROK orders. Self-assessed exercises (short answers): the share of the "
                                    "class that submitted, and the answers, anonymised, in an HTML page that "
                                    "opens offline. Saves a PNG plot and that page. No learner names are shown "
                                    "unless --names is given.")
    ss.add_argument("dir", metavar="DIR", help="folder holding the export files (*.json)")
    ss.add_argument("--plot", metavar="FILE", default="seminar.png",
                    help="where to save the plot (default: %(default)s)")
    ss.add_argument("--html", metavar="FILE", default=None,
                    help="where to save the page to project or share (default: the plot's name with .html)")
    ss.add_argument("--max-file-mb", metavar="MB", default=5.0,
                    help="skip export files larger than this many megabytes (default: %(default)s)")
    ss.add_argument("--names", action="store_true",
                    help="show learner names (and file names) next to their answers; off by default")
    ss.add_argument("--attempt", choices=("last", "first"), default="last",
                    help="which attempt of each learner to count: their last (final answer) or their "
                         "first (before any feedback); default: %(default)s")
    ss.set_defaults(func=cmd_seminar)
    st = sub.add_parser("start", help="copy the lessons and workbooks into a folder and open JupyterLab there",
                        description="Copy the course's lessons and workbooks into DIR (default: ./three-levels) "
                                    "and open JupyterLab there, at lesson 01. Running it again adds what is "
                                    "missing and never overwrites a notebook you have changed.")
    st.add_argument("dir", metavar="DIR", nargs="?", default="three-levels",
                    help="your working folder (default: %(default)s)")
    st.add_argument("--no-lab", action="store_true", help="only copy the files; do not open JupyterLab")
    st.set_defaults(func=cmd_start)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse has printed why)
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "func", None):
        p.print_help()
        return 0
    try:
        return args.func(args)
    except store.StoreError as exc:
        _say(f"Error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # e.g. `threelevels export | head`
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")
        return 0
