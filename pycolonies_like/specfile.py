"""Function specs and workflows from JSON files written by hand, read strictly.

The wire is lenient, as ColonyOS is (unknown keys are ignored); a file is not:
a typo such as `"dependecies"` would otherwise be dropped without a word and
change what runs. Every error is InvalidArgument naming the file and the
field's path::

    hello.json: [1].conditions.dependecies: unknown field (did you mean 'dependencies'?)
    spec.json: maxexectime: expected an integer, got "ten"

A workflow file holds a list of function specs, or `{"colonyname": ...,
"functionspecs": [...]}`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import FuncSpec, Workflow

T = TypeVar("T", FuncSpec, Workflow)


def func_spec_from_data(data: Any, source: str = "") -> FuncSpec:
    """A FuncSpec from parsed JSON, refusing unknown keys and wrong types."""
    where = f"{source}: " if source else ""
    if isinstance(data, list):
        raise InvalidArgument(f"{where}expected a function spec (an object), got a list")
    if not isinstance(data, dict):
        raise InvalidArgument(f"{where}expected a function spec (an object), got {_kind(data)}")
    return _strict(FuncSpec, data, where)


def workflow_from_data(data: Any, source: str = "") -> Workflow:
    """A Workflow from parsed JSON: a list of function specs or an object with
    `functionspecs`, refusing unknown keys and wrong types."""
    where = f"{source}: " if source else ""
    if isinstance(data, list):  # a bare list: errors name its items as [1]...
        try:
            return _strict(Workflow, {"functionspecs": data}, "")
        except InvalidArgument as err:
            raise InvalidArgument(where + str(err).removeprefix("functionspecs")) from None
    if (
        isinstance(data, dict)
        and "functionspecs" not in data
        and ("funcname" in data or "conditions" in data or "nodename" in data)
    ):
        raise InvalidArgument(
            f"{where}expected a workflow (a list of function specs), got a single function spec;"
            " put it in a list: [{...}]"
        )
    elif not isinstance(data, dict):
        raise InvalidArgument(
            f"{where}expected a workflow (a list of function specs, or "
            f'{{"functionspecs": [...]}}), got {_kind(data)}'
        )
    return _strict(Workflow, data, where)


def load_func_spec(path: str | Path) -> FuncSpec:
    """Reads a function spec from a JSON file (strictly)."""
    return func_spec_from_data(_read(path), str(path))


def load_workflow(path: str | Path) -> Workflow:
    """Reads a workflow from a JSON file (strictly)."""
    return workflow_from_data(_read(path), str(path))


def _read(path: str | Path) -> Any:
    try:
        text = Path(path).read_text()
    except OSError as err:
        raise InvalidArgument(f"cannot read {path}: {err.strerror}") from None
    try:
        return json.loads(text)
    except ValueError as err:
        raise InvalidArgument(f"{path} is not valid JSON: {err}") from None


def _strict(cls: type[T], data: dict[str, Any], where: str) -> T:
    try:
        return cls.from_dict(data, strict=True)
    except InvalidArgument as err:
        raise InvalidArgument(f"{where}{err}") from None


def _kind(value: Any) -> str:
    from pycolonies_like.core.codec import kind_of

    return kind_of(value)


__all__ = ["func_spec_from_data", "load_func_spec", "load_workflow", "workflow_from_data"]
