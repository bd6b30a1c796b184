"""The course as a wheel: built from this checkout, installed into a fresh environment outside it.

One module-scoped environment (about a minute on a busy machine): `pip wheel` builds the wheel, a
new venv in a temporary folder installs it with the pinned versions from constraints.txt, and then
- installing it pulled no notebook server (no jupyterlab, jupyter_server, notebook);
- the package finds its course files inside itself (threelevels/_course/), never this checkout,
  and carries no answer key;
- `threelevels start DIR` copies the lessons and workbooks and never overwrites an edited copy,
  and says clearly that JupyterLab is missing;
- every workbook, run from the copied folder in a kernel of that environment (nbclient), runs
  without an error, its course files read from inside the installed package.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.wheel
SERVERS = ("jupyterlab", "jupyter-server", "jupyter_server", "notebook", "nbclassic", "jupyterlab-server")


def _run(cmd, cwd=None, env=None, timeout=900):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _clean_env(**extra) -> dict:
    """The environment of a learner's shell: nothing pointing back at this checkout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "THREELEVELS_ROOT", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH")}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, ROOT])
    wheels = list(dist.glob("three_levels-*.whl"))
    assert len(wheels) == 1, wheels
    venv = base / "venv"
    _run([sys.executable, "-m", "venv", venv])
    py = venv / "bin" / "python"
    env = _clean_env()
    # the pinned versions the course is tested with; dependencies come from the registry (or pip's cache)
    _run([py, "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", wheels[0]], cwd=base, env=env)
    installed_names = {d["name"].lower().replace("_", "-")
                       for d in json.loads(_run([py, "-m", "pip", "list", "--format=json"], env=env).stdout)}
    return {"base": base, "wheel": wheels[0], "venv": venv, "py": py, "bin": venv / "bin", "env": env,
            "names": installed_names}


def test_wheel_carries_the_course_files_but_no_answer_key(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    course = [n for n in names if n.startswith("threelevels/_course/")]
    for needed in ("seeds/claims.toml", "seeds/abstract.txt", "seeds/chronology.csv", "seeds/glossary.csv",
                   "exercises/01-three-levels.toml", "exercises/01-three-levels.ipynb",
                   "lessons/01-three-levels.ipynb", "lessons/glossary.md"):
        assert f"threelevels/_course/{needed}" in course
    banks = sorted(p.name for p in (ROOT / "exercises").glob("[0-9][0-9]-*.toml"))
    assert sorted(n.rsplit("/", 1)[1] for n in course if "/exercises/" in n and n.endswith(".toml")) == banks
    assert not [n for n in names if "instructors" in n or "/keys/" in n], "an answer key is in the wheel"


def test_installing_the_wheel_pulls_no_notebook_server(installed):
    found = sorted(installed["names"] & {s.replace("_", "-") for s in SERVERS})
    assert not found, f"`pip install` of the course installed a notebook server: {found}"
    assert {"three-levels", "ipywidgets", "pandas", "matplotlib"} <= installed["names"]


def test_installed_package_finds_its_own_course_files(installed, tmp_path):
    code = ("import threelevels, threelevels.data as d; print(d.root()); print(len(threelevels.bank())); "
            "print(threelevels.quote(next(iter(d.claims().claims)))[:20])")
    out = _run([installed["py"], "-c", code], cwd=tmp_path, env=installed["env"]).stdout.splitlines()
    root = Path(out[0])
    assert root.name == "_course" and root.parent.name == "threelevels", out
    assert installed["venv"] in root.parents, f"course files found outside the installed package: {root}"
    assert int(out[1]) > 0


def test_start_copies_lessons_and_workbooks_and_keeps_edits(installed, tmp_path):
    exe = installed["bin"] / "threelevels"
    env = _clean_env(THREELEVELS_HOME=str(tmp_path / "home"))
    proc = subprocess.run([exe, "start", "course"], cwd=tmp_path, env=env, capture_output=True, text=True)
    # no JupyterLab in a plain install: copied, then a clear message (and a failure code)
    assert proc.returncode == 1, proc
    assert "JupyterLab is not installed" in proc.stderr and "three-levels[lab]" in proc.stderr
    work = tmp_path / "course"
    lessons = sorted(p.name for p in (ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))
    workbooks = sorted(p.name for p in (ROOT / "exercises").glob("[0-9][0-9]-*.ipynb"))
    assert sorted(p.name for p in (work / "lessons").glob("*.ipynb")) == lessons
    assert sorted(p.name for p in (work / "exercises").glob("*.ipynb")) == workbooks
    assert not list(work.rglob("*.toml")) and not (work / "instructors").exists()

    edited = work / "exercises" / workbooks[0]
    edited.write_text(edited.read_text(encoding="utf-8").replace("Workbook", "My workbook", 1), encoding="utf-8")
    mine = edited.read_bytes()
    (work / "lessons" / lessons[-1]).unlink()
    proc = subprocess.run([exe, "start", "course", "--no-lab"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc
    assert edited.read_bytes() == mine, "start overwrote a learner's edited workbook"
    assert f"Kept your exercises/{workbooks[0]}" in proc.stderr
    assert (work / "lessons" / lessons[-1]).exists(), "a deleted lesson was not copied again"


def test_every_workbook_runs_from_the_copied_folder(installed, tmp_path):
    nbclient = pytest.importorskip("nbclient")
    import nbformat
    env = _clean_env(THREELEVELS_HOME=str(tmp_path / "home"), MPLBACKEND="Agg")
    _run([installed["bin"] / "threelevels", "start", "course", "--no-lab"], cwd=tmp_path, env=env)
    # a kernel of the fresh environment (ipykernel is what JupyterLab would bring; the course does not need it)
    _run([installed["py"], "-m", "pip", "install", "--quiet", "-c", ROOT / "constraints.txt", "ipykernel"], env=env)
    spec = tmp_path / "kernels" / "kernels" / "wheel-venv"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(installed["py"]), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "wheel venv", "language": "python"}))
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env, JUPYTER_PATH=str(tmp_path / "kernels"), JUPYTER_DATA_DIR=str(tmp_path / "jdata"))
    ran = []
    try:
        for path in sorted((tmp_path / "course" / "exercises").glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            nb.cells.append(nbformat.v4.new_code_cell(
                "import threelevels.data as _d; print('ROOT', _d.root())"))
            client = nbclient.NotebookClient(nb, kernel_name="wheel-venv", timeout=180,
                                             resources={"metadata": {"path": str(path.parent)}})
            client.execute()   # raises CellExecutionError on the first error
            last = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
            assert "_course" in last and str(installed["venv"]) in last, last
            ran.append(path.name)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert len(ran) == len(list((ROOT / "exercises").glob("[0-9][0-9]-*.ipynb")))
