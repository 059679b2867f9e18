"""Workflow progress: a released child's input, and why descendants end."""

from __future__ import annotations

import pytest

from pycolonies_like.core.models import ProcessState
from pycolonies_like.core.progress import child_input, descendant_end


def test_a_child_gets_its_parents_outputs_in_the_order_of_its_parents() -> None:
    outputs = {"b": ["from-b", 2], "a": ["from-a"]}
    assert child_input(["a", "b"], outputs) == ["from-a", "from-b", 2]
    assert child_input(["b", "a"], outputs) == ["from-b", 2, "from-a"]


def test_a_parent_without_output_adds_nothing() -> None:
    assert child_input(["a", "b"], {"a": [], "b": [{"k": 1}]}) == [{"k": 1}]
    assert child_input(["a"], {}) == []
    assert child_input([], {"a": [1]}) == []


def test_a_failure_fails_the_descendants_naming_the_process() -> None:
    assert descendant_end("p1", ProcessState.FAILED) == (
        ProcessState.FAILED,
        "not run: process p1 failed",
    )


def test_a_cancellation_cancels_the_descendants() -> None:
    assert descendant_end("p2", ProcessState.CANCELLED) == (
        ProcessState.CANCELLED,
        "cancelled with process p2",
    )


def test_a_workflow_node_is_named_by_its_node_name() -> None:
    pid = "6b920462b4ee091e" + "0" * 48
    assert descendant_end(pid, ProcessState.FAILED, "first") == (
        ProcessState.FAILED,
        "not run: 'first' (process 6b920462b4ee091e) failed",
    )
    assert descendant_end(pid, ProcessState.CANCELLED, "first")[1] == (
        "cancelled with 'first' (process 6b920462b4ee091e)"
    )


@pytest.mark.parametrize("state", [ProcessState.SUCCESSFUL, ProcessState.WAITING])
def test_other_ends_end_no_descendants(state: ProcessState) -> None:
    with pytest.raises(ValueError):
        descendant_end("p3", state)


def test_a_rerun_runs_the_failed_and_never_run_processes_with_kept_outputs() -> None:
    from pycolonies_like.core.models import FuncSpec, Process
    from pycolonies_like.core.progress import Rerun, plan_rerun

    def p(pid: str, state: ProcessState, *parents: str, **kw: object) -> Process:
        return Process(processid=pid, spec=FuncSpec(funcname=pid), state=state,
                       parents=parents, **kw)  # type: ignore[arg-type]  # fmt: skip

    s, f, c, w = (ProcessState.SUCCESSFUL, ProcessState.FAILED, ProcessState.CANCELLED,
                  ProcessState.WAITING)  # fmt: skip
    graph = [
        p("root", s, input=[0], output=["R"]),
        p("ok", s, "root", output=["K"]),
        p("bad", f, "root", input=["R"]),
        p("join", f, "ok", "bad"),  # never ran: its parent failed
        p("other", c, input=[7]),  # a cancelled root keeps its input
        p("after", c, "root", "ok"),  # both parents succeeded: ready, with their outputs
        p("queued", w, "root"),  # still waiting: not touched
    ]
    assert plan_rerun(graph) == [
        Rerun("bad", True, ["R"]),
        Rerun("join", False, []),
        Rerun("other", True, [7]),
        Rerun("after", True, ["R", "K"]),
    ]
    assert plan_rerun([p("done", s)]) == []
