"""`threelevels seminar DIR`: summarise a folder of learners' export files for a seminar.

The files were made by learners, so nothing in them is trusted:
- only regular files are read (no FIFOs, devices or folders; a symbolic link only if it points to
  a file inside DIR), each at most `--max-file-mb` megabytes, and read once, without following a
  file that changed between the check and the read;
- JSON is parsed with bounded numbers (a 400-digit integer becomes a float, never an
  OverflowError), and stored answers are rebuilt by `store.decode`, which checks the sizes its
  tags declare before allocating anything;
- every text printed or drawn goes through `clean` (no control characters, so no terminal escape
  sequence reaches the screen) and is drawn with mathtext off and escaped in HTML;
- exercise ids not of the course's form (`NN.slug`) are reported, never plotted; learners are
  keyed by their file (two files are two learners, whatever names they hold);
- a status in a file is the learner's claim: every answer to an exercise the course holds is
  checked again with the course's own check, and disagreements are reported. Learner code (code
  exercises answered with code) is never run on the instructor's machine: its verdict is counted
  as claimed, and said so;
- every skipped file is named with its reason, and the summary of the rest is always produced.

Machine-checked exercises (share correct, most common wrong answer) are reported apart from
self-assessed ones (short answers: share of the class that submitted, and the answers themselves,
anonymised, in a self-contained HTML page). Learner names appear only with `--names`.
pandas and matplotlib are imported here, on first use.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import html
import io
import json
import os
import re
import stat
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import banks, store
from .checks import CANON, canon_ranking, rank_agreement
from .cli import _say, table

DEFAULT_MAX_MB = 5.0           # per file; an honest export of 5,000 attempts is well under this
MAX_ATTEMPTS = 50_000          # per file (beyond: the rest are not read, and the file says so)
MAX_PLOT_ROWS = 80             # exercises in the plot (the course has about 60)
MAX_OTHER_ROWS = 40            # rows for exercises this course does not hold, in each table
MAX_DISAGREEMENTS = 25         # lines listing stored verdicts that the course's check does not give
CELL = 60                      # characters of an answer in a table cell
ID_FORM = re.compile(r"\d{2}\.[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MAX_ID = 80
KNOWN_STATUSES = ("not-attempted", "incorrect", "partial", "correct", "self-assessed")
SELF_ASSESSED_TYPES = ("short-answer",)
KNOWN_TYPES = ("single-choice", "multi-select", "ranking", "categorize", "matching", "numeric",
               "short-answer", "code")

# Characters never shown: C0/C1 controls (ESC starts ANSI/OSC sequences), bidirectional and other
# invisible format characters, line/paragraph separators, lone surrogates, Unicode tag characters.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                     "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]")


def clean(text: Any, limit: int | None = None) -> str:
    """Text that is safe to print or draw: whitespace runs become one space, every control or
    invisible character becomes U+FFFD (so a terminal never receives an escape sequence), and it
    is cut to `limit` characters."""
    s = text if isinstance(text, str) else str(text)
    if limit is not None and len(s) > 4 * limit + 64:
        s = s[:4 * limit + 64]  # never clean megabytes to show sixty characters
    s = " ".join(s.replace("\x00", " ").split())
    s = _HIDDEN.sub("\ufffd", s)
    if limit is not None and len(s) > limit:
        s = s[:limit - 1] + "…"
    return s


# --- reading one file --------------------------------------------------------------------------------

def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def _mb(n: float) -> str:
    return f"{n / 1e6:,.1f} MB"


def read_bytes(folder: Path, name: str, max_bytes: int, seen: dict | None = None) -> tuple[bytes | None, str]:
    """The bytes of DIR/name if it is a regular file (or a link to one inside DIR) of at most
    max_bytes; otherwise None and why. `seen` maps (device, inode) to the first name read, so a
    file reached under two names (a link) is read, and counted, once."""
    path = folder / name
    try:
        st = os.lstat(path)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if stat.S_ISLNK(st.st_mode):
        real = os.path.realpath(path)
        inside = os.path.realpath(folder)
        if os.path.commonpath([real, inside]) != inside:
            return None, "is a symbolic link to something outside the folder (not read)"
        try:
            st = os.stat(real)
        except OSError as exc:
            return None, f"is a symbolic link that cannot be followed ({exc.strerror or exc})"
    if not stat.S_ISREG(st.st_mode):
        return None, f"is {_kind(st.st_mode)}, not a regular file (not read)"
    if seen is not None:
        first = seen.setdefault((st.st_dev, st.st_ino), name)
        if first != name:
            return None, f"is another name for {clean(first, 80)} (a link), which is read once"
    if st.st_size > max_bytes:
        return None, (f"is {_mb(st.st_size)}, over the limit of {_mb(max_bytes)} per file "
                      "(raise it with --max-file-mb if the file is genuine)")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            return None, "changed while it was being read (not read)"
        chunks, size = [], 0
        while size <= max_bytes:
            chunk = os.read(fd, min(1 << 20, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    finally:
        os.close(fd)
    if size > max_bytes:
        return None, f"grew beyond the limit of {_mb(max_bytes)} per file while it was read"
    return b"".join(chunks), ""


def _int(text: str):
    # JSON integers of any length: a short one is an int, a long one a float (inf beyond 1e308),
    # never a 10,000-digit int that later arithmetic or printing chokes on
    return int(text) if len(text) <= 30 else float(text)


def parse(raw: bytes) -> tuple[dict | None, str]:
    """An export's content from its bytes, or None and the reason it cannot be used."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, "is not UTF-8 text"
    try:
        data = json.loads(text, parse_int=_int, parse_constant=float)
    except ValueError as exc:
        return None, f"is not valid JSON ({clean(getattr(exc, 'msg', exc), 80)}, line {getattr(exc, 'lineno', '?')})"
    except RecursionError:
        return None, "is nested too deeply to be an export"
    del text
    if not isinstance(data, dict) or not isinstance(data.get("attempts"), list) or "learner" not in data:
        return None, "is not a threelevels export (no 'learner' and 'attempts'); make one with `threelevels export`"
    fmt = data.get("format", store.EXPORT_FORMAT)
    if fmt != store.EXPORT_FORMAT:
        return None, f"is a {clean(fmt if isinstance(fmt, str) else json.dumps(fmt)[:80], 40)!r} file, not a threelevels export"
    version = data.get("format_version", store.EXPORT_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        shown = clean(json.dumps(version) if not isinstance(version, float) else repr(version), 30)
        return None, (f"has format_version {shown}, which is not a whole number (`threelevels export` writes "
                      f"{store.EXPORT_VERSION}); the file was edited or made by another program")
    if version > store.EXPORT_VERSION:
        return None, f"was made by a newer version of the course (format {version}); update the course"
    if version < 1:
        return None, f"has format_version {version}, which no version of the course writes"
    return data, ""


# --- a whole folder ----------------------------------------------------------------------------------

@dataclass
class Learner:
    file: str                  # the key: one file is one learner, whatever name it holds
    name: str                  # cleaned name from the file (shown only with --names)
    label: str = ""            # "learner 7": how the summary refers to them without names


@dataclass
class Folder:
    learners: list[Learner] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)     # whole files, each with its reason
    notes: list[str] = field(default_factory=list)       # parts of files, and other remarks
    disagreements: list[dict] = field(default_factory=list)
    files_tried: int = 0


