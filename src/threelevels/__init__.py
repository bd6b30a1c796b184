"""Three Levels, Reversed: a JupyterLab course on US policy toward the Korean peninsula (1997).

Public API (imports are lazy: pandas, matplotlib and ipywidgets load on first use):

    threelevels.exercise(id)        the exercise as a widget (`.submit(answer)` checks an answer)
    threelevels.check(id, answer)   the pure check: a Result (status, score, message)
    threelevels.bank()              every exercise, with its key (`.answer`)
    threelevels.quote(claim_id)     the abstract's exact words for a claim
    threelevels.glossary(term)      a term's definition
    threelevels.progress()          your progress, per lesson and objective
    threelevels.chronology()        the dated events (pandas), threelevels.claims_table() the claims
"""
from __future__ import annotations

__version__ = "0.1.0"

from . import platform as _platform  # the browser edition's differences, in one module (stdlib only)

_platform.prepare()

__all__ = ["bank", "check", "exercise", "quote", "glossary", "progress", "chronology", "claims_table",
           "event", "cite", "events", "Result"]


def bank():
    """Every exercise in every bank, in course order (each has .id, .type, .answer...)."""
    from .banks import bank as _bank
    return _bank()


def check(exercise_id: str, answer):
    """Check an answer to exercise `exercise_id`; returns a Result (never raises for the answer).

    Typed answers are read as a person means them: an option by its id or label, ignoring case,
    punctuation and hyphens; a level as 'global', 'the global level' or its label. A short answer
    (text, or {"text": ..., "ticked": [rubric items]}) is self-assessed: status "self-assessed",
    counted as done, never as correct, with observations and the exemplar in its details."""
    from .banks import get
    return get(exercise_id).check(answer)


def exercise(exercise_id: str, record: bool = True):
    """The exercise as an ipywidgets view. `record=False` keeps attempts out of your progress."""
    from .banks import get
    from .widgets import exercise as _view
    return _view(get(exercise_id), record=record)


def quote(claim_id: str) -> str:
    """The exact words of the abstract that a claim in seeds/claims.toml quotes."""
    from .data import quote as _quote
    return _quote(claim_id)


def glossary(term: str):
    """The glossary entry for a term (or one of its aliases)."""
    from .terms import lookup
    return lookup(term)


def chronology():
    """seeds/chronology.csv as a pandas DataFrame (with `start`, `year` and `after_article` columns)."""
    from .data import chronology as _chronology
    return _chronology()


def claims_table():
    """seeds/claims.toml's claims as a pandas DataFrame (id, sentence, text, quote, level)."""
    from .data import claims_frame
    return claims_frame()


def event(event_id: str) -> dict:
    """One row of the chronology by id."""
    from .data import event as _event
    return _event(event_id)


def cite(*claim_ids: str):
    """The abstract's exact words for these claims, attributed (how lessons quote the source)."""
    from .present import cite as _cite
    return _cite(*claim_ids)


def events(*event_ids: str):
    """Chronology rows as a small dated, sourced table (how lessons give historical context)."""
    from .present import events as _events
    return _events(*event_ids)


def progress():
    """Your progress per lesson and per objective, as widgets."""
    from .progress_view import progress as _progress
    return _progress()


def _table_html(frame) -> str:
    """A pandas table as HTML with every cell in full (pandas cuts cells at 50 characters by default)."""
    import pandas as pd
    with pd.option_context("display.max_colwidth", None):
        return frame._repr_html_()


def _table_text(frame, p, cycle) -> None:
    import pandas as pd
    with pd.option_context("display.max_colwidth", None):
        p.text(repr(frame))


def _show_tables_in_full() -> None:
    """In a notebook, display every pandas table the course (or the learner) shows with its cells in
    full, without importing pandas now: IPython's formatters look the types up by name when one is
    first displayed. Outside IPython this does nothing."""
    import sys
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    formatters = shell.display_formatter.formatters
    # pandas 3 names its classes' module "pandas"; earlier versions "pandas.core.frame"/".series"
    for module, name in (("pandas", "DataFrame"), ("pandas.core.frame", "DataFrame"),
                         ("pandas", "Series"), ("pandas.core.series", "Series")):
        formatters["text/plain"].for_type_by_name(module, name, _table_text)
        if name == "DataFrame":
            formatters["text/html"].for_type_by_name(module, name, _table_html)


try:
    _show_tables_in_full()
except Exception:  # a display nicety must never stop the course from importing
    pass


def __getattr__(name):
    if name == "Result":
        from .checks import Result
        return Result
    raise AttributeError(f"module 'threelevels' has no attribute {name!r}")
