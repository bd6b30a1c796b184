"""Nonsense never earns "correct": junk of every shape, submitted to every exercise of every bank.

Junk is built per exercise from its own options (so it looks plausible to the checker): random
words, the options in the wrong structures, every option at once, the rubric all ticked on a text
of 'banana', huge strings and nested junk. An answer that happens to equal the key or an accepted
reading is not junk and is skipped (it is counted, so the test cannot pass by skipping everything).
"""
import random

import pytest

import threelevels
from threelevels import checks

EXERCISES = threelevels.bank()
IDS = [e.id for e in EXERCISES]
WORDS = ("banana quantum lorem ipsum treaty sunshine global regional peninsular level policy korea "
         "the of and kim washington seoul 1997 balance power ally mediator").split()


def _entries(ex) -> list[str]:
    spec = ex.spec
    out = []
    for key in ("options", "items", "choices", "rubric"):
        out += list(spec.get(key, []))
    return out or ["global", "regional", "peninsular"]


def junk(ex) -> list:
    rng = random.Random(ex.id)
    entries = _entries(ex)
    labels = [ex.labels.get(e, e) for e in entries]
    spec = ex.spec
    out = [
        " ".join(rng.choice(WORDS) for _ in range(12)),          # random words
        "banana " * 50,
        "x" * 200_000,                                           # huge string
        "global " * 20_000,
        ", ".join(entries),                                      # every option in one string
        " and ".join(labels),
        entries,                                                 # the options as a list
        [entries],                                               # nested
        [[[e]] for e in entries],
        {e: entries for e in entries},                           # a dict of lists
        {e: e for e in entries},                                 # each item paired with itself
        {"text": entries, "ticked": entries},
        {"answer": ex.answer},                                   # the key in the wrong structure
        [ex.answer, ex.answer],
        str(ex.answer) + " banana",
        (ex.answer,),
        {"text": "banana " * 50, "ticked": list(range(len(spec.get("rubric", []))))},
        {"text": "banana " * 50, "ticked": list(spec.get("rubric", []))},
        {"text": "word " * 150, "ticked": list(range(len(spec.get("rubric", [])) + 3))},
        [None, 3, "global", b"regional", 1.5],
        {1: 2, None: "global"},
        -1, 0, 1e308, 10 ** 400, "1e400", "nan", "-inf",
        rng.choice(WORDS),
    ]
    if ex.type == "multi-select":
        out.append(list(spec["options"]))                        # tick everything
        out.append(list(spec["options"]) * 2)
    if ex.type in ("categorize", "matching"):
        for choice in spec["choices"]:
            out.append({item: choice for item in spec["items"]})  # everything in one category
    if ex.type == "ranking":
        out.append(list(reversed(ex.key())))
        out.append(list(ex.key()) + [ex.key()[0]])
    if ex.type == "single-choice":
        out.append(list(spec["options"]))
        out.append(" ".join(spec["options"]))
    if ex.type == "numeric":
        key = ex.key()
        tol = float(spec.get("tolerance", 0))
        out += [v for v in (key + tol + 1, key - tol - 1, -key, key * 10, str(key) + "0") if v]
    if ex.type == "code":
        out += ["chron", "claims", "pd", "None", "[]", "{}", "0", "chron.head()", "claims.iloc[:, 0]",
                "claims.describe()", "len(chron)", "'banana'"]
    return out


def _is_key(ex, answer) -> bool:
    """True when `answer` is in fact the key or an accepted reading (then it is not junk)."""
    if ex.type in ("code", "short-answer"):
        return False
    try:
        canon = checks.CANON[ex.type](ex, answer)
    except Exception:
        return False
    key = ex.key()
    if ex.type == "numeric":
        tol = float(ex.spec.get("tolerance", 0))
        return abs(canon - key) <= tol + 1e-9 or any(abs(canon - a) <= tol + 1e-9 for a, _ in ex.accepted_canonical())
    return canon == key or any(canon == a for a, _ in ex.accepted_canonical())


@pytest.mark.parametrize("ex", EXERCISES, ids=IDS)
def test_nonsense_never_earns_correct(ex):
    """Does no junk answer, of any shape, get status 'correct' (or a score of 1 without being self-assessed)?"""
    tried = 0
    for answer in junk(ex):
        if _is_key(ex, answer):
            continue
        tried += 1
        r = threelevels.check(ex.id, answer)
        assert r.status != "correct", (ex.id, checks.show(answer), r.text()[:300])
        assert not r.correct
        if r.status != "self-assessed":
            assert r.score < 1.0, (ex.id, checks.show(answer))
    assert tried >= 20


def test_the_issue_measured_cases_are_not_correct():
    """The two cases measured in issue 9: 'banana' x50 and 'word' x150 with every rubric item ticked."""
    short = [e for e in EXERCISES if e.type == "short-answer"]
    assert short
    for ex in short:
        r = threelevels.check(ex.id, {"text": "banana " * 50, "ticked": list(range(len(ex.spec["rubric"])))})
        assert r.status == "self-assessed" and not r.correct and "correct" not in r.message.casefold()
        r = threelevels.check(ex.id, "word " * 150)
        assert r.status == "self-assessed" and r.score == 0.0