def _course() -> dict:
    try:
        return {e.id: e for e in banks.bank()}
    except Exception as exc:  # a broken bank: summarise the raw answers, say so
        _say(f"Note: the exercise banks could not be read ({clean(exc, 200)}); verdicts are the learners' own.")
        return {}


def _recheck(ex, answer, claimed: str) -> tuple[str, bool]:
    """The course's own verdict on a stored answer, and whether it was re-checked at all."""
    value = store.decode(answer)
    if ex.type == "code" and isinstance(value, str):
        return claimed, False  # learner code is never run on the instructor's machine
    try:
        return ex.check(value).status, True
    except Exception:  # check() never raises for an answer; a bank problem must not stop the summary
        return claimed, False


def load(folder: Path, max_bytes: int, course: dict | None = None) -> Folder:
    """Read every *.json in folder; never raises for anything a file holds."""
    course = _course() if course is None else course
    out = Folder()
    try:
        names = sorted(e.name for e in os.scandir(folder) if e.name.lower().endswith(".json"))
    except OSError as exc:
        out.skipped.append(f"The folder {clean(folder, 200)} cannot be listed ({exc.strerror or exc}).")
        return out
    by_name = defaultdict(list)
    identities: dict = {}
    for name in names:
        out.files_tried += 1
        shown = clean(name, 120)
        raw, why = read_bytes(folder, name, max_bytes, identities)
        data = None
        if raw is not None:
            data, why = parse(raw)
            del raw
        if data is None:
            out.skipped.append(f"Skipped {shown}: it {why}.")
            continue
        learner_name = data.get("learner")
        learner_name = clean(learner_name, 80) if isinstance(learner_name, str) and learner_name.strip() else \
            clean(Path(name).stem, 80)
        attempts = data["attempts"]
        if len(attempts) > MAX_ATTEMPTS:
            out.notes.append(f"In {shown}: {len(attempts):,} attempts; only the first {MAX_ATTEMPTS:,} were read.")
            attempts = attempts[:MAX_ATTEMPTS]
        bad, foreign, unknown_status = 0, Counter(), 0
        rows = []
        for order, a in enumerate(attempts):
            if not isinstance(a, dict) or not isinstance(a.get("exercise_id"), str) \
                    or not isinstance(a.get("status"), str):
                bad += 1
                continue
            ex_id, claimed = a["exercise_id"], a["status"]
            if ex_id not in course and (len(ex_id) > MAX_ID or not ID_FORM.match(ex_id)):
                foreign[ex_id] += 1
                continue
            ex = course.get(ex_id)
            stored_type = a.get("type") if isinstance(a.get("type"), str) else ""
            if ex is not None:
                verdict, checked = _recheck(ex, a.get("answer"), claimed)
                if not checked and verdict not in KNOWN_STATUSES:
                    unknown_status += 1
                    continue
                kind = ex.type
            else:
                if claimed not in KNOWN_STATUSES:
                    unknown_status += 1
                    continue
                verdict, checked = claimed, False
                kind = stored_type if stored_type in KNOWN_TYPES else "unknown"
            rows.append({"file": name, "order": order, "exercise_id": ex_id, "type": kind, "status": verdict,
                         "claimed": claimed, "checked": checked, "answer": a.get("answer")})
        if bad:
            out.notes.append(f"In {shown}: skipped {bad} malformed attempt(s) (no exercise id or status).")
        if foreign:
            example = clean(next(iter(foreign)), 30)
            out.notes.append(f"In {shown}: skipped {sum(foreign.values())} attempt(s) at {len(foreign)} id(s) not of "
                             f"the course's form NN.name (e.g. {example!r}); they are not summarised or plotted.")
        if unknown_status:
            out.notes.append(f"In {shown}: skipped {unknown_status} attempt(s) whose status is not one the course "
                             "gives, at exercises this course cannot check again.")
        if not rows:
            out.skipped.append(f"Skipped {shown}: it holds no usable attempts, so it does not count as a learner.")
            continue
        out.learners.append(Learner(name, learner_name))
        by_name[learner_name].append(shown)
        out.rows += rows
    for learner_name, files in by_name.items():
        if len(files) > 1:
            out.notes.append(f"{len(files)} files hold the same learner name; each counts as a learner of its own "
                             f"({', '.join(files[:5])}{' …' if len(files) > 5 else ''}).")
    # labels that do not follow the (often name-based) file order
    ranked = sorted(out.learners, key=lambda lr: hashlib.sha256(lr.file.encode("utf-8", "surrogatepass")).hexdigest())
    for i, lr in enumerate(ranked, 1):
        lr.label = f"learner {i}"
    return out


