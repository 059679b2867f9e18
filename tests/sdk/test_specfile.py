"""The SDK reads spec files strictly (the wire stays lenient)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pycolonies_like import FuncSpec, InvalidArgument, Workflow
from pycolonies_like.specfile import load_func_spec, load_workflow


def test_a_good_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "wf.json"
    path.write_text(json.dumps([
        {"nodename": "a", "funcname": "f", "conditions": {"executortype": "t"}},
        {"nodename": "b", "funcname": "f",
         "conditions": {"executortype": "t", "dependencies": ["a"]}},
    ]))  # fmt: skip
    wf = load_workflow(path)
    assert [s.conditions.dependencies for s in wf.functionspecs] == [[], ["a"]]
    path.write_text(json.dumps({"funcname": "f", "maxexectime": 10}))
    assert load_func_spec(path).maxexectime == 10


def test_a_typo_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "wf.json"
    path.write_text(json.dumps({"functionspecs": [{"nodename": "a"},
                                                  {"conditions": {"dependecies": ["a"]}}]}))  # fmt: skip
    with pytest.raises(InvalidArgument) as err:
        load_workflow(path)
    assert str(err.value) == (
        f"{path}: functionspecs[1].conditions.dependecies: unknown field "
        "(did you mean 'dependencies'?)"
    )
    path.write_text(json.dumps({"funcname": "f", "maxexectime": "ten"}))
    with pytest.raises(InvalidArgument, match='maxexectime: expected an integer, got "ten"'):
        load_func_spec(path)
    with pytest.raises(InvalidArgument, match="cannot read"):
        load_func_spec(tmp_path / "missing.json")


def test_the_wire_stays_lenient() -> None:
    spec = FuncSpec.from_dict({"funcname": "f", "unknown": 1})
    assert spec.funcname == "f"
    wf = Workflow.from_dict({"functionspecs": [{"funcname": "f", "x": 2}]})
    assert wf.functionspecs[0].funcname == "f"
