"""The `threelevels` command (also `python -m threelevels`).

    threelevels progress            what you have done, per lesson and per objective
    threelevels export [-o FILE]    your answers as JSON (hand the file in for a seminar)
    threelevels seminar DIR         summarise a folder of exported answer files (table + PNG plot)

Every problem a learner or an instructor can cause (a damaged progress file, a broken or foreign
export file, a missing folder) is reported in one sentence, never as a traceback. pandas and
matplotlib are imported by `seminar` only.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from collections import Counter
from pathlib import Path

from . import __version__, banks, store
from .checks import CANON, STATUSES, canon_ranking, rank_agreement

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
        print(table(["Lesson", "Title", "Correct", "Attempted", "Exercises"],
                    [[e["lesson"], _cut(e["title"], 40), e["correct"], e["attempted"],
                      "" if e["total"] is None else e["total"]] for e in s["lessons"]], right={2, 3, 4}))
        print()
        print("By objective")
        print(table(["Lesson", "Objective", "Correct", "Attempted", "Exercises"],
                    [[e["lesson"], _cut(e["objective"]), e["correct"], e["attempted"],
                      "" if e["total"] is None else e["total"]] for e in s["objectives"]], right={2, 3, 4}))
    if s["retired"]:
        print()
        print(f"Also in your history (no longer in the course, kept): {', '.join(s['retired'])}")
    return 0


# --- export ----------------------------------------------------------------------------------------

def cmd_export(args) -> int:
    if args.learner:
        os.environ["THREELEVELS_LEARNER"] = args.learner
    with _store_notes():
        data = store.export()
    text = json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n"
    n = len(data["attempts"])
    if args.output:
        out = Path(args.output)
        if out.is_dir():
            out = out / f"{data['learner']}.json"
        try:
            _write_text(out, text)
        except OSError as exc:
            _say(f"Could not write {out}: {exc.strerror or exc}.")
            return 1
        print(f"Wrote {n} attempt{'s' if n != 1 else ''} by {data['learner']} to {out}")
        return 0
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:  # a terminal that cannot show Korean text, say
        sys.stdout.write(json.dumps(data, ensure_ascii=True, indent=1, allow_nan=False) + "\n")
    return 0


# --- seminar ---------------------------------------------------------------------------------------



def read_export(path: Path) -> tuple[dict | None, str]:
    """An export file's content, or None and the reason it cannot be used."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    except ValueError as exc:
        return None, f"is not valid JSON ({getattr(exc, 'msg', exc)}, line {getattr(exc, 'lineno', '?')})"
    except RecursionError:
        return None, "is nested too deeply to be an export"
    if not isinstance(data, dict) or not isinstance(data.get("attempts"), list) or "learner" not in data:
        return None, "is not a threelevels export (no 'learner' and 'attempts'); make one with `threelevels export`"
    fmt, version = data.get("format", store.EXPORT_FORMAT), data.get("format_version", 1)
    if fmt != store.EXPORT_FORMAT:
        return None, f"is a {str(fmt)[:40]!r} file, not a threelevels export"
    if not isinstance(version, int) or version > store.EXPORT_VERSION:
        return None, f"was made by a newer version of the course (format {version!r}); update the course"
    return data, ""


def _attempt_ok(a) -> bool:
    return (isinstance(a, dict) and isinstance(a.get("exercise_id"), str) and a.get("status") in STATUSES
            and isinstance(a.get("score", 0), (int, float)) and not isinstance(a.get("score", 0), bool))


