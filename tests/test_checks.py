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

    def test_a_number_typed_with_its_unit_is_read(self):
        """Is '20 days' read as 20 where the unit is days, and '20 apples' refused?"""
        ex = make(id="09.days", type="numeric", answer=20, unit="days")
        assert check(ex, "20 days").correct and check(ex, "20 day.").correct
        assert check(ex, "20 apples").status == "not-attempted"

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
    ex = make(id="09.short", type="short-answer", prompt="In 5 to 20 words, say which levels matter.",
              rubric=[{"text": "names levels", "signals": ["levels", "claims"]},
                      {"text": "gives example", "signals": ["hindsight", "recommendations"]}],
              exemplar="EXEMPLAR", min_words=5, answer={"text": "one two three four five", "ticked": [0, 1]},
              wrong=[{"answer": {"text": "Seoul should follow Washington.", "ticked": []},
                      "feedback": "Following is not coordinating."}])

    def test_exemplar_is_shown_after_any_attempt(self):
        """Does even a weak attempt reveal the exemplar?"""
        r = check(self.ex, "too short")
        assert r.status == "self-assessed"
        assert any("EXEMPLAR" in d for d in r.details)

    def test_all_rubric_items_ticked_is_self_assessed_never_correct(self):
        """Is a long-enough answer with every rubric item ticked self-assessed (done), not 'correct'?"""
        r = check(self.ex, {"text": "a b c d e f", "ticked": ["names levels", 1]})
        assert r.status == "self-assessed" and not r.correct and r.score == 1.0
        assert "correct" not in r.message.casefold() and "correct" not in r.verdict.casefold()
        assert "✓" not in r.text()

    def test_a_plain_string_is_a_submission_with_nothing_ticked(self):
        """Is a plain string self-assessed with 0 ticked (not a wrong answer), every item listed as not ticked?"""
        r = check(self.ex, "The global level comes first for Washington, the peninsular for Seoul.")
        assert (r.status, r.score) == ("self-assessed", 0.0)
        assert "0 of 2 rubric items ticked" in r.message
        assert sum("did not tick" in d for d in r.details) == 2

    def test_nonsense_with_everything_ticked_is_not_correct(self):
        """Does 'banana' x50 with every rubric item ticked stay short of 'correct' (the issue's case)?"""
        r = check(self.ex, {"text": "banana " * 50, "ticked": [0, 1]})
        assert r.status == "self-assessed" and not r.correct
        assert "Observed: names none of the three levels (global, regional, peninsular)." in r.details

    def test_blank_text_is_not_attempted(self):
        """Is an empty text box 'not attempted', whatever is ticked?"""
        assert check(self.ex, {"text": "  ", "ticked": [0, 1]}).status == "not-attempted"

    def test_known_wrong_text_matches_whatever_its_case_punctuation_and_spacing(self):
        """Does a known wrong answer typed in another case, spacing and punctuation get its feedback?"""
        r = check(self.ex, {"text": "  seoul SHOULD follow   washington", "ticked": [0]})
        assert r.details[0] == "Following is not coordinating."

    def test_observations_name_levels_claims_length_and_hindsight(self):
        """Are levels, claim ids and abstract wording, length against the prompt, and later events reported?"""
        text = ("Washington ranks the global level first and the regional level second (claim us-priorities); "
                "the balance of power in Northeast Asia matters. As the 2000 summit shows, talks work.")
        d = check(self.ex, text).details
        assert "Observed: names the global and regional levels; not the peninsular level." in d
        claims = next(x for x in d if x.startswith("Observed: cites"))
        assert "us-priorities" in claims and "regional-level" in claims
        assert "Observed: 28 words; the prompt asks for 5 to 20 words (more)." in d
        assert any(x.startswith("Observed: mentions First inter-Korean summit") and "inter-korean-summit-2000" in x
                   and "could not have known it" in x for x in d)

    def test_a_level_named_in_prose_is_not_a_claim_id(self):
        """Is 'the global level' in prose not reported as citing claim global-level?"""
        d = check(self.ex, "At the global level the US fears proliferation.").details
        assert "Observed: no claim id and none of the abstract's distinctive wording." in d

    def test_later_events_are_found_by_their_names(self):
        """Are 'Sunshine Policy' and 'Perry' recognised as events after mid-1997, and 1994 events not?"""
        d = check(self.ex, "The Sunshine Policy and William Perry changed things after the Agreed Framework.").details
        hits = [x for x in d if x.startswith("Observed: mentions")]
        assert any("kim-dae-jung-inauguration" in x for x in hits)
        assert any("perry-appointed" in x for x in hits)
        assert not any("agreed-framework" in x for x in hits)
        clean = check(self.ex, "The Agreed Framework of 1994 froze the reactor at Yongbyon.").details
        assert "Observed: names no event from after the article was written (mid-1997)." in clean

    def test_recommendations_are_observed(self):
        """Are recommendations named by their content or their number reported, and the rest listed as absent?"""
        d = check(self.ex, "More channels between presidents, and a NEASED-style multilateral dialogue "
                           "(rec. 3).").details
        assert "Observed: names recommendations 1, 3 and 4 of the four; not 2." in d

    def test_only_declared_signals_are_reported(self):
        """Does an exercise whose rubric declares no signal report only the length?"""
        ex = make(id="09.plain", type="short-answer", rubric=["names levels"], exemplar="E", min_words=3,
                  answer="a b c")
        d = check(ex, "global regional peninsular").details
        assert [x for x in d if x.startswith("Observed")] == ["Observed: 3 words."]

    def test_unknown_signal_is_a_load_error(self):
        """Is a rubric signal the machine does not know refused when the bank loads?"""
        from threelevels.data import DataError
        with pytest.raises(DataError, match="unknown signal"):
            make(id="09.bad", type="short-answer", rubric=[{"text": "x", "signals": ["vibes"]}],
                 exemplar="E", answer="a")


