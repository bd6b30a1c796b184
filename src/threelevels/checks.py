"""Pure answer checks: `check(exercise, answer) -> Result`.

No widgets and no display here. A check never raises for anything a learner can type: input it
cannot read gives a "not-attempted" Result that says what was expected, so nothing counts against
the learner. Every message is plain text; `Result._repr_html_` escapes all of it.
"""
from __future__ import annotations

import functools
import html
import math
import numbers
import re
from dataclasses import dataclass
from typing import Any, Callable

# "self-assessed": a short answer with text. The machine does not mark writing: the learner ticks
# the rubric items their text meets, and what the machine can see is reported as observations
# (never a verdict). It counts as done, never as correct; its score is the share of rubric items
# the learner ticked (their own assessment, kept for their record; nothing averages it with
# machine-checked scores).
STATUSES = ("not-attempted", "incorrect", "partial", "correct", "self-assessed")
_ICONS = {"not-attempted": "○", "incorrect": "✗", "partial": "◐", "correct": "✓", "self-assessed": "✎"}
_VERDICTS = {"not-attempted": "Not attempted", "incorrect": "Not yet right",
             "partial": "Partly right", "correct": "Correct", "self-assessed": "Self-assessed"}


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


_APOSTROPHES = re.compile(r"['\u2019\u2018`]")
_NON_WORD = re.compile(r"[\W_]+")
_ARTICLE = re.compile(r"^(?:the|a|an) ")
_LEVEL_WORD = re.compile(r" levels?$")
# How a person may name a level besides its id and label (the abstract's own adjectives included).
LEVEL_ALIASES = {
    "global": ("global", "worldwide", "world"),
    "regional": ("regional", "northeast asian", "northeast asia", "region", "regional northeast asia"),
    "peninsular": ("peninsular", "korean peninsular", "korean peninsula", "peninsula"),
}


def _key(value: str) -> str:
    """The one normalisation for typed options, items and short-answer text: case, apostrophes,
    punctuation, hyphens and whitespace do not matter ('Working level security officials' is
    'working-level security officials')."""
    return " ".join(_NON_WORD.sub(" ", _APOSTROPHES.sub("", value.casefold())).split())


def _loose(key: str) -> str:
    """A normalised key without a leading article or a trailing 'level': 'the global level' -> 'global'."""
    return _LEVEL_WORD.sub("", _ARTICLE.sub("", key))


@functools.cache
def _index(ex, field: str) -> tuple[dict, dict]:
    """(exact key -> option, loose key -> option) for one exercise's options, items, choices or rubric.
    A loose key that two options share maps to None (ambiguous: never guessed)."""
    exact: dict[str, str] = {}
    loose: dict[str, str | None] = {}
    for opt in ex.spec[field]:
        names = [opt, _label(ex, opt)]
        if opt in LEVEL_ALIASES:
            names += LEVEL_ALIASES[opt]
        for name in names:
            k = _key(name)
            exact.setdefault(k, opt)
            lk = _loose(k)
            if loose.get(lk, opt) != opt:
                loose[lk] = None
            else:
                loose[lk] = opt
    return exact, loose


def _pick(ex, value: Any, field: str, what: str) -> str:
    """Map a learner's string onto one of the exercise's `field` entries (by id, label or, for a
    level, its usual names), or raise Unreadable listing what exists."""
    if not isinstance(value, str):
        raise Unreadable(f"{what} should be text (one of the options), not {type(value).__name__} {show(value)}.")
    exact, loose = _index(ex, field)
    k = _key(value)
    opt = exact.get(k) or loose.get(_loose(k))
    if opt is not None:
        return opt
    raise Unreadable(f"{show(value)} is not one of the options: "
                     + "; ".join(_label(ex, o) for o in ex.spec[field]) + ".")


def _split_typed(ex, value: str, field: str, what: str) -> list[str]:
    """A list typed as one string ('global, regional'): the whole string if it is one option,
    else its parts split at commas, semicolons, slashes or new lines (then at ' and ')."""
    try:
        return [_pick(ex, value, field, what)]
    except Unreadable:
        parts = [p for p in re.split(r"[,;/\n]+", value) if p.strip()]
        if len(parts) < 2:
            parts = [p for p in re.split(r"\s+(?:and|then|>)\s+|\s*>\s*", value) if p.strip()]
        if len(parts) < 2:
            raise
        out = []
        for p in parts:
            try:
                out.append(_pick(ex, p, field, what))
            except Unreadable:
                sub = [q for q in re.split(r"\s+and\s+", p) if q.strip()]
                if len(sub) < 2:
                    raise
                out += [_pick(ex, q, field, what) for q in sub]
        return out


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


