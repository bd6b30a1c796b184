"""The `code` exercise type: a learner computes a value with pandas; we compare it with the value
the key's code computes from seeds/.

A learner may submit the value itself (a DataFrame, Series, number, list, dict...) or the code as
a string; a string is run like a notebook cell in a fresh namespace holding `pd`, `chron` (the
chronology) and `claims` (the claims table), and its last expression is the answer. Errors in that
code become a message, never an exception. pandas is imported here only, on first use.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import math
import numbers
import re
import signal

from .checks import Unreadable, show


def namespace() -> dict:
    """What code in a `code` exercise can use."""
    import pandas as pd

    from . import data
    ns = {"pd": pd, "claims": data.claims_frame()}
    try:
        ns["chron"] = data.chronology()
    except (FileNotFoundError, data.DataError):
        pass  # lessons that do not need the chronology still work while it is absent
    return ns


def _no_exit(code=None):
    """`exit()` and `quit()` in exercise code: raise SystemExit (caught below) without first closing
    the kernel's stdin, as the site module's versions do."""
    raise SystemExit(code)


@contextlib.contextmanager
def _interrupts():
    """Tell a real interrupt (Ctrl-C, the kernel's stop button: SIGINT) from a learner's own
    `raise KeyboardInterrupt`: yields a dict whose "real" is set when SIGINT arrives."""
    seen = {"real": False}
    try:
        previous = signal.getsignal(signal.SIGINT)

        def handler(signum, frame):
            seen["real"] = True
            if callable(previous):
                previous(signum, frame)
            elif previous != signal.SIG_IGN:
                raise KeyboardInterrupt

        signal.signal(signal.SIGINT, handler)
    except (ValueError, TypeError, AttributeError):  # not the main thread: every interrupt counts as real
        seen["real"] = True
        previous = None
    try:
        yield seen
    finally:
        if previous is not None:
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(signal.SIGINT, previous)


def _stopped(exc: BaseException) -> Unreadable:
    """The message for learner code that tried to stop (SystemExit and other BaseExceptions)."""
    if isinstance(exc, SystemExit):
        return Unreadable("your code called exit(), quit() or sys.exit() (SystemExit). Code in an exercise "
                          "cannot end your kernel, so nothing was checked: remove that call and end your "
                          "code with the expression whose value is the answer.")
    if isinstance(exc, KeyboardInterrupt):
        return Unreadable("your code raised KeyboardInterrupt itself; nothing was checked. Remove that line.")
    return Unreadable(f"your code raised {type(exc).__name__}, which would stop the kernel; nothing was "
                      "checked. Remove that line.")


def _guarded(fn, *args):
    """fn(*args), with every exception the learner's code or objects raise turned into Unreadable;
    only a real interrupt (SIGINT) goes through."""
    with _interrupts() as seen:
        try:
            return fn(*args)
        except Unreadable:
            raise
        except KeyboardInterrupt as exc:
            if seen["real"]:
                raise
            raise _stopped(exc) from None
        except Exception:
            raise
        except BaseException as exc:  # SystemExit, GeneratorExit, a learner's own BaseException subclass
            raise _stopped(exc) from None


def run(code: str):
    """Run code like a notebook cell; return the value of its last expression.

    Nothing the code does ends the kernel: `exit()`, `raise SystemExit` and any other BaseException
    (except a real interrupt) become an Unreadable with a message.
    """
    return _guarded(_run, code)


def _run(code: str):
    try:
        tree = ast.parse(code, mode="exec")
    except SyntaxError as exc:
        raise Unreadable(f"your code has a syntax error on line {exc.lineno}: {exc.msg}.") from None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise Unreadable("your code should end with an expression whose value is the answer "
                         "(e.g. a last line such as `counts`).")
    last = ast.Expression(tree.body.pop().value)
    ns = namespace()
    ns["exit"] = ns["quit"] = _no_exit
    try:
        exec(compile(tree, "<answer>", "exec"), ns)
        return eval(compile(last, "<answer>", "eval"), ns)
    except Exception as exc:
        try:
            text = str(exc)
        except Exception:  # an exception whose own __str__ fails
            text = "(its message could not be read)"
        raise Unreadable(f"your code raised {type(exc).__name__}: {show(text, 120)}") from None


def plain(value):
    """A comparable plain-Python form of a pandas/NumPy/Python value."""
    import pandas as pd
    if isinstance(value, pd.DataFrame):
        if value.shape[1] == 1:
            return plain(value.iloc[:, 0])
        return {str(c): plain(value[c]) for c in value.columns}
    if isinstance(value, pd.Series):
        return {_plain_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, pd.Index):
        return [plain(v) for v in value]
    if isinstance(value, pd.Timedelta):
        return value.total_seconds() / 86400
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, dict):
        return {_plain_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "item") and hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0:
        return plain(value.item())  # NumPy scalar
    if hasattr(value, "tolist") and hasattr(value, "dtype"):
        return plain(value.tolist())  # NumPy array
    return value


def _plain_key(k):
    if isinstance(k, tuple):
        return " / ".join(str(_plain_key(x)) for x in k)
    if hasattr(k, "item") and hasattr(k, "dtype"):
        k = k.item()
    if isinstance(k, float) and k.is_integer():
        k = int(k)
    return str(k)


def differences(got, want, tol: float, path: str = "your value") -> list[str]:
    """Human-readable differences between two plain values (empty list: the same)."""
    if isinstance(want, numbers.Real) and not isinstance(want, bool):
        if isinstance(got, bool) or not isinstance(got, numbers.Real):
            return [f"{path} should be a number, not {type(got).__name__} {show(got)}."]
        if math.isnan(got) or abs(got - want) > tol + 1e-9:
            return [f"{path} is {got:g}; that is not the value the data give."]
        return []
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{path} should be a table or Series (labelled values), not "
                    f"{type(got).__name__} {show(got)}."]
        missing = [k for k in want if k not in got]
        extra = [k for k in got if k not in want]
        out = []
        if missing:
            out.append(f"{path} is missing label(s): {', '.join(missing[:5])}"
                       + (" …" if len(missing) > 5 else "") + ".")
        if extra:
            out.append(f"{path} has label(s) the answer does not: {', '.join(extra[:5])}"
                       + (" …" if len(extra) > 5 else "") + ".")
        for k in want:
            if k in got:
                out += differences(got[k], want[k], tol, f"{path}[{k!r}]")
        return out[:6]
    if isinstance(want, list):
        if not isinstance(got, list):
            return [f"{path} should be a list, not {type(got).__name__} {show(got)}."]
        if len(got) != len(want):
            return [f"{path} has {len(got)} entries; the data give {len(want)}."]
        out = []
        for i, (g, w) in enumerate(zip(got, want)):
            out += differences(g, w, tol, f"{path}[{i}]")
        return out[:6]
    if got != want:
        return [f"{path} is {show(got)}; that is not what the data give."]
    return []


@functools.cache
def expected_value(ex_id: str, code: str):
    """The key's value itself (a pandas object or a number), computed once per exercise."""
    return run(code)


@functools.cache
def expected(ex_id: str, code: str):
    """The key's value in plain form, computed once per exercise from seeds/."""
    return plain(expected_value(ex_id, code))


def learner_value(answer):
    if isinstance(answer, str):
        return _guarded(lambda: plain(run(answer)))
    return _guarded(plain, answer)  # a learner's object whose methods raise SystemExit, say


# --- explaining a wrong value: its shape first, then the course's conventions --------------------

def _kind(value) -> str:
    import pandas as pd
    if isinstance(value, pd.DataFrame):
        return "series" if value.shape[1] == 1 else "frame"
    if isinstance(value, pd.Series):
        return "series"
    if isinstance(value, numbers.Number) or (hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0):
        return "number"
    return "other"


def _names(values, limit: int = 4) -> str:
    values = [str(v) for v in values]
    return ", ".join(values[:limit]) + (", …" if len(values) > limit else "")


def describe(value, reveal: bool = True) -> str:
    """What a value is, in a learner's words: its type and shape, its columns or its index."""
    import pandas as pd
    kind = _kind(value)
    if kind == "frame":
        return (f"a table (DataFrame) of {value.shape[0]} rows and {value.shape[1]} columns "
                f"({_names(value.columns)})")
    if kind == "series":
        s = value.iloc[:, 0] if isinstance(value, pd.DataFrame) else value
        by = f"indexed by {s.index.name!r}" if s.index.name is not None else "with labels"
        return f"a Series of {len(s)} values {by} ({_names(s.index)})"
    if kind == "number":
        return f"one number ({plain(value)!r})" if reveal else "one number"
    return f"{type(value).__name__} {show(value)}"


def explain_shape(got, want, code: str = "") -> list[str]:
    """Why a value of the wrong shape is wrong: a table where one column is expected, a Series where
    one number is, one number where a value per label is, or a Series indexed by the wrong column."""
    import pandas as pd
    gk, wk = _kind(got), _kind(want)
    if gk == wk == "series":
        g = got.iloc[:, 0] if isinstance(got, pd.DataFrame) else got
        w = want.iloc[:, 0] if isinstance(want, pd.DataFrame) else want
        glabels, wlabels = {_plain_key(k) for k in g.index}, {_plain_key(k) for k in w.index}
        if glabels and wlabels and not glabels & wlabels:
            return [f"Your value is {describe(got)}; the answer is {describe(want, reveal=False)}. Group or count by "
                    f"{w.index.name!r} instead." if w.index.name is not None else
                    f"Your value is {describe(got)}; the answer is {describe(want, reveal=False)}: its labels differ."]
        return []
    if gk == wk or "other" in (gk, wk):
        return []
    out = [f"Your value is {describe(got)}; the answer is {describe(want, reveal=False)}."]
    if gk == "frame" and wk == "series":
        if "count(" in code.replace(" ", "") or (got.nunique(axis=1) <= 1).all():
            out.append("`.count()` on a grouped table counts every column separately (one column of counts "
                       "per original column); `.size()` counts each group's rows once, as one Series.")
        else:
            out.append("The answer is a single column: select the one column you need (e.g. df['level']) "
                       "before you count or compute.")
    elif gk == "series" and wk == "number":
        out.append("Reduce it to one number: for example `.sum()` of a True/False Series counts the "
                   "Trues, `.mean()` gives their share, and `len()` counts rows.")
    elif gk == "number" and wk in ("series", "frame"):
        out.append("The answer gives one value per label: group before you count (e.g. "
                   "`.groupby('level').size()` or `.value_counts()`).")
    elif gk == "frame" and wk == "number":
        out.append("Reduce the table to one number: filter the rows you need, then count them "
                   "(`len(...)` or `.sum()` of a True/False column).")
    return out


_CALENDAR_YEAR = re.compile(r"\byear['\"\]]*\s*(?:<|<=|>|>=|==|!=)\s*199[78]\b|\b199[78]\s*(?:<|<=|>|>=)\s*\S*year"
                            r"|(?:start|date)['\"\]]*\s*(?:<|<=|>|>=)\s*['\"]199[78](?:-01-01)?['\"]")


def _article_convention() -> str:
    from .data import ARTICLE_WRITTEN_BY
    return ("'Before the article' and 'after the article' are measured from the day it was written, "
            f"{ARTICLE_WRITTEN_BY} (mid-1997; threelevels.data.ARTICLE_WRITTEN_BY), not from a calendar "
            "year: events of July to December 1997 came after it, and earlier 1997 events before it. "
            "The chronology's `after_article` column already says which rows are later.")


@functools.cache
def _calendar_year_values(ex_id: str, code: str) -> tuple:
    """The key's value computed as if 'after the article' meant 'after 1997' or 'from 1997 on'."""
    from . import data
    if "after_article" not in code:
        return ()
    out = []
    for later in (lambda y: y > 1997, lambda y: y >= 1997):
        ns = namespace()
        ns["chron"] = data.chronology().assign(after_article=lambda df, f=later: f(df["year"]))
        tree = ast.parse(code, mode="exec")
        last = ast.Expression(tree.body.pop().value)
        try:
            exec(compile(tree, "<key>", "exec"), ns)
            out.append(plain(eval(compile(last, "<key>", "eval"), ns)))
        except Exception:
            continue
    return tuple(out)


def conventions(ex, answer, got, tol: float) -> list[str]:
    """The course's conventions a wrong answer seems to miss: from the learner's code when it is
    code, and by computing the key under the other reading (a calendar-year cut-off)."""
    if isinstance(answer, str) and _CALENDAR_YEAR.search(answer):
        return [_article_convention()]
    for alt in _calendar_year_values(ex.id, ex.answer):
        if not differences(got, alt, tol) and differences(alt, expected(ex.id, ex.answer), tol):
            return [_article_convention()]
    return []


def check(ex, answer, result, correct):
    """The verdict on a code exercise; whatever the learner's code or objects raise (SystemExit
    included, a real interrupt excepted) is a message, never an exception."""
    return _guarded(_check, ex, answer, result, correct)


def _check(ex, answer, result, correct):
    tol = float(ex.spec.get("tolerance", 0))
    want = expected(ex.id, ex.answer)
    raw = run(answer) if isinstance(answer, str) else answer
    got = plain(raw)
    diffs = differences(got, want, tol)
    if not diffs:
        return correct(ex)
    for other, feedback in ex.accepted:
        if not differences(got, expected(f"{ex.id}#accepted", other), tol):
            return result(ex, "correct", 1.0, "Correct: a defensible reading.",
                          [feedback] + ([f"The key's reading: {ex.explanation}"] if ex.explanation else []))
    details = []
    for wrong_code, feedback in ex.wrong:
        if not differences(got, expected(f"{ex.id}#wrong", wrong_code), tol):
            details.append(feedback)
            break
    details += conventions(ex, answer, got, tol)
    try:
        shape = explain_shape(raw, expected_value(ex.id, ex.answer), answer if isinstance(answer, str) else "")
    except Exception:  # a learner object that pandas cannot inspect: the plain differences still say it
        shape = []
    return result(ex, "incorrect", 0.0, "Not yet right: your value differs from the one the data give.",
                  details + (shape or diffs))
