"""A learner's code never kills their kernel (issue 10), proved in a real IPython kernel.

The kernel (jupyter_client, the same python3 kernel JupyterLab starts) runs the widget path:
`threelevels.exercise(id).submit(code)` for a code exercise, with code that calls `exit()`,
`quit()`, `sys.exit()`, raises SystemExit or another BaseException. After each, a follow-up
execute must answer from the same kernel. A widget reopened afterwards must show the stored
verdict without running the stored code again.
"""
from __future__ import annotations

import os
import queue
import tempfile
from pathlib import Path

import pytest

jupyter_client = pytest.importorskip("jupyter_client")

from threelevels import banks  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"
CODE_EX = next((e.id for e in banks.bank() if e.type == "code"), None)
STOPPERS = ["import sys\nsys.exit(3)", "exit()", "quit()", "raise SystemExit\n1", "x = 1\nraise SystemExit('bye')\nx",
            "raise GeneratorExit\n1", "class Stop(BaseException): pass\nraise Stop()\n1",
            "raise KeyboardInterrupt\n1"]


@pytest.fixture(scope="module")
def kernel():
    home = tempfile.mkdtemp(prefix="threelevels-kernel-home-")
    env = dict(os.environ, THREELEVELS_HOME=home, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3", env=env, startup_timeout=120)
    try:
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def execute(kc, code: str, timeout: float = 120) -> tuple[str, str, dict]:
    """Run code; return (stdout text, error name or '', the execute_reply content)."""
    msg_id = kc.execute(code)
    out, error = [], ""
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer from the kernel within {timeout} s to {code!r}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            error = content["ename"]
        elif kind == "status" and content["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    return "".join(out), error, reply["content"]


@pytest.mark.skipif(CODE_EX is None, reason="no code exercise in the banks")
def test_exit_in_a_code_exercise_leaves_the_kernel_alive(kernel):
    """Through the widget path, does every way of stopping (exit(), SystemExit, ...) become a message,
    with the kernel still answering afterwards and submit() never raising?"""
    km, kc = kernel
    out, error, _ = execute(kc, f"import threelevels\nw = threelevels.exercise({CODE_EX!r})\nprint('ready')")
    assert error == "" and "ready" in out
    for code in STOPPERS:
        out, error, reply = execute(kc, f"r = w.submit({code!r})\nprint('STATUS', r.status)\nprint('MSG', r.message)")
        answer, error2, _ = execute(kc, "print(6 * 7)")
        assert km.is_alive(), f"the kernel died after {code!r}"
        assert error2 == "" and answer.strip() == "42", f"no answer after {code!r}: {answer!r}"
        assert error == "", f"{code!r} raised {error} through submit()"
        assert reply["status"] == "ok"
        assert "STATUS not-attempted" in out, out
        assert "Not checked" in out and "nothing was checked" in out, out
    out, _, _ = execute(kc, "print('FEEDBACK', 'nothing was checked' in w.feedback.value)")
    assert "FEEDBACK True" in out


def click(km, kc, model_id: str, timeout: float = 120) -> None:
    """Press a button as JupyterLab does: a comm message from the front end (not code in a cell, where
    IPython would catch a SystemExit itself), then wait until the kernel is idle again."""
    import time
    msg = kc.session.msg("comm_msg", {"comm_id": model_id, "data": {"method": "custom",
                                                                    "content": {"event": "click"}}})
    kc.shell_channel.send(msg)
    deadline = time.monotonic() + timeout
    while True:
        try:
            got = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            if not km.is_alive():
                raise AssertionError("the kernel died when Check was pressed") from None
            if time.monotonic() > deadline:
                raise AssertionError("the kernel never became idle after the click") from None
            continue
        if got["parent_header"].get("msg_id") == msg["header"]["msg_id"] and got["msg_type"] == "status" \
                and got["content"]["execution_state"] == "idle":
            return


@pytest.mark.skipif(CODE_EX is None, reason="no code exercise in the banks")
def test_pressing_check_on_exit_leaves_the_kernel_alive(kernel):
    """With `exit()` or `sys.exit()` typed into a code exercise, does pressing Check (a comm message,
    as from JupyterLab) show a message and leave the kernel answering?"""
    km, kc = kernel
    out, error, _ = execute(kc, f"import threelevels\nw = threelevels.exercise({CODE_EX!r})\n"
                                "print('MODEL', w.check_button.model_id)")
    assert error == "", out
    model_id = out.split("MODEL", 1)[1].split()[0]
    for code in STOPPERS[:4]:
        execute(kc, f"w._text.value = {code!r}")
        click(km, kc, model_id)
        answer, error, _ = execute(kc, "print(6 * 7)")
        assert km.is_alive(), f"the kernel died when Check was pressed on {code!r}"
        assert error == "" and answer.strip() == "42", f"no answer after Check on {code!r}: {answer!r}"
        out, _, _ = execute(kc, "print('STATUS', w.result.status, 'nothing was checked' in w.feedback.value)")
        assert "STATUS not-attempted True" in out, out


@pytest.mark.skipif(CODE_EX is None, reason="no code exercise in the banks")
def test_a_reopened_code_exercise_does_not_run_the_stored_code_again(kernel):
    """After submitting code that prints, does reopening the exercise show the stored verdict without
    running it (nothing printed), and does check() and submit() survive a list whose __len__ raises?"""
    km, kc = kernel
    code = "print('RAN-IT')\nchron.groupby('year').size()"
    out, error, _ = execute(kc, f"import threelevels\nw = threelevels.exercise({CODE_EX!r})\nr = w.submit({code!r})")
    assert error == "" and "RAN-IT" in out
    out, error, _ = execute(kc, f"w2 = threelevels.exercise({CODE_EX!r})\nprint('RESTORED', w2.result.status)\n"
                                "print('LAST' , 'Your last answer' in w2.feedback.value)")
    assert error == "" and "RAN-IT" not in out
    assert "LAST True" in out and "RESTORED" in out
    hostile = ("class L(list):\n    def __len__(self): raise SystemExit\n    def __iter__(self): raise SystemExit\n"
               "r1 = threelevels.check({ex!r}, L([1]))\nr2 = w2.submit(L([1]))\nprint('SURVIVED', r1.status, r2.status)")
    out, error, _ = execute(kc, hostile.format(ex=CODE_EX))
    assert error == "" and "SURVIVED not-attempted not-attempted" in out
    assert km.is_alive()
