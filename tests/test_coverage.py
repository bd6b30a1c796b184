"""The course teaches the whole source, and keeps history apart from the article."""
import json
import re

import pytest

import threelevels
from threelevels import data

from .conftest import ROOT

LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]-*.ipynb"))
MONTHS = ("January February March April May June July August September October November December").split()


def _cells(path, kind):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


def _used_claims():
    used = set()
    for ex in threelevels.bank():
        used.update(ex.sources)
    for path in LESSONS:
        for src in _cells(path, "code"):
            for call in re.findall(r"cite\(([^)]*)\)", src):
                used.update(re.findall(r"[\"']([a-z0-9-]+)[\"']", call))
    return used


def test_every_claim_is_used_by_a_lesson_or_an_exercise():
    """Is each claim in claims.toml cited by some lesson or exercise (so every sentence is taught)?"""
    assert len(LESSONS) == 8
    unused = set(data.claims().claims) - _used_claims()
    assert not unused


def test_cited_claim_ids_exist():
    """Does every cite(...) in a lesson name a real claim?"""
    for path in LESSONS:
        for src in _cells(path, "code"):
            for call in re.findall(r"cite\(([^)]*)\)", src):
                for cid in re.findall(r"[\"']([a-z0-9-]+)[\"']", call):
                    assert cid in data.claims().claims, (path.name, cid)


def _prose_dates(text):
    """(year, month, day or None) for each 'D Month YYYY', 'Month D, YYYY', 'Month YYYY' or ISO date in prose."""
    found = []
    m_alt = "|".join(MONTHS)
    for d, mon, y in re.findall(rf"\b(\d{{1,2}}) ({m_alt}) (\d{{4}})\b", text):
        found.append((int(y), MONTHS.index(mon) + 1, int(d)))
    for mon, d, y in re.findall(rf"\b({m_alt}) (\d{{1,2}}), (\d{{4}})\b", text):
        found.append((int(y), MONTHS.index(mon) + 1, int(d)))
    stripped = re.sub(rf"\b\d{{1,2}} ({m_alt}) \d{{4}}\b|\b({m_alt}) \d{{1,2}}, \d{{4}}\b", "", text)
    for mon, y in re.findall(rf"\b({m_alt}) (\d{{4}})\b", stripped):
        found.append((int(y), MONTHS.index(mon) + 1, None))
    for y, mo, d in re.findall(r"\b(\d{4})-(\d{2})-(\d{2})\b", text):
        found.append((int(y), int(mo), int(d)))
    return found


def _chronology_dates():
    days, months = set(), set()
    for r in data.chronology_rows():
        for value in (r["date"], r["end_date"]):
            parts = [int(p) for p in value.split("-")] if value else []
            if len(parts) >= 2:
                months.add(tuple(parts[:2]))
            if len(parts) == 3:
                days.add(tuple(parts))
    return days, months


@pytest.mark.parametrize("path", LESSONS, ids=[p.stem for p in LESSONS])
def test_dates_in_lesson_prose_agree_with_the_chronology(path):
    """Is every date written in a lesson's prose the date (or month) of an event in seeds/chronology.csv?"""
    days, months = _chronology_dates()
    bad = []
    for text in _cells(path, "markdown"):
        for y, mo, d in _prose_dates(text):
            if (d is None and (y, mo) not in months) or (d is not None and (y, mo, d) not in days):
                bad.append(f"{y}-{mo:02d}" + (f"-{d:02d}" if d else ""))
    assert not bad, f"dates in prose with no chronology event: {bad}"


def test_prose_date_finder_finds_the_forms_it_checks():
    """Does the date finder read the forms it is meant to police (so the test above can fail)?"""
    assert _prose_dates("on 21 October 1994, October 21, 1994, in March 1993 and 1995-03-09") == [
        (1994, 10, 21), (1994, 10, 21), (1993, 3, None), (1995, 3, 9)]


@pytest.mark.parametrize("path", [p for p in LESSONS if p.name[:2] <= "06"], ids=lambda p: p.stem)
def test_lessons_on_the_article_label_later_events_as_later(path):
    """In lessons 01-06, is every mention of a post-1997 year flagged as later history?"""
    for text in _cells(path, "markdown"):
        for para in text.split("\n\n"):
            years = [int(y) for y in re.findall(r"\b(199[89]|20[0-2]\d)\b", para)]
            if years:
                assert re.search(r"\b(later|after the article|hindsight|could not know|cannot know|"
                                 r"lesson 07|since then)\b", para, re.I), para[:200]


def test_keys_that_restate_chronology_levels_agree_with_it():
    """Where an exercise sorts chronology events into levels, does its key match the CSV's level column?"""
    levels = {r["id"]: r["level"] for r in data.chronology_rows()}
    checked = 0
    for ex in threelevels.bank():
        if ex.type == "categorize" and set(ex.spec["choices"]) == set(data.LEVELS) \
                and all(item in levels for item in ex.spec["items"]):
            assert dict(ex.answer) == {item: levels[item] for item in ex.spec["items"]}, ex.id
            checked += 1
    assert checked >= 1


def test_keys_that_restate_claims_agree_with_claims_toml():
    """Where a bank restates seeds/claims.toml (priority orders, recommendations), does it match the seeds?"""
    c = data.claims()
    orders = {c.priorities["us"], c.priorities["rok"]}
    rec_label = {r.id: f"Rec. {r.n}: {r.short}" for r in c.recommendations}
    ranked = labelled = 0
    for ex in threelevels.bank():
        if ex.type == "ranking" and set(ex.spec["items"]) == set(data.LEVELS) and ex.id.endswith(
                ("us-order", "rok-order", "us-ranking", "rok-ranking")):
            want = c.priorities["us"] if "us-" in ex.id else c.priorities["rok"]
            assert tuple(ex.answer) == want, ex.id
            assert tuple(ex.answer) in orders
            ranked += 1
        for rec_id, label in ex.labels.items():
            if rec_id in rec_label:
                assert label == rec_label[rec_id], (ex.id, rec_id)
                labelled += 1
    assert ranked >= 2 and labelled >= 4


def _key_texts(answer):
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, dict):
        return [v for v in answer.values() if isinstance(v, str)]
    if isinstance(answer, (list, tuple)):
        return [v for v in answer if isinstance(v, str)]
    return []


def test_no_key_is_our_reading_of_a_recommendation():
    """The [[recommendation]].our_reading texts are the course's interpretation: is none of them an answer key?"""
    readings = {r.our_reading for r in data.claims().recommendations}
    assert len(readings) == 4
    for ex in threelevels.bank():
        used = set(_key_texts(ex.answer)) | set(ex.spec.get("options", [])) | set(ex.spec.get("choices", []))
        assert not used & readings, ex.id
