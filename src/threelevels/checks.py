"""Pure answer checks: `check(exercise, answer) -> Result`.

No widgets and no display here. A check never raises for anything a learner can type: input it
cannot read gives a "not-attempted" Result that says what was expected, so nothing counts against
the learner. Every message is plain text; `Result._repr_html_` escapes all of it.
"""
from __future__ import annotations

import html
import math
import numbers
from dataclasses import dataclass
from typing import Any, Callable

STATUSES = ("not-attempted", "incorrect", "partial", "correct")
_ICONS = {"not-attempted": "○", "incorrect": "✗", "partial": "◐", "correct": "✓"}
_VERDICTS = {"not-attempted": "Not attempted", "incorrect": "Not yet right",
             "partial": "Partly right", "correct": "Correct"}


@dataclass(frozen=True)
class Result:
    """The verdict on one answer. `message` says the verdict in words (never colour alone)."""
    status: str
    score: float
    message: str
    details: tuple[str, ...] = ()
    exercise_id: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"score must be within 0..1, got {self.score!r}")

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    @property
    def verdict(self) -> str:
        return _VERDICTS[self.status]

    def text(self) -> str:
        """The whole result as plain text (what the answer keys print)."""
        lines = [f"{_ICONS[self.status]} {self.message}"]
        lines += [f"  - {d}" for d in self.details]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(d)}</li>" for d in self.details)
        return (f'<div class="threelevels-result threelevels-{self.status}" role="status">'
                f'<strong>{_ICONS[self.status]} {html.escape(self.message)}</strong>'
                + (f"<ul>{items}</ul>" if items else "") + "</div>")


class Unreadable(Exception):
    """The answer is not in a form this exercise can check; the message says what it expects."""


def show(value: Any, limit: int = 60) -> str:
    """A short, safe description of whatever a learner typed, for use in messages."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + f"… ({len(value):,} characters)"
        return repr(text)
    try:
        text = repr(value)
    except Exception:  # a learner object whose repr fails
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit] + "…"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, (list, tuple, dict, set, frozenset)) and len(value) == 0)


def _label(ex, item: str) -> str:
    return ex.labels.get(item, item)


def _key(value: str) -> str:
    """How typed options are matched: case and surrounding/inner whitespace do not matter."""
    return " ".join(value.split()).casefold()


def _pick(ex, value: Any, options: list[str], what: str) -> str:
    """Map a learner's string onto one of `options` (by id or by label), or raise Unreadable."""
    if not isinstance(value, str):
        raise Unreadable(f"{what} should be text (one of the options), not {type(value).__name__} {show(value)}.")
    wanted = _key(value)
    for opt in options:
        if wanted in (_key(opt), _key(_label(ex, opt))):
            return opt
    raise Unreadable(f"{show(value)} is not one of the options: "
                     + "; ".join(_label(ex, o) for o in options) + ".")


def _as_list(value: Any, what: str) -> list:
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    raise Unreadable(f"{what} should be a list, not {type(value).__name__} {show(value)}.")


def _known_wrong(ex, canonical: Any) -> str | None:
    for wrong_answer, feedback in ex.wrong_canonical():
        if wrong_answer == canonical:
            return feedback
    return None


def _result(ex, status: str, score: float, message: str, details=()) -> Result:
    return Result(status, round(max(0.0, min(1.0, score)), 4), message, tuple(details), ex.id)


def _correct(ex, extra: str = "") -> Result:
    msg = "Correct." + (f" {extra}" if extra else "")
    return _result(ex, "correct", 1.0, msg, (f"Why: {ex.explanation}",) if ex.explanation else ())


# --- one canonical form per type, shared by the key, the known wrong answers and the learner ---

def canon_single(ex, answer):
    return _pick(ex, answer, ex.spec["options"], "Your choice")


def canon_multi(ex, answer):
    if isinstance(answer, str):
        answer = [answer]
    picks = _as_list(answer, "Your selection")
    return frozenset(_pick(ex, p, ex.spec["options"], "Each selected option") for p in picks)


def canon_ranking(ex, answer):
    items = ex.spec["items"]
    order = [_pick(ex, a, items, "Each ranked item") for a in _as_list(answer, "Your ranking")]
    if len(set(order)) != len(order):
        dup = next(o for o in order if order.count(o) > 1)
        raise Unreadable(f"{_label(ex, dup)!r} appears twice; rank each item exactly once.")
    if len(order) != len(items):
        missing = [_label(ex, i) for i in items if i not in order]
        raise Unreadable(f"Rank all {len(items)} items; missing: {', '.join(missing)}.")
    return tuple(order)


def canon_mapping(ex, answer):
    items, choices = ex.spec["items"], ex.spec["choices"]
    if not isinstance(answer, dict):
        raise Unreadable(f"Your answer should pair each item with a choice (a dict), "
                         f"not {type(answer).__name__} {show(answer)}.")
    out = {}
    for k, v in answer.items():
        item = _pick(ex, k, items, "Each item")
        if _blank(v):
            continue
        out[item] = _pick(ex, v, choices, f"The choice for {_label(ex, item)!r}")
    return tuple(sorted(out.items()))