class TestTypedAnswers:
    """check() is documented for learners without widgets: read typed answers as a person means them."""
    cat = make(id="09.typed", type="categorize", items=["nukes", "china"],
               answer={"nukes": "global", "china": "regional"}, labels={"regional": "Regional (Northeast Asia)"})
    single = make(id="09.typed1", type="single-choice",
                  options=["presidents", "working-level security officials", "US-DPRK normalization"],
                  answer="working-level security officials")
    rank = make(id="09.typed2", type="ranking", items=LEVELS, answer=LEVELS)

    @pytest.mark.parametrize("typed", ["global", "Global", "the global level", "GLOBAL LEVEL", " global. "])
    def test_a_level_can_be_typed_as_a_person_writes_it(self, typed):
        """Are 'global', 'Global', 'the global level' all the level 'global'?"""
        assert check(self.cat, {"nukes": typed, "china": "regional"}).correct

    @pytest.mark.parametrize("typed", ["Regional (Northeast Asia)", "regional (northeast asia)", "Northeast Asian",
                                       "the regional level"])
    def test_a_level_can_be_typed_as_its_label(self, typed):
        """Is the regional level's label (in any case) or the abstract's adjective read as 'regional'?"""
        assert check(self.cat, {"nukes": "global", "china": typed}).correct

    @pytest.mark.parametrize("typed", ["working level security officials", "Working-Level Security Officials.",
                                       "working‐level  security officials"])
    def test_options_ignore_case_punctuation_and_hyphens(self, typed):
        """Does 'working level security officials' match 'working-level security officials'?"""
        assert check(self.single, typed).correct

    def test_us_dprk_typed_without_the_hyphen(self):
        """Is 'us dprk normalization' the option 'US-DPRK normalization'?"""
        assert check(self.single, "us dprk normalization").status == "incorrect"

    def test_a_ranking_typed_as_one_line(self):
        """Is 'global, regional, peninsular' read as a ranking, and 'Global > Regional > Peninsular' too?"""
        assert check(self.rank, "global, regional, peninsular").correct
        assert check(self.rank, "Global > Regional > Peninsular").correct

    def test_still_unreadable_text_lists_the_options(self):
        """Does text that matches nothing still say exactly which options exist?"""
        r = check(self.single, "the ambassadors")
        assert r.status == "not-attempted"
        assert "presidents; working-level security officials; US-DPRK normalization" in r.message

    def test_options_that_differ_only_in_punctuation_are_a_load_error(self):
        """Is a bank whose options cannot be told apart once case and punctuation go refused?"""
        from threelevels.data import DataError
        with pytest.raises(DataError, match="differ only in case or punctuation"):
            make(id="09.clash", type="single-choice", options=["US-DPRK", "us dprk"], answer="US-DPRK")