# --- summary -----------------------------------------------------------------------------------------

class _Raw(str):
    """An answer the current bank cannot read, compared by its JSON text."""


def _canonical(ex, answer):
    """A hashable form in which equal answers compare equal (["a","b"] = ["b","a"] for multi-select)."""
    if ex is not None and ex.type in CANON:
        try:
            return CANON[ex.type](ex, store.decode(answer))
        except Exception:  # unreadable for this exercise (e.g. from another course version)
            pass
    try:
        return _Raw(json.dumps(answer, sort_keys=True, ensure_ascii=False)[:10_000])
    except Exception:
        return _Raw("?")


def _label(ex, value) -> str:
    return ex.labels.get(value, value) if ex is not None and isinstance(value, str) else str(value)


def describe(ex, canon, raw) -> str:
    """A short, readable, printable form of one answer."""
    if ex is not None and not isinstance(canon, _Raw):
        t = ex.type
        if t == "ranking":
            return clean(" > ".join(_label(ex, i) for i in canon), CELL)
        if t == "multi-select":
            options = ex.spec["options"]
            return clean(", ".join(_label(ex, o) for o in sorted(canon, key=options.index)) or "(none)", CELL)
        if t in ("categorize", "matching"):
            return clean("; ".join(f"{_label(ex, k)}: {_label(ex, v)}" for k, v in canon), CELL)
        if t == "numeric":
            return clean(f"{canon:g}", CELL)
        if t == "short-answer":
            return clean(canon[0], CELL)
        if t == "single-choice":
            return clean(_label(ex, canon), CELL)
    value = store.decode(raw)
    if isinstance(value, str):
        return clean(value, CELL)
    return clean(str(canon), CELL)


