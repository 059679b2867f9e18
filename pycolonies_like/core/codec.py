"""Domain objects <-> plain JSON-ready dicts, driven by the dataclasses' own fields.

Every model's `to_dict` / `from_dict` comes from here: the keys are the field
names (or a field's `metadata={"key": ...}`: `in` for `Process.input`), the
conversions follow the field types (core/fields.py) — nested models, lists and
tuples of them, enums, dicts, `X | None` and JSON data (`Any`). A field added
to a model travels with no other edit.

`from_dict(cls, data)` is lenient, as ColonyOS is on the wire: unknown keys are
ignored, `null` means "not set" (the default; a required field gets its zero
value), a whole float is taken for an integer and other scalars are kept for
the validators to judge. A shape that cannot be held (a string where an object
or a list is expected, an unknown enum value) is refused in both modes.
`strict=True` also refuses unknown keys, missing required fields and wrong
JSON types. Errors are InvalidArgument naming the field's path:
`functionspecs[1].conditions.dependecies: unknown field`,
`maxexectime: expected an integer, got "ten"`.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import difflib
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.fields import (
    FieldInfo,
    FieldType,
    Source,
    derived_keys,
    encode_expr,
    fields_of,
)

T = TypeVar("T")
Convert = Callable[[Any], Any]


def to_dict(obj: Any) -> dict[str, Any]:
    """A plain JSON-ready dict of a model, with its wire keys."""
    return _plan(type(obj)).to_dict(obj)


def from_dict(cls: type[T], data: Any, *, strict: bool = False, path: str = "") -> T:
    """Builds a model from its dict form; raises InvalidArgument naming the field,
    after `path` when given (where `data` sits in a larger message: "colony")."""
    try:
        return _plan(cls).from_dict[strict](data)  # type: ignore[no-any-return]
    except Mismatch as err:
        raise err.error(path) from None


def attributes_by_key(cls: type) -> dict[str, str]:
    """Wire key -> attribute, derived keys included, in wire order."""
    return _plan(cls).attributes


# ---------------------------------------------------------------- errors --


class Mismatch(Exception):
    """A value that does not fit its field; the path is added on the way up."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.path: list[str] = []

    def at(self, segment: str | int) -> Mismatch:
        self.path.append(f"[{segment}]" if isinstance(segment, int) else segment)
        return self

    def error(self, root: str = "") -> InvalidArgument:
        path = root
        for segment in reversed(self.path):
            path += segment if segment.startswith("[") or not path else "." + segment
        return InvalidArgument(f"{path}: {self.message}" if path else self.message)


def kind_of(value: Any) -> str:
    """How a JSON value is named in an error: "a string", "an object"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def shown(value: Any) -> str:
    """A scalar as JSON (shortened), anything else by its kind."""
    if value is None or isinstance(value, (str, int, float)):
        text = json.dumps(value)
        return text if len(text) <= 40 else text[:37] + "..."
    return kind_of(value)


def refuse(expected: str, value: Any, show: Convert = shown) -> Mismatch:
    return Mismatch(f"expected {expected}, got {show(value)}")


def _unknown(data: Mapping[str, Any], known: frozenset[str]) -> Mismatch:
    key = next(k for k in data if k not in known)
    hint = difflib.get_close_matches(str(key), sorted(known), n=1)
    return Mismatch("unknown field" + (f" (did you mean {hint[0]!r}?)" if hint else "")).at(key)


# -------------------------------------------------------------- decoders --


def _lenient_int(v: Any) -> Any:
    return int(v) if type(v) is float and v.is_integer() else v


def _strict_int(v: Any) -> Any:
    if isinstance(v, int) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    raise refuse("an integer", v)


def _lenient_float(v: Any) -> Any:
    return float(v) if type(v) is int else v


def _strict_float(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        try:
            return float(v)
        except OverflowError:
            pass
    raise refuse("a number", v)


def _strict_str(v: Any) -> Any:
    if isinstance(v, str):
        return v
    raise refuse("a string", v)


def _strict_bool(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    raise refuse("a boolean", v)


def json_bytes(v: Any) -> Any:
    """Go's []byte in JSON: base64 text, or (as pycolonies sends it) a list of ints."""
    if isinstance(v, (bytes, bytearray)):
        return bytes(v)
    if isinstance(v, str):
        try:
            return base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            raise refuse("base64 text", v) from None
    if isinstance(v, list) and all(type(x) is int and 0 <= x < 256 for x in v):
        return bytes(v)
    raise refuse("base64 text or a list of bytes", v, kind_of)


