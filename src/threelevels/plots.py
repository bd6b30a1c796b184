"""Figures drawn from seeds/ data. Each has a title, labelled axes and alt text.

`show(fig, alt)` displays a figure as an <img> with its alt text and a caption, and gives the alt
text as the plain-text form, so what nbval compares is the description (not the PNG bytes, which
vary with fonts and library versions; tests/nbval-sanitize.cfg masks them). Levels are told apart
by marker shape and hatching as well as by colour.
"""
from __future__ import annotations

import base64
import html
import io

from .data import LEVELS, chronology, claims

COLOURS = {"global": "#1f5f99", "regional": "#c26a00", "peninsular": "#2b7a4b"}
MARKERS = {"global": "o", "regional": "s", "peninsular": "^"}
HATCHES = {"global": "//", "regional": "..", "peninsular": "xx"}


def _subplots(figsize):
    """A figure and its axes, made without pyplot: nothing global, nothing shown twice by the
    inline backend, nothing to close; the figure is drawn only when it is displayed."""
    from matplotlib.figure import Figure as MplFigure
    fig = MplFigure(figsize=figsize)
    return fig, fig.subplots()


class Figure:
    """A matplotlib figure with its alt text; displays as <img alt=...> in a notebook."""

    def __init__(self, fig, alt: str, caption: str = ""):
        self.fig, self.alt, self.caption = fig, alt, caption

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
        return buf.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None):
        data = base64.b64encode(self.png()).decode("ascii")
        cap = f"<figcaption>{html.escape(self.caption)}</figcaption>" if self.caption else ""
        return {
            "text/html": (f'<figure class="threelevels-figure"><img src="data:image/png;base64,{data}" '
                          f'alt="{html.escape(self.alt)}" style="max-width:100%">{cap}</figure>'),
            "text/plain": f"Figure: {self.alt}",
        }

    def __repr__(self) -> str:
        return f"Figure: {self.alt}"


def level_name(level_id: str) -> str:
    return claims().levels[level_id].name


def levels_map() -> Figure:
    """Lesson 01: the three levels as nested scopes, with what the US seeks at each."""
    from matplotlib.patches import Rectangle
    c = claims()
    fig, ax = _subplots((10, 4.2))
    for i, lid in enumerate(LEVELS):
        pad = i * 0.1
        ax.add_patch(Rectangle((pad * 0.5, pad), 0.5 - pad, 1 - 2 * pad, facecolor=COLOURS[lid], alpha=0.13,
                                   edgecolor=COLOURS[lid], hatch=HATCHES[lid], linewidth=2))
        y = 1 - pad - 0.05
        ax.plot([pad * 0.5 + 0.02], [y], marker=MARKERS[lid], color=COLOURS[lid], markersize=9)
        ax.text(pad * 0.5 + 0.04, y, lid.capitalize(), fontsize=10, weight="bold", va="center")
        ax.plot([pad * 0.5 + 0.5 - pad, 0.56], [y, 0.85 - i * 0.3], color=COLOURS[lid], linewidth=1)
        ax.plot([0.57], [0.85 - i * 0.3], marker=MARKERS[lid], color=COLOURS[lid], markersize=9)
        ax.text(0.59, 0.85 - i * 0.3, _wrap(f"{c.levels[lid].name}: {c.levels[lid].scope}", 58) + "\n"
                + _wrap("US seeks " + c.levels[lid].us_seeks, 58), fontsize=8.5, va="center")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("nested scopes (left) and what the US seeks at each (right)")
    ax.set_ylabel("level of analysis")
    ax.set_title("Three levels of US policy toward Korea (Kim 1997, claim three-level-framework)")
    alt = ("Three nested boxes: the global level (the non-proliferation order) contains the regional level "
           "(the Northeast Asian balance of power), which contains the peninsular level (relations between "
           "the two Koreas). Beside them, what the US seeks at each level.")
    return Figure(fig, alt, "The article's three levels, widest to narrowest.")


def _wrap(text: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width))


