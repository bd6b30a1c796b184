"""seeds/: the abstract, its reflowed copy, and the claims that quote it."""
import re
import tomllib

import pytest

from threelevels import data
from threelevels.data import DataError

from .conftest import ROOT


def test_reflowed_abstract_has_the_same_characters_as_the_one_provided():
    """Once whitespace is removed, do abstract.txt and abstract-as-provided.txt hold the same text?"""
    provided = (ROOT / "seeds" / "abstract-as-provided.txt").read_text(encoding="utf-8")
    reflowed = (ROOT / "seeds" / "abstract.txt").read_text(encoding="utf-8")
    assert re.sub(r"\s", "", provided) == re.sub(r"\s", "", reflowed)
    assert len(provided.splitlines()) > 20          # the provided one really is cut into short lines


def test_provided_abstract_is_a_byte_for_byte_copy_of_the_shared_seed():
    """Is seeds/abstract-as-provided.txt identical to the file the course was given?"""
    shared = ROOT.parent / "shared" / "seeds" / "000_c383d9c3ea6c37cc.txt"
    if not shared.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    assert (ROOT / "seeds" / "abstract-as-provided.txt").read_bytes() == shared.read_bytes()


def test_the_abstract_has_fourteen_sentences():
    """Does the sentence splitter find the abstract's 14 sentences, in order?"""
    s = data.sentences()
    assert len(s) == 14
    assert s[0].startswith("US policy toward the Korean peninsula")
    assert s[8] == "Korea's priorities are reverse that."
    assert s[-1].endswith("national interests of South Korea.")


def test_every_sentence_is_quoted_by_a_claim_and_every_quote_is_exact():
    """Is each of the 14 sentences quoted by at least one claim, with an exact span?"""
    c = data.claims()
    text = data.abstract()
    for claim in c.claims.values():
        assert claim.quote in text
        assert claim.quote in data.sentences()[claim.sentence - 1]
    assert {claim.sentence for claim in c.claims.values()} == set(range(1, 15))


def test_priorities_are_the_two_reversed_orders():
    """Do the claims give the US order global > regional > peninsular and the ROK order its reverse?"""
    pr = data.claims().priorities
    assert pr["us"] == ("global", "regional", "peninsular")
    assert pr["rok"] == tuple(reversed(pr["us"]))


def test_four_recommendations_each_cite_a_claim():
    """Are there four recommendations, numbered 1-4, each resting on a claim?"""
    c = data.claims()
    assert [r.n for r in c.recommendations] == [1, 2, 3, 4]
    assert all(r.claim in c.claims for r in c.recommendations)


def _raw():
    with open(ROOT / "seeds" / "claims.toml", "rb") as fh:
        return tomllib.load(fh)


@pytest.mark.parametrize("mutate, message", [
    (lambda r: r["claim"][0].update(quote="The US loves Korea."), "claim 'three-level-framework': 'quote' is not an exact span"),
    (lambda r: r["claim"][1].update(sentence=9), "claim 'global-level': 'quote' is not in sentence 9"),
    (lambda r: r["claim"][2].pop("text"), "claim 'regional-level': missing key 'text'"),
    (lambda r: r["claim"][3].update(colour="red"), "claim 'peninsular-level': unknown key(s) ['colour']"),
    (lambda r: r["claim"].append(dict(r["claim"][0])), "claim 'three-level-framework': duplicate id"),
    (lambda r: r["priorities"].update(us=["global", "global", "regional"]), "[priorities] 'us' must list each"),
    (lambda r: r["level"][0].update(claim="nope"), "[[level]] #1: claim 'nope' is not a claim id"),
])
def test_malformed_claims_name_the_file_the_key_and_the_problem(mutate, message):
    """Does a broken claims file fail with a message that says where and what?"""
    raw = _raw()
    mutate(raw)
    with pytest.raises(DataError) as err:
        data.parse_claims(raw)
    assert "seeds/claims.toml" in str(err.value)
    assert message in str(err.value)


def test_claims_file_with_a_toml_syntax_error_names_the_file_and_line(course_copy):
    """Does a TOML syntax error in claims.toml name the file and the line?"""
    path = course_copy / "seeds" / "claims.toml"
    path.write_text(path.read_text() + "\n[[claim]\nid = 'x'\n")
    with pytest.raises(DataError, match=r"seeds/claims.toml: not valid TOML: .*line"):
        data.claims()