def _enum_decoder(cls: Any) -> Convert:
    members = {m.value: m for m in cls}
    expected = "one of " + ", ".join(str(v) for v in members)

    def decode(v: Any) -> Any:
        if type(v) is float and v.is_integer():
            v = int(v)
        if not isinstance(v, bool):
            try:
                return members[v]
            except (KeyError, TypeError):
                pass
        raise refuse(expected, v)

    return decode


def _list_decoder(item: Convert | None, container: type) -> Convert:
    def decode(v: Any) -> Any:
        if not isinstance(v, (list, tuple)):
            raise refuse("a list", v, kind_of)
        if item is None:
            return container(v)
        out = []
        for i, x in enumerate(v):
            try:
                out.append(item(x))
            except Mismatch as err:
                raise err.at(i) from None
        return container(out)

    return decode


def _dict_decoder(item: Convert | None, strict: bool) -> Convert:
    def decode(v: Any) -> Any:
        if not isinstance(v, Mapping):
            raise refuse("an object", v, kind_of)
        if item is None and not strict:
            return dict(v)
        out = {}
        for k, x in v.items():
            if strict and not isinstance(k, str):
                raise refuse("a string", k).at(str(k))
            try:
                out[k] = x if item is None else item(x)
            except Mismatch as err:
                raise err.at(k) from None
        return out

    return decode


def decoder(ft: FieldType, strict: bool) -> Convert | None:
    """JSON value (not null) -> field value; None when taken as it is."""
    dec: Convert | None = None
    if ft.kind == "str":
        dec = _strict_str if strict else None
    elif ft.kind == "int":
        dec = _strict_int if strict else _lenient_int
    elif ft.kind == "float":
        dec = _strict_float if strict else _lenient_float
    elif ft.kind == "bool":
        dec = _strict_bool if strict else None
    elif ft.kind == "bytes":
        dec = json_bytes
    elif ft.kind == "enum":
        dec = _enum_decoder(ft.cls)
    elif ft.kind == "model":
        table = _plan(ft.cls).from_dict
        dec = lambda v: table[strict](v)  # noqa: E731 - late bound: the plan may be building
    elif ft.kind in ("list", "dict"):
        assert ft.item is not None
        item = decoder(ft.item, strict)
        if ft.kind == "list":
            dec = _list_decoder(item, ft.container)
        else:
            dec = _dict_decoder(item, strict)
    if dec is not None and ft.optional:
        inner = dec
        return lambda v: None if v is None else inner(v)
    return dec


_EXPECTED = {
    "str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean",
    "bytes": "base64 text",
    "model": "an object", "dict": "an object", "list": "a list",
}  # fmt: skip


def zero(ft: FieldType) -> Any:
    """What a missing required field becomes in lenient mode (as Go would have it)."""
    if ft.optional or ft.kind == "json":
        return None
    if ft.kind == "model":
        return from_dict(ft.cls, {})
    if ft.kind == "enum":
        return next(iter(ft.cls))
    if ft.kind == "list":
        return ft.container()
    if ft.kind == "dict":
        return {}
    return ft.cls()


# ----------------------------------------------------------------- plans --