def load_exports(folder: Path) -> tuple[list[dict], list[str], list[str]]:
    """Rows (one per attempt, with its learner and file), the learners, and notes on skipped files."""
    rows, learners, skipped = [], [], []
    seen = Counter()
    for path in sorted(folder.glob("*.json")):
        data, why = read_export(path)
        if data is None:
            skipped.append(f"Skipped {path.name}: it {why}.")
            continue
        name = str(data.get("learner") or path.stem)
        seen[name] += 1
        who = name if seen[name] == 1 else f"{name} ({path.name})"
        good = [a for a in data["attempts"] if _attempt_ok(a)]
        if len(good) < len(data["attempts"]):
            skipped.append(f"In {path.name}: skipped {len(data['attempts']) - len(good)} malformed attempt(s).")
        learners.append(who)
        for order, a in enumerate(good):
            rows.append({"learner": who, "file": path.name, "order": order, "exercise_id": a["exercise_id"],
                         "type": str(a.get("type", "")), "status": a["status"],
                         "score": float(a.get("score", 0)), "answer": a.get("answer")})
    return rows, learners, skipped


def _exercise(ex_id: str):
    try:
        return banks.get(ex_id)
    except Exception:  # an exercise from another version of the course: compare raw answers
        return None


class _Raw(str):
    """An answer the current bank cannot read, compared by its JSON text."""


def _canonical(ex, answer):
    """A hashable form in which equal answers compare equal (["a","b"] = ["b","a"] for multi-select)."""
    if ex is not None and ex.type in CANON:
        try:
            return CANON[ex.type](ex, store.decode(answer))
        except Exception:  # unreadable for this exercise (e.g. from another course version)
            pass
    return _Raw(json.dumps(answer, sort_keys=True, ensure_ascii=False))


def _label(ex, value) -> str:
    return ex.labels.get(value, value) if ex is not None and isinstance(value, str) else str(value)


def _describe(ex, canon, raw) -> str:
    """A short, readable form of one answer for the table."""
    if ex is not None and not isinstance(canon, _Raw):
        t = ex.type
        if t == "ranking":
            return " > ".join(_label(ex, i) for i in canon)
        if t == "multi-select":
            options = ex.spec["options"]
            return ", ".join(_label(ex, o) for o in sorted(canon, key=options.index)) or "(none)"
        if t in ("categorize", "matching"):
            return "; ".join(f"{_label(ex, k)}: {_label(ex, v)}" for k, v in canon)
        if t == "numeric":
            return f"{canon:g}"
        if t == "short-answer":
            return repr(canon[0])
        if t == "single-choice":
            return _label(ex, canon)
    value = store.decode(raw)
    return value if isinstance(value, str) else json.dumps(raw, ensure_ascii=False)


def _order(ex, answer) -> tuple | None:
    """A ranking answer as a tuple of item ids, or None if it is not a complete ranking."""
    if ex is not None:
        try:
            return canon_ranking(ex, store.decode(answer))
        except Exception:
            return None
    value = store.decode(answer)
    if isinstance(value, list) and all(isinstance(v, str) for v in value) and len(set(value)) == len(value):
        return tuple(value)
    return None


def agreement(order, reference) -> float:
    """Share of pairs of items that `order` puts in the same relative order as `reference` (0..1)."""
    return rank_agreement(order, reference)[0]


