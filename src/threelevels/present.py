"""Small displays for lessons: the abstract's words with their claim id, events from the chronology.

Lessons render quotes and dates from seeds/ through these, so nothing is restated by hand.
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from .data import chronology_rows, claims

CITATION = ('Kim Sung-han, "US Policy toward the Korean Peninsula and ROK-US Relations", '
            "The Korean Journal of Defense Analysis 9:1 (1997), pp. 135-158")


class Quote:
    """The abstract's exact words for one or more claims, attributed, with the claim ids."""

    def __init__(self, *claim_ids: str):
        c = claims()
        self.items = [(cid, c[cid]) for cid in claim_ids]

    def __repr__(self) -> str:
        lines = [f'Source says: "{cl.quote}" [claim {cid}, sentence {cl.sentence}]' for cid, cl in self.items]
        return "\n".join(lines) + f"\n({CITATION}, abstract)"

    def _repr_html_(self) -> str:
        parts = [f'<p>&ldquo;{html.escape(cl.quote)}&rdquo; <small>[claim <code>{html.escape(cid)}</code>, '
                 f"sentence {cl.sentence}]</small></p>" for cid, cl in self.items]
        return ('<blockquote class="threelevels-quote"><strong>Source says (abstract, quoted exactly):</strong>'
                + "".join(parts) + f"<footer><small>{html.escape(CITATION)}</small></footer></blockquote>")


class Events:
    """Chronology rows as a small table: what happened when, at which level, and the source."""

    def __init__(self, *event_ids: str):
        rows = {r["id"]: r for r in chronology_rows()}
        missing = [e for e in event_ids if e not in rows]
        if missing:
            raise KeyError(f"not in seeds/chronology.csv: {missing}")
        self.rows = [rows[e] for e in event_ids]

    @staticmethod
    def _when(r) -> str:
        return r["date"] + (f" to {r['end_date']}" if r["end_date"] else "")

    def __repr__(self) -> str:
        return "Context (seeds/chronology.csv):\n" + "\n".join(
            f"- {self._when(r)}: {r['title']} [{r['level']}; event {r['id']}]" for r in self.rows)

    @staticmethod
    def _source_link(source: str) -> str:
        """The first page a row cites, as a short link (its site's name), so the table never
        needs a horizontal scroll bar."""
        m = re.search(r"https?://[^\s\"'<>]+", source)
        if not m:
            return html.escape(source)
        url = m.group(0).rstrip(").,;")
        site = urlsplit(url).hostname or url
        return f'<a href="{html.escape(url)}">{html.escape(site.removeprefix("www."))}</a>'

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{html.escape(self._when(r))}</td><td>{html.escape(r['title'])}</td>"
            f"<td>{html.escape(r['level'])}</td><td><code>{html.escape(r['id'])}</code></td>"
            f"<td><small>{self._source_link(r['source'])}</small></td></tr>" for r in self.rows)
        return ('<table class="threelevels-events"><caption>Historical context (seeds/chronology.csv)</caption>'
                "<thead><tr><th>date</th><th>event</th><th>level</th><th>id</th><th>source</th></tr></thead>"
                f"<tbody>{body}</tbody></table>")


def cite(*claim_ids: str) -> Quote:
    return Quote(*claim_ids)


def events(*event_ids: str) -> Events:
    return Events(*event_ids)
