"""Shared fixtures. Every test run (and every notebook kernel nbval starts) uses a throwaway
THREELEVELS_HOME, so no test touches a learner's real progress."""
import os
import tempfile
from pathlib import Path

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


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """A writable copy of seeds/ and exercises/ in tmp_path, made the course root."""
    import shutil
    for folder in ("seeds", "exercises"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("THREELEVELS_ROOT", str(tmp_path))
    _clear_caches()
    yield tmp_path
    _clear_caches()


def _clear_caches():
    from threelevels import banks, codecheck, data, terms
    for fn in (data.abstract, data.sentences, data.claims, data.chronology_rows, data._chronology_frame,
               data._claims_frame, banks._load,
               banks.lesson_titles, terms.terms, codecheck.expected):
        fn.cache_clear()