def summarise(rows: list[dict], which: str = "last"):
    """Per exercise: learners, share correct, the most common wrong answer; per ranking exercise:
    how the class's orders compare with the article's US and ROK orders. Returns two DataFrames."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=["learner", "file", "order", "exercise_id", "type", "status", "score", "answer"])
    if df.empty:
        return df, df
    df = df.sort_values(["learner", "order"], kind="stable")
    chosen = df.drop_duplicates(["learner", "exercise_id"], keep="first" if which == "first" else "last")
    us, rok = _priorities() or (None, None)

    per_ex, ranking = [], []
    place = _course_order()
    groups = sorted(chosen.groupby("exercise_id", sort=False), key=lambda g: (place.get(g[0], len(place)), g[0]))
    for ex_id, group in groups:
        ex = _exercise(ex_id)
        canon = [_canonical(ex, a) for a in group["answer"]]
        wrong = [(c, a) for c, a, s in zip(canon, group["answer"], group["status"]) if s != "correct"]
        common, common_n = "", 0
        if wrong:
            counts = Counter(c for c, _ in wrong)
            top, common_n = max(counts.items(), key=lambda kv: kv[1])  # first seen wins a tie
            raw = next(a for c, a in wrong if c == top)
            common = _cut(_describe(ex, top, raw))
        n = len(group)
        correct = int((group["status"] == "correct").sum())
        per_ex.append({"exercise": ex_id, "type": ex.type if ex else group["type"].iloc[0],
                       "learners": n, "correct": correct, "share_correct": correct / n,
                       "common_wrong": common, "common_wrong_n": common_n})
        if (ex.type if ex else group["type"].iloc[0]) == "ranking":
            orders = [o for o in (_order(ex, a) for a in group["answer"]) if o is not None]
            if ex is not None:  # a ranking of the three levels can be compared with the article's orders
                levels = us is not None and set(ex.spec["items"]) == set(us)
            else:  # no bank entry: compare the answers that rank exactly the three levels
                levels = us is not None and any(set(o) == set(us) for o in orders)
                orders = [o for o in orders if set(o) == set(us)] if levels else orders
            key = ex.key() if ex is not None else None
            ranking.append({
                "exercise": ex_id, "learners": len(orders),
                "equal_us": sum(o == us for o in orders) if levels else None,
                "equal_rok": sum(o == rok for o in orders) if levels else None,
                "equal_key": sum(o == key for o in orders) if key is not None else None,
                "agreement_us": (sum(agreement(o, us) for o in orders) / len(orders)) if levels else None,
                "agreement_rok": (sum(agreement(o, rok) for o in orders) / len(orders)) if levels else None,
            })
    return pd.DataFrame(per_ex), pd.DataFrame(ranking)


def _pct(x) -> str:
    return "" if x is None or x != x else f"{100 * x:.0f}%"


def _num(x) -> str:
    return "" if x is None or x != x else str(int(x))


def _priorities() -> tuple[tuple, tuple] | None:
    """The article's US and ROK orders of the levels (seeds/claims.toml), or None if unreadable."""
    try:
        from .data import claims
        p = claims().priorities
        return tuple(p["us"]), tuple(p["rok"])
    except Exception:  # the seeds cannot be read: the summary goes on without the comparison
        return None


def _course_order() -> dict[str, int]:
    try:
        return {e.id: i for i, e in enumerate(banks.bank())}
    except Exception:
        return {}


