"""seeds/chronology.csv and seeds/glossary.csv: formats, required rows, sources."""
import csv
import re

import pytest

import threelevels
from threelevels import data
from threelevels.data import DataError


REQUIRED_EVENTS = """dprk-joins-npt un-dual-admission us-tactical-nuclear-withdrawal basic-agreement-signed
denuclearization-declaration-signed iaea-safeguards-signed rok-china-normalization npt-withdrawal-notice
nodong-test npt-withdrawal-suspended dprk-leaves-iaea carter-pyongyang kim-il-sung-death first-arf
neased-proposal agreed-framework nye-report kedo-founded four-party-proposal us-japan-security-declaration
gangneung-submarine source-article clinton-jiang-statement four-party-first-plenary kim-dae-jung-inauguration
taepodong-1 perry-appointed yeonpyeong-clash-1999 missile-moratorium perry-report inter-korean-summit-2000
dprk-joins-arf albright-pyongyang heu-disclosure npt-withdrawal-2003 six-party-first-round
six-party-joint-statement first-nuclear-test singapore-summit hanoi-summit""".split()

REQUIRED_TERMS = ["NPT", "IAEA", "special inspection", "DPRK", "ROK", "WMD", "Agreed Framework",
                  "light-water reactor", "KEDO", "ARF", "NEASED", "NEACD", "track-one diplomacy",
                  "track-two diplomacy", "Four-Party Talks", "Six-Party Talks", "armistice", "peace regime",
                  "Sunshine Policy", "Perry Process", "missile moratorium", "MTCR", "balance of power", "ally",
                  "mediator", "soft landing", "sudden collapse", "level of analysis"]


def test_every_required_event_is_present():
    """Does the chronology hold every event the content brief requires?"""
    ids = {r["id"] for r in data.chronology_rows()}
    assert not [e for e in REQUIRED_EVENTS if e not in ids]


def test_rows_are_well_formed():
    """Are dates ISO, levels known, ids unique and every source a specific page?"""
    rows = data.chronology_rows()
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert re.fullmatch(r"\d{4}(-\d\d(-\d\d)?)?", r["date"])
        assert r["level"] in data.LEVELS
        assert "http" in r["source"]
        if len(r["date"]) < 10:
            assert r["note"], f"{r['id']}: a partial date needs a note"


@pytest.mark.parametrize("event_id, date, end", [
    ("basic-agreement-signed", "1991-12-13", ""),
    ("denuclearization-declaration-signed", "1992-01-20", ""),   # signed, not initialled (1991-12-31)
    ("npt-withdrawal-notice", "1993-03-12", ""),
    ("npt-withdrawal-suspended", "1993-06-11", ""),
    ("dprk-leaves-iaea", "1994-06-13", ""),
    ("agreed-framework", "1994-10-21", ""),
    ("kedo-founded", "1995-03-09", ""),
    ("taepodong-1", "1998-08-31", ""),
    ("inter-korean-summit-2000", "2000-06-13", "2000-06-15"),
    ("first-nuclear-test", "2006-10-09", ""),
    ("armistice-signed", "1953-07-27", ""),
    ("gangneung-submarine", "1996-09-18", "1996-11-05"),    # found grounded; the manhunt's last day
    ("four-party-proposal", "1996-04-16", ""),
    ("four-party-first-plenary", "1997-12-09", "1997-12-10"),
    ("missile-moratorium", "1999-09-24", ""),
    ("albright-pyongyang", "2000-10-23", "2000-10-25"),
    ("npt-withdrawal-2003", "2003-01-10", ""),
    ("kedo-lwr-suspended", "2003-11-21", ""),
])
def test_dates_the_brief_warns_about(event_id, date, end):
    """Are the commonly confused dates the ones our sources give?"""
    row = threelevels.event(event_id)
    assert (row["date"], row["end_date"]) == (date, end)


def _unquoted(text: str) -> str:
    return re.sub(r"(?<![\w])'[^']*'(?![\w])|\"[^\"]*\"", " ", text)


def test_superlatives_say_at_what_date_they_held():
    """Is every unquoted 'ever' or 'highest' in a note tied to a date ('up to that time', 'as of 2019')?"""
    bad = []
    for r in data.chronology_rows():
        for sentence in re.split(r"(?<=[.;])\s+", _unquoted(r["note"])):
            if re.search(r"\bever\b|\bhighest\b|\bonly\b.*\bever\b", sentence, re.I) and not re.search(
                    r"\b(?:up to|at|by|until) (?:that|the) time\b|\bas of (?:\w+ ){0,2}\d{4}\b|\bthen\b",
                    sentence, re.I):
                bad.append(f"{r['id']}: {sentence.strip()}")
    assert not bad, "superlatives without a date:\n" + "\n".join(bad)


