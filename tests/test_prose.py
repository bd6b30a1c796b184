"""Prose that learners read keeps the course's promises: no count typed where the data holds it, no
claim to know what the full article says, no "first/highest/ever" without a date, no table cut short.

The detectors are heuristics over lesson markdown and the text fields of the exercise banks. Each is
tested on sentences it must flag and sentences it must let through, so a detector that can no longer
fail is caught too.
"""
import json
import re

import pytest

import threelevels

from .conftest import ROOT

LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))
NUMBER_WORDS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
                "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty").split()
_NUM = r"(?<![\w.-])(?!(?:1[89]|20)\d\d\b)(?:\d[\d,]*(?:\.\d+)?|" + "|".join(NUMBER_WORDS) + r")"
_DATA_NOUN = r"(?:events|rows|entries)"   # plural: "one row per level" is not a count of the data
# words that may stand between a number and its noun ("12 peninsular events", "four of the events"):
# adjectives and determiners only, so that a verb ends the phrase ("Two of the forums have dated events")
_FILLER = (r"(?:(?:of|the|its|these|those|such|dated|recorded|listed|distinct|separate|more|other|new|"
           r"further|main|earlier|later|global|regional|peninsular|chronology's|course's)\s+){0,4}")

# 1. counts and shares of the data typed in prose ------------------------------------------------
_COUNT_PATTERNS = [
    # "nine events", "29 rows", "12 peninsular events", "four of the events", "12 of the 29 events"
    re.compile(rf"\b{_NUM}\s+(?:of\s+(?:the\s+)?{_NUM}\s+)?{_FILLER}{_DATA_NOUN}\b", re.I),
    # "most events", "half of the events", "a third of the rows", "the majority of events"
    re.compile(rf"\b(?:most|half|(?:the\s+)?majority|(?:the\s+)?minority|a\s+third|two\s+thirds|a\s+quarter)"
               rf"\s+{_FILLER}{_DATA_NOUN}\b", re.I),
]
# a number after these words is a label, not a count ("lesson 07", "sentences 2 to 4", "section 3")
_LABEL_BEFORE = re.compile(r"\b(?:lessons?|sections?|sentences?|recommendations?|cells?|steps?|parts?|"
                           r"vol\.|no\.|pp?\.|to|and|or)\s*$", re.I)
_SHARE = re.compile(r"\b\d+(?:\.\d+)?\s*(?:%|per\s?cent\b|percent\b)", re.I)
_SHARE_CONTEXT = re.compile(r"\b(?:events?|rows?|entries|chronology|data\s?set)\b", re.I)


def _strip(text: str) -> str:
    """Markdown without code spans, link targets and HTML tags (only the words a learner reads)."""
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"https?://\S+", " ", text)
    return re.sub(r"<[^>]+>", " ", text)


def _sentences(text: str):
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n\s*\n|\n\s*[-*|]\s", _strip(text)) if s.strip()]


def typed_counts(text: str) -> list[str]:
    """Phrases that type a count or share of the course's data (events, rows) into prose."""
    found = []
    for sentence in _sentences(text):
        for pat in _COUNT_PATTERNS:
            found += [m.group(0) for m in pat.finditer(sentence)
                      if not _LABEL_BEFORE.search(sentence[:m.start()])]
        if _SHARE.search(sentence) and _SHARE_CONTEXT.search(sentence):
            found.append(_SHARE.search(sentence).group(0) + " (a share, next to the data)")
    return found


# 2. claims to know the full article ---------------------------------------------------------------
_SUBJECT = r"\b(?:the|this|Kim's)\s+(?:article|paper|author|full\s+text)(?:'s\s+\w+)?|\bKim\b"
_CONTENT_VERB = (r"(?:mention|say|discuss|address|name|refer|consider|cover|deal|treat|talk|explain|give|offer|"
                 r"propose|answer|claim|argue|predict|spell|list|cite|raise)\w*")
_FULL_TEXT = [
    # "the article never mentions", "the author does not discuss", "Kim does not say"
    re.compile(rf"(?:{_SUBJECT})\s+(?:\w+ly\s+)?(?:never|nowhere|does\s+not|doesn't|did\s+not|didn't|fails\s+to)"
               rf"\s+(?:\w+ly\s+)?{_CONTENT_VERB}\b", re.I),
    # "which the article looks back on", "the article omits", "the article ignores"
    re.compile(rf"(?:{_SUBJECT})\s+(?:looks?\s+back|omits|ignores|leaves\s+out|is\s+silent)\b", re.I),
    # "an answer the article does not give"
    re.compile(r"\b(?:article|author)\s+(?:never|does\s+not|doesn't|did\s+not)\s+" + _CONTENT_VERB + r"\b", re.I),
]