def plot(per_ex, ranking, path: Path, title: str) -> None:
    """Save the seminar figure: share correct per exercise, and the ranking orders against US/ROK."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    levels = ranking[ranking["equal_us"].notna()] if not ranking.empty else ranking
    panels = 2 if not levels.empty else 1
    height = max(2.5, 0.35 * len(per_ex) + 1.5)
    fig = Figure(figsize=(9, height + (max(2.5, 0.5 * len(levels) + 1.5) if panels == 2 else 0)),
                 layout="constrained")  # room for the suptitle, titles and legend without overlaps
    FigureCanvasAgg(fig)
    axes = fig.subplots(panels, 1, squeeze=False,
                        gridspec_kw={"height_ratios": [height] + ([max(2.5, 0.5 * len(levels) + 1.5)] * (panels - 1))})
    ax = axes[0][0]
    labels = list(per_ex["exercise"])[::-1]
    shares = [100 * s for s in per_ex["share_correct"]][::-1]
    bars = ax.barh(labels, shares, color="#1f5f99", edgecolor="black", hatch="//")
    for bar, (c, n) in zip(bars, list(zip(per_ex["correct"], per_ex["learners"]))[::-1]):
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{c} of {n}",
                va="center", fontsize=8)
    ax.set_xlim(0, 112)  # room for the "n of m" label after a full bar
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("Learners whose answer is correct (%)")
    ax.set_ylabel("Exercise")
    ax.set_title("Share correct per exercise")
    if panels == 2:
        ax2 = axes[1][0]
        names = list(levels["exercise"])
        us = [int(v) for v in levels["equal_us"]]
        rok = [int(v) for v in levels["equal_rok"]]
        other = [int(n - a - b) for n, a, b in zip(levels["learners"], us, rok)]
        y = range(len(names))
        h = 0.25
        us_order, rok_order = _priorities()
        ax2.barh([i + h for i in y], us, h, label=f"same order as the US ({' > '.join(us_order)})",
                 color="#1f5f99", edgecolor="black", hatch="//")
        ax2.barh(list(y), rok, h, label=f"same order as the ROK ({' > '.join(rok_order)})",
                 color="#2b7a4b", edgecolor="black", hatch="xx")
        ax2.barh([i - h for i in y], other, h, label="another order", color="#bbbbbb", edgecolor="black", hatch="..")
        ax2.set_yticks(list(y), names)
        ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax2.set_xlabel("Number of learners")
        ax2.set_ylabel("Ranking exercise")
        ax2.set_title("The class's orders against the article's US and ROK priorities")
        fig.legend(*ax2.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncol=1,
                   frameon=False)
    fig.suptitle(title)
    fig.savefig(path, dpi=100)


def cmd_seminar(args) -> int:
    folder = Path(args.dir)
    if not folder.is_dir():
        _say(f"{folder} is not a folder. Put the class's export files (threelevels export --output NAME.json) "
             "in one folder and pass that folder.")
        return 2
    rows, learners, skipped = load_exports(folder)
    for note in skipped:
        _say(note)
    if not learners:
        _say(f"No usable export files in {folder} (looked for *.json).")
        return 1
    per_ex, ranking = summarise(rows, args.attempt)
    print(f"Seminar summary: {len(learners)} learner{'s' if len(learners) != 1 else ''} "
          f"({args.attempt} attempt at each exercise) from {folder}")
    if per_ex.empty:
        print("The export files hold no attempts yet.")
        return 0
    print()
    print(table(["Exercise", "Type", "Learners", "Correct", "Share", "Most common wrong answer", "n"],
                [[r.exercise, r.type, r.learners, r.correct, _pct(r.share_correct), r.common_wrong or "-",
                  r.common_wrong_n or ""] for r in per_ex.itertuples()], right={2, 3, 4, 6}))
    if not ranking.empty:
        p = _priorities()
        orders = f"US: {' > '.join(p[0])}; ROK: {' > '.join(p[1])}" if p else "the article's orders could not be read"
        print()
        print(f"Ranking exercises against the article's orders ({orders})")
        print(table(["Exercise", "Learners", "= US", "= ROK", "= key", "Agreement with US", "Agreement with ROK"],
                    [[r.exercise, r.learners, _num(r.equal_us), _num(r.equal_rok), _num(r.equal_key),
                      _pct(r.agreement_us), _pct(r.agreement_rok)] for r in ranking.itertuples()],
                    right={1, 2, 3, 4, 5, 6}))
        print("(Agreement: the share of pairs of levels a learner ranks in the same order, averaged.)")
    out = Path(args.plot)
    try:
        plot(per_ex, ranking, out, f"Seminar: {len(learners)} learners ({args.attempt} attempts)")
    except OSError as exc:
        _say(f"Could not save the plot to {out}: {exc.strerror or exc}.")
        return 1
    except Exception as exc:  # the table above is printed already; say what went wrong, no traceback
        _say(f"Could not draw the plot ({type(exc).__name__}: {exc}); the table above is complete.")
        return 1
    print()
    print(f"Plot saved to {out}")
    return 0


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
                    help="the name in the file (default: THREELEVELS_LEARNER or your user name)")
    se.set_defaults(func=cmd_export)
    ss = sub.add_parser("seminar", help="summarise a folder of exported answer files",
                        description="Read every *.json export in DIR and print, per exercise, the share of "
                                    "learners who are correct and the most common wrong answer; for ranking "
                                    "exercises, compare the class's orders with the article's US and ROK "
                                    "orders. Saves a PNG plot. Files that are not exports are named and skipped.")
    ss.add_argument("dir", metavar="DIR", help="folder holding the export files (*.json)")
    ss.add_argument("--plot", metavar="FILE", default="seminar.png",
                    help="where to save the plot (default: %(default)s)")
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
