"""The banks against the lessons and the guide (issue 9, section 3; schema items 1-4 in COMMON.md).

- each bank lists `objectives`, the same text as its lesson's "## Objectives" list;
- every objective is exercised by at least one machine-checked exercise (any type but short-answer);
- every contestable exercise (one with [[exercise.accepted]]) is named under "## Contestable keys"
  in instructors/guide.md;
- no hint gives the answer away (the key's text or a key option's label; for numeric, the number);
- a short answer's `min_words` is what its prompt asks.

Each rule is a function returning the problems it finds, run on the real course (parametrised per
bank) and, below, on a small course written for the test, where each rule is shown to catch what
it is meant to catch.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from threelevels import banks, checks, data
from threelevels.maint import lesson_objectives

from .conftest import ROOT, clear_caches

BANKS = banks.bank_files()


def _lesson_path(root: Path, bank: Path) -> Path:
    return root / "lessons" / f"{bank.stem}.ipynb"


def _same(a: str, b: str) -> bool:
    """Objectives compare as text; only the first letter's case may differ (a list item after
    'you can:' starts in lower case)."""
    return a[:1].casefold() == b[:1].casefold() and a[1:] == b[1:]


def objective_problems(root: Path, bank: Path) -> list[str]:
    raw = data.load_toml(bank)
    exercises = banks._load(bank)
    listed = raw.get("objectives")
    if not listed:
        return [f"{bank.name}: no top-level `objectives` (the lesson's objectives, COMMON schema item 1)"]
    out = []
    machine = {e.objective for e in exercises if e.type != "short-answer"}
    out += [f"{bank.name}: objective {o!r} has no machine-checked exercise (only short answers, or none)"
            for o in listed if o not in machine]
    lesson = _lesson_path(root, bank)
    if lesson.exists():
        in_lesson = lesson_objectives(lesson)
        if len(in_lesson) != len(listed) or not all(_same(a, b) for a, b in zip(in_lesson, listed)):
            out.append(f"{bank.name}: `objectives` {listed} differ from {lesson.name}'s '## Objectives' "
                       f"list {in_lesson}")
    else:
        out.append(f"{bank.name}: no lesson notebook {lesson.name}")
    return out


def contestable_problems(root: Path, bank: Path) -> list[str]:
    contestable = [e.id for e in banks._load(bank) if e.contestable]
    if not contestable:
        return []
    guide = (root / "instructors" / "guide.md").read_text(encoding="utf-8")
    m = re.search(r"^## Contestable keys\s*$(.*?)(?=^## |\Z)", guide, re.M | re.S)
    if not m:
        return [f"instructors/guide.md has no '## Contestable keys' section, but {contestable} are contestable"]
    section = m.group(1)
    return [f"{i} is contestable (it has [[exercise.accepted]]) but is not named under '## Contestable keys' "
            f"in instructors/guide.md" for i in contestable if not re.search(rf"\b{re.escape(i)}\b", section)]


def _contains(hint: str, text: str) -> bool:
    """Whether `text` occurs in `hint` as words (case, punctuation and hyphens ignored)."""
    k = checks._key(text)
    return bool(k) and re.search(rf"(?<![\w]){re.escape(k)}(?![\w])", checks._key(hint)) is not None


def giveaways(ex) -> list[str]:
    """What in `ex`'s hints gives its answer away."""
    label = lambda o: ex.labels.get(o, o)  # noqa: E731
    key = ex.key() if ex.type != "code" else ex.answer
    out = []
    for n, hint in enumerate(ex.hints, 1):
        where = f"{ex.id} hint {n}"
        if ex.type == "single-choice":
            out += [f"{where} names the key {t!r}" for t in {key, label(key)} if _contains(hint, t)]
        elif ex.type == "multi-select":
            out += [f"{where} names the key option {label(o)!r}" for o in sorted(key)
                    if _contains(hint, o) or _contains(hint, label(o))]
        elif ex.type == "ranking":
            text = checks._key(hint)
            pos = [text.find(checks._key(label(i))) for i in key]
            if all(p >= 0 for p in pos) and pos == sorted(pos):
                out.append(f"{where} lists every item in the key's order")
        elif ex.type in ("categorize", "matching"):
            for item, choice in key:
                for sentence in re.split(r"(?<=[.;:!?])\s+", hint):
                    if (_contains(sentence, item) or _contains(sentence, label(item))) and \
                            (_contains(sentence, choice) or _contains(sentence, label(choice))):
                        out.append(f"{where} pairs {label(item)!r} with its key {label(choice)!r} in one sentence")
        elif ex.type == "numeric":
            number = f"{key:g}" if not float(key).is_integer() else str(int(key))
            # the number standing alone (not part of a date such as 1992-01-20, nor of '1st')
            if re.search(rf"(?<![\w.\-/:']){re.escape(number)}(?![\w\-/:']|\.\d)", hint):
                out.append(f"{where} contains the key {number}")
            elif _computes_the_key(ex, hint):
                out.append(f"{where} contains code that computes the answer")
        elif ex.type == "code":
            if _computes_the_key(ex, hint):
                out.append(f"{where} contains code that computes the answer")
    return out


