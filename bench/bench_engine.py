"""Speed of the engine (a benchmark, not a test): run `make bench` and compare with the targets.

Targets (issues 2 and 9): `import threelevels` within 1.5x `import ipywidgets`; a check of a closed
type (every type but short-answer and code) under 5 ms;
a notebook under nbval within 1.5x an empty one-cell notebook.
"""
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def import_time(module: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run([PY, "-c", f"import time; t=time.perf_counter(); import {module}; "
                              "print(time.perf_counter()-t)"], capture_output=True, text=True, check=True)
        times.append(float(out.stdout))
    return statistics.median(times)


def check_time() -> dict:
    import threelevels
    out = {}
    for ex in threelevels.bank():
        answers = [ex.answer] + [a for a, _ in ex.wrong]
        threelevels.check(ex.id, ex.answer)               # warm caches (the code type computes its key once)
        n = 200 if ex.type == "code" else 2000
        t = time.perf_counter()
        for i in range(n):
            threelevels.check(ex.id, answers[i % len(answers)])
        out[ex.id] = (time.perf_counter() - t) / n * 1000
    return out


def nbval_time(paths, runs=3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:cacheprovider", *map(str, paths)], cwd=ROOT,
                       capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    tl, iw = import_time("threelevels"), import_time("ipywidgets")
    print(f"import threelevels: {tl * 1000:.1f} ms; import ipywidgets: {iw * 1000:.1f} ms; ratio {tl / iw:.2f} "
          f"(target <= 1.5)")
    ct = check_time()
    import threelevels
    types = {e.id: e.type for e in threelevels.bank()}
    groups = {"closed types": [k for k in ct if types[k] not in ("short-answer", "code")],
              "short answers (with observations)": [k for k in ct if types[k] == "short-answer"],
              "code (runs pandas)": [k for k in ct if types[k] == "code"]}
    for name, ids in groups.items():
        if ids:
            worst = max(ids, key=ct.get)
            target = " (target < 5 ms)" if name == "closed types" else ""
            print(f"check(), {name}: median {statistics.median(ct[i] for i in ids):.4f} ms, "
                  f"max {ct[worst]:.4f} ms ({worst}) over {len(ids)} exercises{target}")
    with tempfile.TemporaryDirectory(dir=ROOT) as tmp:
        empty = Path(tmp) / "empty.ipynb"
        empty.write_text(json.dumps({"cells": [{"cell_type": "code", "execution_count": 1, "id": "e1",
                                                 "metadata": {}, "outputs": [], "source": "x = 1"}],
                                      "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                  "language": "python"}},
                                      "nbformat": 4, "nbformat_minor": 5}))
        base = nbval_time([empty])
        course = [nb for nb in sorted(ROOT.glob("*/**/[0-9][0-9]-*.ipynb")) if ".venv" not in nb.parts]
        for nb in course:
            t = nbval_time([nb])
            print(f"nbval {nb.relative_to(ROOT)}: {t:.2f} s vs empty one-cell notebook {base:.2f} s: "
                  f"ratio {t / base:.2f} (target <= 1.5)")
        # the whole course against the same number of one-cell notebooks, each in one serial run
        copies = []
        for i in range(len(course)):
            copy = Path(tmp) / f"empty{i:02d}.ipynb"
            copy.write_text(empty.read_text())
            copies.append(copy)
        whole = nbval_time(course, runs=1)
        blanks = nbval_time(copies, runs=1)
        print(f"nbval, whole course ({len(course)} notebooks): {whole:.1f} s vs {len(course)} one-cell "
              f"notebooks: {blanks:.1f} s: ratio {whole / blanks:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
