"""Where the course runs differently in a web browser (JupyterLite's Pyodide kernel).

This is the one module that knows. Everything else in the engine is the same code everywhere and
asks here, by name, about each of the places where a browser truly differs:

1. **File locks** (`fcntl_with_flock`). Pyodide has an `fcntl` module without `flock`; Windows
   has no `fcntl` at all. The store then relies on its other guard (see store._lock).
2. **Where progress lasts** (`sync_in`, `sync_out`). In JupyterLite the kernel's own files live
   in memory and vanish on a page reload; only the browser drive (`/drive`, kept by the browser
   in IndexedDB for this address) survives. SQLite cannot run on that drive (measured: "database
   disk image is malformed", 0-byte files after a reload), so the progress database stays in the
   kernel's memory, is restored from the drive before it is used and copied back to the drive
   after every write. Two notebooks (two kernels) share it through the drive copy.
3. **Opening JupyterLab** (`can_start_programs`): a browser kernel cannot start a program.
4. **Matplotlib's font cache** (`prepare`, run by `import threelevels`): every new browser kernel
   starts with empty memory, so matplotlib rebuilds its font cache there each time and says so on
   stderr ("Matplotlib is building the font cache"), which a learner would see as an error box in
   the first cell that draws. In the browser that notice is silenced; the cache is still built.

Nothing here imports more than the standard library.
"""
from __future__ import annotations

import hashlib
import os
import sys
import warnings
from pathlib import Path

DRIVE = Path("/drive")                   # JupyterLite's browser drive, as the Pyodide kernel mounts it
DRIVE_FOLDER = "threelevels-progress"    # the folder on it that holds the lasting copy
_MAGIC = b"SQLite format 3\x00"


class ProgressNotKeptWarning(UserWarning):
    """In the browser, progress cannot be copied to the browser drive: it lasts until a reload."""


def in_browser() -> bool:
    """True inside a WebAssembly kernel (Pyodide, as JupyterLite runs it)."""
    return sys.platform == "emscripten"


def can_start_programs() -> bool:
    """Whether this Python can start another program (JupyterLab): not in a browser."""
    return not in_browser()


def fcntl_with_flock():
    """The fcntl module if it can lock files with flock, else None (Windows, Pyodide)."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    return fcntl if hasattr(fcntl, "flock") else None  # Pyodide: an fcntl without flock


def prepare() -> None:
    """What `import threelevels` does once per kernel where the platform differs (cheap; stdlib only)."""
    if in_browser():
        import logging
        logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


# --- the browser's lasting copy of the progress database -------------------------------------------

_seen: dict[str, bytes] = {}   # db path -> digest of the drive copy this kernel last read or wrote
_warned: set[str] = set()


def drive_copy(db: Path) -> Path | None:
    """Where the browser keeps the lasting copy of the database `db`, or None where there is none
    (outside a browser the database file itself lasts; a browser without a drive keeps nothing)."""
    if not in_browser():
        return None
    if not DRIVE.is_dir():
        _warn_once("no-drive", "This browser edition has no browser drive (/drive), so your progress "
                   "lasts only until the page is reloaded. Open the course from https:// or from "
                   "http://localhost (or 127.0.0.1), where the drive works.")
        return None
    return DRIVE / DRIVE_FOLDER / db.name


def sync_in(db: Path) -> None:
    """Before the database is used: if the drive copy changed since this kernel last saw it (a reload,
    or another notebook's kernel wrote to it), make the in-memory database that copy."""
    copy = drive_copy(db)
    if copy is None:
        return
    try:
        data = copy.read_bytes()
    except FileNotFoundError:
        return  # nothing saved yet
    except OSError as exc:
        _warn_once(f"read:{copy}", f"Your saved progress ({copy}) could not be read ({exc.strerror or exc}); "
                   "this notebook goes on with what it has in memory.")
        return
    digest = hashlib.sha256(data).digest()
    if _seen.get(str(db)) == digest:
        return
    _seen[str(db)] = digest
    if not data.startswith(_MAGIC):
        _warn_once(f"bad:{copy}", f"Your saved progress ({copy}) is not a progress database "
                   f"({len(data)} bytes); it is left as it is and this notebook goes on with what it "
                   "has in memory. The next answer you check replaces it.")
        return
    db.parent.mkdir(parents=True, exist_ok=True)
    tmp = db.with_name(f".{db.name}.restore-{os.getpid()}")
    tmp.write_bytes(data)
    for suffix in ("-wal", "-shm", "-journal"):  # a journal of the old memory copy must never meet it
        Path(str(db) + suffix).unlink(missing_ok=True)
    os.replace(tmp, db)


def sync_out(db: Path) -> None:
    """After a write: copy the in-memory database, complete (WAL folded in), to the drive."""
    copy = drive_copy(db)
    if copy is None or not db.exists():
        return
    import sqlite3
    conn = sqlite3.connect(db)
    try:
        data = conn.serialize()   # the whole database as this connection sees it, WAL included
    finally:
        conn.close()
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        with open(copy, "wb") as fh:   # one write; never open SQLite on the drive itself
            fh.write(data)
    except OSError as exc:
        _warn_once(f"write:{copy}", f"Your progress could not be saved to the browser drive ({copy}: "
                   f"{exc.strerror or exc}); it lasts until the page is reloaded. Export it now: "
                   "%run -m threelevels export -o my-answers.json --learner \"Your Name\"")
        return
    _seen[str(db)] = hashlib.sha256(data).digest()


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, ProgressNotKeptWarning, stacklevel=3)