def _computes_the_key(ex, hint: str) -> bool:
    """Whether a piece of code in the hint (a `backticked` span, or a clause of it) computes the key's value."""
    from threelevels import codecheck
    pieces = re.findall(r"`([^`]+)`", hint)
    pieces += [p.strip(" .") for p in re.split(r";\s|:\s|,\s+or\s|\s+or\s|\s+counts\s|,\s|\s+works\b", hint)]
    want = float(ex.key()) if ex.type == "numeric" else codecheck.expected(ex.id, ex.answer)
    for piece in dict.fromkeys(p for p in pieces if p and any(c in p for c in "().[")):
        try:
            got = codecheck.learner_value(piece)
        except Exception:
            continue
        if not codecheck.differences(got, want, float(ex.spec.get("tolerance", 0))):
            return True
    return False


def length_problems(ex) -> list[str]:
    """A short answer's `min_words` is what its prompt asks: the low end of an 'N to M words' range,
    or checks.WORDS_PER_SENTENCE words per sentence of a 'three to five sentences' range."""
    if ex.type != "short-answer":
        return []
    asked = checks.asked_length(ex.prompt)
    if asked is None:
        return [f"{ex.id}: the prompt does not say how long the answer should be (e.g. '80 to 120 words')"]
    lo, _hi, unit, phrase = asked
    want = lo if unit == "words" else lo * checks.WORDS_PER_SENTENCE
    got = ex.spec.get("min_words")
    if got != want:
        return [f"{ex.id}: the prompt asks for {phrase!r}, so min_words should be {want}, not {got}"]
    return []


# --- the real course -----------------------------------------------------------------------------

@pytest.mark.parametrize("bank", BANKS, ids=[b.stem for b in BANKS])
def test_every_objective_is_listed_matches_the_lesson_and_is_machine_checked(bank):
    """Does the bank list its lesson's objectives, each exercised by a machine-checked item?"""
    assert objective_problems(ROOT, bank) == []


@pytest.mark.parametrize("bank", BANKS, ids=[b.stem for b in BANKS])
def test_contestable_keys_are_in_the_instructor_guide(bank):
    """Is every exercise that accepts a competing reading named under '## Contestable keys'?"""
    assert contestable_problems(ROOT, bank) == []


@pytest.mark.parametrize("ex", banks.bank(), ids=lambda e: e.id)
def test_hints_lead_without_giving_the_answer(ex):
    """Does no hint contain the key's text, a key option's label or the key number?"""
    assert giveaways(ex) == []


@pytest.mark.parametrize("ex", [e for e in banks.bank() if e.type == "short-answer"], ids=lambda e: e.id)
def test_min_words_is_what_the_prompt_asks(ex):
    """Does each short answer's min_words match the length its prompt asks for?"""
    assert length_problems(ex) == []


# --- the rules themselves, on a small course written for the test --------------------------------

OBJ = ["name the article's three levels", "rank the levels as Washington does"]
BANK = """lesson = "01"
title = "T"
objectives = ["name the article's three levels", "rank the levels as Washington does"]

[[exercise]]
id = "01.pick"
type = "single-choice"
objective = "name the article's three levels"
prompt = "Which level ties North Korea policy to China policy?"
options = ["global", "regional", "peninsular"]
answer = "regional"
hints = ["Sentence 3 opens with its level."]
explanation = "e"
sources = ["regional-level"]
minutes = 1

[[exercise.accepted]]
answer = "peninsular"
feedback = "Seen from Seoul, a defensible reading."

[[exercise]]
id = "01.rank"
type = "ranking"
objective = "rank the levels as Washington does"
prompt = "Rank the levels as Washington does."
items = ["global", "regional", "peninsular"]
answer = ["global", "regional", "peninsular"]
hints = ["Sentence 8."]
explanation = "e"
sources = ["us-priorities"]
minutes = 1

[[exercise]]
id = "01.year"
type = "numeric"
objective = "rank the levels as Washington does"
prompt = "When?"
answer = 1997
hints = ["The Clinton administration is in office."]
explanation = "e"
sources = ["us-priorities"]
minutes = 1

[[exercise]]
id = "01.essay"
type = "short-answer"
objective = "name the article's three levels"
prompt = "In three to five sentences, name the levels."
rubric = [{ text = "names the levels", signals = ["levels", "length"] }, "gives a reason"]
exemplar = "Global, regional, peninsular."
min_words = 30
answer = "global regional peninsular"
hints = ["Sentence 1."]
explanation = "e"
sources = ["three-level-framework"]
minutes = 3
"""
LESSON_CELL = ("# Lesson 01 · T\n\n**Time: 9 min** (reading 1 min, quick checks 1 min, workbook 6 min)\n\n"
               "## Questions\n- Q?\n\n## Objectives\nBy the end of this lesson you can:\n"
               "1. name the article's three levels; and\n2. rank the levels as Washington does.\n")
