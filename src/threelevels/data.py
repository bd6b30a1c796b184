"""Loading and validating seeds/: the abstract, the claims, the chronology and the glossary.

Everything here is read once and cached. A malformed file raises DataError with a message that
names the file, the row or key, and what is wrong. pandas is imported only by the functions that
return DataFrames.
"""
from __future__ import annotations

import csv
import functools
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("global", "regional", "peninsular")
# The article's notes cite 13 June 1997 (seeds/chronology.csv, row source-article): it was finished
# in mid-1997. Events after this day are later history, never the author's knowledge.
ARTICLE_WRITTEN_BY = "1997-06-30"


class DataError(ValueError):
    """A file in seeds/ or exercises/ is malformed; the message says where and what."""


def _is_course(folder: Path) -> bool:
    return (folder / "seeds" / "claims.toml").is_file()


def checkout_root() -> Path:
    """The checkout this package is imported from (src/threelevels/ -> the folder above src/)."""
    return Path(__file__).resolve().parents[2]


def packaged_root() -> Path:
    """The course files an installed wheel carries (threelevels/_course/, copied by setup.py)."""
    return Path(__file__).resolve().parent / "_course"


def root() -> Path:
    """The course folder (the one holding seeds/, exercises/ and lessons/).

    Found the same way wherever the package runs, first match wins:
    1. THREELEVELS_ROOT, if set (it must hold seeds/);
    2. the checkout this package is imported from (`pip install -e .`, or src/ on sys.path), so
       that authors see their edits at once;
    3. the copy inside the installed package (a wheel: `pip install three-levels`, a hub image,
       a JupyterLite kernel).
    """
    env = os.environ.get("THREELEVELS_ROOT")
    if env:
        here = Path(env).expanduser()
        if not _is_course(here):
            raise DataError(
                f"THREELEVELS_ROOT is {env!r}, but {here / 'seeds' / 'claims.toml'} does not exist. "
                "Set it to the folder that holds seeds/, or unset it to use the course files "
                "installed with the package.")
        return here
    for here in (checkout_root(), packaged_root()):
        if _is_course(here):
            return here
    raise DataError(
        f"cannot find the course files: neither {checkout_root() / 'seeds'} (a checkout) nor "
        f"{packaged_root() / 'seeds'} (an installed wheel) holds claims.toml. "
        "Reinstall the course (`pip install three-levels`, or `pip install -e .` from its folder), "
        "or set THREELEVELS_ROOT to the folder that holds seeds/.")


def seeds_dir() -> Path:
    return root() / "seeds"


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(root()))
    except ValueError:
        return str(path)


def squash(text: str) -> str:
    """Collapse every run of whitespace to one space (how quotes are compared with the abstract)."""
    return re.sub(r"\s+", " ", text).strip()


@functools.cache
def abstract() -> str:
    """The reflowed abstract (seeds/abstract.txt), whitespace normalised."""
    return squash((seeds_dir() / "abstract.txt").read_text(encoding="utf-8"))


@functools.cache
def sentences() -> tuple[str, ...]:
    """The abstract's sentences, in order (14 of them)."""
    return tuple(re.split(r"(?<=\.)\s+(?=[A-Z])", abstract()))


@dataclass(frozen=True)
class Claim:
    id: str
    sentence: int
    text: str
    quote: str


@dataclass(frozen=True)
class Level:
    id: str
    name: str
    scope: str
    us_seeks: str
    claim: str


@dataclass(frozen=True)
class Recommendation:
    n: int
    id: str
    short: str
    our_reading: str  # interpretation: the course's reading of the problem it may answer
    claim: str


@dataclass(frozen=True)
class Claims:
    claims: dict[str, Claim]
    levels: dict[str, Level]
    priorities: dict[str, tuple[str, ...]]
    recommendations: tuple[Recommendation, ...]
    raw: dict

    def __getitem__(self, claim_id: str) -> Claim:
        return self.claims[claim_id]


def _need(table: dict, key: str, kind: type, where: str):
    if key not in table:
        raise DataError(f"{where}: missing key '{key}'")
    value = table[key]
    if not isinstance(value, kind) or (kind is str and not value.strip()):
        raise DataError(f"{where}: '{key}' must be a non-empty {kind.__name__}, got {value!r}")
    return value


