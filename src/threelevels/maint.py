"""Maintainer commands (`python -m threelevels.maint ...`), run by the Makefile.

    build     write the workbooks (exercises/NN-slug.ipynb) and answer keys
              (instructors/keys/NN-slug.ipynb) from the exercise banks, so they never drift, and
              each lesson's time line and the README's course map times from data (lesson_times)
    outputs   execute every notebook in place, in a throwaway THREELEVELS_HOME, and store
              outputs that nbval re-creates exactly (no widget state, ids or timings)
    check     fail if `build` would change any notebook (CI uses it)
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

from .banks import _load, bank_files
from .data import DataError, _rel, root

NB_META = {
    "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _cells(specs, prefix):
    import nbformat.v4 as v4
    cells = []
    for i, (kind, src) in enumerate(specs, 1):
        cell = v4.new_markdown_cell(src) if kind == "md" else v4.new_code_cell(src)
        cell["id"] = f"{prefix}-{i:02d}"
        cells.append(cell)
    return cells


def _notebook(specs, prefix):
    import nbformat.v4 as v4
    nb = v4.new_notebook()
    nb["metadata"] = dict(NB_META)
    nb["cells"] = _cells(specs, prefix)
    return nb


def workbook_specs(path: Path):
    exercises = _load(path)
    lesson = path.name[:2]
    from .banks import lesson_titles
    title = lesson_titles()[lesson]
    minutes = sum(e.minutes for e in exercises)
    from .banks import objectives as bank_objectives
    objectives = list(bank_objectives().get(lesson) or dict.fromkeys(e.objective for e in exercises))
    uses_data = any(e.type == "code" for e in exercises)
    specs = [("md", f"# Workbook {lesson}: {title}\n\n"
                    f"Time: {minutes:g} min. Companion to `lessons/{path.stem}.ipynb`: read the lesson first.\n\n"
                    "## Objectives\n" + "\n".join(f"- {o}" for o in objectives) + "\n\n"
                    "## How the exercises work\n"
                    "Run each cell (Shift+Enter) to show its exercise. Answer, then press **Check**: the feedback "
                    "says whether the answer is correct, partly right or not yet right, and why. A written answer "
                    "is self-assessed: tick the rubric items your text meets, press **Check**, read what "
                    "the machine observed in it and compare it with the strong answer shown. **Hint** shows "
                    "one hint at a time. Every checked answer is saved, so after a restart each exercise shows "
                    "your last answer. Wrong answers cost nothing: try again as often as you like.")]
    setup = "import threelevels"
    if uses_data:
        setup += ("\n\nchron = threelevels.chronology()    # dated events, one row each\n"
                  "claims = threelevels.claims_table()  # the article's claims, one row each")
    specs.append(("code", setup))
    for n, ex in enumerate(exercises, 1):
        specs.append(("md", f"## {n}. {ex.title[0].upper() + ex.title[1:]}\n\n*Objective: {ex.objective}* "
                            f"(about {ex.minutes:g} min)"))
        if ex.type == "code":
            specs.append(("md", "Work it out with pandas in the next cell: replace `None` with your computation "
                                "and run the cell to check it. (You can also type an expression into the "
                                "exercise's Code box.)"))
            specs.append(("code", f"answer = None  # your pandas computation here\n"
                                  f"threelevels.check({ex.id!r}, answer)"))
        specs.append(("code", f"threelevels.exercise({ex.id!r})"))
    specs.append(("md", "## Your progress\nRun the next cell to see what you have done in every lesson."))
    specs.append(("code", "threelevels.progress()"))
    return specs


def key_specs(path: Path):
    exercises = _load(path)
    lesson = path.name[:2]
    from .banks import lesson_titles
    specs = [("md", f"# Answer key {lesson}: {lesson_titles()[lesson]}\n\n"
                    "For instructors. Each cell drives one exercise through its widget's `submit` (the same path "
                    "as a click on Check): first every known wrong answer, then the key, printing each verdict. "
                    "nbval compares this printed text in CI, so a broken key or check shows up as a diff.\n\n"
                    "Attempts made here are not recorded in anyone's progress."),
             ("code", "from threelevels.keys import drive")]
    for ex in exercises:
        specs.append(("md", f"## {ex.id}: {ex.title}\n\n**Why:** {ex.explanation}"))
        specs.append(("code", f"drive({ex.id!r})"))
    return specs


def targets():
    base = root()
    for path in bank_files():
        yield base / "exercises" / f"{path.stem}.ipynb", workbook_specs(path), f"wb{path.name[:2]}"
        yield base / "instructors" / "keys" / f"{path.stem}.ipynb", key_specs(path), f"key{path.name[:2]}"


def anchor(term: str) -> str:
    """The link target of a glossary term in lessons/glossary.md (e.g. 'balance of power' -> 'balance-of-power')."""
    import re
    return re.sub(r"[^a-z0-9]+", "-", term.casefold()).strip("-")


def glossary_markdown() -> str:
    from .terms import terms
    entries = sorted(terms().values(), key=lambda t: t.term.casefold())
    lines = ["# Glossary", "",
             "Generated from `seeds/glossary.csv` by `make notebooks`; edit the CSV, not this file. "
             "Definitions are the course's own words; each names a source. In a notebook: "
             "`threelevels.glossary(\"KEDO\")`.", ""]
    for t in entries:
        aka = f" *(also: {', '.join(t.aliases)})*" if t.aliases else ""
        lines += [f'<a id="{anchor(t.term)}"></a>', f"## {t.term}", "", f"{t.definition}{aka}", "",
                  f"First needed in lesson {t.lesson}. Source: {t.source}", ""]
    return "\n".join(lines)


def lesson_objectives(path: Path) -> list[str]:
    """The numbered list under '## Objectives' in a lesson's first cell, each item without its
    number and without a trailing ';', '.' or ' and' (what the bank's `objectives` repeat)."""
    import json
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"])
    part = first.split("## Objectives", 1)[1] if "## Objectives" in first else ""
    part = part.split("\n## ", 1)[0]
    out = []
    for line in part.splitlines():
        m = re.match(r"\s*\d+[.)]\s+(.*)", line)
        if m:
            item = m.group(1).strip()
            while True:
                stripped = re.sub(r"(?:\s+and|[;.,])\s*$", "", item).strip()
                if stripped == item:
                    break
                item = stripped
            out.append(item)
    return out


# --- time estimates, from data -----------------------------------------------------------------

WORDS_PER_MINUTE = 200   # reading speed for the lessons' prose (a careful reader of course text)
TIME_LINE = re.compile(r"\*\*Time: \d+ min\*\*[^\n]*")
_EMBEDDED = re.compile(r"threelevels\.(?:exercise|check)\(\s*[\"'](\d\d\.[a-z0-9-]+)[\"']")


def lesson_times(path: Path) -> dict[str, int]:
    """A lesson's time in minutes, from data: reading (its markdown's words at WORDS_PER_MINUTE,
    rounded up), quick checks (the `minutes` of the bank exercises its own code cells show) and
    workbook (the `minutes` of the rest of its bank: an exercise done in the lesson shows its saved
    answer in the workbook, so it is not counted twice), and their total. Quick checks and workbook
    together are the sum of the bank's `minutes`."""
    import json
    import math
    nb = json.loads(path.read_text(encoding="utf-8"))
    prose = " ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    words = len(re.findall(r"[\w'’-]+", re.sub(r"<[^>]+>|\]\([^)]*\)", " ", prose)))
    reading = math.ceil(words / WORDS_PER_MINUTE)
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    from .banks import get
    embedded = set(_EMBEDDED.findall(code))
    bank = root() / "exercises" / f"{path.stem}.toml"
    exercises = _load(bank) if bank.exists() else ()
    outside = sum(get(i).minutes for i in embedded if i[:2] != path.name[:2])  # another lesson's exercise
    quick = math.ceil(sum(e.minutes for e in exercises if e.id in embedded) + outside)
    workbook = math.ceil(sum(e.minutes for e in exercises if e.id not in embedded))
    return {"reading": reading, "quick": quick, "workbook": workbook, "total": reading + quick + workbook}


def time_line(times: dict[str, int]) -> str:
    return (f"**Time: {times['total']} min** (reading {times['reading']} min, quick checks {times['quick']} min, "
            f"workbook {times['workbook']} min)")


def _lessons() -> list[Path]:
    return sorted(root().glob("lessons/[0-9][0-9]-*.ipynb"))


def lesson_header_updates() -> list[tuple[Path, str, str]]:
    """(lesson, its first cell now, the first cell with the time line computed from data), for the
    lessons whose time line is out of date. A first cell without a time line is an error."""
    import json
    out = []
    for path in _lessons():
        nb = json.loads(path.read_text(encoding="utf-8"))
        first = "".join(nb["cells"][0]["source"])
        if not TIME_LINE.search(first):
            raise DataError(f"{_rel(path)}: the first cell has no '**Time: N min** (reading R min, quick checks "
                             "Q min, workbook W min)' line for `maint build` to update")
        new = TIME_LINE.sub(time_line(lesson_times(path)).replace("\\", "\\\\"), first, count=1)
        if new != first:
            out.append((path, first, new))
    return out


def readme_with_times() -> tuple[Path, str, str]:
    """README.md now and with its course map's time column computed like the lessons' headers."""
    readme = root() / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    new = text
    for path in _lessons():
        total = lesson_times(path)["total"]
        new = re.sub(rf"(\| {path.name[:2]} \| \[[^\]]*\]\(lessons/{re.escape(path.name)}\) \| )\d+ min( \|)",
                     rf"\g<1>{total} min\g<2>", new)
    return readme, text, new


def _source_only(nb):
    return [(c["cell_type"], c["source"]) for c in nb["cells"]]


def build(check_only: bool = False) -> int:
    import nbformat
    stale = []
    for target, specs, prefix in targets():
        new = _notebook(specs, prefix)
        if target.exists():
            old = nbformat.read(target, as_version=4)
            if _source_only(old) == _source_only(new):
                continue
        stale.append(target)
        if not check_only:
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(new, target)
            print(f"wrote {target.relative_to(root())}")
    import nbformat as _nbf
    for path, _old, first in lesson_header_updates():
        stale.append(path)
        if not check_only:
            nb = _nbf.read(path, as_version=4)
            nb["cells"][0]["source"] = first
            _nbf.write(nb, path)
            print(f"updated the time line of {_rel(path)}")
    readme, text, new_text = readme_with_times()
    if new_text != text:
        stale.append(readme)
        if not check_only:
            readme.write_text(new_text, encoding="utf-8")
            print(f"updated the course map times in {_rel(readme)}")
    gloss = root() / "lessons" / "glossary.md"
    text = glossary_markdown()
    if not gloss.exists() or gloss.read_text(encoding="utf-8") != text:
        stale.append(gloss)
        if not check_only:
            gloss.write_text(text, encoding="utf-8")
            print(f"wrote {gloss.relative_to(root())}")
    if check_only and stale:
        print("out of date (run `make notebooks && make outputs`): "
              + ", ".join(str(p.relative_to(root())) for p in stale), file=sys.stderr)
        return 1
    return 0


def notebooks() -> list[Path]:
    base = root()
    return sorted([*base.glob("lessons/[0-9][0-9]-*.ipynb"), *base.glob("exercises/[0-9][0-9]-*.ipynb"),
                   *base.glob("instructors/keys/[0-9][0-9]-*.ipynb")])


def clean(nb):
    """Keep only what nbval compares and what a learner should see before running a cell."""
    nb["metadata"].pop("widgets", None)
    for cell in nb["cells"]:
        cell["metadata"].pop("execution", None)
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data:
                data.pop("application/vnd.jupyter.widget-view+json", None)
    return nb


def outputs(paths=None) -> int:
    import nbformat
    from nbclient import NotebookClient
    paths = [Path(p).resolve() for p in paths] if paths else notebooks()
    with tempfile.TemporaryDirectory(prefix="threelevels-home-") as home:
        os.environ["THREELEVELS_HOME"] = home
        os.environ.setdefault("MPLBACKEND", "Agg")
        for path in paths:
            nb = nbformat.read(path, as_version=4)
            NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            nbformat.write(clean(nb), path)
            print(f"executed {_rel(path)}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m threelevels.maint", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build", help="write workbooks and answer keys from the banks")
    sub.add_parser("check", help="fail if `build` would change a notebook")
    out = sub.add_parser("outputs", help="execute notebooks in place")
    out.add_argument("paths", nargs="*", help="notebooks (default: all)")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "build":
            return build()
        if args.cmd == "check":
            return build(check_only=True)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return outputs(args.paths)


if __name__ == "__main__":
    sys.exit(main())