class TestAccepted:
    ex = make(id="09.view", type="single-choice", options=LEVELS, answer="global",
              accepted=[{"answer": "peninsular", "feedback": "Seen from Seoul, it is peninsular first."}],
              wrong=[{"answer": "regional", "feedback": "Not regional."}])

    def test_an_accepted_reading_is_correct_with_its_own_feedback(self):
        """Is the accepted alternative correct, with the feedback that names the competing reading?"""
        r = check(self.ex, "Peninsular")
        assert r.correct and "Seen from Seoul, it is peninsular first." in r.details
        assert self.ex.contestable and not make(id="09.other", type="single-choice", options=LEVELS,
                                                answer="global").contestable
        assert check(self.ex, "regional").details == ("Not regional.",)

    def test_an_accepted_answer_equal_to_the_key_is_a_load_error(self):
        """Is an accepted answer that repeats the key refused?"""
        from threelevels.data import DataError
        with pytest.raises(DataError, match="accepted answer #1 is the same as the key"):
            make(id="09.same", type="single-choice", options=LEVELS, answer="global",
                 accepted=[{"answer": "Global", "feedback": "x"}])


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


class TestCodeConventions:
    """Code exercises explain what a wrong value's shape or a course convention got wrong."""
    per_level = make(id="09.per-level", type="code", answer="chron[chron['after_article']].groupby('level').size()")
    before = make(id="09.before", type="code",
                  answer="(~chron['after_article'] & (chron['level'] == 'global')).sum()")

    def test_count_on_a_grouped_table_is_explained_by_its_columns(self):
        """Does groupby().count() on a frame get a message about columns, not about missing labels?"""
        r = check(self.per_level, "chron[chron['after_article']].groupby('level').count()")
        text = r.text()
        assert r.status == "incorrect"
        assert "a table (DataFrame)" in text and "columns" in text and "`.size()`" in text
        assert "missing label" not in text

    def test_a_series_by_the_wrong_column_names_both_indexes(self):
        """Does a Series grouped by 'year' where 'level' is expected say so?"""
        r = check(self.per_level, "chron[chron['after_article']].groupby('year').size()")
        assert any("indexed by 'year'" in d and "by 'level'" in d for d in r.details)

    def test_one_number_where_a_series_is_expected(self):
        """Does a single number where a value per level is expected get told to group?"""
        r = check(self.per_level, "int(chron['after_article'].sum())")
        assert any("one value per label" in d for d in r.details)

    def test_the_shape_message_never_reveals_the_expected_number(self):
        """Does a table submitted where one number is expected not print that number?"""
        import threelevels
        chron = threelevels.chronology()
        key = int((~chron["after_article"] & (chron["level"] == "global")).sum())
        r = check(self.before, "chron[chron['level'] == 'global']")
        assert any("the answer is one number." in d for d in r.details)
        assert f"({key})" not in r.text()

    @pytest.mark.parametrize("code", ["((chron['year'] < 1998) & (chron['level'] == 'global')).sum()",
                                      "((chron.year <= 1997) & (chron.level == 'global')).sum()"])
    def test_a_calendar_year_cut_off_gets_the_article_date_convention(self, code):
        """Does 'year < 1998' for 'before the article' get the mid-1997 explanation, not a bare 'incorrect'?"""
        r = check(self.before, code)
        assert r.status == "incorrect"
        assert any("1997-06-30" in d and "not from a calendar year" in d for d in r.details)

    def test_the_convention_is_found_from_the_value_too(self):
        """Is the same explanation given when the learner submits the number, not the code?"""
        import threelevels
        chron = threelevels.chronology()
        value = int(((chron["year"] < 1998) & (chron["level"] == "global")).sum())
        r = check(self.before, value)
        assert any("not from a calendar year" in d for d in r.details)
