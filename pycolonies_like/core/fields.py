"""What the fields of a model hold, read once from the dataclass, for every codec.

The dict, protobuf and ColonyOS codecs all start here: `fields_of(cls)` gives
each field's attribute, wire key (`metadata={"key": ...}`, else the name) and
type, so a field added to a model is seen by all of them. A type no codec can
carry is refused when the codec is built, never dropped.

The codecs are on the hot path (every process crosses the protobuf codec twice
per step), so each one writes its converter for a model as Python source once
(`generate`), as `dataclasses` does for `__init__`: the result runs as fast as
a hand-written converter, and a traceback shows the generated line.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import itertools
import linecache
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

_SCALARS = (str, int, float, bool, bytes)


@dataclass(frozen=True)
class FieldType:
    """What a field holds, as far as a codec cares."""

    kind: str  # "str" "int" "float" "bool" "bytes" "enum" "model" "list" "dict" "json"
    cls: Any = None  # the scalar type, enum class or model class
    item: FieldType | None = None  # of a list, or of a dict's values
    container: type = list  # list or tuple, for "list"
    optional: bool = False  # `X | None`: None is a value, not "unset"

    @property
    def holds_json(self) -> bool:
        """Arbitrary JSON data (args, kwargs, input, output)."""
        return self.kind == "json" or (
            self.kind in ("list", "dict") and self.item is not None and self.item.kind == "json"
        )

    @property
    def model(self) -> Any:
        """The model class held, alone or in a list; None for anything else."""
        if self.kind == "model":
            return self.cls
        if self.kind == "list" and self.item is not None and self.item.kind == "model":
            return self.item.cls
        return None


@dataclass(frozen=True)
class FieldInfo:
    name: str  # the attribute
    key: str  # the wire key
    type: FieldType
    required: bool  # no default


def field_type(hint: Any) -> FieldType:
    """Reads a resolved type hint; an unsupported one is a TypeError."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return dataclasses.replace(field_type(rest[0]), optional=True)
    if hint is Any:
        return FieldType("json")
    if isinstance(hint, type) and issubclass(hint, enum.IntEnum):
        return FieldType("enum", hint)
    if hint in _SCALARS:
        return FieldType(hint.__name__, hint)
    if dataclasses.is_dataclass(hint):
        return FieldType("model", hint)
    if origin is list and len(args) == 1:
        return FieldType("list", item=field_type(args[0]))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return FieldType("list", item=field_type(args[0]), container=tuple)
    if origin is dict and len(args) == 2 and args[0] is str:
        return FieldType("dict", item=field_type(args[1]))
    raise TypeError(f"no codec for the field type {hint!r}")


_FIELDS: dict[type, tuple[FieldInfo, ...]] = {}


def fields_of(cls: type) -> tuple[FieldInfo, ...]:
    """The fields of a model class, with their wire keys and types."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        try:
            found = tuple(
                FieldInfo(
                    f.name,
                    f.metadata.get("key", f.name),
                    field_type(hints[f.name]),
                    f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                )
                for f in dataclasses.fields(cls)
            )
        except TypeError as err:
            raise TypeError(f"{cls.__name__}: {err}") from None
        _FIELDS[cls] = found
    return found


def derived_keys(cls: type) -> tuple[str, ...]:
    """Properties sent beside the fields (`Process.isassigned`), never read back."""
    return tuple(getattr(cls, "derived_keys", ()))


# ------------------------------------------------------------- generation --

_counter = itertools.count()


class Source:
    """The namespace and helpers of one generated function."""

    def __init__(self, **names: Any) -> None:
        self.namespace: dict[str, Any] = dict(names)

    def ref(self, value: Any, hint: str = "v") -> str:
        """A name under which the generated code sees `value`."""
        for name, known in self.namespace.items():
            if known is value:
                return name
        name = f"_{hint}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def function(self, name: str, params: str, body: list[str]) -> Callable[..., Any]:
        text = f"def {name}({params}):\n" + "".join(f"    {line}\n" for line in body)
        filename = f"<generated {name} #{next(_counter)}>"
        linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)
        exec(compile(text, filename, "exec"), self.namespace)
        function: Callable[..., Any] = self.namespace.pop(name)
        function.__source__ = text  # type: ignore[attr-defined]
        return function


def base64_text(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def encode_expr(
    ft: FieldType, expr: str, src: Source, model: Callable[[type], Callable[[Any], Any]],
    depth: int = 0,
) -> str:  # fmt: skip
    """Python source turning `expr` (a field's value) into plain JSON data:
    containers are copied, JSON data inside them is shared; `model(cls)` gives
    the function to apply to a nested model."""
    if ft.optional:
        inner = encode_expr(dataclasses.replace(ft, optional=False), expr, src, model, depth)
        return expr if inner == expr else f"(None if {expr} is None else {inner})"
    if ft.kind == "json":
        return expr  # JSON data is plain already
    if ft.kind == "bytes":  # as ColonyOS sends Go's []byte: base64 text
        return f"{src.ref(base64_text, 'b64')}({expr})"
    if ft.kind == "enum":
        return f"int({expr})"
    if ft.kind == "model":
        return f"{src.ref(model(ft.cls), ft.cls.__name__)}({expr})"
    if ft.kind in ("list", "dict"):
        assert ft.item is not None
        x = f"x{depth}"
        item = encode_expr(ft.item, x, src, model, depth + 1)
        if ft.kind == "list":
            return f"list({expr})" if item == x else f"[{item} for {x} in {expr}]"
        k = f"k{depth}"
        return f"dict({expr})" if item == x else f"{{{k}: {item} for {k}, {x} in {expr}.items()}}"
    return expr
