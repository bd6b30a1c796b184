"""The pure checks, one type at a time, on small exercises built for the test."""
import math

import pytest

from threelevels.banks import parse_exercise
from threelevels.checks import Result, check

BASE = dict(objective="o", prompt="p", hints=["h1", "h2"], explanation="because", sources=["global-level"],
            minutes=1)


def make(**fields):
    return parse_exercise({**BASE, **fields}, "09", "exercises/09-test.toml", 1)


LEVELS = ["global", "regional", "peninsular"]


def test_result_rejects_unknown_status_and_out_of_range_score():
    """Can a Result be built with a status or score outside the contract?"""
    with pytest.raises(ValueError):
        Result("wrong", 0.0, "x")
    with pytest.raises(ValueError):
        Result("correct", 1.5, "x")


def test_result_html_escapes_the_message_and_details():
    """Does Result._repr_html_ escape whatever text it carries?"""
    html = Result("incorrect", 0.0, "<script>x</script>", ("<b>d</b>",))._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;" in html


class TestSingleChoice:
    ex = make(id="09.single", type="single-choice", options=LEVELS, answer="regional",
              wrong=[{"answer": "global", "feedback": "China is not a proliferation matter here."}])

    def test_key_is_correct_whatever_the_case_and_spacing(self):
        """Is ' Regional ' accepted as the option 'regional'?"""
        assert check(self.ex, " Regional ").status == "correct"

    def test_known_wrong_answer_gets_its_own_feedback(self):
        """Does the known wrong answer show the feedback written for it?"""
        r = check(self.ex, "global")
        assert (r.status, r.score) == ("incorrect", 0.0)
        assert r.details == ("China is not a proliferation matter here.",)

    def test_an_answer_that_is_not_an_option_is_not_counted(self):
        """Is text that is not an option reported as unreadable, listing the options?"""
        r = check(self.ex, "Mars")
        assert r.status == "not-attempted" and "global; regional; peninsular" in r.message


class TestMultiSelect:
    ex = make(id="09.multi", type="multi-select", options=["a", "b", "c", "d"], answer=["a", "b"],
              notes={"c": "c is a trap"})

    def test_order_does_not_matter(self):
        """Is ['b', 'a'] the same selection as ['a', 'b']?"""
        assert check(self.ex, ["b", "a"]).correct

    def test_partial_credit_subtracts_wrong_picks(self):
        """Does one right and one wrong pick score zero, and one right alone score half?"""
        assert check(self.ex, ["a"]).score == 0.5
        assert check(self.ex, ["a"]).status == "partial"
        r = check(self.ex, ["a", "c"])
        assert r.score == 0.0 and r.status == "incorrect"
        assert "c is a trap" in r.details

    def test_a_single_string_counts_as_one_pick(self):
        """Is a bare string treated as a one-item selection?"""
        assert check(self.ex, "a").score == 0.5


class TestRanking:
    ex = make(id="09.rank", type="ranking", items=LEVELS, answer=LEVELS,
              wrong=[{"answer": ["peninsular", "regional", "global"], "feedback": "That is Seoul's order."}])

    def test_partial_credit_is_the_share_of_pairs_in_order(self):
        """Does swapping the first two levels keep 2 of 3 pairs in order?"""
        r = check(self.ex, ["regional", "global", "peninsular"])
        assert r.status == "partial" and math.isclose(r.score, 2 / 3, abs_tol=1e-3)
        assert "You ranked 'regional' above 'global'" in r.details[-1]

    def test_the_reverse_order_scores_zero_and_gets_its_feedback(self):
        """Is the fully reversed order wrong, with the feedback written for it?"""
        r = check(self.ex, ["peninsular", "regional", "global"])
        assert (r.status, r.score) == ("incorrect", 0.0)
        assert r.details[0] == "That is Seoul's order."

    def test_duplicates_and_missing_items_are_explained(self):
        """Does a ranking that repeats an item or leaves one out say so?"""
        assert "appears twice" in check(self.ex, ["global", "global", "regional"]).message
        assert "missing: peninsular" in check(self.ex, ["global", "regional"]).message


class TestCategorize:
    ex = make(id="09.cat", type="categorize", items=["nukes", "china", "war"],
              answer={"nukes": "global", "china": "regional", "war": "peninsular"},
              notes={"nukes": "Non-proliferation is global."})

    def test_per_item_credit_and_item_notes(self):
        """Does each item earn its own credit, with the note for a misplaced item?"""
        r = check(self.ex, {"nukes": "peninsular", "china": "regional", "war": "peninsular"})
        assert r.status == "partial" and math.isclose(r.score, 2 / 3, abs_tol=1e-3)
        assert "Non-proliferation is global." in r.details

    def test_unplaced_items_are_named(self):
        """Are items left without a level named in the feedback?"""
        r = check(self.ex, {"china": "regional"})
        assert "Not yet placed: 'nukes', 'war'." in r.details

    def test_an_unknown_level_is_unreadable(self):
        """Is a made-up level reported, not silently marked wrong?"""
        assert check(self.ex, {"china": "galactic"}).status == "not-attempted"


