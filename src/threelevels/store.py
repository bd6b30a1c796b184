"""The progress store: every checked attempt, in SQLite, in a per-user data folder.

Where: `THREELEVELS_HOME` if set, else `$XDG_DATA_HOME/threelevels`, else
`~/.local/share/threelevels`; the file is `progress.sqlite` there. Answers live apart from the
notebooks, so pulling a new version of the course never touches them. A relative
`THREELEVELS_HOME` is resolved once, against the course folder (so kernels started in lessons/ and
in exercises/ share one store), and written back to the environment as an absolute path; a
`THREELEVELS_HOME` that is a file is an error that says so, never "no attempts yet".

How:
- one short connection per call (busy_timeout, WAL journal, synchronous=FULL); every write is one
  `BEGIN IMMEDIATE ... COMMIT`, so `record()` has committed when it returns and two processes
  writing at once wait for each other instead of losing rows;
- the schema version is `PRAGMA user_version`; `migrate()` brings an older file up to date inside
  a transaction. A file with any other version (newer, or unknown such as -1) is refused from its
  header bytes, before SQLite opens it, so nothing in it changes (not even its journal mode);
- a store this process cannot write (another user's, a read-only volume) is still read;
- a damaged file (not a database, failing `PRAGMA quick_check`, or empty beside a non-empty
  `-wal` whose attempts SQLite would discard) is renamed to
  `progress.sqlite.damaged-<UTC time>` (never deleted), a `DamagedStoreWarning` says where it went,
  and a fresh file is started;
- answers are stored as JSON made by `to_json`, which accepts anything a learner can submit
  (bytes, NaN, huge numbers, pandas objects, objects whose repr fails...) and always returns valid
  JSON; `from_json` inverts it where it can.

Only the standard library is imported here; pandas is used only to rebuild a stored DataFrame.
"""
from __future__ import annotations

import base64
import contextlib
import datetime as _dt
import json
import math
import numbers
import os
import sqlite3
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

from . import platform as _platform

SCHEMA_VERSION = 1
DB_NAME = "progress.sqlite"
BUSY_MS = 30_000
EXPORT_FORMAT = "threelevels-export"
EXPORT_VERSION = 1

# what one stored answer may hold (beyond this it is truncated, and says so)
MAX_CHARS = 1_000_000   # characters of text (or bytes) in one answer, all strings together
MAX_ITEMS = 10_000      # elements of one list, dict or set
MAX_ROWS = 1_000        # rows of a DataFrame or Series
MAX_DEPTH = 64          # nesting
MAX_REPR = 500          # characters kept of an unknown object's repr
_SAFE_INT = 2 ** 53     # beyond this, integers are stored as text so no JSON reader rounds them

NOTES: list[str] = []   # what the store had to do in this process (e.g. a damaged file moved aside)


class StoreError(RuntimeError):
    """The progress store cannot be used (busy, read-only, newer schema...); the message says why."""


class DamagedStoreWarning(UserWarning):
    """A damaged progress file was moved aside and a fresh one started."""


class _Damaged(Exception):
    pass


# --- where ---------------------------------------------------------------------------------------

def home() -> Path:
    """The per-user data folder (it is created on the first write, not before).

    A relative THREELEVELS_HOME is resolved once, at first use, against the course folder (the one
    holding seeds/, lessons/ and exercises/; the working folder if there is no course folder), and
    written back to the environment as an absolute path. Kernels started from lessons/ and from
    exercises/ have different working folders; resolving against the course folder gives them
    one store, and kernels or commands this process starts inherit the absolute path.
    """
    env = os.environ.get("THREELEVELS_HOME")
    if env:
        path = Path(env).expanduser()
        if not path.is_absolute():
            path = _absolute(path)
            os.environ["THREELEVELS_HOME"] = str(path)
        return path
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "threelevels"


def _absolute(path: Path) -> Path:
    try:
        from .data import root
        base = root()
    except Exception:  # no course folder (e.g. the package alone): the working folder
        base = Path.cwd()
    return Path(os.path.abspath(base / path))


def db_path() -> Path:
    return home() / DB_NAME


