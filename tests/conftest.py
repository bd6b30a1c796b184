"""Shared fixtures. Every test run (and every notebook kernel nbval starts) uses a throwaway
THREELEVELS_HOME, so no test touches a learner's real progress."""
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
_HOME = tempfile.mkdtemp(prefix="threelevels-test-home-")
os.environ["THREELEVELS_HOME"] = _HOME           # inherited by nbval's kernels
os.environ.setdefault("MPLBACKEND", "Agg")

HOSTILE = {
    "None": None,
    "number where text belongs": 42,
    "empty": "",
    "whitespace": " \t\n ",
    "100,000 characters of Korean": "한반도" * 33_334,
    "HTML and script": "<script>alert('x')</script><b onmouseover=alert(1)>hi</b>",
    "bytes": b"\x00\xffglobal",
    "NaN": float("nan"),
    "10**30": 10**30,
    "nested lists": [[["global"], [["regional"]]], []],
    "dict of junk": {"<i>": ["x"], 3: None},
    "set": {"global", "regional"},
    "negative infinity": float("-inf"),
    "bool": True,
}


# Small exercises for tests that need a course of their own (store, CLI, progress view).
PICK = dict(id="01.pick", type="single-choice", objective="Say where China comes in.",
            prompt="Which level ties North Korea policy to China policy?",
            options=["global", "regional", "peninsular"], answer="regional", hints=["Sentence 3."],
            explanation="Regional.", sources=["regional-level"], minutes=1,
            wrong=[dict(answer="global", feedback="Not global.")])
MANY = dict(id="01.many", type="multi-select", objective="Name the three levels.", prompt="Which are levels?",
            options=["global", "regional", "peninsular", "domestic"], answer=["global", "regional", "peninsular"],
            hints=["Three."], explanation="Three levels.", sources=["three-level-framework"], minutes=1)
ORDER = dict(id="01.order", type="ranking", objective="Rank the levels as Washington does.",
             prompt="Rank the levels, highest priority first, as the Clinton administration does.",
             items=["global", "regional", "peninsular"], answer=["global", "regional", "peninsular"],
             hints=["Sentence 8."], explanation="Global, regional, peninsular.", sources=["us-priorities"],
             minutes=2, wrong=[dict(answer=["peninsular", "regional", "global"],
                                    feedback="That is Seoul's order, not Washington's.")])
YEAR = dict(id="01.year", type="numeric", objective="Date the article.", prompt="When was it published?",
            answer=1997, hints=["1990s."], explanation="1997.", sources=["three-level-framework"], minutes=1)


def bank_toml(title: str, *exercises: dict, lesson: str = "01") -> str:
    """An exercise bank as TOML text, from exercise tables like the ones above."""
    import json

    def value(v):
        return json.dumps(v, ensure_ascii=False)   # JSON strings, numbers and lists are valid TOML

    lines = [f"lesson = {value(lesson)}", f"title = {value(title)}"]
    for ex in exercises:
        lines.append("\n[[exercise]]")
        lines += [f"{k} = {value(v)}" for k, v in ex.items() if k != "wrong"]
        for w in ex.get("wrong", []):
            lines += ["[[exercise.wrong]]", f"answer = {value(w['answer'])}", f"feedback = {value(w['feedback'])}"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A writable copy of seeds/ and exercises/ in tmp_path, made the course root."""
    for folder in ("seeds", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("THREELEVELS_ROOT", str(tmp_path))
    clear_caches()
    yield tmp_path
    clear_caches()


@pytest.fixture
def make_course(tmp_path, monkeypatch):
    """Build a small course: the real seeds/, the test's own banks, and an empty learner home.

    make_course({"01-test.toml": BANK}) -> namespace with root, home, db, tmp and as_learner(name),
    which switches to that learner's own empty home."""
    def make(bank_files: dict, learner: str = "test-learner"):
        root = tmp_path / "course"
        (root / "exercises").mkdir(parents=True)
        shutil.copytree(ROOT / "seeds", root / "seeds")
        for name, text in bank_files.items():
            (root / "exercises" / name).write_text(text, encoding="utf-8")
        monkeypatch.setenv("THREELEVELS_ROOT", str(root))
        monkeypatch.setenv("THREELEVELS_HOME", str(tmp_path / "home"))
        monkeypatch.setenv("THREELEVELS_LEARNER", learner)
        clear_caches()

        def as_learner(name: str) -> None:
            monkeypatch.setenv("THREELEVELS_HOME", str(tmp_path / f"home-{name}"))
            monkeypatch.setenv("THREELEVELS_LEARNER", name)

        return SimpleNamespace(root=root, home=tmp_path / "home", db=tmp_path / "home" / "progress.sqlite",
                               tmp=tmp_path, as_learner=as_learner)
    yield make
    clear_caches()


def clear_caches():
    """Forget every cached load (seeds, banks, frames, keys) after a test changes the course."""
    for name, module in list(sys.modules.items()):
        if name == "threelevels" or name.startswith("threelevels."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
