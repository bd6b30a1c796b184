"""A kernel whose websocket never connects: the browser tests recover once, as a person would.

The websocket is intercepted in the browser (Playwright's route_web_socket): the page believes it
opened a connection to the kernel, but nothing is ever sent to or received from the server, which is
what a kernel stuck at "Connecting" looks like from JupyterLab. Waiting can never fix that; the
Kernel menu's Reconnect opens a new websocket, which these tests let through.
"""
from __future__ import annotations

import re

import pytest

from .conftest import PLAYWRIGHT_ERROR, ROOT

if PLAYWRIGHT_ERROR is None:
    from . import helpers as h

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

CHANNELS = re.compile(r"/api/kernels/[^/?]+/channels")
NOTEBOOK = "exercises/01-three-levels.ipynb"


def _open_with_dead_websockets(page, lab, dead: int, log: list[str]) -> dict:
    """Open NOTEBOOK while the first `dead` kernel websockets go nowhere; return wait_for_kernel's timings."""
    opened = []

    def handler(ws):
        opened.append(ws.url)
        if len(opened) > dead:
            ws.connect_to_server()   # from here on, the real kernel
        # otherwise: the socket stays open and silent, never reaching the server

    page.route_web_socket(CHANNELS, handler)
    n_cells = len(h.read_notebook(ROOT / NOTEBOOK)["cells"])
    page.goto(f"{lab.url}/lab/tree/{NOTEBOOK}?reset&token={lab.token}")
    h.expect(page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell")).to_have_count(n_cells)
    try:
        return h.wait_for_kernel(page, log=log.append)
    finally:
        log.append(f"websockets opened: {len(opened)}")


def test_a_kernel_stuck_connecting_is_recovered_once_and_logged(lab, in_browser, monkeypatch):
    """Does one dead websocket cost one logged recovery, after which the notebook really runs?"""
    monkeypatch.setattr(h, "KERNEL_WAIT_S", 8.0)
    log: list[str] = []

    def run(page):
        kernel = _open_with_dead_websockets(page, lab, dead=1, log=log)
        assert "kernel_recovery" in kernel, f"no recovery was recorded: {kernel}, log: {log}"
        assert kernel["kernel_recovery"]["steps"][0] == "Reconnect to Kernel"
        assert any("recovered by Kernel > Reconnect to Kernel" in line for line in log), log
        # the kernel behind the new websocket is real: Run All executes every code cell
        h.run_all(page)
        nb = h.read_notebook(ROOT / NOTEBOOK)
        assert h.unexecuted_cells(page.locator(".jp-NotebookPanel").first, nb) == []

    in_browser(run)


def test_a_kernel_that_never_connects_still_fails_after_one_recovery(lab, in_browser, monkeypatch):
    """If neither Reconnect nor Restart brings the kernel to idle, does the test fail (not loop)?"""
    monkeypatch.setattr(h, "KERNEL_WAIT_S", 5.0)
    log: list[str] = []

    def run(page):
        with pytest.raises(AssertionError, match="never became idle"):
            _open_with_dead_websockets(page, lab, dead=10**6, log=log)
        tries = [line for line in log if "Kernel > " in line and "not idle" in line]
        assert len(tries) == 2, log   # Reconnect, then Restart: one recovery, no more

    in_browser(run)
