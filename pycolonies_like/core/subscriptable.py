"""Objects that read like the dicts pycolonies returns (`obj["name"]`), with their
dict form from their fields (core/codec.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, TypeVar

from pycolonies_like.core import codec

T = TypeVar("T", bound="Subscriptable")


class Subscriptable:
    """Lets an object be read like the dicts pycolonies returns: `obj["name"]`.

    The dict form (`to_dict` / `from_dict`) comes from the fields themselves
    (core/codec.py): a field's key is its name unless `metadata={"key": ...}`
    says otherwise; `derived_keys` are properties sent beside the fields.
    """

    __slots__ = ()
    derived_keys: ClassVar[tuple[str, ...]] = ()

    def __getitem__(self, key: str) -> Any:
        name = codec.attributes_by_key(type(self)).get(key)
        if name is None:
            raise KeyError(key)
        return getattr(self, name)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in codec.attributes_by_key(type(self))

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def keys(self) -> Iterator[str]:
        return iter(codec.attributes_by_key(type(self)))

    def to_dict(self) -> dict[str, Any]:
        """A plain JSON-ready dict, with ColonyOS' key names."""
        return codec.to_dict(self)

    @classmethod
    def from_dict(cls: type[T], data: Mapping[str, Any], *, strict: bool = False) -> T:
        """Builds the object from its dict form (ColonyOS-style JSON).

        Lenient by default, as the wire is: unknown keys are ignored and null
        means "not set". `strict=True` (files written by hand) also refuses
        unknown keys and wrong JSON types. Either way a value that cannot fit
        raises InvalidArgument naming the field, e.g. `conditions: expected an
        object, got a string`."""
        return codec.from_dict(cls, data, strict=strict)

    # pycolonies models are pydantic; code calling model_dump() keeps working.
    def model_dump(self, **_: Any) -> dict[str, Any]:
        return self.to_dict()