def _accepted(ex, canonical: Any) -> Result | None:
    """A defensible alternative answer ([[exercise.accepted]]): correct, with its own feedback."""
    for answer, feedback in ex.accepted_canonical():
        if answer == canonical:
            return _result(ex, "correct", 1.0, "Correct: a defensible reading.",
                           [feedback] + ([f"The key's reading: {ex.explanation}"] if ex.explanation else []))
    return None


# --- one canonical form per type, shared by the key, the known wrong answers and the learner ---

def canon_single(ex, answer):
    return _pick(ex, answer, "options", "Your choice")


def canon_multi(ex, answer):
    if isinstance(answer, str):
        answer = _split_typed(ex, answer, "options", "Each selected option")
    picks = _as_list(answer, "Your selection")
    return frozenset(_pick(ex, p, "options", "Each selected option") for p in picks)


def canon_ranking(ex, answer):
    items = ex.spec["items"]
    if isinstance(answer, str):
        answer = _split_typed(ex, answer, "items", "Each ranked item")
    order = [_pick(ex, a, "items", "Each ranked item") for a in _as_list(answer, "Your ranking")]
    if len(set(order)) != len(order):
        dup = next(o for o in order if order.count(o) > 1)
        raise Unreadable(f"{_label(ex, dup)!r} appears twice; rank each item exactly once.")
    if len(order) != len(items):
        missing = [_label(ex, i) for i in items if i not in order]
        raise Unreadable(f"Rank all {len(items)} items; missing: {', '.join(missing)}.")
    return tuple(order)


def canon_mapping(ex, answer):
    if not isinstance(answer, dict):
        raise Unreadable(f"Your answer should pair each item with a choice (a dict), "
                         f"not {type(answer).__name__} {show(answer)}.")
    out = {}
    for k, v in answer.items():
        item = _pick(ex, k, "items", "Each item")
        if _blank(v):
            continue
        out[item] = _pick(ex, v, "choices", f"The choice for {_label(ex, item)!r}")
    return tuple(sorted(out.items()))


def canon_numeric(ex, answer):
    if isinstance(answer, bool) or answer is None:
        raise Unreadable(f"Enter a number, not {show(answer)}.")
    if isinstance(answer, str):
        text = answer.strip().replace(",", "").replace("_", "").rstrip(".")
        unit = _key(ex.spec.get("unit", ""))
        m = re.fullmatch(r"(\S+)\s+([A-Za-z]+)", text)
        if m and unit and _key(m.group(2)).rstrip("s") == unit.rstrip("s"):
            text = m.group(1)  # '20 days' where the unit is days
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
    """(text with whitespace squashed, frozenset of ticked rubric indices). A plain string is a
    submission with nothing ticked."""
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
            ticked.add(rubric.index(_pick(ex, t, "rubric", "Each ticked rubric item")))
    return (" ".join(text.split()), frozenset(ticked))


# --- checks ----------------------------------------------------------------------------------

def check_single(ex, answer) -> Result:
    choice = canon_single(ex, answer)
    if choice == ex.key():
        return _correct(ex)
    accepted = ex.accepted and _accepted(ex, choice)
    if accepted:
        return accepted
    feedback = _known_wrong(ex, choice) or ex.spec.get("notes", {}).get(choice)
    return _result(ex, "incorrect", 0.0,
                   f"Not yet right: {_label(ex, choice)!r} is not the best answer.",
                   [feedback or "Reread the question and the quoted sentence, then try again."])


def check_multi(ex, answer) -> Result:
    picks = canon_multi(ex, answer)
    key = ex.key()
    if picks == key:
        return _correct(ex)
    accepted = ex.accepted and _accepted(ex, picks)
    if accepted:
        return accepted
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
    accepted = ex.accepted and _accepted(ex, order)
    if accepted:
        return accepted
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
    accepted = ex.accepted and _accepted(ex, tuple(sorted(given.items())))
    if accepted:
        return accepted
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
    for other, feedback in ex.accepted_canonical():
        if abs(value - other) <= tol + 1e-9:
            return _result(ex, "correct", 1.0, "Correct: a defensible reading.",
                           [feedback] + ([f"The key's reading: {ex.explanation}"] if ex.explanation else []))
    shown = f"{value:g}" if abs(value) < 1e15 else "that number"
    known = _known_wrong(ex, value)
    side = "too high" if value > key else "too low"
    return _result(ex, "incorrect", 0.0, f"Not yet right: {shown} is {side}.", [known] if known else [])


