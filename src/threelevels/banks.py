"""Exercise banks: exercises/NN-slug.toml, validated against a schema when loaded.

Unknown keys are errors; every message names the file and the exercise id.
"""
from __future__ import annotations

import functools
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checks
from .data import LEVELS, DataError, _rel, claims, load_toml, root

TYPES = ("single-choice", "multi-select", "ranking", "categorize", "matching", "numeric",
         "short-answer", "code")
COMMON_REQUIRED = {"id": str, "type": str, "objective": str, "prompt": str, "answer": object,
                   "hints": list, "explanation": str, "sources": list, "minutes": numbers.Real}
COMMON_OPTIONAL = {"title": str, "wrong": list, "accepted": list, "labels": dict, "notes": dict}
TYPE_FIELDS: dict[str, tuple[dict, dict]] = {  # type -> (required, optional)
    "single-choice": ({"options": list}, {}),
    "multi-select": ({"options": list}, {}),
    "ranking": ({"items": list}, {}),
    "categorize": ({"items": list}, {"categories": list}),
    "matching": ({"left": list, "right": list}, {}),
    "numeric": ({}, {"tolerance": numbers.Real, "unit": str}),
    "short-answer": ({"rubric": list, "exemplar": str}, {"min_words": int}),
    "code": ({}, {"tolerance": numbers.Real, "given": str}),
}
_BLANK = {
    "single-choice": "choose one option, then press Check.",
    "multi-select": "tick every option that applies, then press Check.",
    "ranking": "put the items in order, then press Check.",
    "categorize": "choose a level for each item, then press Check.",
    "matching": "choose a match for each item, then press Check.",
    "numeric": "enter a number, then press Check.",
    "short-answer": "write your answer in the text box first.",
    "code": "compute the value with pandas and submit it (or type an expression).",
}


@dataclass(frozen=True, eq=False)
class Exercise:
    """One exercise: its data, its key, and its pure check."""
    id: str
    lesson: str
    type: str
    title: str
    objective: str
    prompt: str
    answer: Any
    hints: tuple[str, ...]
    explanation: str
    sources: tuple[str, ...]
    minutes: float
    wrong: tuple[tuple[Any, str], ...]
    labels: dict[str, str]
    spec: dict[str, Any] = field(repr=False)
    file: str = ""
    accepted: tuple[tuple[Any, str], ...] = ()

    @property
    def contestable(self) -> bool:
        """True when a defensible reading other than the key's is also accepted ([[exercise.accepted]])."""
        return bool(self.accepted)

    def accepted_canonical(self):
        return _canonical_accepted(self)

    def check(self, answer) -> checks.Result:
        return checks.check(self, answer)

    def key(self):
        """The key in canonical form (what a learner's canonical answer is compared with)."""
        return _canonical_key(self)

    def wrong_canonical(self):
        return _canonical_wrong(self)

    def blank_hint(self) -> str:
        return _BLANK[self.type]

    def __repr__(self) -> str:
        return f"Exercise({self.id!r}, type={self.type!r})"


@functools.cache
def _canonical_key(ex: Exercise):
    return checks.CANON[ex.type](ex, ex.answer)


@functools.cache
def _canonical_accepted(ex: Exercise):
    return tuple((checks.CANON[ex.type](ex, a), fb) for a, fb in ex.accepted)


@functools.cache
def _canonical_wrong(ex: Exercise):
    return tuple((checks.CANON[ex.type](ex, a), fb) for a, fb in ex.wrong)


def _typed(table: dict, key: str, kind, where: str):
    value = table[key]
    ok = isinstance(value, kind) and not (kind is numbers.Real and isinstance(value, bool))
    if not ok:
        raise DataError(f"{where}: '{key}' must be {getattr(kind, '__name__', kind)}, "
                        f"got {type(value).__name__}")
    if isinstance(value, str) and not value.strip():
        raise DataError(f"{where}: '{key}' is empty")
    if isinstance(value, list) and key not in ("wrong", "accepted", "rubric"):
        if not value:
            raise DataError(f"{where}: '{key}' is an empty list")
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise DataError(f"{where}: every entry of '{key}' must be non-empty text")
    return value


