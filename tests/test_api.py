"""The public API and its cost at import."""
import subprocess
import sys

import threelevels


def test_import_is_lazy():
    """Does `import threelevels` leave pandas, matplotlib and ipywidgets unloaded?"""
    code = ("import sys, threelevels; "
            "print(sorted(m for m in ('pandas', 'matplotlib', 'ipywidgets', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bank_check_and_exercise_work_together():
    """Do bank(), check() and exercise() agree on every exercise id?"""
    for ex in threelevels.bank():
        r = threelevels.check(ex.id, ex.answer)
        assert r.status == ("self-assessed" if ex.type == "short-answer" else "correct")
        assert threelevels.exercise(ex.id, record=False).exercise is ex


def test_quote_returns_the_abstracts_exact_words():
    """Does quote() return a span of the abstract?"""
    from threelevels.data import abstract
    assert threelevels.quote("rok-priorities") == "Korea's priorities are reverse that."
    assert threelevels.quote("us-priorities") in abstract()


def test_cite_shows_quote_claim_id_and_attribution():
    """Does cite() show the exact words, the claim id and the citation, in text and HTML?"""
    c = threelevels.cite("rok-priorities")
    assert "Korea's priorities are reverse that." in repr(c) and "claim rok-priorities" in repr(c)
    assert "Korean Journal of Defense Analysis" in repr(c)
    assert "&ldquo;Korea&#x27;s priorities are reverse that.&rdquo;" in c._repr_html_()


def test_events_table_links_each_source_by_its_site():
    """Does events() show each date with a short link to its source page (no long URL as text)?"""
    html = threelevels.events("agreed-framework")._repr_html_()
    assert "<td>1994-10-21</td>" in html
    assert '<a href="http://www.iaea.org/newscenter/focus/iaeadprk/chrono_pre2002.shtml">iaea.org</a>' in html
    assert "event agreed-framework" in repr(threelevels.events("agreed-framework"))