def check_short(ex, answer) -> Result:
    """A short answer is self-assessed: the learner ticks the rubric items their text meets; the
    machine reports what it can see (observations, never a verdict) and reveals the exemplar."""
    text, ticked = canon_short(ex, answer)
    if not text:
        return _result(ex, "not-attempted", 0.0, "Not attempted: write your answer in the text box first.")
    rubric = ex.spec["rubric"]
    details = []
    known = _known_wrong_text(ex, text)
    if known:
        details.append(known)
    details += observations(ex, text)
    details += [f"Rubric item you did not tick (tick it when your text does it): {r}"
                for i, r in enumerate(rubric) if i not in ticked]
    details.append(f"One strong answer, for comparison: {ex.spec['exemplar']}")
    if ex.explanation:
        details.append(f"Why: {ex.explanation}")
    message = (f"Self-assessed: submitted, with {len(ticked)} of {len(rubric)} rubric items ticked by you. "
               "The machine does not mark writing: compare your text with the strong answer below.")
    return _result(ex, "self-assessed", len(ticked) / len(rubric), message, details)


@functools.cache
def _short_wrong(ex) -> tuple[tuple[str, str], ...]:
    out = []
    for answer, feedback in ex.wrong:
        text = answer.get("text", "") if isinstance(answer, dict) else answer
        out.append((_key(text), feedback))
    return tuple(out)


def _known_wrong_text(ex, text: str) -> str | None:
    """A known wrong short answer matches whatever its case, punctuation and spacing."""
    k = _key(text)
    for wrong, feedback in _short_wrong(ex):
        if wrong == k:
            return feedback
    return None


# --- what the machine can see in a short answer (observations, never verdicts) ----------------

SIGNALS = ("levels", "claims", "recommendations", "length", "hindsight")
WORDS_PER_SENTENCE = 10  # a short sentence, for prompts that ask for "three to five sentences"
_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUM = r"(\d+|" + "|".join(_NUMBER_WORDS) + r")"
_RANGE = re.compile(_NUM + r"\s*(?:-|–|to|or)\s*" + _NUM + r"[\s-]*(words|sentences)", re.I)
_AT_LEAST = re.compile(r"(?:at least|about|around|some|roughly)\s+" + _NUM + r"\s+(words|sentences)", re.I)
_EXACT = re.compile(r"\b(?:in|of|write)\s+" + _NUM + r"\s+(words|sentences)", re.I)


def _num(text: str) -> int:
    return int(text) if text.isdigit() else _NUMBER_WORDS[text.casefold()]


def asked_length(prompt: str) -> tuple[int, int | None, str, str] | None:
    """What length a prompt asks for: (low, high or None, unit 'words'/'sentences', the phrase),
    e.g. "200 to 300 words" -> (200, 300, 'words', '200 to 300 words'); None if it does not say.
    A length in words wins over one in sentences ("three to five sentences (about 60 to 120 words)")."""
    found = [(_num(m.group(1)), _num(m.group(2)), m.group(3).casefold(), m.group(0))
             for m in _RANGE.finditer(prompt)]
    found += [(_num(m.group(1)), None, m.group(2).casefold(), m.group(0))
              for pat in (_AT_LEAST, _EXACT) for m in pat.finditer(prompt)]
    return next((f for f in found if f[2] == "words"), found[0] if found else None)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text)


def _sentences(text: str) -> int:
    return len([s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if _words(s)])