def check_home() -> None:
    """Raise StoreError if the data folder (THREELEVELS_HOME, or the default) or a folder above it is
    a file: nothing could be stored there, and "no attempts yet" would be a lie."""
    where = home()
    for folder in (where, *where.parents):
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise StoreError(f"the progress folder {where} cannot be used: {folder} is a file, not a "
                                 "folder, so your progress can be neither stored nor read there. Point "
                                 "THREELEVELS_HOME at a folder (or unset it).")
            return


def learner() -> str:
    """Who the attempts belong to: THREELEVELS_LEARNER, else JUPYTERHUB_USER, else the OS user name."""
    for var in ("THREELEVELS_LEARNER", "JUPYTERHUB_USER"):  # on a hub every learner is the same OS user
        name = os.environ.get(var, "").strip()
        if name:
            return name
    try:
        import getpass
        return getpass.getuser()
    except Exception:  # no user name in this environment (some containers)
        return "unknown"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def when(iso: str) -> str:
    """'2026-11-27T21:04:05Z' -> '2026-11-27 21:04 UTC' (what a learner reads)."""
    if isinstance(iso, str) and len(iso) >= 16 and iso[10] == "T":
        return f"{iso[:10]} {iso[11:16]} UTC"
    return str(iso)


# --- answers as JSON -----------------------------------------------------------------------------

_TAGS = ("$str", "$bytes", "$float", "$int", "$int_hex", "$complex", "$set", "$dict", "$datetime",
         "$date", "$time", "$dataframe", "$series", "$ndarray", "$truncated", "$repr")


def _short_repr(obj: Any) -> str:
    try:
        text = repr(obj)
    except Exception as exc:  # a learner object whose repr fails
        text = f"<{type(obj).__name__} object; its repr raised {type(exc).__name__}>"
    if not isinstance(text, str):
        text = f"<{type(obj).__name__} object>"
    text = text if len(text) <= MAX_REPR else text[:MAX_REPR] + f"… ({len(text):,} characters)"
    return _plain(text)