GUIDE = "# Guide\n\n## Contestable keys\n\n- 01.pick: the key reads it from Washington; Seoul's view is peninsular.\n"


@pytest.fixture
def small(tmp_path, monkeypatch):
    """A course of one bank, its lesson notebook and a guide, written to satisfy every rule."""
    (tmp_path / "exercises").mkdir()
    (tmp_path / "lessons").mkdir()
    (tmp_path / "instructors").mkdir()
    import shutil
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")

    def write(bank=BANK, cell=LESSON_CELL, guide=GUIDE):
        (tmp_path / "exercises" / "01-t.toml").write_text(bank, encoding="utf-8")
        nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": cell}], "metadata": {},
              "nbformat": 4, "nbformat_minor": 5}
        (tmp_path / "lessons" / "01-t.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        (tmp_path / "instructors" / "guide.md").write_text(guide, encoding="utf-8")
        clear_caches()
        bank_path = tmp_path / "exercises" / "01-t.toml"
        exs = banks._load(bank_path)
        return (objective_problems(tmp_path, bank_path) + contestable_problems(tmp_path, bank_path)
                + [p for e in exs for p in giveaways(e) + length_problems(e)])

    monkeypatch.setenv("THREELEVELS_ROOT", str(tmp_path))
    yield write
    clear_caches()


def test_a_bank_written_to_the_schema_passes_every_rule(small):
    """Does the small course, written to the schema, pass every rule (so the failures below are real)?"""
    assert small() == []
    assert lesson_objectives(Path(banks.bank_files()[0]).parents[1] / "lessons" / "01-t.ipynb") == OBJ


@pytest.mark.parametrize("change, problem", [
    (lambda b: b.replace('type = "numeric"\nobjective = "rank the levels as Washington does"',
                         'type = "numeric"\nobjective = "name the article\'s three levels"')
     .replace('id = "01.rank"\ntype = "ranking"\nobjective = "rank the levels as Washington does"',
              'id = "01.rank"\ntype = "ranking"\nobjective = "name the article\'s three levels"'),
     "has no machine-checked exercise"),
    (lambda b: b.replace('objectives = [', 'objectives = ["something else", '), "differ from"),
    (lambda b: b.replace('objectives = ["name the article\'s three levels", "rank the levels as Washington does"]\n', ''),
     "no top-level `objectives`"),
    (lambda b: b.replace('hints = ["Sentence 3 opens with its level."]', 'hints = ["It is the Regional level."]'),
     "01.pick hint 1 names the key 'regional'"),
    (lambda b: b.replace('hints = ["The Clinton administration is in office."]', 'hints = ["Think of 1997."]'),
     "01.year hint 1 contains the key 1997"),
    (lambda b: b.replace('hints = ["The Clinton administration is in office."]',
                         'hints = ["In pandas: `pd.Timestamp(\'1997-06-30\').year`"]'),
     "01.year hint 1 contains code that computes the answer"),
    (lambda b: b.replace('hints = ["Sentence 8."]', 'hints = ["Global, then regional, then peninsular."]'),
     "01.rank hint 1 lists every item in the key's order"),
    (lambda b: b.replace("min_words = 30", "min_words = 50"), "min_words should be 30, not 50"),
    (lambda b: b.replace("In three to five sentences, name", "Name"), "does not say how long"),
])
def test_each_rule_catches_its_problem(small, change, problem):
    """Does each rule report the problem it is there for?"""
    found = small(bank=change(BANK))
    assert any(problem in p for p in found), found


def test_a_contestable_key_missing_from_the_guide_is_caught(small):
    """Is a contestable exercise that the guide does not name reported?"""
    found = small(guide="# Guide\n\n## Contestable keys\n\nNone yet.\n\n## Other\n- 01.pick\n")
    assert any("01.pick is contestable" in p for p in found), found
