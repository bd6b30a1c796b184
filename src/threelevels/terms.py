"""The glossary (seeds/glossary.csv): terms defined in our own words, each with a source."""
from __future__ import annotations

import functools
import html
from dataclasses import dataclass

from .data import DataError, _rel, read_csv_rows, seeds_dir


@dataclass(frozen=True)
class Term:
    term: str
    aliases: tuple[str, ...]
    definition: str
    lesson: str
    source: str

    def text(self) -> str:
        return f"{self.term}: {self.definition}\n(First needed in lesson {self.lesson}. Source: {self.source})"

    def __str__(self) -> str:
        return self.text()

    __repr__ = __str__

    def _repr_html_(self) -> str:
        aka = f" <small>(also: {html.escape(', '.join(self.aliases))})</small>" if self.aliases else ""
        return (f'<dl class="threelevels-term"><dt><strong>{html.escape(self.term)}</strong>{aka}</dt>'
                f"<dd>{html.escape(self.definition)}<br><small>First needed in lesson {html.escape(self.lesson)}. "
                f"Source: {html.escape(self.source)}</small></dd></dl>")


def _norm(s: str) -> str:
    return " ".join(s.replace("-", " ").split()).casefold()


@functools.cache
def terms() -> dict[str, Term]:
    path = seeds_dir() / "glossary.csv"
    out: dict[str, Term] = {}
    for n, row in enumerate(read_csv_rows(path, ("term", "aliases", "definition", "lesson", "source")), 2):
        where = f"{_rel(path)}: row {n} (term {row['term']!r})"
        if not row["term"] or not row["definition"]:
            raise DataError(f"{where}: empty term or definition")
        if not (row["lesson"].isdigit() and len(row["lesson"]) == 2):
            raise DataError(f"{where}: lesson must be two digits, got {row['lesson']!r}")
        if "http" not in row["source"]:
            raise DataError(f"{where}: source must name a specific page (a URL)")
        t = Term(row["term"], tuple(a for a in row["aliases"].split("|") if a), row["definition"],
                 row["lesson"], row["source"])
        if _norm(t.term) in out:
            raise DataError(f"{where}: duplicate term")
        out[_norm(t.term)] = t
    return out


def lookup(term) -> Term:
    """A term by its name or an alias (case, spaces and hyphens do not matter)."""
    if not isinstance(term, str) or not term.strip():
        raise KeyError("look a term up by its name, e.g. glossary('KEDO')")
    key = _norm(term)
    all_terms = terms()
    if key in all_terms:
        return all_terms[key]
    for t in all_terms.values():
        if key in (_norm(a) for a in t.aliases):
            return t
    close = sorted(t.term for t in all_terms.values() if key[:3] in _norm(t.term))
    raise KeyError(f"{term[:60]!r} is not in the glossary" + (f"; did you mean {', '.join(close[:4])}?" if close else
                                                               f"; terms: {', '.join(sorted(t.term for t in all_terms.values()))}"))
