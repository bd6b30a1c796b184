"""Benchmark the progress store: how long one attempt takes to record, and `threelevels progress`
over 10,000 attempts. Prints the numbers (targets: < 5 ms per attempt, < 1 s for progress).

    python bench/bench_store.py [--attempts 10000]

Every record() is a durable commit (synchronous=FULL), so its time is mostly the disk's fsync: on
a busy or networked disk, compare with TMPDIR=/dev/shm (memory) to see the store's own cost.

Runs in a throwaway THREELEVELS_HOME against the course's real exercise banks; never touches your
own progress. Not a test: it measures this machine and disk, and always exits 0.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attempts", type=int, default=10_000, help="attempts to record (default: %(default)s)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of `progress` (default: %(default)s)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="threelevels-bench-") as home:
        os.environ["THREELEVELS_HOME"] = home
        from threelevels import banks, cli, store

        exercises = [e for e in banks.bank() if e.type != "code"] or banks.bank()
        answers = [(e, e.answer, e.check(e.answer)) for e in exercises]
        print(f"store: {store.db_path()} (synchronous=FULL, WAL); {len(exercises)} exercises in the banks")

        times, cpu = [], []
        for i in range(args.attempts):
            ex, answer, result = answers[i % len(answers)]
            t0, c0 = time.perf_counter(), time.process_time()
            store.record(ex, answer, result)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        times.sort()
        cpu.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"record(): {len(times):,} attempts, mean {ms(statistics.fmean(times))}, "
              f"median {ms(statistics.median(times))}, p95 {ms(p95)}, max {ms(times[-1])} (target < 5 ms)")
        # CPU time leaves out waiting (for the disk, or for a CPU on a busy machine): the store's own cost
        print(f"record() CPU time: median {ms(statistics.median(cpu))}, p95 {ms(cpu[int(0.95 * (len(cpu) - 1))])}")

        reads = []
        for i in range(min(args.attempts, 2_000)):
            t0 = time.perf_counter()
            store.last(exercises[i % len(exercises)].id)  # what a widget restores (nothing re-checked)
            reads.append(time.perf_counter() - t0)
        reads.sort()
        print(f"last() (a widget's restore): {len(reads):,} reads, median {ms(statistics.median(reads))}, "
              f"p95 {ms(reads[int(0.95 * (len(reads) - 1))])}")

        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                cli.main(["progress"])
            runs.append(time.perf_counter() - t0)
        print(f"`threelevels progress` in-process over {args.attempts:,} attempts: "
              f"median {ms(statistics.median(runs))}, worst {ms(max(runs))} (target < 1 s)")

        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
        runs = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "threelevels", "progress"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            runs.append(time.perf_counter() - t0)
        print(f"`python -m threelevels progress` as a new process (interpreter start-up included): "
              f"median {ms(statistics.median(runs))}, worst {ms(max(runs))} (target < 1 s)")

        t0 = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            cli.main(["export"])
        print(f"`threelevels export` of {args.attempts:,} attempts: {ms(time.perf_counter() - t0)}")
        size = sum(p.stat().st_size for p in Path(home).glob("progress.sqlite*"))
        print(f"database size: {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