_LEVEL_PATTERNS = {
    "global": re.compile(r"\bglobal|\bworld-?wide\b", re.I),
    "regional": re.compile(r"\bregion(?:al)?\b|\bnortheast(?:ern)? asia", re.I),
    "peninsular": re.compile(r"\bpeninsul(?:a|ar)\b", re.I),
}
_RECOMMENDATIONS = {
    1: re.compile(r"channel|president|foreign minister|working[- ]level|coordinat\w* (?:policy )?priorit", re.I),
    2: re.compile(r"\bally\b|\ballies\b|\balliance partner|mediat|go-between|broker", re.I),
    3: re.compile(r"consolidat|consult|agenda[- ]building|agenda", re.I),
    4: re.compile(r"multilateral|\bneased\b|security dialogue", re.I),
}
_REC_BY_NUMBER = re.compile(r"\b(?:rec(?:ommendation)?s?\.?\s*(?:no\.?\s*)?(\d)|(first|second|third|fourth)"
                            r"\s+recommendation)", re.I)
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_STOP = frozenset("a an the of to in on at and or as by for is are be its it this that with from their"
                  " than more rather upon whether between both all each".split())


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _observe_levels(text: str) -> str:
    named = [lv for lv, rx in _LEVEL_PATTERNS.items() if rx.search(text)]
    if not named:
        return "Observed: names none of the three levels (global, regional, peninsular)."
    rest = [lv for lv in _LEVEL_PATTERNS if lv not in named]
    return (f"Observed: names the {_and(named)} level{'s' if len(named) > 1 else ''}"
            + (f"; not the {_and(rest)} level{'s' if len(rest) > 1 else ''}." if rest else "."))


_COMMON = _STOP | frozenset("us level levels korea korean koreas north south policy".split())
_GRAM = 5  # a claim's wording is a run of five words with at least three uncommon ones


@functools.cache
def _claim_phrases() -> tuple[dict[str, str], dict[tuple[str, ...], frozenset[str]]]:
    """(normalised claim id -> id, five-word phrase of the abstract -> the claims quoting it), keeping
    only phrases with at least three uncommon words that no more than two claims share."""
    from .data import claims
    c = claims().claims
    ids = {_key(cid): cid for cid in c}
    grams: dict[tuple[str, ...], set[str]] = {}
    for cid, cl in c.items():
        w = _key(cl.quote).split()
        for i in range(len(w) - _GRAM + 1):
            g = tuple(w[i:i + _GRAM])
            if sum(x not in _COMMON for x in g) >= 3:
                grams.setdefault(g, set()).add(cid)
    return ids, {g: frozenset(s) for g, s in grams.items() if len(s) <= 2}


def _observe_claims(text: str) -> str:
    ids, grams = _claim_phrases()
    k = _key(text)
    low = text.casefold()  # ids as written, hyphens and all: 'the global level' is not claim global-level
    by_id = sorted({cid for cid in ids.values() if re.search(rf"(?<![\w-]){re.escape(cid)}(?![\w-])", low)})
    w = k.split()
    by_words = set()
    for i in range(len(w) - _GRAM + 1):
        by_words |= grams.get(tuple(w[i:i + _GRAM]), frozenset())
    by_words = sorted(by_words - set(by_id))
    parts = []
    if by_id:
        parts.append(f"cites claim id{'s' if len(by_id) > 1 else ''} {', '.join(by_id)}")
    if by_words:
        parts.append(f"uses the abstract's wording of claim{'s' if len(by_words) > 1 else ''} "
                     f"{', '.join(by_words)}")
    if not parts:
        return "Observed: no claim id and none of the abstract's distinctive wording."
    return "Observed: " + "; ".join(parts) + "."


def _observe_recommendations(text: str) -> str:
    named = {n for n, rx in _RECOMMENDATIONS.items() if rx.search(text)}
    for m in _REC_BY_NUMBER.finditer(text):
        n = int(m.group(1)) if m.group(1) else _ORDINAL[m.group(2).casefold()]
        if 1 <= n <= 4:
            named.add(n)
    if not named:
        return "Observed: names none of the four recommendations."
    rest = [str(n) for n in range(1, 5) if n not in named]
    return (f"Observed: names recommendation{'s' if len(named) > 1 else ''} {_and([str(n) for n in sorted(named)])}"
            + (f" of the four; not {_and(rest)}." if rest else " (all four)."))


def _observe_length(ex, text: str) -> str:
    words = len(_words(text))
    asked = asked_length(ex.prompt)
    if asked is None:
        floor = int(ex.spec.get("min_words", 40))
        return (f"Observed: {words} word{'s' if words != 1 else ''}"
                + (f"; at least {floor} expected." if words < floor else "."))
    lo, hi, unit, phrase = asked
    n = words if unit == "words" else _sentences(text)
    said = f"{words} words" if unit == "words" else f"{n} sentence{'s' if n != 1 else ''} ({words} words)"
    where = " (fewer)" if n < lo else (" (more)" if hi is not None and n > hi else "")
    return f"Observed: {said}; the prompt asks for {phrase}{where}."