class TestMatching:
    ex = make(id="09.match", type="matching", left=["x", "y"], right=["1", "2"], answer={"x": "1", "y": "2"})

    def test_using_a_match_twice_is_pointed_out(self):
        """Does giving two items the same match say each goes with one item?"""
        r = check(self.ex, {"x": "1", "y": "1"})
        assert r.status == "partial"
        assert any("more than once" in d for d in r.details)


class TestNumeric:
    ex = make(id="09.num", type="numeric", answer=1994, tolerance=0,
              wrong=[{"answer": 1993, "feedback": "1993 is the withdrawal notice."}])

    def test_numbers_as_text_are_read(self):
        """Is '1,994' read as 1994?"""
        assert check(self.ex, "1,994").correct

    def test_known_wrong_number_gets_its_feedback_and_direction(self):
        """Does 1993 say 'too low' and give the feedback written for it?"""
        r = check(self.ex, 1993)
        assert "too low" in r.message and r.details == ("1993 is the withdrawal notice.",)

    def test_tolerance_is_respected(self):
        """Is a value within the tolerance accepted, and one outside it not?"""
        ex = make(id="09.num2", type="numeric", answer=10.0, tolerance=0.5)
        assert check(ex, 10.4).correct and not check(ex, 10.6).correct

    @pytest.mark.parametrize("bad", [float("nan"), float("inf"), True, "ten"])
    def test_non_numbers_are_unreadable(self, bad):
        """Are NaN, infinity, booleans and words refused with a message?"""
        assert check(self.ex, bad).status == "not-attempted"


class TestShortAnswer:
    ex = make(id="09.short", type="short-answer", rubric=["names levels", "gives example"], exemplar="EXEMPLAR",
              min_words=5, answer={"text": "one two three four five", "ticked": [0, 1]})

    def test_exemplar_is_shown_after_any_attempt(self):
        """Does even a weak attempt reveal the exemplar?"""
        r = check(self.ex, "too short")
        assert r.status in ("partial", "incorrect")
        assert any("EXEMPLAR" in d for d in r.details)

    def test_all_rubric_items_and_enough_words_is_correct(self):
        """Is a long-enough answer with every rubric item ticked correct?"""
        assert check(self.ex, {"text": "a b c d e f", "ticked": ["names levels", 1]}).correct

    def test_unticked_rubric_items_are_listed(self):
        """Does the feedback list the rubric items not yet ticked?"""
        r = check(self.ex, {"text": "a b c d e f", "ticked": [0]})
        assert r.status == "partial" and any("gives example" in d for d in r.details)

    def test_blank_text_is_not_attempted(self):
        """Is an empty text box 'not attempted', whatever is ticked?"""
        assert check(self.ex, {"text": "  ", "ticked": [0, 1]}).status == "not-attempted"


class TestCode:
    ex = make(id="09.code", type="code", answer="claims.groupby('sentence').size()",
              wrong=[{"answer": "len(claims)", "feedback": "That is the total."}])

    def test_a_value_computed_another_way_is_accepted(self):
        """Is value_counts() accepted where the key uses groupby().size()?"""
        import threelevels
        claims = threelevels.claims_table()
        assert check(self.ex, claims["sentence"].value_counts()).correct
        assert check(self.ex, "claims['sentence'].value_counts()").correct

    def test_a_known_wrong_value_gets_its_feedback(self):
        """Does the total number of claims get the feedback written for it?"""
        import threelevels
        r = check(self.ex, len(threelevels.claims_table()))
        assert r.status == "incorrect" and r.details[0] == "That is the total."

    def test_a_wrong_series_names_the_differing_label(self):
        """Does a Series with one wrong count point at that label?"""
        import threelevels
        s = threelevels.claims_table()["sentence"].value_counts()
        s.loc[4] = 99
        r = check(self.ex, s)
        assert any("[&#x27;4&#x27;]" in r._repr_html_() or "['4']" in d for d in r.details)

    def test_code_that_raises_becomes_a_message(self):
        """Does code that raises give its error as a message instead of an exception?"""
        r = check(self.ex, "claims['nope']")
        assert r.status == "not-attempted" and "KeyError" in r.message

    def test_code_without_a_final_expression_is_explained(self):
        """Is code that ends in an assignment told to end with an expression?"""
        assert "end with an expression" in check(self.ex, "x = 1").message