def load_toml(path: Path) -> dict:
    """Read a TOML file; a syntax error names the file and the line."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise DataError(f"{_rel(path)}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise DataError(f"{_rel(path)}: cannot be read: {exc.strerror}") from None


def parse_claims(raw: dict, name: str = "seeds/claims.toml") -> Claims:
    """Validate the claims data (already parsed from TOML)."""
    text = abstract()
    sents = sentences()
    claims: dict[str, Claim] = {}
    for i, table in enumerate(raw.get("claim", []), 1):
        where = f"{name}: [[claim]] #{i}"
        cid = _need(table, "id", str, where)
        where = f"{name}: claim '{cid}'"
        if cid in claims:
            raise DataError(f"{where}: duplicate id")
        unknown = set(table) - {"id", "sentence", "text", "quote"}
        if unknown:
            raise DataError(f"{where}: unknown key(s) {sorted(unknown)}")
        n = _need(table, "sentence", int, where)
        if not 1 <= n <= len(sents):
            raise DataError(f"{where}: 'sentence' must be 1..{len(sents)}, got {n}")
        quote = squash(_need(table, "quote", str, where))
        if quote not in text:
            raise DataError(f"{where}: 'quote' is not an exact span of seeds/abstract.txt: {quote[:60]!r}...")
        if quote not in sents[n - 1]:
            raise DataError(f"{where}: 'quote' is not in sentence {n}")
        claims[cid] = Claim(cid, n, _need(table, "text", str, where), quote)
    if not claims:
        raise DataError(f"{name}: no [[claim]] tables")

    levels: dict[str, Level] = {}
    for i, table in enumerate(raw.get("level", []), 1):
        where = f"{name}: [[level]] #{i}"
        lid = _need(table, "id", str, where)
        if lid not in LEVELS:
            raise DataError(f"{where}: id must be one of {LEVELS}, got {lid!r}")
        lvl = Level(lid, *(_need(table, k, str, where) for k in ("name", "scope", "us_seeks", "claim")))
        if lvl.claim not in claims:
            raise DataError(f"{where}: claim {lvl.claim!r} is not a claim id")
        levels[lid] = lvl
    if tuple(levels) != LEVELS:
        raise DataError(f"{name}: [[level]] tables must be {LEVELS} in that order, got {tuple(levels)}")

    pr = raw.get("priorities")
    if not isinstance(pr, dict):
        raise DataError(f"{name}: missing table [priorities]")
    priorities = {}
    for who in ("us", "rok"):
        order = pr.get(who)
        if not isinstance(order, list) or sorted(map(str, order)) != sorted(LEVELS):
            raise DataError(f"{name}: [priorities] '{who}' must list each of {LEVELS} once, got {order!r}")
        priorities[who] = tuple(order)

    recs = []
    for i, table in enumerate(raw.get("recommendation", []), 1):
        where = f"{name}: [[recommendation]] #{i}"
        rec = Recommendation(_need(table, "n", int, where),
                             *(_need(table, k, str, where) for k in ("id", "short", "our_reading", "claim")))
        if rec.claim not in claims:
            raise DataError(f"{where}: claim {rec.claim!r} is not a claim id")
        recs.append(rec)
    if [r.n for r in recs] != [1, 2, 3, 4]:
        raise DataError(f"{name}: expected four [[recommendation]] tables numbered 1-4")
    return Claims(claims, levels, priorities, tuple(recs), raw)


@functools.cache
def claims() -> Claims:
    """The article's argument (seeds/claims.toml), validated."""
    path = seeds_dir() / "claims.toml"
    return parse_claims(load_toml(path), _rel(path))


def quote(claim_id: str) -> str:
    """The exact words of the abstract that a claim quotes."""
    return claims()[claim_id].quote


# --- CSV seeds -------------------------------------------------------------------------------

_ISO = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
CHRONOLOGY_COLUMNS = ("id", "date", "end_date", "title", "level", "secondary_level", "source", "note")


