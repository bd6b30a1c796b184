"""No table the course shows is cut short (issue 9, section 4).

pandas cuts every cell at 50 characters by default (`display.max_colwidth`), ending it in "...";
`import threelevels` registers IPython formatters that show pandas tables in full (without
importing pandas itself). This test reads the stored outputs of every lesson and workbook: no
table cell may end in "..." or "…". (Stored outputs are made by `make outputs`.)
"""
import json
import re

import pytest

from .conftest import ROOT

NOTEBOOKS = sorted([*ROOT.glob("lessons/[0-9][0-9]-*.ipynb"), *ROOT.glob("exercises/[0-9][0-9]-*.ipynb")])
CELL_CUT = re.compile(r"(?:\.\.\.|…)\s*</t[dh]>")
TEXT_CUT = re.compile(r"\S(?:\.\.\.|…)(?= {2,}|\s*\\?$)", re.M)


def truncated(nb: dict) -> list[str]:
    """The cut cells in a notebook's stored table outputs, as 'cell N: ...' lines."""
    out = []
    for n, cell in enumerate(nb["cells"]):
        for o in cell.get("outputs", []):
            data = o.get("data", {})
            html = "".join(data.get("text/html", ""))
            if "<table" in html:
                out += [f"cell {n} (html): …{html[max(0, m.start() - 60):m.end()]}" for m in CELL_CUT.finditer(html)]
                text = "".join(data.get("text/plain", ""))
                if "dataframe" in html:  # the plain-text twin of a pandas table
                    out += [f"cell {n} (text): …{text[max(0, m.start() - 60):m.end()]}"
                            for m in TEXT_CUT.finditer(text)]
    return out


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_no_stored_table_cell_is_cut_short(path):
    """Does every table in the stored outputs show its cells in full (no '...' or '…' at a cell's end)?"""
    assert truncated(json.loads(path.read_text(encoding="utf-8"))) == []


def test_the_check_finds_a_cut_cell():
    """Does the check flag a pandas-style cut cell, in HTML and in plain text (so it can fail)?"""
    nb = {"cells": [{"cell_type": "code", "outputs": [{"output_type": "execute_result", "data": {
        "text/html": '<table class="dataframe"><tr><td>More coordination channels: presidents, foreig...</td></tr></table>',
        "text/plain": "   recommendation\n1  More coordination channels: presidents, foreig...  \n"}}]}]}
    found = truncated(nb)
    assert len(found) == 2 and "(html)" in found[0] and "(text)" in found[1]


def test_pandas_tables_display_in_full_in_a_shell():
    """With IPython running, does a 120-character cell come out whole, as HTML and as text?"""
    pytest.importorskip("IPython")
    import pandas as pd
    from IPython.core.interactiveshell import InteractiveShell

    import threelevels
    shell = InteractiveShell.instance()
    threelevels._show_tables_in_full()
    long = "x" * 120
    bundle = shell.display_formatter.format(pd.DataFrame({"a": [long]}))[0]
    assert f"<td>{long}</td>" in bundle["text/html"] and long in bundle["text/plain"]
    assert long in shell.display_formatter.format(pd.Series([long]))[0]["text/plain"]