def full_text_claims(text: str) -> list[str]:
    """Phrases that claim knowledge of the whole article, which the course does not have."""
    return [m.group(0) for s in _sentences(text) for pat in _FULL_TEXT for m in pat.finditer(s)]


# 3. superlatives without a date -------------------------------------------------------------------
# superlatives that a later event can overturn: "highest-ranking ... ever", "the only time",
# "it was the first time" (an event that happened "for the first time" is dated by itself, and allowed)
_SUPERLATIVE = re.compile(r"\b(?:highest[- ]ranking|most\s+senior|the\s+only\s+time|(?:was|is|were|marked)\s+the\s+first\s+time|"
                          r"(?:highest|most|largest|biggest|first|only|longest|greatest)\b[^.?!]{0,60}\bever)\b",
                          re.I)
# a date at which the superlative held: "at that time", "up to then", "as of 1997", "by February 1993"
# (the year of the event itself is not enough: "in 2000 she was the highest-ranking official ever ...")
_DATED = re.compile(r"\b(?:(?:up\s+to\s+)?at\s+that\s+time|up\s+to\s+that\s+time|at\s+the\s+time|up\s+to\s+then|until\s+then|by\s+then|so\s+far"
                    r"|to\s+that\s+date|(?:as\s+of|by|until|up\s+to)\s+(?:(?:early|mid|late|the\s+end\s+of)[-\s]+)?"
                    r"(?:\w+\s+)?(?:1[89]|20)\d\d)\b", re.I)


def undated_superlatives(text: str) -> list[str]:
    """Sentences saying first/only/highest/ever without the date at which that was true."""
    return [s for s in _sentences(text) if _SUPERLATIVE.search(s) and not _DATED.search(s)]


# where the learner reads prose ----------------------------------------------------------------------
def _markdown_cells(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c.get("id", f"#{i}"), "".join(c["source"])) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "markdown"]


def _bank_texts(lesson: str):
    """(where, text) for every sentence-bearing field of a lesson's exercises."""
    for ex in threelevels.bank():
        if ex.lesson != lesson:
            continue
        yield f"{ex.id} explanation", ex.explanation
        for i, h in enumerate(ex.hints, 1):
            yield f"{ex.id} hint {i}", h
        for i, (_, fb) in enumerate(ex.wrong, 1):
            yield f"{ex.id} wrong {i}", fb
        for key, note in ex.spec.get("notes", {}).items():
            yield f"{ex.id} note {key[:30]!r}", note
        if "exemplar" in ex.spec:
            yield f"{ex.id} exemplar", ex.spec["exemplar"]


def _prose(path):
    yield from ((f"{path.name} cell {cid}", text) for cid, text in _markdown_cells(path))
    yield from ((f"exercises/{path.name[:2]} {where}", text) for where, text in _bank_texts(path.name[:2]))


def _failures(path, detector):
    return [f"{where}: {hit!r}" for where, text in _prose(path) for hit in detector(text)]


# the detectors can fail, and let correct prose through ---------------------------------------------
@pytest.mark.parametrize("bad", [
    "Every marker is a triangle: all nine events have the peninsular level as their main level.",
    "About a third of the events up to mid-1997 sit at the peninsular level.",
    "Most events of those two years sit at the global level.",
    "12 of the 29 events before the article are peninsular.",
    "The chronology now holds 53 rows.",
    "Peninsular events make up 41% of the chronology before the article.",
    "Four events from the chronology:",
    "Four of the events are in 1993 and four in 1994.",
])
def test_count_detector_flags_counts_typed_in_prose(bad):
    """Does the detector flag the forms of a typed count or share that went stale before?"""
    assert typed_counts(bad), bad