def _valid_date(value: str) -> bool:
    if not _ISO.match(value):
        return False
    import datetime as _dt
    parts = [int(p) for p in value.split("-")]
    try:
        _dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def read_csv_rows(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Rows of a CSV file as dicts; missing columns or ragged rows raise DataError."""
    name = _rel(path)
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise DataError(f"{name}: missing column(s) {missing}")
            rows = []
            for line_no, row in enumerate(reader, 2):
                if None in row or any(v is None for v in row.values()):
                    raise DataError(f"{name}: row {line_no}: wrong number of fields")
                rows.append({k: v.strip() for k, v in row.items()})
            return rows
    except OSError as exc:
        raise DataError(f"{name}: cannot be read: {exc.strerror}") from None


def validate_chronology(rows: list[dict[str, str]], name: str) -> list[dict[str, str]]:
    seen: set[str] = set()
    for line_no, row in enumerate(rows, 2):
        where = f"{name}: row {line_no} (id {row.get('id')!r})"
        rid = row["id"]
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rid):
            raise DataError(f"{where}: id must be kebab-case")
        if rid in seen:
            raise DataError(f"{where}: duplicate id")
        seen.add(rid)
        if not _valid_date(row["date"]):
            raise DataError(f"{where}: date {row['date']!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
        if len(row["date"]) < 10 and not row.get("note"):
            raise DataError(f"{where}: a date without a day needs a note saying why")
        if row.get("end_date"):
            if not _valid_date(row["end_date"]) or len(row["end_date"]) != 10:
                raise DataError(f"{where}: end_date {row['end_date']!r} is not YYYY-MM-DD")
            if row["end_date"] < row["date"]:
                raise DataError(f"{where}: end_date is before date")
        if row["level"] not in LEVELS:
            raise DataError(f"{where}: level {row['level']!r} is not one of {LEVELS}")
        if row.get("secondary_level") and row["secondary_level"] not in LEVELS:
            raise DataError(f"{where}: secondary_level {row['secondary_level']!r} is not one of {LEVELS}")
        if not row["title"]:
            raise DataError(f"{where}: empty title")
        if not row["source"] or not re.search(r"https?://", row["source"]):
            raise DataError(f"{where}: source must name a specific page (a URL)")
    return rows


@functools.cache
def chronology_rows() -> tuple[dict[str, str], ...]:
    path = seeds_dir() / "chronology.csv"
    rows = read_csv_rows(path, ("id", "date", "end_date", "title", "level", "source"))
    return tuple(validate_chronology(rows, _rel(path)))


def chronology():
    """The chronology as a pandas DataFrame, with parsed `start`, `year` and `after_article` columns.

    Each call returns a fresh copy, so a learner who edits it changes nothing for anyone else."""
    return _chronology_frame().copy()


@functools.cache
def _chronology_frame():
    import pandas as pd
    df = pd.DataFrame(list(chronology_rows()))
    # a partial date (YYYY or YYYY-MM) starts on the first day of its year or month
    df["start"] = pd.to_datetime(df["date"].map(lambda d: d + "-01" * ((10 - len(d)) // 3)))
    df["year"] = df["start"].dt.year
    # The article speaks from mid-1997 (see the source-article row): anything later is hindsight.
    df["after_article"] = df["start"] > pd.Timestamp(ARTICLE_WRITTEN_BY)
    return df


def event(event_id: str) -> dict[str, str]:
    """One chronology row by id."""
    for row in chronology_rows():
        if row["id"] == event_id:
            return dict(row)
    raise KeyError(f"no event {event_id!r} in seeds/chronology.csv")


def claims_frame():
    """The claims as a pandas DataFrame: id, sentence, text, quote, level (where a level cites it)."""
    return _claims_frame().copy()


@functools.cache
def _claims_frame():
    import pandas as pd
    c = claims()
    level_of = {lvl.claim: lvl.id for lvl in c.levels.values()}
    return pd.DataFrame([{"id": k.id, "sentence": k.sentence, "text": k.text, "quote": k.quote,
                          "level": level_of.get(k.id, "")} for k in c.claims.values()])