def canon_numeric(ex, answer):
    if isinstance(answer, bool) or answer is None:
        raise Unreadable(f"Enter a number, not {show(answer)}.")
    if isinstance(answer, str):
        text = answer.strip().replace(",", "").replace("_", "")
        try:
            answer = float(text)
        except ValueError:
            raise Unreadable(f"Enter a number; {show(answer)} is not one.") from None
    if not isinstance(answer, numbers.Real):
        raise Unreadable(f"Enter a number, not {type(answer).__name__} {show(answer)}.")
    try:
        value = float(answer)
    except OverflowError:
        raise Unreadable("That number is too large to check.") from None
    if math.isnan(value) or math.isinf(value):
        raise Unreadable(f"Enter a finite number, not {show(answer)}.")
    return value


def canon_short(ex, answer):
    if isinstance(answer, str):
        answer = {"text": answer, "ticked": []}
    if not isinstance(answer, dict):
        raise Unreadable(f"Write your answer as text, not {type(answer).__name__} {show(answer)}.")
    text = answer.get("text", "")
    if not isinstance(text, str):
        raise Unreadable(f"Your text should be a string, not {type(text).__name__}.")
    rubric = ex.spec["rubric"]
    ticked = set()
    for t in _as_list(answer.get("ticked", []), "The ticked rubric items"):
        if isinstance(t, int) and not isinstance(t, bool) and 0 <= t < len(rubric):
            ticked.add(t)
        else:
            ticked.add(rubric.index(_pick(ex, t, rubric, "Each ticked rubric item")))
    return (" ".join(text.split()), frozenset(ticked))


# --- checks ----------------------------------------------------------------------------------

def check_single(ex, answer) -> Result:
    choice = canon_single(ex, answer)
    if choice == ex.key():
        return _correct(ex)
    feedback = _known_wrong(ex, choice) or ex.spec.get("notes", {}).get(choice)
    return _result(ex, "incorrect", 0.0,
                   f"Not yet right: {_label(ex, choice)!r} is not the best answer.",
                   [feedback or "Reread the question and the quoted sentence, then try again."])


def check_multi(ex, answer) -> Result:
    picks = canon_multi(ex, answer)
    key = ex.key()
    if picks == key:
        return _correct(ex)
    notes = ex.spec.get("notes", {})
    hits, extra = picks & key, picks - key
    missing = len(key - picks)
    score = max(0.0, (len(hits) - len(extra)) / len(key))
    details = []
    known = _known_wrong(ex, picks)
    if known:
        details.append(known)
    for opt in sorted(extra, key=ex.spec["options"].index):
        details.append(notes.get(opt) or f"{_label(ex, opt)!r} does not belong in the answer.")
    if missing:
        details.append(f"{missing} correct option{'s are' if missing > 1 else ' is'} still unselected.")
    status = "partial" if score > 0 else "incorrect"
    return _result(ex, status, score,
                   f"{'Partly right' if status == 'partial' else 'Not yet right'}: "
                   f"{len(hits)} of {len(key)} correct options selected"
                   + (f", {len(extra)} that should not be." if extra else "."), details)


def rank_agreement(order, reference) -> tuple[float, tuple | None]:
    """The share of pairs of `reference`'s items that `order` ranks the same way (0..1), and the
    first pair (in reference order) that it ranks the other way round, if any."""
    pos = {item: i for i, item in enumerate(order)}
    pairs = [(a, b) for i, a in enumerate(reference) for b in reference[i + 1:]]
    agree = [pos[a] < pos[b] for a, b in pairs]
    first_bad = pairs[agree.index(False)] if False in agree else None
    return (sum(agree) / len(pairs) if pairs else 1.0), first_bad


def check_ranking(ex, answer) -> Result:
    order = canon_ranking(ex, answer)
    key = ex.key()
    if order == key:
        return _correct(ex)
    score, first_bad = rank_agreement(order, key)
    pairs = len(key) * (len(key) - 1) // 2
    details = []
    known = _known_wrong(ex, order)
    if known:
        details.append(known)
    a, b = first_bad
    details.append(f"You ranked {_label(ex, b)!r} above {_label(ex, a)!r}; "
                   f"the answer puts {_label(ex, a)!r} higher.")
    status = "partial" if score > 0 else "incorrect"
    return _result(ex, status, score,
                   f"{'Partly right' if status == 'partial' else 'Not yet right'}: "
                   f"{round(score * pairs)} of {pairs} pairs are in the right order.", details)