class _Plan:
    """A model's generated `to_dict` and `from_dict` (lenient and strict)."""

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.fields = fields_of(cls)
        derived = derived_keys(cls)
        self.attributes = {f.key: f.name for f in self.fields} | {k: k for k in derived}
        self.known = frozenset(self.attributes)
        self.to_dict: Callable[[Any], dict[str, Any]]
        self.from_dict: dict[bool, Callable[[Any], Any]] = {}

    def build(self) -> None:
        src = Source()
        items = [
            f"{f.key!r}: {encode_expr(f.type, f'o.{f.name}', src, _nested_to_dict)}"
            for f in self.fields
        ] + [f"{k!r}: o.{k}" for k in derived_keys(self.cls)]
        self.to_dict = src.function("to_dict", "o", [f"return {{{', '.join(items)}}}"])
        for strict in (False, True):
            self.from_dict[strict] = self._from_dict(strict)

    def _from_dict(self, strict: bool) -> Callable[[Any], Any]:
        src = Source(Mapping=Mapping, Mismatch=Mismatch, refuse=refuse, kind_of=kind_of)
        body = [
            "if type(d) is not dict and not isinstance(d, Mapping):",
            "    raise refuse('an object', d, kind_of)",
            "values = {}",
            "key = None",
            "try:",
        ]
        for f in self.fields:
            body += [f"    key = {f.key!r}", "    v = d.get(key)"]
            body += [f"    {line}" for line in self._field(f, strict, src)]
        body += ["except Mismatch as err:", "    raise err.at(key) from None"]
        if strict:
            known = src.ref(self.known, "known")
            body += [f"if not {known}.issuperset(d):", f"    raise {src.ref(_unknown)}(d, {known})"]
        body.append(f"return {src.ref(self.cls, self.cls.__name__)}(**values)")
        return src.function("from_dict_strict" if strict else "from_dict", "d", body)

    @staticmethod
    def _field(f: FieldInfo, strict: bool, src: Source) -> list[str]:
        """Source setting `values[attribute]` from `v`, the value under the field's key."""
        value = _lenient_expr(f.type, src) if not strict else None
        if value is None:
            dec = decoder(f.type, strict)
            value = f"{src.ref(dec, 'dec')}(v)" if dec else "v"
        if f.type.optional:  # null is a value
            return ["if v is not None or key in d:", f"    values[{f.name!r}] = {value}"]
        lines = ["if v is not None:", f"    values[{f.name!r}] = {value}"]
        if f.required and strict:
            expected = _EXPECTED.get(f.type.kind, "a value")
            lines += ["elif key in d:", f"    raise refuse({expected!r}, v)"]
            lines += ["else:", "    raise Mismatch('missing')"]
        elif f.required:
            zero_value = f"{src.ref(zero, 'zero')}({src.ref(f.type, 'type')})"
            lines += ["else:", f"    values[{f.name!r}] = {zero_value}"]
        return lines


def _lenient_expr(ft: FieldType, src: Source) -> str | None:
    """The common cases of lenient decoding written inline (the store reads every
    spec through here); None where the decoder is called."""
    if ft.optional:
        return None
    if ft.kind in ("str", "bool", "json"):
        return "v"
    if ft.kind == "int":
        return f"({src.ref(_lenient_int, 'int')}(v) if type(v) is float else v)"
    if ft.kind == "float":
        return "(float(v) if type(v) is int else v)"
    if ft.kind == "model" and False in _plan(ft.cls).from_dict:  # built already
        return f"{src.ref(_plan(ft.cls).from_dict[False], ft.cls.__name__)}(v)"
    if ft.kind in ("list", "dict") and ft.item is not None and decoder(ft.item, False) is None:
        # Taken as they are, as a constructor would; anything else is checked.
        dec = src.ref(decoder(ft, False), "dec")
        if ft.kind == "dict":
            return f"(v if type(v) is dict else {dec}(v))"
        if ft.container is tuple:
            return f"(tuple(v) if type(v) is list else {dec}(v))"
        return f"(v if type(v) is list else {dec}(v))"
    return None


_PLANS: dict[type, _Plan] = {}  # built, ready for any thread
_BUILDING: dict[type, _Plan] = {}  # being built by the thread holding the lock
_LOCK = threading.RLock()


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        with _LOCK:
            plan = _PLANS.get(cls) or _BUILDING.get(cls)
            if plan is None:
                if not dataclasses.is_dataclass(cls):
                    raise TypeError(f"{cls.__name__} is not a model (a dataclass)")
                plan = _BUILDING[cls] = _Plan(cls)
                try:
                    plan.build()
                finally:
                    del _BUILDING[cls]
                _PLANS[cls] = plan
    return plan


def _nested_to_dict(cls: type) -> Convert:
    plan = _plan(cls)
    # Bound late when that plan is still being built (a model holding itself).
    return plan.to_dict if hasattr(plan, "to_dict") else lambda v: plan.to_dict(v)
