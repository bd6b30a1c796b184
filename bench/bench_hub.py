"""Benchmark: classes of 10, 20 and 40 learners on one JupyterHub (deploy/jupyterhub), starting together.

For each class size, on a hub started from deploy/jupyterhub/hub.sh:
  1. every learner's server is started at the same moment (what a class clicking the link at once
     costs), or K at a time with --spawn-parallel K (as deploy/jupyterhub/prestart.py starts them
     before class): time until every server is ready;
  2. every learner pulls the course through the nbgitpuller link at once;
  3. every learner starts a kernel, imports the course, then answers checks in rounds, all learners
     at once (`threelevels.exercise(id).submit(...)` over the kernel websocket): latency p50/p95;
  4. every learner runs all cells of the heaviest lesson at once (the lesson that takes longest
     alone, measured first with one learner): wall time p50/max;
  5. memory per learner: the hub's process tree (servers and kernels), PSS, over the class size.
Prints a Markdown table with the date and the machine, and writes JSON (--out).
Usage: make bench-hub   or   python bench/bench_hub.py --sizes 10 20 40 [--rounds 5] [--spawn-parallel K]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.hub import hubkit  # noqa: E402

LESSONS = sorted(p.name for p in (hubkit.CHECKOUT / "lessons").glob("*.ipynb"))


def pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, round(q * (len(v) - 1)))]


def _tree(root_pid: int) -> list:
    """A process and all its live descendants (none if it is gone)."""
    try:
        root = psutil.Process(root_pid)
        return [root] + root.children(recursive=True)
    except psutil.Error:
        return []


def pss_mib(root_pid: int) -> float:
    """PSS of a process and all its descendants, MiB (shared pages split fairly between processes)."""
    total = 0
    for p in _tree(root_pid):
        try:
            total += p.memory_full_info().pss
        except psutil.Error:
            pass
    return total / 2**20


def tree_cpu_s(root_pid: int) -> float:
    """CPU seconds used so far by a process and its live descendants (a measure the load of other
    programs on the machine does not change, unlike wall time)."""
    total = 0.0
    for p in _tree(root_pid):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def each(fn, items):
    with ThreadPoolExecutor(max_workers=max(1, len(items))) as pool:
        return list(pool.map(fn, items))


def run_all(kernel: hubkit.Kernel, learner: hubkit.Learner, lesson: str) -> float:
    nb = learner.contents(f"three-levels/lessons/{lesson}")["content"]
    t0 = time.perf_counter()
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            src = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            kernel.ok(src, timeout=900)
    return time.perf_counter() - t0


def heaviest_lesson(hub: hubkit.Hub) -> tuple[str, dict]:
    """Run every lesson alone, one learner, a fresh kernel each: the slowest is the heaviest."""
    probe = hubkit.Learner(hub, "probe")
    probe.create()
    probe.login()
    probe.follow_link()
    times = {}
    for lesson in LESSONS:
        k = probe.kernel()
        try:
            times[lesson] = round(run_all(k, probe, lesson), 2)
        finally:
            k.close()
    probe.stop()
    return max(times, key=times.get), times


def bench_class(hub: hubkit.Hub, size: int, rounds: int, lesson: str, parallel: int = 0) -> dict:
    learners = [hubkit.Learner(hub, f"c{size}-{i:02d}") for i in range(1, size + 1)]
    each(lambda l: l.create(), learners)
    base = pss_mib(hub.pid())
    r: dict = {"learners": size, "spawn_parallel": parallel or size}

    # 1. the whole class's servers start at once (or, with --spawn-parallel K, K at a time, as
    #    deploy/jupyterhub/prestart.py starts them before class)
    t0, cpu0 = time.perf_counter(), tree_cpu_s(hub.pid())
    ready = hubkit.prestart.start_class(hub.url, hub.token, [l.name for l in learners],
                                        parallel or size, report=lambda _s: None)
    failed = {n: why for n, why in ready.items() if isinstance(why, str)}
    if failed:
        raise RuntimeError(f"servers not ready: {failed}")
    ready = list(ready.values())
    r["all_ready_s"] = round(time.perf_counter() - t0, 1)
    r["spawn_cpu_s_per_learner"] = round((tree_cpu_s(hub.pid()) - cpu0) / size, 2)
    r["ready_p50_s"] = round(statistics.median(ready), 1)
    time.sleep(3)
    r["server_mib_per_learner"] = round((pss_mib(hub.pid()) - base) / size)

    # 2. the nbgitpuller link, everyone at once
    def pull(l):
        l.login()
        return l.follow_link()["seconds"]
    pulls = each(pull, learners)
    r["pull_p50_s"], r["pull_max_s"] = round(statistics.median(pulls), 1), round(max(pulls), 1)

    # 3. checks, all learners at once, in rounds
    kernels = each(lambda l: l.kernel(), learners)
    each(lambda k: k.ok("import threelevels\nchina = threelevels.exercise('01.china-link')\n"
                        "order = threelevels.exercise('05.us-order')"), kernels)
    # a learner whose check fails breaks the barrier for all (BrokenBarrierError) instead of
    # leaving the others waiting for it for ever
    barrier = threading.Barrier(size, timeout=900)
    lat: list[float] = []
    lock = threading.Lock()

    def checks(k):
        for n in range(rounds):
            barrier.wait()
            answer = "regional" if n % 2 else "global"
            res = k.ok(f"print(china.submit({answer!r}).status, order.submit(['global', 'regional', 'peninsular']).status)")
            with lock:
                lat.append(res["seconds"])
    each(checks, kernels)
    r["check_p50_s"], r["check_p95_s"] = round(pct(lat, 0.5), 2), round(pct(lat, 0.95), 2)
    time.sleep(2)
    r["mib_per_learner_course_kernel"] = round((pss_mib(hub.pid()) - base) / size)

    # 4. Run All of the heaviest lesson, everyone at once, in the same kernel (one kernel each)
    walls = each(lambda pair: run_all(pair[0], pair[1], lesson), list(zip(kernels, learners)))
    r["run_all_p50_s"], r["run_all_max_s"] = round(statistics.median(walls), 1), round(max(walls), 1)
    time.sleep(2)
    r["mib_per_learner_after_lesson"] = round((pss_mib(hub.pid()) - base) / size)

    for k in kernels:
        k.close()
    each(lambda l: l.stop(), learners)
    return r


def machine() -> dict:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count(), "cpu_model": model,
            "ram_gib": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version(),
            "load_avg_at_start": [round(x, 2) for x in os.getloadavg()]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 40])
    ap.add_argument("--rounds", type=int, default=5, help="rounds of checks per learner (2 submits each)")
    ap.add_argument("--lesson", default=None, help="lesson for Run All (default: the heaviest, measured)")
    ap.add_argument("--spawn-parallel", type=int, default=0, metavar="K",
                    help="start at most K servers at once (default: the whole class at once)")
    ap.add_argument("--out", default=str(hubkit.CHECKOUT / ".cache/hub/bench-hub.json"))
    args = ap.parse_args()
    need = hubkit.missing()
    if need:
        print("Cannot run a hub here: missing " + ", ".join(need) + " (make bench-hub installs them).")
        return 1
    report = {"machine": machine(), "classes": []}
    with tempfile.TemporaryDirectory(prefix="bench-hub-") as state:
        hub = hubkit.Hub(Path(state), python=sys.executable)
        hub.start()
        try:
            lesson = args.lesson
            if lesson is None:
                lesson, alone = heaviest_lesson(hub)
                report["run_all_alone_s"] = alone
                print(f"Run All, one learner alone: {alone}; heaviest: {lesson}", flush=True)
            report["lesson"] = lesson
            for size in args.sizes:
                res = bench_class(hub, size, args.rounds, lesson, args.spawn_parallel)
                res["load_avg_after"] = [round(x, 2) for x in os.getloadavg()]
                report["classes"].append(res)
                print(json.dumps(res), flush=True)
        finally:
            hub.stop()
    report["machine"]["load_avg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1))
    m = report["machine"]
    print(f"\nJupyterHub class benchmark, {m['date']}, {m['cpus']} cores ({m['cpu_model']}), {m['ram_gib']} GiB RAM, "
          f"load average at start {m['load_avg_at_start']}; Run All of {report['lesson']}.\n")
    print("| learners | servers starting at once | all servers ready | CPU-s per server start | check p50 / p95 | Run All p50 / max | "
          "MiB per learner (server / +course kernel / +lesson) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for c in report["classes"]:
        print(f"| {c['learners']} | {c['spawn_parallel']} | {c['all_ready_s']} s | {c['spawn_cpu_s_per_learner']} | "
              f"{c['check_p50_s']} / {c['check_p95_s']} s | "
              f"{c['run_all_p50_s']} / {c['run_all_max_s']} s | {c['server_mib_per_learner']} / "
              f"{c['mib_per_learner_course_kernel']} / {c['mib_per_learner_after_lesson']} |")
    print(f"\nJSON: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