def _order(ex, answer) -> tuple | None:
    if ex is not None:
        try:
            return canon_ranking(ex, store.decode(answer))
        except Exception:
            return None
    value = store.decode(answer)
    if isinstance(value, list) and len(value) <= 20 and all(isinstance(v, str) for v in value) \
            and len(set(value)) == len(value):
        return tuple(value)
    return None


def priorities() -> tuple[tuple, tuple] | None:
    """The article's US and ROK orders of the levels (seeds/claims.toml), or None if unreadable."""
    try:
        from .data import claims
        p = claims().priorities
        return tuple(p["us"]), tuple(p["rok"])
    except Exception:
        return None


def _text_of(answer) -> str:
    value = store.decode(answer)
    if isinstance(value, dict):
        value = value.get("text", "")
    return value if isinstance(value, str) else ""


@dataclass
class Summary:
    machine: list[dict]        # exercise, type, learners, correct, share_correct, common_wrong, common_wrong_n, in_course
    self_assessed: list[dict]  # exercise, learners, submitted, share_submitted, median_words, answers, prompt
    ranking: list[dict]
    class_size: int


def summarise(folder: Folder, course: dict, which: str = "last", names: bool = False) -> Summary:
    chosen: dict[tuple[str, str], dict] = {}
    for row in folder.rows:  # rows come in file order, then attempt order
        key = (row["file"], row["exercise_id"])
        if which == "last" or key not in chosen:
            chosen[key] = row
    by_ex: dict[str, list[dict]] = defaultdict(list)
    for (_, ex_id), row in chosen.items():
        by_ex[ex_id].append(row)
    place = {ex_id: i for i, ex_id in enumerate(course)}
    order = sorted(by_ex, key=lambda i: (place.get(i, len(place)), i))
    who = {lr.file: lr for lr in folder.learners}
    n_class = len(folder.learners)
    p = priorities()
    us, rok = p if p else (None, None)
    machine, selfs, ranking = [], [], []
    for ex_id in order:
        group = by_ex[ex_id]
        ex = course.get(ex_id)
        kind = ex.type if ex is not None else group[0]["type"]
        n = len(group)
        if kind in SELF_ASSESSED_TYPES:
            answers = []
            for row in group:
                text = _text_of(row["answer"])
                if text.strip():
                    lr = who[row["file"]]
                    answers.append({"text": clean(text, 20_000), "words": len(text.split()),
                                    "who": f"{lr.name} ({clean(lr.file, 80)})" if names else ""})
            answers.sort(key=lambda a: hashlib.sha256(a["text"].encode("utf-8")).hexdigest())
            words = sorted(a["words"] for a in answers)
            selfs.append({"exercise": ex_id, "learners": n, "submitted": len(answers),
                          "share_submitted": len(answers) / n_class if n_class else 0.0,
                          "median_words": words[len(words) // 2] if words else None,
                          "prompt": clean(ex.prompt, 2000) if ex is not None else "", "answers": answers,
                          "in_course": ex is not None})
            continue
        correct = sum(r["status"] == "correct" for r in group)
        wrong = [r for r in group if r["status"] != "correct"]
        common, common_n = "", 0
        if wrong:
            canon = [(_canonical(ex, r["answer"]), r["answer"]) for r in wrong]
            counts = Counter(c for c, _ in canon)
            top, common_n = max(counts.items(), key=lambda kv: kv[1])  # first seen wins a tie
            common = describe(ex, top, next(a for c, a in canon if c == top))
        machine.append({"exercise": ex_id, "type": kind, "learners": n, "correct": correct,
                        "share_correct": correct / n, "common_wrong": common, "common_wrong_n": common_n,
                        "in_course": ex is not None,
                        "unverified": sum(1 for r in group if ex is not None and not r["checked"])})
        if kind == "ranking":
            orders = [o for o in (_order(ex, r["answer"]) for r in group) if o is not None]
            if ex is not None:
                levels = us is not None and set(ex.spec["items"]) == set(us)
            else:
                levels = us is not None and any(set(o) == set(us) for o in orders)
                orders = [o for o in orders if set(o) == set(us)] if levels else orders
            key = ex.key() if ex is not None else None
            ranking.append({
                "exercise": ex_id, "learners": len(orders), "in_course": ex is not None,
                "equal_us": sum(o == us for o in orders) if levels else None,
                "equal_rok": sum(o == rok for o in orders) if levels else None,
                "equal_key": sum(o == key for o in orders) if key is not None else None,
                "agreement_us": (sum(rank_agreement(o, us)[0] for o in orders) / len(orders)) if levels and orders else None,
                "agreement_rok": (sum(rank_agreement(o, rok)[0] for o in orders) / len(orders)) if levels and orders else None,
            })
    return Summary(machine, selfs, ranking, n_class)


def disagreements(folder: Folder, names: bool) -> list[str]:
    """Lines naming each stored verdict that the course's own check does not give."""
    who = {lr.file: lr for lr in folder.learners}
    found = [r for r in folder.rows if r["checked"] and r["status"] != r["claimed"]]
    lines = []
    for r in found[:MAX_DISAGREEMENTS]:
        lr = who[r["file"]]
        person = f"{lr.name} ({clean(lr.file, 60)})" if names else lr.label
        lines.append(f"{r['exercise_id']}, {person}, attempt {r['order'] + 1}: the file says "
                     f"{clean(r['claimed'], 30)!r}, the course's check gives {r['status']!r}")
    if len(found) > MAX_DISAGREEMENTS:
        lines.append(f"… and {len(found) - MAX_DISAGREEMENTS} more")
    return lines


# --- output ------------------------------------------------------------------------------------------

def _pct(x) -> str:
    return "" if x is None or x != x else f"{100 * x:.0f}%"


def _num(x) -> str:
    return "" if x is None or x != x else str(int(x))


def _capped(rows: list[dict]) -> tuple[list[dict], int]:
    """The course's own exercises, and at most MAX_OTHER_ROWS others (and how many were left out)."""
    mine = [r for r in rows if r["in_course"]]
    other = [r for r in rows if not r["in_course"]]
    return mine + other[:MAX_OTHER_ROWS], max(0, len(other) - MAX_OTHER_ROWS)


def plot(s: Summary, path: Path | None, title: str) -> bytes:
    """The seminar figure as PNG bytes (saved to path too, if given): share correct per
    machine-checked exercise, and the ranking orders against the article's US and ROK orders."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = [r for r in s.machine if r["in_course"]] or s.machine
    rows = rows[:MAX_PLOT_ROWS]
    levels = [r for r in s.ranking if r["equal_us"] is not None and (r["in_course"] or not rows[0]["in_course"])]
    levels = levels[:20]
    p = priorities()
    panels = 2 if levels and p else 1
    height = max(2.5, 0.35 * len(rows) + 1.5)
    second = max(2.5, 0.5 * len(levels) + 1.5) if panels == 2 else 0
    fig = Figure(figsize=(9, height + second), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(panels, 1, squeeze=False,
                        gridspec_kw={"height_ratios": [height] + ([second] if panels == 2 else [])})
    ax = axes[0][0]
    labels = [r["exercise"] for r in rows][::-1]
    shares = [100 * r["share_correct"] for r in rows][::-1]
    y = list(range(len(rows)))
    bars = ax.barh(y, shares, color="#1f5f99", edgecolor="black", hatch="//")
    ax.set_yticks(y, labels, parse_math=False)
    for bar, r in zip(bars, rows[::-1]):
        ax.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2, f"{r['correct']} of {r['learners']}",
                va="center", fontsize=8, parse_math=False)
    ax.set_xlim(0, 112)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("Learners whose answer is correct (%)")
    ax.set_ylabel("Machine-checked exercise")
    ax.set_title("Share correct per machine-checked exercise (the course's own check)")
    if panels == 2:
        ax2 = axes[1][0]
        names = [r["exercise"] for r in levels]
        us = [int(r["equal_us"]) for r in levels]
        rok = [int(r["equal_rok"]) for r in levels]
        other = [int(r["learners"] - a - b) for r, a, b in zip(levels, us, rok)]
        yy = range(len(names))
        h = 0.25
        ax2.barh([i + h for i in yy], us, h, label=f"same order as the US ({' > '.join(p[0])})",
                 color="#1f5f99", edgecolor="black", hatch="//")
        ax2.barh(list(yy), rok, h, label=f"same order as the ROK ({' > '.join(p[1])})",
                 color="#2b7a4b", edgecolor="black", hatch="xx")
        ax2.barh([i - h for i in yy], other, h, label="another order", color="#bbbbbb", edgecolor="black", hatch="..")
        ax2.set_yticks(list(yy), names, parse_math=False)
        ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax2.set_xlabel("Number of learners")
        ax2.set_ylabel("Ranking exercise")
        ax2.set_title("The class's orders against the article's US and ROK priorities")
        fig.legend(*ax2.get_legend_handles_labels(), fontsize=8, loc="outside lower center", ncol=1, frameon=False)
    fig.suptitle(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    return data


def _e(text) -> str:
    return html.escape(clean(text), quote=True)


def html_page(s: Summary, folder: Folder, png: bytes | None, which: str, names: bool) -> str:
    """One self-contained page (inline style, the plot as a data: URI, no script, nothing fetched),
    every text cleaned and escaped."""
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; style-src \'unsafe-inline\'">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Seminar summary: Three Levels, Reversed</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:1em auto;padding:0 1em;color:#111;"
        "line-height:1.45}table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #888;"
        "padding:.25em .5em;text-align:left;vertical-align:top}td.n{text-align:right}caption{text-align:left;"
        "font-weight:bold;padding:.3em 0}blockquote{border-left:4px solid #1f5f99;margin:.6em 0;padding:.2em .8em;"
        "background:#f3f6fa;white-space:pre-wrap;overflow-wrap:anywhere}.meta{color:#444}img{max-width:100%}"
        "</style></head><body>",
        "<h1>Seminar summary</h1>",
        f'<p class="meta">{s.class_size} learner{"s" if s.class_size != 1 else ""}, '
        f"{_e(which)} attempt at each exercise; made {_e(stamp)}. "
        + ("Learner names are shown (--names)." if names else "No learner names are shown.") + "</p>",
    ]
    if folder.skipped:
        parts.append(f'<p class="meta">{len(folder.skipped)} file(s) were skipped; the command\'s output names '
                     "each with its reason.</p>")
    parts.append("<h2>Machine-checked exercises</h2>")
    parts.append("<p>Verdicts come from the course's own check of each stored answer, not from the files.</p>")
    rows, more = _capped(s.machine)
    if rows:
        parts.append("<table><caption>Share correct and the most common wrong answer</caption><thead><tr>"
                     '<th scope="col">Exercise</th><th scope="col">Type</th><th scope="col">Learners</th>'
                     '<th scope="col">Correct</th><th scope="col">Share correct</th>'
                     '<th scope="col">Most common wrong answer</th><th scope="col">Given by</th></tr></thead><tbody>')
        for r in rows:
            kind = r["type"] + (f" ({r['unverified']} as claimed: code is never run here)" if r["unverified"] else "")
            parts.append(f"<tr><td>{_e(r['exercise'])}</td><td>{_e(kind)}</td><td class=n>{r['learners']}</td>"
                         f"<td class=n>{r['correct']}</td><td class=n>{_pct(r['share_correct'])}</td>"
                         f"<td>{_e(r['common_wrong'] or '-')}</td><td class=n>{r['common_wrong_n'] or ''}</td></tr>")
        parts.append("</tbody></table>")
        if more:
            parts.append(f"<p>… and {more} more exercises this course does not hold.</p>")
    else:
        parts.append("<p>No machine-checked answers.</p>")
    if s.ranking:
        p = priorities()
        parts.append("<table><caption>Ranking exercises against the article's orders"
                     + (f" (US: {_e(' > '.join(p[0]))}; ROK: {_e(' > '.join(p[1]))})" if p else "")
                     + "</caption><thead><tr><th scope=col>Exercise</th><th scope=col>Learners</th>"
                     "<th scope=col>= US</th><th scope=col>= ROK</th><th scope=col>= key</th>"
                     "<th scope=col>Agreement with US</th><th scope=col>Agreement with ROK</th></tr></thead><tbody>")
        for r in _capped(s.ranking)[0]:
            parts.append(f"<tr><td>{_e(r['exercise'])}</td><td class=n>{r['learners']}</td>"
                         f"<td class=n>{_num(r['equal_us'])}</td><td class=n>{_num(r['equal_rok'])}</td>"
                         f"<td class=n>{_num(r['equal_key'])}</td><td class=n>{_pct(r['agreement_us'])}</td>"
                         f"<td class=n>{_pct(r['agreement_rok'])}</td></tr>")
        parts.append("</tbody></table>")
    if png:
        parts.append('<figure><img alt="Bar chart: share of learners whose answer is correct, per machine-checked '
                     'exercise; and how many learners ranked the levels in the US order, the ROK order or another '
                     f'order." src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}"></figure>')
    parts.append("<h2>Self-assessed exercises (short answers)</h2>")
    parts.append("<p>Learners tick their own rubric items: these answers are counted as submitted, never as "
                 "correct. Answers are shown in an order that does not follow the learners"
                 + ("." if names else ", without names.") + "</p>")
    srows, more = _capped(s.self_assessed)
    if not srows:
        parts.append("<p>No short answers were submitted.</p>")
    for r in srows:
        parts.append(f"<section><h3>{_e(r['exercise'])}</h3>")
        if r["prompt"]:
            parts.append(f"<p><em>{_e(r['prompt'])}</em></p>")
        parts.append(f"<p>{r['submitted']} of {s.class_size} learners submitted ({_pct(r['share_submitted'])})"
                     + (f"; median length {r['median_words']} words" if r["median_words"] is not None else "")
                     + ".</p>")
        for i, a in enumerate(r["answers"], 1):
            who = f" ({_e(a['who'])})" if a["who"] else ""
            parts.append(f"<p><strong>Answer {i}</strong>{who}, {a['words']} words:</p>"
                         f"<blockquote>{html.escape(a['text'])}</blockquote>")
        parts.append("</section>")
    if more:
        parts.append(f"<p>… and {more} more short-answer exercises this course does not hold.</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def run(args) -> int:
    """The `seminar` command."""
    folder_path = Path(args.dir)
    if not folder_path.is_dir():
        _say(f"{clean(folder_path, 200)} is not a folder. Put the class's export files (threelevels export "
             "--output NAME.json) in one folder and pass that folder.")
        return 2
    try:
        max_mb = float(args.max_file_mb)
    except (TypeError, ValueError):
        max_mb = -1.0
    if not 0 < max_mb < 1e6:
        _say(f"--max-file-mb must be a number of megabytes above 0, not {clean(args.max_file_mb, 20)!r}.")
        return 2
    names = bool(getattr(args, "names", False))
    course = _course()
    folder = load(folder_path, int(max_mb * 1e6), course)
    for line in folder.skipped + folder.notes:
        _say(line)
    if not folder.learners:
        _say(f"No usable export files in {clean(folder_path, 200)} (looked for *.json; "
             f"{folder.files_tried} file(s) tried).")
        return 1
    s = summarise(folder, course, args.attempt, names)
    n = s.class_size
    print(f"Seminar summary: {n} learner{'s' if n != 1 else ''} ({args.attempt} attempt at each exercise) "
          f"from {clean(folder_path, 200)}; {folder.files_tried} file(s) tried, {len(folder.skipped)} skipped")
    status = 0
    if not s.machine and not s.self_assessed:
        print("The export files hold no attempts yet.")
    if s.machine:
        print()
        print("Machine-checked exercises (verdicts from the course's own check of each answer)")
        rows, more = _capped(s.machine)
        print(table(["Exercise", "Type", "Learners", "Correct", "Share", "Most common wrong answer", "n"],
                    [[r["exercise"], r["type"] + ("*" if r["unverified"] else ""), r["learners"], r["correct"],
                      _pct(r["share_correct"]), r["common_wrong"] or "-", r["common_wrong_n"] or ""] for r in rows],
                    right={2, 3, 4, 6}))
        if more:
            print(f"… and {more} more exercises this course does not hold.")
        claimed = sum(r["unverified"] for r in s.machine)
        if claimed:
            print(f"(* {claimed} answer(s) given as code are counted as the files claim, not checked again: "
                  "learner code is never run on the instructor's machine.)")
        if any(not r["in_course"] for r in s.machine):
            print("(Exercises this course does not hold are counted as the files claim.)")
    if s.ranking:
        p = priorities()
        orders = f"US: {' > '.join(p[0])}; ROK: {' > '.join(p[1])}" if p else "the article's orders could not be read"
        print()
        print(f"Ranking exercises against the article's orders ({orders})")
        print(table(["Exercise", "Learners", "= US", "= ROK", "= key", "Agreement with US", "Agreement with ROK"],
                    [[r["exercise"], r["learners"], _num(r["equal_us"]), _num(r["equal_rok"]), _num(r["equal_key"]),
                      _pct(r["agreement_us"]), _pct(r["agreement_rok"])] for r in _capped(s.ranking)[0]],
                    right={1, 2, 3, 4, 5, 6}))
        print("(Agreement: the share of pairs of levels a learner ranks in the same order, averaged.)")
    if s.self_assessed:
        print()
        print("Self-assessed exercises (short answers: submitted, never counted as correct)")
        rows, more = _capped(s.self_assessed)
        print(table(["Exercise", "Submitted", "Share of class", "Median words"],
                    [[r["exercise"], r["submitted"], _pct(r["share_submitted"]),
                      "" if r["median_words"] is None else r["median_words"]] for r in rows], right={1, 2, 3}))
        if more:
            print(f"… and {more} more exercises this course does not hold.")
    lines = disagreements(folder, names)
    if lines:
        print()
        print("Stored verdicts that the course's own check does not give (the table uses the course's):")
        for line in lines:
            print(f"  {line}")
    png = None
    out = Path(args.plot)
    if s.machine:
        try:
            png = plot(s, out, f"Seminar: {n} learners ({args.attempt} attempts)")
            print()
            print(f"Plot saved to {clean(out, 200)}")
        except OSError as exc:
            _say(f"Could not save the plot to {clean(out, 200)}: {exc.strerror or exc}.")
            status = 1
        except Exception as exc:  # the tables above are printed already; say what went wrong
            _say(f"Could not draw the plot ({type(exc).__name__}: {clean(exc, 200)}); the tables above are complete.")
            status = 1
    page = Path(args.html) if getattr(args, "html", None) else out.with_suffix(".html")
    try:
        store_write(page, html_page(s, folder, png, args.attempt, names))
        print(f"Page for the seminar (opens offline) saved to {clean(page, 200)}")
    except OSError as exc:
        _say(f"Could not save the page to {clean(page, 200)}: {exc.strerror or exc}.")
        status = 1
    return status


def store_write(path: Path, text: str) -> None:
    from .cli import _write_text
    _write_text(path, text)