def check_mapping(ex, answer) -> Result:
    given = dict(canon_mapping(ex, answer))
    key = dict(ex.key())
    if given == key:
        return _correct(ex)
    items = ex.spec["items"]
    right = [i for i in items if given.get(i) == key[i]]
    score = len(right) / len(items)
    details = []
    known = _known_wrong(ex, tuple(sorted(given.items())))
    if known:
        details.append(known)
    notes = ex.spec.get("notes", {})
    unplaced = [i for i in items if i not in given]
    for item in items:
        if item in given and given[item] != key[item]:
            details.append(notes.get(item) or
                           f"{_label(ex, item)!r} does not go with {_label(ex, given[item])!r}.")
    if ex.type == "matching":
        used = [v for v in given.values()]
        for dup in sorted({v for v in used if used.count(v) > 1}):
            details.append(f"You used {_label(ex, dup)!r} more than once; each goes with one item.")
    if unplaced:
        details.append(f"Not yet placed: {', '.join(repr(_label(ex, i)) for i in unplaced)}.")
    status = "partial" if score > 0 else "incorrect"
    return _result(ex, status, score,
                   f"{'Partly right' if status == 'partial' else 'Not yet right'}: "
                   f"{len(right)} of {len(items)} placed correctly.", details)


def check_numeric(ex, answer) -> Result:
    value = canon_numeric(ex, answer)
    key = ex.key()
    tol = float(ex.spec.get("tolerance", 0))
    if abs(value - key) <= tol + 1e-9:
        return _correct(ex)
    shown = f"{value:g}" if abs(value) < 1e15 else "that number"
    known = _known_wrong(ex, value)
    side = "too high" if value > key else "too low"
    return _result(ex, "incorrect", 0.0, f"Not yet right: {shown} is {side}.", [known] if known else [])


def check_short(ex, answer) -> Result:
    text, ticked = canon_short(ex, answer)
    rubric = ex.spec["rubric"]
    min_words = int(ex.spec.get("min_words", 40))
    words = len(text.split())
    if words == 0:
        return _result(ex, "not-attempted", 0.0,
                       "Not attempted: write your answer in the text box first.")
    missing = [r for i, r in enumerate(rubric) if i not in ticked]
    long_enough = words >= min_words
    score = (len(ticked) / len(rubric)) * (1.0 if long_enough else words / min_words)
    exemplar = f"One strong answer, for comparison: {ex.spec['exemplar']}"
    known = _known_wrong(ex, (text, ticked))
    details = [known] if known else []
    if not long_enough:
        details.append(f"Your answer has {words} words; aim for at least {min_words}.")
    details += [f"Rubric item not yet met (tick it when your text does it): {r}" for r in missing]
    details.append(exemplar)
    if long_enough and not missing:
        return _result(ex, "correct", 1.0,
                       "Correct: your answer meets every rubric item (self-assessed).",
                       [exemplar] + ([f"Why: {ex.explanation}"] if ex.explanation else []))
    return _result(ex, "partial" if score > 0 else "incorrect", score,
                   f"{'Partly there' if score > 0 else 'Not yet right'}: "
                   f"{len(ticked)} of {len(rubric)} rubric items ticked.", details)


def check_code(ex, answer) -> Result:
    from . import codecheck
    return codecheck.check(ex, answer, _result, _correct)


CHECKS: dict[str, Callable] = {
    "single-choice": check_single, "multi-select": check_multi, "ranking": check_ranking,
    "categorize": check_mapping, "matching": check_mapping, "numeric": check_numeric,
    "short-answer": check_short, "code": check_code,
}
CANON: dict[str, Callable] = {
    "single-choice": canon_single, "multi-select": canon_multi, "ranking": canon_ranking,
    "categorize": canon_mapping, "matching": canon_mapping, "numeric": canon_numeric,
    "short-answer": canon_short,
}


def check(ex, answer) -> Result:
    """Check one answer against one exercise. Never raises for a learner's input."""
    try:
        if _blank(answer) or (ex.type == "short-answer" and isinstance(answer, dict)
                              and _blank(answer.get("text"))):
            return _result(ex, "not-attempted", 0.0, f"Not attempted: {ex.blank_hint()}")
        return CHECKS[ex.type](ex, answer)
    except Unreadable as exc:
        return _result(ex, "not-attempted", 0.0, f"Not checked: {exc}")
    except RecursionError:
        return _result(ex, "not-attempted", 0.0, "Not checked: that answer is nested too deeply to read.")
    except Exception as exc:  # an object whose own methods fail (e.g. a broken __eq__ or __str__)
        return _result(ex, "not-attempted", 0.0,
                       f"Not checked: this answer could not be read ({type(exc).__name__}). "
                       f"{ex.blank_hint()}")
    except KeyboardInterrupt:  # the learner pressed stop
        raise
    except BaseException as exc:  # e.g. an answer whose __len__ raises SystemExit: never end the kernel
        return _result(ex, "not-attempted", 0.0,
                       f"Not checked: reading this answer raised {type(exc).__name__}. {ex.blank_hint()}")