_PROPER = re.compile(r"(?:'([^']+)')|((?:[A-Z][\w.-]*)(?:\s+(?:[A-Z][\w.-]*))*)")
# Words too common in this course to identify a later event on their own.
_GENERIC = frozenset("""north south korea korean koreas us usa dprk rok china chinese japan washington seoul
    pyongyang beijing tokyo geneva new york first second third unclassified former president secretary state
    department joint statement executive board policy report talks island battle forum union declaration summit
    coordinator line limit northern regional global peninsular asean european university party six four kim
    jong il un dae jung moon jae in clinton william yongbyon""".split())
_GENERIC_PHRASES = frozenset(("north korea", "south korea", "state department", "joint statement",
                              "executive board", "us china joint statement", "four party talks", "us dprk"))


def _name_ok(phrase: str, known: str) -> bool:
    if len(phrase) < 4 or f" {phrase} " in known:
        return False
    return phrase not in (_GENERIC_PHRASES if " " in phrase else _GENERIC)


@functools.cache
def _later_events() -> tuple[tuple[dict, tuple[str, ...], int], ...]:
    """The chronology's rows after the article was written, each with the names that identify it
    (proper names from its title that no earlier row and not the abstract use) and its year."""
    from .data import ARTICLE_WRITTEN_BY, abstract, chronology_rows
    rows = chronology_rows()
    earlier = [r for r in rows if r["date"] <= ARTICLE_WRITTEN_BY]
    known = " " + " ".join(_key(r["title"]) for r in earlier) + " " + _key(abstract()) + " "
    out = []
    for r in rows:
        if r["date"] <= ARTICLE_WRITTEN_BY:
            continue
        names = []
        for quoted, run in _PROPER.findall(r["title"]):
            phrase = re.sub(r"^(?:the|first|second|third|unclassified|former|state)\s+", "", _key(quoted or run))
            candidates = [phrase] + (phrase.split() if " " in phrase and not quoted else [])
            names += [c for c in candidates if _name_ok(c, known)]
        out.append((r, tuple(dict.fromkeys(names)), int(r["date"][:4])))
    return tuple(out)


def _observe_hindsight(text: str) -> list[str]:
    from .data import ARTICLE_WRITTEN_BY
    k = f" {_key(text)} "
    words = set(k.split())
    years = {int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", text)}
    after = int(ARTICLE_WRITTEN_BY[:4])
    found, seen_years = [], set()
    for row, names, year in _later_events():
        hit = next((n for n in names if f" {n} " in k), None)
        if hit is None and year in years:
            title_words = set(_key(row["title"]).split()) - _STOP - _GENERIC - set(LEVEL_ALIASES) | (
                {"summit"} & set(_key(row["title"]).split()))
            if title_words & words:
                hit = str(year)
        if hit is not None:
            found.append(row)
            seen_years.add(year)
    out = [f"Observed: mentions {r['title']} ({r['date']}, event {r['id']}), after the article was written "
           f"(mid-{after}): the author could not have known it; if you use it, mark it as later history."
           for r in found[:3]]
    if len(found) > 3:
        out.append(f"Observed: and {len(found) - 3} more event{'s' if len(found) > 4 else ''} after mid-{after}: "
                   + ", ".join(r["id"] for r in found[3:]) + ".")
    bare = sorted(y for y in years if y > after and y not in seen_years)
    if bare:
        out.append(f"Observed: names the year{'s' if len(bare) > 1 else ''} {_and([str(y) for y in bare])}, "
                   f"after the article was written (mid-{after}).")
    return out or [f"Observed: names no event from after the article was written (mid-{after})."]


def observations(ex, text: str) -> list[str]:
    """What the machine can see in a short answer, for the signals its rubric declares (and its
    length, always). Observations, never a verdict."""
    wanted = {s for item in ex.spec.get("signals", ()) for s in item} | {"length"}
    out = []
    for signal in SIGNALS:
        if signal not in wanted:
            continue
        if signal == "levels":
            out.append(_observe_levels(text))
        elif signal == "claims":
            out.append(_observe_claims(text))
        elif signal == "recommendations":
            out.append(_observe_recommendations(text))
        elif signal == "length":
            out.append(_observe_length(ex, text))
        else:
            out += _observe_hindsight(text)
    return out


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