def priority_ladder() -> Figure:
    """Lesson 05: the US and ROK priority orders side by side, from claims.toml."""
    pr = claims().priorities
    fig, ax = _subplots((7, 4))
    xs = {"us": 0, "rok": 1}
    for who, order in pr.items():
        for rank, lid in enumerate(order, 1):
            ax.bar(xs[who], 0.8, bottom=3 - rank + 0.1, width=0.8, color=COLOURS[lid], alpha=0.25,
                   hatch=HATCHES[lid], edgecolor=COLOURS[lid])
            ax.text(xs[who], 3 - rank + 0.5, f"{rank}. {lid.capitalize()}", ha="center", va="center", fontsize=11,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    for lid in LEVELS:  # connect the same level across the two ladders
        ys = [3 - pr[w].index(lid) - 1 + 0.5 for w in ("us", "rok")]
        ax.plot([0.4, 0.6], ys, color=COLOURS[lid], marker=MARKERS[lid], linewidth=1.5)
    ax.set_xticks([0, 1], ["United States\n(Clinton administration)", "South Korea"])
    ax.set_yticks([0.5, 1.5, 2.5], ["3rd", "2nd", "1st"])
    ax.set_ylabel("priority (1st = highest)")
    ax.set_xlabel("government")
    ax.set_title("Reversed priorities: the same three levels, ranked in opposite orders")
    ax.set_ylim(0, 3)
    alt = ("Two ladders side by side. United States: 1st " + ", 2nd ".join(level_name(x) for x in pr["us"][:2])
           + f", 3rd {level_name(pr['us'][2])}. South Korea: 1st {level_name(pr['rok'][0])}, 2nd "
           f"{level_name(pr['rok'][1])}, 3rd {level_name(pr['rok'][2])}. Lines join each level across "
           "the ladders and cross in the middle: the orders are reversed.")
    return Figure(fig, alt, "Claims us-priorities and rok-priorities (abstract sentences 8 and 9).")


def _events(start: int | None, end: int | None):
    """The chronology, limited to the years start..end (either may be None)."""
    df = chronology()
    if start is not None:
        df = df[df["year"] >= start]
    if end is not None:
        df = df[df["year"] <= end]
    return df


def timeline(start: int | None = None, end: int | None = None, ids: list[str] | None = None) -> Figure:
    """Events from seeds/chronology.csv on a time axis, one row per event (lessons 02 and 07)."""
    df = _events(start, end)
    if ids is not None:
        df = df[df["id"].isin(ids)]
    fig, ax = _subplots((10, 0.9 + 0.3 * max(len(df), 3)))
    df = df.sort_values("start").reset_index(drop=True)
    middle = df["start"].min() + (df["start"].max() - df["start"].min()) / 2 if len(df) else None
    for i, row in df.iterrows():
        lid = row["level"]
        ax.plot(row["start"], i, marker=MARKERS[lid], color=COLOURS[lid], markersize=8, linestyle="")
        left = row["start"] > middle          # labels of later events sit to their left, so all fit
        ax.annotate(f"{row['date']}  {row['title']}", (row["start"], i), xytext=(-8 if left else 8, 0),
                    textcoords="offset points", va="center", ha="right" if left else "left", fontsize=8)
    for lid in LEVELS:
        ax.plot([], [], marker=MARKERS[lid], color=COLOURS[lid], linestyle="", label=f"{lid} level")
    ax.legend(loc="best", fontsize=8, title="main level")
    ax.set_yticks([])
    ax.invert_yaxis()
    ax.set_xlabel("date")
    ax.set_ylabel("events, earliest at the top")
    span = f"{df['year'].min()}-{df['year'].max()}" if len(df) else "no events"
    ax.set_title(f"Events by level, {span} (seeds/chronology.csv)")
    if len(df):
        import pandas as pd
        pad = max((df["start"].max() - df["start"].min()) * 0.04, pd.Timedelta(days=60))
        ax.set_xlim(df["start"].min() - pad, df["start"].max() + pad)
    counts = df["level"].value_counts()
    alt = (f"Timeline of {len(df)} events from {span}, one marker per event, shape and colour by level "
           f"(circle global, square regional, triangle peninsular): "
           + ", ".join(f"{counts.get(l, 0)} {l}" for l in LEVELS) + ". Each marker is labelled with "
           "its date and title.")
    return Figure(fig, alt, "Each event is placed at its main level; threelevels.chronology() also gives secondary levels.")


def events_by_year(start: int | None = None, end: int | None = None) -> Figure:
    """Counts of events per year, stacked by level (a pandas exercise rebuilds the table)."""
    df = _events(start, end)
    table = df.groupby(["year", "level"]).size().unstack(fill_value=0).reindex(columns=list(LEVELS), fill_value=0)
    fig, ax = _subplots((9, 3.8))
    bottom = None
    for lid in LEVELS:
        ax.bar(table.index, table[lid], bottom=bottom, color=COLOURS[lid], hatch=HATCHES[lid],
               edgecolor="white", label=f"{lid} level")
        bottom = table[lid] if bottom is None else bottom + table[lid]
    ax.set_xlabel("year")
    ax.set_ylabel("number of events")
    ax.set_title("Events in the chronology per year, by main level")
    ax.legend(fontsize=8)
    busiest = int(table.sum(axis=1).idxmax()) if len(table) else None
    alt = (f"Stacked bar chart of events per year from {table.index.min()} to {table.index.max()}, "
           f"split into global, regional and peninsular. The busiest year is {busiest} with "
           f"{int(table.sum(axis=1).max())} events.") if len(table) else "An empty chart: no events."
    return Figure(fig, alt, "Counts from seeds/chronology.csv; rebuild them with groupby in the workbook.")
