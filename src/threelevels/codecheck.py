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


def differences(got, want, tol: float, path: str = "the answer") -> list[str]:
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
def expected(ex_id: str, code: str):
    """The key's value, computed once per exercise from seeds/."""
    return plain(run(code))


def learner_value(answer):
    if isinstance(answer, str):
        return _guarded(lambda: plain(run(answer)))
    return _guarded(plain, answer)  # a learner's object whose methods raise SystemExit, say


def check(ex, answer, result, correct):
    """The verdict on a code exercise; whatever the learner's code or objects raise (SystemExit
    included, a real interrupt excepted) is a message, never an exception."""
    return _guarded(_check, ex, answer, result, correct)


def _check(ex, answer, result, correct):
    tol = float(ex.spec.get("tolerance", 0))
    want = expected(ex.id, ex.answer)
    got = learner_value(answer)
    diffs = differences(got, want, tol)
    if not diffs:
        return correct(ex)
    details = []
    for wrong_code, feedback in ex.wrong:
        if not differences(got, expected(f"{ex.id}#wrong", wrong_code), tol):
            details.append(feedback)
            break
    return result(ex, "incorrect", 0.0, "Not yet right: your value differs from the one the data give.",
                  details + diffs)