@pytest.mark.parametrize("event_id, must, must_not", [
    # Harrison and Nam Il signed at Panmunjom; the commanders countersigned separately
    ("armistice-signed", ["Harrison", "Nam Il", "Panmunjom", "countersigned", "Munsan", "Kim Il-sung", "Peng Dehuai"],
     []),
    # 11 Jan 2003 was an ambassador's remark; reaffirmed 2002 and 2004; formally disavowed March 2005
    ("missile-moratorium", ["11 January 2003", "ambassador", "2002", "May 2004", "2 March 2005"],
     ["declared it void", "void on 11 Jan"]),
    # the secret transfer was admitted, investigated by a special prosecutor and led to convictions in 2003
    ("inter-korean-summit-2000", ["apologised", "special prosecutor", "convicted", "2003"], ["alleged"]),
    ("kedo-lwr-suspended", ["31 May 2006", "terminate"], []),
    ("agreed-framework", ["1998", "70 percent", "$1 billion"], ["over half"]),
    ("albright-pyongyang", ["up to that time"], []),
    ("four-party-first-plenary", ["six plenary sessions", "December 1997", "August 1999", "subcommittees"], []),
    ("gangneung-submarine", ["ran aground", "pick up", "drifted"], ["teaching point"]),
    ("neased-proposal", ["Han Sung-joo", "25 July 1994"], ["brief"]),
])
def test_the_facts_issue_8_corrected_stay_corrected(event_id, must, must_not):
    """Do the notes the review found wrong keep their corrected facts?"""
    note = threelevels.event(event_id)["note"]
    assert not [w for w in must if w not in note], f"{event_id}: missing {[w for w in must if w not in note]}"
    assert not [w for w in must_not if w in note], f"{event_id}: still says {[w for w in must_not if w in note]}"


def test_chronology_and_glossary_agree_on_when_the_moratorium_was_disavowed():
    """Do the missile-moratorium row and the glossary entry give the same year for the formal disavowal?"""
    note = threelevels.event("missile-moratorium")["note"]
    definition = threelevels.glossary("missile moratorium").definition
    assert "2005" in note and "2005" in definition


def test_the_article_is_dated_mid_1997_and_later_events_are_flagged():
    """Is everything after mid-1997 flagged as after the article, and nothing before it?"""
    df = threelevels.chronology()
    later = set(df.loc[df["after_article"], "id"])
    assert {"kim-dae-jung-inauguration", "taepodong-1", "clinton-jiang-statement"} <= later
    assert not {"agreed-framework", "gangneung-submarine", "source-article"} & later


@pytest.mark.parametrize("bad_row, message", [
    ({"date": "21 Oct 1994"}, "is not YYYY-MM-DD"),
    ({"date": "1994-02-30"}, "is not YYYY-MM-DD"),
    ({"level": "local"}, "level 'local' is not one of"),
    ({"source": "Google"}, "source must name a specific page"),
    ({"date": "1994-10", "note": ""}, "a date without a day needs a note"),
    ({"end_date": "1900-01-01"}, "end_date is before date"),
])
def test_a_malformed_row_is_named_with_its_line_and_problem(course_copy, bad_row, message):
    """Does a bad chronology row fail with the file, the row and the problem?"""
    path = course_copy / "seeds" / "chronology.csv"
    rows = list(csv.DictReader(path.open()))
    rows[5].update(bad_row)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=rows[0].keys())
        w.writeheader()
        w.writerows(rows)
    with pytest.raises(DataError) as err:
        data.chronology_rows()
    assert f"seeds/chronology.csv: row 7 (id '{rows[5]['id']}')" in str(err.value)
    assert message in str(err.value)


@pytest.mark.parametrize("term", REQUIRED_TERMS)
def test_every_required_term_is_defined(term):
    """Can each term the brief lists be looked up, with a definition and a source?"""
    t = threelevels.glossary(term)
    assert t.definition and "http" in t.source


def test_glossary_lookup_accepts_aliases_and_explains_misses():
    """Does an alias find its term, and does an unknown term suggest close ones?"""
    assert threelevels.glossary("Korean Peninsula Energy Development Organization").term == "KEDO"
    with pytest.raises(KeyError, match="did you mean"):
        threelevels.glossary("KEDOO")


def test_later_terms_are_defined_as_later_developments():
    """Are the Sunshine Policy and the Perry Process defined as coming after the article?"""
    for term in ("Sunshine Policy", "Perry Process"):
        assert "later development" in threelevels.glossary(term).definition.lower()
