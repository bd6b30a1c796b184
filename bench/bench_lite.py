"""Benchmark: how long the browser edition (JupyterLite) makes a learner wait, on this machine.

For each site (this checkout's offline site, built by lite/build.py unless --site is given, and any
--compare site, e.g. one built by another recipe, so that both are measured in one run on one
machine), N times with a fresh browser profile (nothing cached), in headless Chromium:
  page   page load until JupyterLab is ready (window.jupyterapp restored)
  nb     page load until the lesson is open in a notebook panel
  idle   page load until the lesson's kernel is idle and answers `1+1`
  kernel idle minus nb: the kernel's own start (what some reports call "page load to kernel idle")
  run    Run All of the lesson, until every cell has run
Prints a Markdown table (medians, with min-max) with the date, the CPU and Chromium's version, and
writes JSON (--out). Usage: make bench-lite   or
  python bench/bench_lite.py [--site DIR] [--compare NAME=DIR ...] [-n 3] [--lesson PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.lite.test_lite import CHROMIUM, CHROMIUM_ARGS, LESSON, _open, _run_all, served  # noqa: E402


def cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def measure(site: Path, lesson: str, n: int, p) -> list[dict]:
    runs = []
    with served(site) as base:
        for _ in range(n):
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                t0 = time.time()
                page.goto(f"{base}/lab/index.html")
                page.wait_for_function("() => window.jupyterapp !== undefined", timeout=120_000, polling=100)
                page.evaluate("async () => { await window.jupyterapp.restored; return true; }")
                t_page = time.time() - t0
                marks: dict = {}
                _open(page, lesson, marks)
                t_idle = time.time() - t0
                t_nb = marks["nb"] - t0
                run = {"page": t_page, "nb": t_nb, "idle": t_idle, "kernel": t_idle - t_nb,
                       "run": _run_all(page)}
                runs.append({k: round(v, 1) for k, v in run.items()})
                print(f"  {site.name}: {runs[-1]}", flush=True)
            finally:
                browser.close()
    return runs


def table(results: dict[str, list[dict]]) -> str:
    cols = ["page", "nb", "idle", "kernel", "run"]
    head = "| site | runs | " + " | ".join(f"{c} s" for c in cols) + " |"
    lines = [head, "|" + " --- |" * (len(cols) + 2)]
    for name, runs in results.items():
        cells = []
        for c in cols:
            v = [r[c] for r in runs]
            cells.append(f"{statistics.median(v):.1f} ({min(v):.1f}-{max(v):.1f})")
        lines.append(f"| {name} | {len(runs)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", help="an offline site built already (default: build one from this checkout)")
    ap.add_argument("--compare", action="append", default=[], metavar="NAME=DIR",
                    help="another site to measure in the same run (repeatable)")
    ap.add_argument("-n", type=int, default=3, help="cold runs per site (default 3)")
    ap.add_argument("--lesson", default=LESSON, help=f"the notebook to open and run (default {LESSON})")
    ap.add_argument("--out", default=str(ROOT / "test-artifacts" / "bench-lite.json"))
    a = ap.parse_args(argv)
    if not CHROMIUM:
        sys.exit("bench_lite: Chromium is not installed (apt-get install -y chromium, or set CHROMIUM)")
    from playwright.sync_api import sync_playwright
    if a.site:
        site = Path(a.site).resolve()
    else:
        site = ROOT / "test-artifacts" / "bench-lite-site"
        subprocess.run([sys.executable, ROOT / "lite" / "build.py", "--out", site], check=True)
    sites = {"this course (offline)": site}
    for spec in a.compare:
        name, _, folder = spec.partition("=")
        sites[name] = Path(folder).resolve()
    results = {}
    with sync_playwright() as p:
        for _round in range(a.n):      # interleaved, so that a busy moment of the machine hits every site
            for name, folder in sites.items():
                results.setdefault(name, []).extend(measure(folder, a.lesson, 1, p))
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    head = (f"JupyterLite, {a.lesson}, fresh browser profile each run; {when}; {os.cpu_count()} cores, "
            f"{cpu()}; {chromium}")
    print(head)
    print(table(results))
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"when": when, "machine": {"cores": os.cpu_count(), "cpu": cpu()},
                               "chromium": chromium, "lesson": a.lesson, "sites": {k: str(v) for k, v in sites.items()},
                               "runs": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
