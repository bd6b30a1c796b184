"""seeds/glossary.csv and instructors/guide.md: what they attribute to the article, and whether their dates agree."""
import re
from pathlib import Path

import pytest

from threelevels import data
from threelevels.terms import terms

ROOT = Path(__file__).resolve().parents[1]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]

# A sentence that speaks about the article must say in which voice it does so.
ABOUT_THE_ARTICLE = re.compile(r"\b(article(?! [IVX]+\b)|abstract|author)\b|Kim Sung-han", re.I)
VOICE_MARKERS = ("Source says", "(claim", "Interpretation", "one reading", "the course's", "course's reading",
                 "later development", "does not say", "does not mention")


def sentences(text):
    """Split prose into sentences (not after an initial such as 'William K.')."""
    return [s for s in re.split(r"(?<=[a-z0-9)'\"])\.\s+(?=[A-Z(])", text) if s.strip()]


def unlabelled_claims_about_the_article(text):
    """The sentences of `text` that mention the article, its abstract or its author without a voice marker."""
    return [s for s in sentences(text) if ABOUT_THE_ARTICLE.search(s) and not any(m.lower() in s.lower() for m in VOICE_MARKERS)]


def cited_claims(text):
    return {c.strip() for group in re.findall(r"\(claims? ([a-z0-9, -]+)\)", text) for c in group.split(",")}


def cited_events(text):
    return {e.strip() for group in re.findall(r"chronology: ([a-z0-9, -]+)\)", text) for e in group.split(",")}


def prose_dates(text):
    """(year, month, day or None) for each 'D Month YYYY' or 'Month YYYY' in text."""
    alt = "|".join(MONTHS)
    found = [(int(y), MONTHS.index(m) + 1, int(d)) for d, m, y in re.findall(rf"\b(\d{{1,2}}) ({alt}) (\d{{4}})\b", text)]
    rest = re.sub(rf"\b\d{{1,2}} ({alt}) \d{{4}}\b", "", text)
    found += [(int(y), MONTHS.index(m) + 1, None) for m, y in re.findall(rf"\b({alt}) (\d{{4}})\b", rest)]
    return found


def date_mismatches(text, rows):
    """(event id, dates in the sentence) for each sentence whose dates all miss the event it cites."""
    out = []
    for s in sentences(text):
        found = prose_dates(s)
        if not found:
            continue
        for event in cited_events(s):
            row = rows[event]
            days = {row["date"], row["end_date"]} - {""}

            def agrees(y, m, d):
                for iso in days:
                    parts = [int(p) for p in iso.split("-")]
                    if parts[0] == y and (len(parts) < 2 or parts[1] == m) and (d is None or len(parts) < 3 or parts[2] == d):
                        return True
                return False

            if not any(agrees(*f) for f in found):
                out.append((event, found))
    return out


GLOSSARY = sorted(terms().values(), key=lambda t: t.term)


@pytest.mark.parametrize("term", GLOSSARY, ids=lambda t: t.term)
def test_glossary_speaks_for_the_article_only_in_a_marked_voice(term):
    """Does every sentence of a definition that mentions the article say whether it is Source says or interpretation?"""
    assert not unlabelled_claims_about_the_article(term.definition)


@pytest.mark.parametrize("term", GLOSSARY, ids=lambda t: t.term)
def test_glossary_cites_real_claims_and_events_and_agrees_with_their_dates(term):
    """Do the claim and chronology ids a definition cites exist, and do its dates match those rows?"""
    rows = {r["id"]: r for r in data.chronology_rows()}
    assert cited_claims(term.definition) <= set(data.claims().claims)
    assert cited_events(term.definition) <= set(rows)
    assert not date_mismatches(term.definition, rows)


def test_glossary_sources_name_an_address_for_each_publication():
    """Does each ' ; '-separated source of a glossary entry carry its own address?"""
    for t in GLOSSARY:
        for part in t.source.split(" ; "):
            assert re.search(r"https?://\S+", part), (t.term, part)


def test_the_checkers_catch_what_they_are_for():
    """Would the checkers flag an unmarked attribution, a wrong date and a missing address?"""
    bad = "In Kim Sung-han's framework it is the focus of US policy at every level."
    good = "Source says (claim global-level): the abstract says the US deals with North Korea globally."
    assert unlabelled_claims_about_the_article(bad) == [bad]
    assert not unlabelled_claims_about_the_article("Article VI binds every party.")
    assert not unlabelled_claims_about_the_article(good)
    assert cited_claims(good) == {"global-level"}
    rows = {"x": {"date": "1994-10-21", "end_date": ""}}
    assert date_mismatches("It was signed on 12 October 1994 (chronology: x).", rows) == [("x", [(1994, 10, 12)])]
    assert not date_mismatches("It was signed on 21 October 1994 (chronology: x).", rows)
    assert not date_mismatches("It was signed in October 1994 (chronology: x).", rows)
    assert sentences("Lt Gen William K. Harrison Jr. signed. Then Nam Il signed.") == [
        "Lt Gen William K. Harrison Jr. signed", "Then Nam Il signed."]


def test_guide_labels_every_model_argument_and_theory_hook():
    """Is every model argument in the instructor guide marked as interpretation, and are the hooks the course's?"""
    guide = (ROOT / "instructors" / "guide.md").read_text(encoding="utf-8")
    arguments = re.findall(r"^- \*\*Model arguments?[^*]*\*\*", guide, re.M)
    assert arguments and all("Interpretation" in a for a in arguments)
    hooks = guide.split("## Theory hooks", 1)[1].split("\n## ", 1)[0]
    assert "the course's additions, not the article's" in guide and "Interpretation" in hooks
    assert "with reasons from the article" not in guide
