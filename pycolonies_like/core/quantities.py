"""Resource quantities as ColonyOS and Kubernetes write them: "500m", "4", "16Gi".

One parser for every quantity a spec or an executor names. A CPU amount is
counted in millicores ("1000m" = "1" = one core, "0.5" = 500m); an amount of
memory or storage in bytes ("16Gi", "500M", "2GiB", "1024"). ColonyOS reads a
CPU without the "m" as 0 and memory without a unit as an error; here both are
plain numbers, as in Kubernetes, and anything that is not a quantity is an
InvalidArgument naming the field.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal
from typing import Literal

from pycolonies_like.core.errors import InvalidArgument

Kind = Literal["cpu", "bytes"]

# Binary units (Ki, KiB), decimal ones (K, KB, Kb, and Kubernetes' k), milli.
_UNITS: dict[str, int] = {"": 1}
for _i, _prefix in enumerate("KMGTPE", start=1):
    _UNITS[f"{_prefix}i"] = _UNITS[f"{_prefix}iB"] = 1024**_i
    _UNITS[_prefix] = _UNITS[f"{_prefix}B"] = _UNITS[f"{_prefix}b"] = 1000**_i
_UNITS["k"] = _UNITS["kB"] = 1000

_QUANTITY = re.compile(r"\s*(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]*)\s*")
# Beyond this an amount is a typing error, not a machine (and it fits a BIGINT).
LIMIT = 2**62


def parse_quantity(value: str | int | float | None, kind: Kind, what: str = "quantity") -> int:
    """The amount a quantity names: millicores for "cpu", bytes for "bytes".

    Empty (or None) is 0, meaning "not asked for". Fractions are rounded up,
    so a request is never made smaller than written."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise InvalidArgument(f"{what}: expected a quantity such as '4', '500m' or '16Gi'")
    text = str(value)
    found = _QUANTITY.fullmatch(text)
    if found is None:
        raise InvalidArgument(
            f"{what}: {text!r} is not a quantity (a number with an optional unit, "
            "e.g. '4', '500m', '16Gi', '500M')"
        )
    number, unit = found.groups()
    amount = Decimal(number)  # the pattern admits decimal numbers only
    if unit == "m" and kind == "cpu":
        scale = Decimal(1) / 1000
    elif unit in _UNITS and (kind == "bytes" or unit == ""):
        scale = Decimal(_UNITS[unit])
    else:
        raise InvalidArgument(
            f"{what}: unknown unit {unit!r} in {text!r} ("
            + (
                "a CPU amount is cores or millicores, e.g. '4' or '500m'"
                if kind == "cpu"
                else "use k, K, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or those with B"
            )
            + ")"
        )
    total = amount * scale * (1000 if kind == "cpu" else 1)
    result = int(total.to_integral_value(rounding=ROUND_CEILING))
    if result >= LIMIT:
        raise InvalidArgument(f"{what}: {text!r} is too large")
    return result


def cpu_text(millicores: int) -> str:
    """ColonyOS' form of a CPU amount: "<n>m"."""
    return f"{millicores}m"


def bytes_text(amount: int) -> str:
    """A short exact form of a byte count: "16Gi", "500M", or plain bytes."""
    if amount == 0:
        return "0"
    for unit in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki", "E", "P", "T", "G", "M", "K"):
        if amount % _UNITS[unit] == 0:
            return f"{amount // _UNITS[unit]}{unit}"
    return str(amount)
