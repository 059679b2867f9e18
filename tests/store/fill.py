"""Model objects with every field set to a value that is not its default, so
that a codec which forgets a field fails a round-trip test."""

from __future__ import annotations

import dataclasses
import itertools
import types
import typing
from enum import IntEnum
from typing import Any

_n = itertools.count(1)
# Fields holding resource quantities, with the unit of their samples.
QUANTITIES = {"cpu": "m", "mem": "Mi", "storage": "Gi"}


def filled(model: type, **given: Any) -> Any:
    """An instance of the dataclass `model` with every field not in `given`
    set to a sample value of its type."""
    hints = typing.get_type_hints(model)
    values = {
        f.name: given[f.name] if f.name in given else sample(hints[f.name], f.name)
        for f in dataclasses.fields(model)
    }
    return model(**values)


def sample(tp: Any, name: str) -> Any:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp is Any:
        return {"any": [1, "two", None, 3.5]}
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in args if a is not type(None)), name)
    if origin is list:
        return [sample(args[0], name), sample(args[0], name)]
    if origin is tuple:
        return (sample(args[0], name),)
    if origin is dict:
        return {f"{name}-key": sample(args[1], name)}
    if tp is bool:
        return True
    if isinstance(tp, type) and issubclass(tp, IntEnum):
        return list(tp)[-1]
    if tp is int:
        return 1000 + next(_n)
    if tp is float:
        return 0.25 + next(_n)
    if tp is str and name in QUANTITIES:  # the store reads these
        return f"{next(_n)}{QUANTITIES[name]}"
    if tp is str:
        return f"{name}-{next(_n)}"
    if tp is bytes:
        return f"{name}-{next(_n)}".encode() + b"\x00\xff"
    if dataclasses.is_dataclass(tp):
        return filled(tp)  # type: ignore[arg-type]
    raise TypeError(f"no sample for {tp!r} ({name})")


def defaults_left(obj: Any) -> list[str]:
    """The fields of `obj` (recursively) that still hold their default value."""
    found = []
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        if value == default:
            found.append(f.name)
        if dataclasses.is_dataclass(value):
            found += [f"{f.name}.{n}" for n in defaults_left(value)]
    return found