@pytest.mark.parametrize("good", [
    "In 1993 North Korea gave notice under Article X of the NPT.",
    "Sentence 5 of the abstract says it is still unclear; sentences 2 to 4 name the levels.",
    "The counts come from the data, so they follow the chronology as rows are added.",
    "South Korea was to pay 70 per cent of the estimated reactor cost.",
    "The Nodong's estimated range of about 1,000-1,300 km put much of Japan within reach.",
    "Armed troops entered the Joint Security Area on three nights in a row.",
    "A manhunt lasted 49 days. Of the 26 North Koreans, one was captured.",
    "The cell computes `before.groupby('level').size()` for the events before the article.",
    "Two of the forums have dated events in the chronology.",
    "Lesson 07 looks at those events; sections 3 to 5 take up these events.",
    "1998 takes in events of the second half of 1997.",
    "The table has one row per level, and one marker per event.",
])
def test_count_detector_lets_correct_prose_through(good):
    """Does the detector leave years, sentence numbers, computed statements and facts about the world alone?"""
    assert not typed_counts(good), typed_counts(good)


@pytest.mark.parametrize("bad", [
    "1994 is the year of the Agreed Framework, which the article looks back on.",
    "The article never mentions the Sunshine Policy.",
    "The author does not mention China's role in the armistice.",
    "Kim never mentions the famine.",
    "The article's notes never discuss missiles.",
    "State the open question without claiming an answer the article does not give.",
])
def test_full_text_detector_flags_claims_about_the_whole_article(bad):
    """Does the detector flag claims that only a reader of the full article could make?"""
    assert full_text_claims(bad), bad


@pytest.mark.parametrize("good", [
    "The abstract does not mention the Agreed Framework.",
    "The abstract never names a date.",
    "The article speaks from mid-1997: it cannot know the Sunshine Policy.",
    "North Korea never became a member of KEDO.",
    "The article did not cause any of these initiatives, and it could not know them.",
    "Faced with a crisis the article never saw, how would the allies rank its problems?",
])
def test_full_text_detector_lets_statements_about_the_abstract_through(good):
    """Does the detector allow what we can know: what the abstract does and does not say?"""
    assert not full_text_claims(good), full_text_claims(good)


def test_superlative_detector_needs_a_date():
    """Is 'highest-ranking ... ever' flagged without a date and allowed with one?"""
    assert undated_superlatives("Albright was the highest-ranking US official ever to go to Pyongyang.")
    assert undated_superlatives("In October 2000 Albright was the highest-ranking US official ever to go there.")
    assert not undated_superlatives("Albright was, at that time, the highest-ranking US official to go to Pyongyang.")
    assert not undated_superlatives("By February 1993 it was the first time the Agency had used the procedure.")
    assert not undated_superlatives("Could a US role as go-between ever serve Seoul's interests?")
    assert not undated_superlatives("In July 2000 North Korea took part in the ARF for the first time.")
    assert undated_superlatives("It was the first time the Agency had used the procedure.")


# the course's prose ------------------------------------------------------------------------------------
IDS = [p.stem for p in LESSONS]


def test_lessons_found():
    assert len(LESSONS) == 8


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_no_count_of_the_data_is_typed_in_prose(path):
    """Does every count or share of the chronology come from a code cell, not from typed prose?"""
    bad = _failures(path, typed_counts)
    assert not bad, "compute these in a code cell (or phrase them without a number):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_no_prose_claims_to_know_the_full_article(path):
    """Does prose say what the abstract does or does not contain, never what the whole article does?"""
    bad = _failures(path, full_text_claims)
    assert not bad, "say 'the abstract does not mention ...' instead:\n" + "\n".join(bad)


@pytest.mark.parametrize("path", LESSONS, ids=IDS)
def test_first_only_highest_ever_say_when(path):
    """Is every 'first/only/highest/ever' tied to the date at which it was true?"""
    bad = _failures(path, undated_superlatives)
    assert not bad, "say at which date this was true:\n" + "\n".join(bad)


# Tables cut short in stored outputs: tests/test_tables.py (every notebook, not only lessons).


# the seeds learners read through threelevels.events() and threelevels.glossary() ---------------------
def _seed_texts():
    from threelevels import data, terms
    for row in data.chronology_rows():
        if row.get("note"):
            yield f"chronology.csv {row['id']} note", row["note"]
    for term in terms.terms().values():
        yield f"glossary.csv {term.term!r}", term.definition


@pytest.mark.parametrize("detector", [full_text_claims, undated_superlatives], ids=lambda d: d.__name__)
def test_chronology_notes_and_glossary_keep_the_same_rules(detector):
    """Do the chronology's notes and the glossary's definitions avoid full-text claims and undated superlatives?"""
    bad = [f"{where}: {hit!r}" for where, text in _seed_texts() for hit in detector(text)]
    assert not bad, "\n".join(bad)