class _Encoder:
    """Turns any value into plain JSON data (dict/list/str/int/float/bool/None), within limits."""

    def __init__(self):
        self.budget = MAX_CHARS
        self.active: set[int] = set()  # containers being encoded (to catch a list holding itself)

    def text(self, s: str):
        if len(s) <= self.budget:
            self.budget -= len(s)
            return s if _utf8_ok(s) else _surrogates(s)
        head, self.budget = s[:max(self.budget, 0)], 0
        return {"$truncated": {"head": head if _utf8_ok(head) else _surrogates(head), "length": len(s)}}

    def items(self, values, depth: int) -> tuple[list, bool]:
        """Encode an iterable's elements; stop at MAX_ITEMS or when the budget is spent."""
        out = []
        for i, v in enumerate(values):
            if i >= MAX_ITEMS or self.budget <= 0:
                return out, True
            self.budget -= 1
            out.append(self.enc(v, depth + 1))
        return out, False

    def enc(self, obj: Any, depth: int = 0):
        try:
            return self._enc(obj, depth)
        except RecursionError:
            return {"$repr": "<nested too deeply to store>"}
        except Exception as exc:  # an object whose own methods fail while we read it
            return {"$repr": f"<{type(obj).__name__} object; reading it raised {type(exc).__name__}>"}

    def _enc(self, obj: Any, depth: int):
        if obj is None or isinstance(obj, bool):
            return obj
        if isinstance(obj, str):
            return self.text(str.__str__(obj))
        if isinstance(obj, numbers.Integral):
            n = int(obj)
            if -_SAFE_INT < n < _SAFE_INT:
                return n
            try:
                return {"$int": str(n)}
            except ValueError:  # more digits than int->str allows; hex has no such limit
                return {"$int_hex": hex(n)}
        if isinstance(obj, numbers.Real):
            try:
                x = float(obj)
            except (OverflowError, ValueError, TypeError):
                return {"$repr": _short_repr(obj)}
            if math.isnan(x):
                return {"$float": "nan"}
            if math.isinf(x):
                return {"$float": "inf" if x > 0 else "-inf"}
            return x
        if isinstance(obj, numbers.Complex):
            c = complex(obj)
            return {"$complex": [self.enc(c.real, depth + 1), self.enc(c.imag, depth + 1)]}
        if isinstance(obj, (bytes, bytearray, memoryview)):
            raw = bytes(obj)
            keep = raw[:max(self.budget * 3 // 4, 0)]
            self.budget -= len(keep) * 4 // 3
            coded = {"$bytes": base64.b64encode(keep).decode("ascii")}
            return coded if len(keep) == len(raw) else {"$truncated": {"head": coded, "length": len(raw)}}
        if isinstance(obj, _dt.datetime):
            return {"$datetime": obj.isoformat()}
        if isinstance(obj, _dt.date):
            return {"$date": obj.isoformat()}
        if isinstance(obj, _dt.time):
            return {"$time": obj.isoformat()}
        if depth >= MAX_DEPTH:
            return {"$repr": "<nested too deeply to store>"}
        np = sys.modules.get("numpy")
        if np is not None and isinstance(obj, np.generic):
            return self.enc(obj.item(), depth)
        pd = sys.modules.get("pandas")
        if pd is not None and isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
            return self._pandas(obj, depth, pd)
        if np is not None and isinstance(obj, np.ndarray):
            if obj.size > MAX_ITEMS:
                return {"$repr": _short_repr(obj)}
            return {"$ndarray": {"dtype": str(obj.dtype), "data": self.enc(obj.tolist(), depth + 1)}}
        if isinstance(obj, (list, tuple, set, frozenset, dict)):
            if id(obj) in self.active:
                return {"$repr": "<a container that holds itself>"}
            self.active.add(id(obj))
            try:
                return self._container(obj, depth)
            finally:
                self.active.discard(id(obj))
        return {"$repr": _short_repr(obj)}

    def _container(self, obj, depth: int):
        n = len(obj)
        if isinstance(obj, dict):
            plain = all(isinstance(k, str) and not k.startswith("$") and _utf8_ok(k) for k in obj)
            if plain:
                out, cut = {}, False
                for i, (k, v) in enumerate(obj.items()):
                    if i >= MAX_ITEMS or self.budget <= 0:
                        cut = True
                        break
                    self.budget -= len(k) + 1
                    out[str.__str__(k)] = self.enc(v, depth + 1)
                coded = out
            else:  # keys that JSON cannot hold, or that look like our tags: keep them as pairs
                pairs, cut = self.items(((k, v) for k, v in obj.items()), depth)
                coded = {"$dict": pairs}
        elif isinstance(obj, (set, frozenset)):
            values = list(obj)
            try:
                values.sort()
            except Exception:  # mixed types: keep the set's own order
                pass
            out, cut = self.items(values, depth)
            coded = {"$set": out}
        else:
            coded, cut = self.items(obj, depth)
        return {"$truncated": {"head": coded, "length": n}} if cut else coded

    def _pandas(self, obj, depth: int, pd):
        n = len(obj)
        head = obj.iloc[:MAX_ROWS] if not isinstance(obj, pd.Index) else obj[:MAX_ROWS]
        if isinstance(obj, pd.DataFrame):
            coded = {"$dataframe": {"columns": self.enc(list(head.columns), depth + 1),
                                    "index": self.enc(list(head.index), depth + 1),
                                    "data": self.enc(head.values.tolist(), depth + 1)}}
        elif isinstance(obj, pd.Series):
            coded = {"$series": {"name": self.enc(head.name, depth + 1),
                                 "index": self.enc(list(head.index), depth + 1),
                                 "data": self.enc(head.tolist(), depth + 1)}}
        else:
            coded = self.enc(head.tolist(), depth + 1)
        return {"$truncated": {"head": coded, "length": n}} if n > MAX_ROWS else coded


def _utf8_ok(s: str) -> bool:
    if s.isascii():
        return True
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:  # lone surrogates, e.g. '\ud800', which no UTF-8 file can hold
        return False


def _surrogates(s: str) -> dict:
    return {"$str": base64.b64encode(s.encode("utf-8", "surrogatepass")).decode("ascii")}


def encode(answer: Any):
    """Any value as plain JSON data (tagged dicts such as {"$bytes": ...} where JSON has no type)."""
    return _Encoder().enc(answer)


def to_json(answer: Any) -> str:
    """Any answer as valid JSON text (strict: no NaN or Infinity tokens). Never raises."""
    try:
        return _plain(json.dumps(encode(answer), ensure_ascii=False, allow_nan=False))
    except Exception as exc:  # cannot happen for encode()'s output, but never lose an attempt
        return json.dumps({"$repr": f"<answer could not be stored: {type(exc).__name__}>"})


def decode(data: Any):
    """Invert `encode` where possible (bytes, NaN, big ints, sets, DataFrames...). Never raises."""
    try:
        return _dec(data)
    except Exception:
        return data


def _dec(data: Any):
    if isinstance(data, list):
        return [_dec(v) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) == 1:
        tag, value = next(iter(data.items()))
        if tag in _TAGS:
            return _dec_tag(tag, value, data)
    return {k: _dec(v) for k, v in data.items()}


def _dec_tag(tag: str, value: Any, whole: dict):
    try:
        if tag == "$bytes":
            return base64.b64decode(value)
        if tag == "$str":
            return base64.b64decode(value).decode("utf-8", "surrogatepass")
        if tag == "$float":
            return float(value)
        if tag == "$int":
            return int(value)
        if tag == "$int_hex":
            return int(value, 16)
        if tag == "$complex":
            return complex(_dec(value[0]), _dec(value[1]))
        if tag == "$set":
            items = [_dec(v) for v in value]
            try:
                return set(items)
            except TypeError:  # unhashable members: a list is the best we can do
                return items
        if tag == "$dict":
            pairs = [(_hashable(_dec(k)), _dec(v)) for k, v in value]
            return dict(pairs)
        if tag == "$datetime":
            return _dt.datetime.fromisoformat(value)
        if tag == "$date":
            return _dt.date.fromisoformat(value)
        if tag == "$time":
            return _dt.time.fromisoformat(value)
        if tag == "$truncated":
            return _dec(value["head"])
        if tag == "$repr":
            return value
        import pandas as pd  # only to rebuild a stored pandas object
        if tag == "$dataframe":
            return pd.DataFrame(_dec(value["data"]), columns=_dec(value["columns"]),
                                index=[_hashable(i) for i in _dec(value["index"])])
        if tag == "$series":
            return pd.Series(_dec(value["data"]), index=[_hashable(i) for i in _dec(value["index"])],
                             name=_hashable(_dec(value["name"])), dtype=None if value["data"] else object)
        if tag == "$ndarray":
            return _ndarray(value)
    except Exception:
        pass
    return {k: _dec(v) if k != tag else v for k, v in whole.items()}


MAX_ARRAY_BYTES = 16_000_000  # what one stored array may take once rebuilt


def _ndarray(value: dict):
    """Rebuild a stored NumPy array, checking the size its tag declares before allocating: an export
    is made by a learner, and {"dtype": "U5000000", "data": [...]} would ask for gigabytes."""
    import numpy as np
    spec = value["dtype"]
    if not isinstance(spec, str) or len(spec) > 32:
        raise ValueError("not a dtype")
    dtype = np.dtype(spec)
    if dtype.kind not in "biufcUSMm" or dtype.subdtype is not None or dtype.names is not None:
        raise ValueError(f"dtype {spec!r} is not one an answer is stored with")
    elements, stack = 0, [value["data"]]
    while stack:  # count the elements without recursion, stopping as soon as there are too many
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            elements += 1
        if elements > MAX_ITEMS or len(stack) > MAX_ITEMS:
            raise ValueError("too many elements")
    if dtype.itemsize * max(elements, 1) > MAX_ARRAY_BYTES:
        raise ValueError("the declared size is too large")
    return np.array(_dec(value["data"]), dtype=dtype)


def _hashable(v):
    if isinstance(v, list):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, set):
        return frozenset(v)
    if isinstance(v, dict):
        return tuple((k, _hashable(x)) for k, x in v.items())
    return v


def from_json(text: str):
    """The answer `to_json` stored, rebuilt where possible. Never raises (bad JSON comes back as text)."""
    try:
        return decode(json.loads(text))
    except (TypeError, ValueError, RecursionError):
        return text


# --- the database --------------------------------------------------------------------------------

def _v1(conn: sqlite3.Connection) -> None:
    conn.execute("""
        CREATE TABLE IF NOT EXISTS attempts (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            exercise_id    TEXT NOT NULL,
            lesson         TEXT NOT NULL,
            objective      TEXT NOT NULL DEFAULT '',
            type           TEXT NOT NULL DEFAULT '',
            answer         TEXT NOT NULL,          -- to_json(answer)
            status         TEXT NOT NULL,
            score          REAL NOT NULL,
            message        TEXT NOT NULL DEFAULT '',
            at             TEXT NOT NULL,          -- UTC, ISO 8601 to the second
            course_version TEXT NOT NULL DEFAULT ''
        )""")
    conn.execute("CREATE INDEX IF NOT EXISTS attempts_by_exercise ON attempts (exercise_id, id)")


# MIGRATIONS[n] turns a version n-1 file into version n. Add steps; never edit a released one.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {1: _v1}
assert sorted(MIGRATIONS) == list(range(1, SCHEMA_VERSION + 1))


def _unknown_version(where: str, version: int) -> str:
    return (f"{where} was written by a newer version of the course, or one this version does not know "
            f"(schema {version}; this one knows 0 to {SCHEMA_VERSION}). Update the course (pip install -e . in its folder); your "
            "answers are safe and the file was not changed.")


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the file up to SCHEMA_VERSION in one transaction; return the version it had."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return version
    if not 0 <= version < SCHEMA_VERSION:
        raise StoreError(_unknown_version(_where(conn), version))
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have won
        if not 0 <= version <= SCHEMA_VERSION:
            raise StoreError(_unknown_version(_where(conn), version))
        for step in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[step](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version


def _where(conn: sqlite3.Connection) -> str:
    try:
        return conn.execute("PRAGMA database_list").fetchone()[2] or "the progress database"
    except sqlite3.Error:
        return "the progress database"


_checked: set[tuple[str, int, int]] = set()  # files that passed quick_check in this process


def _uri(path: Path, mode: str) -> str:
    from urllib.parse import quote
    return f"file:{quote(str(path.resolve()))}?{mode}"


def _open_ro(path: Path, immutable: bool = False) -> sqlite3.Connection:
    """A read-only connection: `mode=ro`, or `immutable=1` where even that needs a write (a WAL
    file in a folder this process cannot write to, whose -shm file is gone)."""
    conn = sqlite3.connect(_uri(path, "immutable=1" if immutable else "mode=ro"), uri=True,
                           timeout=BUSY_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        conn.execute("PRAGMA user_version").fetchone()
        return conn
    except BaseException:
        conn.close()
        raise


def _header_version(head: bytes) -> int | None:
    """The schema version in a file's first 100 bytes (PRAGMA user_version is bytes 60-63,
    big-endian, signed), read as plain bytes: a file from a newer course is refused before SQLite
    opens it, so nothing (not even its journal mode) is changed. None: no full header yet."""
    if len(head) < 100 or not head.startswith(_MAGIC):
        return None
    return int.from_bytes(head[60:64], "big", signed=True)


def _open(path: Path, head: bytes = b"") -> sqlite3.Connection:
    version = _header_version(head)
    if version is not None and not 0 <= version <= SCHEMA_VERSION:
        raise StoreError(_unknown_version(str(path), version))
    conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        conn.execute("PRAGMA synchronous = FULL")
        st = path.stat()
        key = (str(path), st.st_dev, st.st_ino)
        if key not in _checked:
            verdict = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
            if verdict != "ok":
                raise _Damaged(f"quick_check: {verdict}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if not 0 <= version <= SCHEMA_VERSION:  # e.g. set since the header was read
            raise StoreError(_unknown_version(str(path), version))
        if version != SCHEMA_VERSION or conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            # first use of the file (or an older one): one process at a time sets it up, because
            # SQLite answers "busy" at once, without waiting, to two connections switching to WAL
            with _lock(path.parent):
                migrate(conn)  # refuses a newer file before anything is switched
                _wal(conn)
        _checked.add(key)
        return conn
    except BaseException:
        conn.close()
        raise


def _wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL (readers never block the writer); retry while another program holds the file."""
    deadline = time.monotonic() + BUSY_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # stays in rollback mode where WAL is impossible
            return
        except sqlite3.OperationalError as exc:
            if not str(getattr(exc, "sqlite_errorname", "")).startswith("SQLITE_BUSY") or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _is_damage(exc: BaseException) -> bool:
    if isinstance(exc, _Damaged):
        return True
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
        return True
    text = str(exc).lower()
    return "file is not a database" in text or "malformed" in text


@contextlib.contextmanager
def _lock(folder: Path) -> Iterator[None]:
    """An exclusive lock for the rare, one-off job of moving a damaged file aside."""
    fcntl = _platform.fcntl_with_flock()
    if fcntl is None:  # no flock (Windows, Pyodide: see platform.py): the inode check in _move_aside is the only guard
        yield
        return
    with open(folder / ".progress.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


_MAGIC = b"SQLite format 3\x00"


def _head(path: Path) -> bytes:
    """The file's first 100 bytes (the SQLite header), b"" if it does not exist."""
    try:
        with open(path, "rb") as fh:
            return fh.read(100)
    except FileNotFoundError:
        return b""


def _bad_header(path: Path, head: bytes | None = None) -> str:
    """Why the file cannot be an SQLite database, judged from its first bytes ('' if it may be one).

    Checked before SQLite opens the file: SQLite deletes the -wal file of a database it cannot
    read when it closes it, and that file may hold the learner's last attempts.
    """
    head = _head(path) if head is None else head
    if head and head[:len(_MAGIC)] != _MAGIC:
        return f"it is not an SQLite database: it starts with {head[:12]!r}"
    if not head:
        try:
            wal = Path(str(path) + "-wal").stat().st_size
        except OSError:
            wal = 0
        if wal:  # SQLite would treat the file as a new, empty database and discard the log
            return (f"it is empty (0 bytes) while its write-ahead log {path.name}-wal holds {wal:,} bytes "
                    "of attempts, which SQLite would discard")
    return ""


def _still_damaged(path: Path) -> bool:
    if _bad_header(path):
        return True
    try:
        conn = sqlite3.connect(path, timeout=BUSY_MS / 1000, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        return conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok"
    except sqlite3.Error as exc:
        return _is_damage(exc)
    finally:
        conn.close()


def _move_aside(path: Path, reason: BaseException, seen: tuple[int, int] | None) -> str:
    with _lock(path.parent):
        try:
            st = path.stat()
        except FileNotFoundError:
            return ""
        if (seen is None or (st.st_dev, st.st_ino) != seen) and not _still_damaged(path):
            return ""  # another process already replaced it with a fresh, healthy file
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        target = path.with_name(f"{path.name}.damaged-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
        detail = str(reason).strip() or type(reason).__name__
        try:
            os.replace(path, target)
            for suffix in ("-wal", "-shm", "-journal"):  # a stale journal must never meet the new file
                companion = Path(str(path) + suffix)
                if companion.exists():
                    os.replace(companion, Path(str(target) + suffix))
        except OSError as exc:  # e.g. Windows, where another program still has the file open
            raise StoreError(f"your progress database {path} is damaged ({detail}) and could not be moved "
                             f"aside ({exc.strerror or exc}). Close other notebooks using the course and try "
                             "again, or rename the file yourself; nothing has been deleted.") from None
    note = (f"Your progress database {path} was damaged ({detail}). It has been moved aside to "
            f"{target} (nothing was deleted) and a fresh database was started. "
            f"To recover old attempts, ask for help with the file {target.name}.")
    NOTES.append(note)
    warnings.warn(note, DamagedStoreWarning, stacklevel=4)
    return note


def _run(fn: Callable[[sqlite3.Connection], Any], *, write: bool, default: Any = None):
    """Run fn(conn) on the progress database, moving a damaged file aside (once) if needed."""
    check_home()
    path = db_path()
    for attempt in (1, 2):
        if not path.exists():
            if not write:
                return default
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the progress folder {path.parent}: {exc.strerror}. "
                                 "Set THREELEVELS_HOME to a folder you can write to.") from None
        seen = None
        try:
            st = path.stat()
            seen = (st.st_dev, st.st_ino)
        except OSError:
            pass
        try:
            head = _head(path)
            why = _bad_header(path, head)
            if why:
                raise _Damaged(why)
            conn = _open(path, head)
        except (sqlite3.Error, _Damaged, OSError) as exc:
            if attempt == 1 and _is_damage(exc):
                _move_aside(path, exc, seen)
                continue
            conn = None if write or not _read_only(exc) else _open_read_only(path)
            if conn is None:
                raise StoreError(_explain(path, exc)) from None
        try:
            return fn(conn)
        except sqlite3.Error as exc:
            if attempt == 1 and _is_damage(exc):
                conn.close()
                conn = None
                _move_aside(path, exc, seen)
                continue
            raise StoreError(_explain(path, exc)) from None
        finally:
            if conn is not None:
                conn.close()
    raise StoreError(f"the progress database {path} could not be opened even after moving a damaged copy aside")


def _read_only(exc: BaseException) -> bool:
    """Does this error come from a file or folder this process may read but not write?"""
    if isinstance(exc, PermissionError):
        return True
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH"))


def _open_read_only(path: Path) -> sqlite3.Connection | None:
    """A store this process cannot write still shows what it holds: a read-only connection, checked
    for its version (a newer or unknown one is refused as always), or None if none can be made."""
    for immutable in (False, True):
        try:
            conn = _open_ro(path, immutable)
        except sqlite3.Error:
            continue
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT 1 FROM attempts LIMIT 1").fetchall()
        except sqlite3.Error:
            conn.close()
            continue
        if version != SCHEMA_VERSION:
            conn.close()
            if 0 <= version < SCHEMA_VERSION:
                return None  # an older file that cannot be brought up to date here
            raise StoreError(_unknown_version(str(path), version))
        return conn
    return None


def _explain(path: Path, exc: BaseException) -> str:
    if isinstance(exc, StoreError):
        return str(exc)
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_BUSY") or "locked" in str(exc):
        return (f"the progress database {path} stayed busy for {BUSY_MS // 1000} s "
                "(another program is writing to it); try again")
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM")):
        return (f"the progress database {path} cannot be written ({exc}). "
                "Set THREELEVELS_HOME to a folder you can write to.")
    return f"the progress database {path} cannot be used: {exc}"


# --- public API ----------------------------------------------------------------------------------

_COLUMNS = ("id", "exercise_id", "lesson", "objective", "type", "answer", "status", "score",
            "message", "at", "course_version")


def _plain(value) -> str:
    """Text SQLite can hold: lone surrogates (e.g. '\\ud800', which a message may quote from a
    learner's answer) become backslash escapes, which inside JSON text are the same escapes."""
    text = str(value or "")
    return text if _utf8_ok(text) else text.encode("utf-8", "backslashreplace").decode("utf-8")


def record(ex, answer, result) -> int:
    """Store one checked attempt; return its row id. Committed (durable) when this returns."""
    from . import __version__
    ex_id = str(getattr(ex, "id", ex))
    row = (_plain(ex_id), _plain(ex_id[:2]), _plain(getattr(ex, "objective", "")), _plain(getattr(ex, "type", "")),
           to_json(answer), _plain(result.status), float(result.score), _plain(getattr(result, "message", "")),
           _now(), __version__)

    def insert(conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            cur = conn.execute(
                "INSERT INTO attempts (exercise_id, lesson, objective, type, answer, status, score, "
                "message, at, course_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", row)
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        return cur.lastrowid

    return _run(insert, write=True)


def _row(r: tuple, decoded: bool) -> dict:
    d = dict(zip(_COLUMNS, r))
    d["answer"] = from_json(d["answer"]) if decoded else _loads(d["answer"])
    d["when"] = when(d["at"])
    return d


def _loads(text: str):
    try:
        return json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return {"$repr": str(text)[:MAX_REPR]}


def last(exercise_id: str) -> dict | None:
    """The latest attempt at an exercise ("answer" decoded, "status", "score", "when"...), or None."""
    def query(conn):
        r = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM attempts WHERE exercise_id = ? "
                         "ORDER BY id DESC LIMIT 1", (exercise_id,)).fetchone()
        return _row(r, True) if r else None
    return _run(query, write=False)


def attempts(exercise_id: str | None = None, *, lesson: str | None = None,
             decoded: bool = True, limit: int | None = None) -> list[dict]:
    """Attempts in the order they were made (optionally one exercise's, or one lesson's).

    `decoded=False` keeps each answer as stored JSON data (tags such as {"$bytes": ...} intact),
    which is what an export holds.
    """
    where, args = [], []
    if exercise_id is not None:
        where.append("exercise_id = ?")
        args.append(exercise_id)
    if lesson is not None:
        where.append("lesson = ?")
        args.append(lesson)
    sql = f"SELECT {', '.join(_COLUMNS)} FROM attempts"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"

    def query(conn):
        return [_row(r, decoded) for r in conn.execute(sql, args)]
    return _run(query, write=False, default=[])


def _per_exercise() -> dict[str, dict]:
    """exercise id -> {"attempts", "correct" (ever), "objective", "lesson", "type"}; one cheap query."""
    def query(conn):
        rows = conn.execute(
            "SELECT exercise_id, COUNT(*), MAX(status = 'correct'), MAX(lesson), MAX(objective), MAX(type) "
            "FROM attempts GROUP BY exercise_id").fetchall()
        return {r[0]: {"attempts": r[1], "correct": bool(r[2]), "lesson": r[3], "objective": r[4],
                       "type": r[5]} for r in rows}
    return _run(query, write=False, default={})


def summary() -> dict:
    """Progress per lesson and per objective.

    An exercise counts as attempted once it has a checked attempt, and as correct once any of its
    attempts was correct (trying again later never takes that away). A short answer is
    self-assessed: once submitted it counts as done ("self_assessed"), never as correct, whatever
    its stored status (attempts stored before that rule said "correct" for self-ticked rubrics).
    Totals come from the current banks; attempts at exercises no longer in the course are listed
    under "retired", not lost.

    Returns {"lessons": [{lesson, title, attempted, correct, self_assessed, total}], "objectives":
    [{lesson, objective, attempted, correct, self_assessed, total}], "retired": [exercise ids],
    "attempts": n, "path", "note"}.
    """
    done = _per_exercise()
    note = ""
    try:
        from . import banks as _bank
        exercises = _bank.bank()
        titles = _bank.lesson_titles()
    except Exception as exc:  # a broken bank must not hide a learner's progress
        exercises, titles = [], {}
        note = f"The exercise banks could not be read ({exc}); totals are missing."
    lessons: dict[str, dict] = {}
    objectives: dict[tuple[str, str], dict] = {}
    in_bank = set()
    for ex in exercises:
        in_bank.add(ex.id)
        d = done.get(ex.id)
        for table, key, extra in ((lessons, ex.lesson, {"title": titles.get(ex.lesson, "")}),
                                  (objectives, (ex.lesson, ex.objective), {"objective": ex.objective})):
            entry = table.setdefault(key, {"lesson": ex.lesson, **extra, "attempted": 0, "correct": 0,
                                           "self_assessed": 0, "total": 0})
            entry["total"] += 1
            entry["attempted"] += d is not None
            if ex.type == "short-answer":
                entry["self_assessed"] += d is not None
            else:
                entry["correct"] += bool(d and d["correct"])
    retired = sorted(i for i in done if i not in in_bank)
    if not exercises:  # no banks: still say what was done
        for ex_id, d in sorted(done.items()):
            for table, key, extra in ((lessons, d["lesson"], {"title": ""}),
                                      (objectives, (d["lesson"], d["objective"]), {"objective": d["objective"]})):
                entry = table.setdefault(key, {"lesson": d["lesson"], **extra, "attempted": 0, "correct": 0,
                                               "self_assessed": 0, "total": None})
                entry["attempted"] += 1
                if d["type"] == "short-answer":
                    entry["self_assessed"] += 1
                else:
                    entry["correct"] += d["correct"]
        retired = []
    return {"lessons": list(lessons.values()), "objectives": list(objectives.values()), "retired": retired,
            "attempts": sum(d["attempts"] for d in done.values()), "path": str(db_path()), "note": note}


def export() -> dict:
    """Every attempt, as a JSON-ready dict a learner hands in for a seminar."""
    from . import __version__
    rows = attempts(decoded=False)
    for r in rows:
        r.pop("when", None)
    return {"format": EXPORT_FORMAT, "format_version": EXPORT_VERSION, "learner": learner(),
            "course_version": __version__, "exported_at": _now(), "attempts": rows}


# --- the browser edition (platform.py) --------------------------------------------------------------

def _run_synced(run: Callable) -> Callable:
    """Wrap _run so that, where the database file does not last by itself (JupyterLite), it is made
    from its lasting copy before each use and copied back after each write. Elsewhere both are no-ops."""
    def synced(fn, *args, **kwargs):   # the same signature as _run, whatever it grows
        path = db_path()
        _platform.sync_in(path)
        result = run(fn, *args, **kwargs)
        if kwargs.get("write"):
            _platform.sync_out(path)
        return result
    synced.__doc__ = run.__doc__
    return synced


_run = _run_synced(_run)
