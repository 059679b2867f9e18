"""Models read like pycolonies' dicts and pydantic models."""

from __future__ import annotations

import pytest

from pycolonies_like import Conditions, FuncSpec, Process, ProcessState, Workflow


def test_process_reads_as_attribute_and_as_key() -> None:
    spec = FuncSpec(funcname="f", conditions=Conditions(colonyname="c", executortype="t"))
    p = Process(processid="p1", spec=spec, output=["hi"], input=[1], state=ProcessState.RUNNING,
                assignedexecutorid="e")  # fmt: skip
    assert p["processid"] == p.processid == "p1"
    assert p["spec"]["funcname"] == "f"
    assert p["spec"]["conditions"]["executortype"] == "t"
    assert p["out"][0] == "hi" and p["in"] == [1]
    assert p["isassigned"] is True and p.colonyname == "c"
    assert "out" in p and "nope" not in p
    with pytest.raises(KeyError):
        p["nope"]
    d = p.to_dict()
    assert d["out"] == ["hi"] and d["state"] == 1 and d["spec"]["conditions"]["colonyname"] == "c"


def test_specs_accept_pycolonies_none_values() -> None:
    spec = FuncSpec(
        funcname="f",
        args=None,
        kwargs=None,
        env=None,  # type: ignore[arg-type]
        conditions=Conditions(executornames=None),
    )  # type: ignore[arg-type]
    assert spec.args == [] and spec.kwargs == {} and spec.conditions.executornames == []


def test_from_dict_ignores_unknown_colonyos_fields() -> None:
    spec = FuncSpec.from_dict(
        {"funcname": "f", "fs": {"mount": ""}, "channels": [],
         "conditions": {"executortype": "t", "gpu": {"count": 0}, "walltime": 0}}
    )  # fmt: skip
    assert spec.funcname == "f" and spec.conditions.executortype == "t"
    wf = Workflow.from_dict(
        {"colonyname": "c", "functionspecs": [{"funcname": "g", "conditions": {}}]}
    )
    assert wf.functionspecs[0].funcname == "g"


def test_workflow_is_built_like_in_the_tutorial() -> None:
    wf = Workflow(colonyname="c")
    wf.functionspecs.append(FuncSpec(funcname="a"))
    assert len(wf.functionspecs) == 1