def parse_exercise(table: dict, lesson: str, file: str, index: int) -> Exercise:
    where = f"{file}: exercise #{index}"
    if not isinstance(table.get("id"), str):
        raise DataError(f"{where}: missing 'id'")
    ex_id = table["id"]
    where = f"{file}: exercise '{ex_id}'"
    if not re.fullmatch(rf"{lesson}\.[a-z0-9]+(-[a-z0-9]+)*", ex_id):
        raise DataError(f"{where}: id must look like '{lesson}.some-slug' (the file's lesson number)")
    etype = table.get("type")
    if etype not in TYPES:
        raise DataError(f"{where}: 'type' must be one of {', '.join(TYPES)}; got {etype!r}")
    required, optional = TYPE_FIELDS[etype]
    allowed = {**COMMON_REQUIRED, **COMMON_OPTIONAL, **required, **optional}
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise DataError(f"{where}: unknown key(s) {unknown} for type {etype}")
    for key, kind in {**COMMON_REQUIRED, **required}.items():
        if key not in table:
            raise DataError(f"{where}: missing required key '{key}'")
        _typed(table, key, kind, where)
    for key, kind in {**COMMON_OPTIONAL, **optional}.items():
        if key in table:
            _typed(table, key, kind, where)
    if table["minutes"] <= 0:
        raise DataError(f"{where}: 'minutes' must be positive")

    spec = {k: table[k] for k in {**required, **optional} if k in table}
    spec["notes"] = dict(table.get("notes", {}))
    if etype == "short-answer":
        spec["rubric"], spec["signals"] = _rubric(table["rubric"], where)
    if etype == "categorize":
        spec["choices"] = list(table.get("categories", LEVELS))
    elif etype == "matching":
        spec["items"], spec["choices"] = list(table["left"]), list(table["right"])
    labels = dict(table.get("labels", {}))
    for key in ("options", "items", "choices", "rubric"):
        if key in spec and len(set(spec[key])) != len(spec[key]):
            raise DataError(f"{where}: '{key}' has duplicate entries")
        if key in spec:  # what a learner types is matched ignoring case and punctuation: keep them apart
            seen: dict[str, str] = {}
            for entry in spec[key]:
                for name in {entry, labels.get(entry, entry)}:
                    k = checks._key(name)
                    if not k:
                        raise DataError(f"{where}: '{key}' entry {entry!r} has no letters or digits")
                    if seen.setdefault(k, entry) != entry:
                        raise DataError(f"{where}: '{key}' entries {seen[k]!r} and {entry!r} differ only "
                                        "in case or punctuation")

    def answer_tables(name: str, what: str) -> list[tuple[Any, str]]:
        out = []
        for j, w in enumerate(table.get(name, []), 1):
            if not isinstance(w, dict) or set(w) != {"answer", "feedback"} or not isinstance(w["feedback"], str) \
                    or not w["feedback"].strip():
                raise DataError(f"{where}: {what} #{j} must be a table with exactly 'answer' and "
                                f"'feedback' (text)")
            out.append((w["answer"], w["feedback"]))
        return out
    wrong = answer_tables("wrong", "wrong answer")
    accepted = answer_tables("accepted", "accepted answer")
    if accepted and etype == "short-answer":
        raise DataError(f"{where}: a short answer is self-assessed; it cannot list accepted answers")

    ex = Exercise(
        id=ex_id, lesson=lesson, type=etype, title=table.get("title", ex_id.split(".", 1)[1].replace("-", " ")),
        objective=table["objective"], prompt=table["prompt"], answer=table["answer"],
        hints=tuple(table["hints"]), explanation=table["explanation"], sources=tuple(table["sources"]),
        minutes=table["minutes"], wrong=tuple(wrong), labels=labels, spec=spec, file=file,
        accepted=tuple(accepted))

    # the key and every known wrong answer must be readable, and no wrong answer may equal the key
    if etype != "code":
        try:
            key = ex.key()
            wrongs = ex.wrong_canonical()
            oks = ex.accepted_canonical()
        except checks.Unreadable as exc:
            raise DataError(f"{where}: the key, a wrong or an accepted answer is not a valid answer: {exc}") from None
        for j, (w, _) in enumerate(wrongs, 1):
            if w == key:
                raise DataError(f"{where}: wrong answer #{j} is the same as the key")
            if any(w == a for a, _ in oks):
                raise DataError(f"{where}: wrong answer #{j} is also an accepted answer")
        for j, (a, _) in enumerate(oks, 1):
            if a == key:
                raise DataError(f"{where}: accepted answer #{j} is the same as the key")
        if etype in ("categorize", "matching") and len(dict(key)) != len(spec["items"]):
            raise DataError(f"{where}: the key must place every item")
    elif not isinstance(ex.answer, str) or not all(isinstance(a, str) for a, _ in accepted):
        raise DataError(f"{where}: a code exercise's 'answer' (and each accepted answer) is the code "
                        "that computes the value")
    return ex


def _rubric(items: list, where: str) -> tuple[list[str], tuple[tuple[str, ...], ...]]:
    """Rubric items are text, or tables { text = "...", signals = [...] } naming what the machine
    reports as observations for that item (checks.SIGNALS)."""
    if not items:
        raise DataError(f"{where}: 'rubric' is an empty list")
    texts, signals = [], []
    for j, item in enumerate(items, 1):
        if isinstance(item, str) and item.strip():
            texts.append(item)
            signals.append(())
            continue
        if not isinstance(item, dict) or not set(item) <= {"text", "signals"} or \
                not isinstance(item.get("text"), str) or not item["text"].strip():
            raise DataError(f"{where}: rubric item #{j} must be text or a table {{ text = \"...\", "
                            f"signals = [...] }}")
        sig = item.get("signals", [])
        if not isinstance(sig, list) or not all(isinstance(x, str) for x in sig):
            raise DataError(f"{where}: rubric item #{j}: 'signals' must be a list of names")
        bad = [x for x in sig if x not in checks.SIGNALS]
        if bad:
            raise DataError(f"{where}: rubric item #{j}: unknown signal(s) {bad}; "
                            f"use {', '.join(checks.SIGNALS)}")
        texts.append(item["text"])
        signals.append(tuple(dict.fromkeys(sig)))
    return texts, tuple(signals)


def parse_bank(raw: dict, path: Path) -> tuple[Exercise, ...]:
    file = _rel(path)
    m = re.fullmatch(r"(\d\d)-[a-z0-9-]+\.toml", path.name)
    if not m:
        raise DataError(f"{file}: bank files are named NN-slug.toml")
    lesson = m.group(1)
    unknown = sorted(set(raw) - {"lesson", "title", "objectives", "exercise"})
    if unknown:
        raise DataError(f"{file}: unknown top-level key(s) {unknown}")
    if raw.get("lesson") != lesson:
        raise DataError(f"{file}: 'lesson' must be \"{lesson}\" (from the file name), got {raw.get('lesson')!r}")
    if not isinstance(raw.get("title"), str):
        raise DataError(f"{file}: missing 'title'")
    tables = raw.get("exercise")
    if not isinstance(tables, list) or not tables:
        raise DataError(f"{file}: no [[exercise]] tables")
    objectives = raw.get("objectives")
    if objectives is not None:
        if not isinstance(objectives, list) or not objectives or \
                not all(isinstance(o, str) and o.strip() for o in objectives):
            raise DataError(f"{file}: 'objectives' must be a non-empty list of texts (the lesson's objectives)")
        if len(set(objectives)) != len(objectives):
            raise DataError(f"{file}: 'objectives' has duplicate entries")
    exercises = tuple(parse_exercise(t, lesson, file, i) for i, t in enumerate(tables, 1))
    if objectives is not None:
        for e in exercises:
            if e.objective not in objectives:
                raise DataError(f"{file}: exercise '{e.id}': 'objective' must be one of the bank's "
                                f"objectives (exactly); got {e.objective!r}")
    ids = [e.id for e in exercises]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        raise DataError(f"{file}: duplicate exercise id(s) {sorted(dup)}")
    known_sources = set(claims().claims) | _event_ids()
    for e in exercises:
        bad = [s for s in e.sources if s not in known_sources]
        if bad:
            raise DataError(f"{file}: exercise '{e.id}': unknown source id(s) {bad} "
                            "(use claim ids from seeds/claims.toml or event ids from seeds/chronology.csv)")
    return exercises


def _event_ids() -> set[str]:
    from . import data
    if not (data.seeds_dir() / "chronology.csv").exists():
        return set()
    return {r["id"] for r in data.chronology_rows()}


def bank_files() -> list[Path]:
    return sorted((root() / "exercises").glob("[0-9][0-9]-*.toml"))


@functools.cache
def _load(path: Path) -> tuple[Exercise, ...]:
    return parse_bank(load_toml(path), path)


@functools.cache
def lesson_titles() -> dict[str, str]:
    return {p.name[:2]: load_toml(p)["title"] for p in bank_files()}


@functools.cache
def objectives() -> dict[str, tuple[str, ...]]:
    """Lesson number -> the bank's top-level `objectives` (empty for a bank that lists none)."""
    out = {}
    for p in bank_files():
        _load(p)  # validated
        out[p.name[:2]] = tuple(load_toml(p).get("objectives", ()))
    return out


def bank() -> list[Exercise]:
    """Every exercise in every bank, in course order."""
    return [e for p in bank_files() for e in _load(p)]


def get(exercise_id: str) -> Exercise:
    if not isinstance(exercise_id, str):
        raise KeyError(f"an exercise id is text such as '01.levels-order', not {type(exercise_id).__name__}")
    for p in bank_files():
        if p.name[:2] == exercise_id[:2]:
            for e in _load(p):
                if e.id == exercise_id:
                    return e
    raise KeyError(f"no exercise {exercise_id!r}; see threelevels.bank() for the ids")
