"""Quantities, needs and capacities: the pure rules of matching."""

from __future__ import annotations

import pytest

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import (
    GPU,
    Capabilities,
    Conditions,
    Executor,
    ExecutorState,
    FuncSpec,
    Hardware,
    Process,
)
from pycolonies_like.core.quantities import bytes_text, parse_quantity
from pycolonies_like.core.requirements import (
    Requirement,
    executor_shortfalls,
    fits,
    requirement_of,
    why_waiting,
)


@pytest.mark.parametrize(
    ("text", "millicores"),
    [("1000m", 1000), ("4", 4000), ("0.5", 500), ("1.0001", 1001), ("", 0), ("0m", 0),
     (" 250m ", 250), (8, 8000)],
)  # fmt: skip
def test_cpu_quantities(text: str, millicores: int) -> None:
    assert parse_quantity(text, "cpu") == millicores


@pytest.mark.parametrize(
    ("text", "amount"),
    [("16Gi", 16 * 2**30), ("2GiB", 2 * 2**30), ("500M", 500_000_000), ("1Mb", 10**6),
     ("1k", 1000), ("1KB", 1000), ("1024", 1024), ("0Mi", 0), ("1.5Ki", 1536), ("", 0)],
)  # fmt: skip
def test_byte_quantities(text: str, amount: int) -> None:
    assert parse_quantity(text, "bytes") == amount


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [("lots", "cpu", r"^conditions\.x: 'lots' is not a quantity"),
     ("-1", "cpu", "is not a quantity"),
     ("4Gi", "cpu", r"unknown unit 'Gi' in '4Gi' \(a CPU amount is cores or millicores"),
     ("16Xi", "bytes", r"unknown unit 'Xi' in '16Xi' \(use k, K, M"),
     ("500m", "bytes", "unknown unit 'm'"),
     ("9" * 30, "bytes", "is too large")],
)  # fmt: skip
def test_quantities_that_are_refused(text: str, kind: str, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        parse_quantity(text, kind, "conditions.x")  # type: ignore[arg-type]


def test_bytes_are_written_back_exactly() -> None:
    for text in ("16Gi", "500M", "3Ki", "7"):
        assert bytes_text(parse_quantity(text, "bytes")) == text


def test_needs_have_a_shape_and_equal_needs_share_it() -> None:
    assert requirement_of(Conditions()).key == ""
    assert requirement_of(Conditions(nodes=1, cpu="0m", mem="0Mi")).key == ""
    a = requirement_of(Conditions(cpu="4", mem="16Gi", gpu=GPU(name="A100", count=2)))
    b = requirement_of(Conditions(cpu="4000m", mem="16384Mi", gpu=GPU(name="a100 ", count=2)))
    assert a == b and a.key == b.key != ""
    assert requirement_of(Conditions(locationname="Lab")).key != ""
    assert not requirement_of(Conditions(locationname="Lab")).needs_hardware


@pytest.mark.parametrize(
    ("conditions", "message"),
    [(Conditions(nodes=-1), r"^conditions\.nodes: expected a count of 0 or more"),
     (Conditions(gpu=GPU(count=-2)), r"^conditions\.gpu\.count"),
     (Conditions(walltime=-5), r"^conditions\.walltime"),
     (Conditions(mem="much"), r"^conditions\.mem: 'much' is not a quantity"),
     (Conditions(gpu=GPU(mem="1x")), r"^conditions\.gpu\.mem: unknown unit 'x'")],
)  # fmt: skip
def test_needs_that_are_refused(conditions: Conditions, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        requirement_of(conditions)


def executor(*hardware: Hardware, location: str = "") -> Executor:
    return Executor("id", "t", "e", "c", state=ExecutorState.APPROVED, locationname=location,
                    capabilities=Capabilities(hardware=hardware))  # fmt: skip


def test_an_executor_fits_when_one_hardware_entry_has_everything() -> None:
    need = requirement_of(Conditions(cpu="8", mem="32Gi", gpu=GPU(name="a100", count=2)))
    small = Hardware(cpu="4", mem="64Gi", gpu=GPU(name="a100", count=4))
    big_no_gpu = Hardware(cpu="64", mem="256Gi")
    assert not fits(need, executor(small, big_no_gpu))
    assert executor_shortfalls(need, executor(small)) == ["cpu 8000m > 4000m"]
    assert executor_shortfalls(need, executor(big_no_gpu)) == [
        "gpu count 2 > 0",
        "gpu name 'a100' != 'none'",
    ]
    assert fits(need, executor(small, Hardware(cpu="8", mem="32Gi", gpu=GPU("A100", count=2))))
    assert executor_shortfalls(need, executor()) == ["no hardware declared"]
    assert fits(Requirement(), executor())  # needs nothing: any executor


def test_location_and_nodes() -> None:
    need = requirement_of(Conditions(locationname="Stockholm", nodes=4))
    assert executor_shortfalls(need, executor(Hardware(nodes=4), location="stockholm")) == []
    assert executor_shortfalls(need, executor(Hardware(nodes=2), location="Lund")) == [
        "location 'stockholm' != 'Lund'",
        "nodes 4 > 2",
    ]


def test_why_a_process_waits() -> None:
    spec = FuncSpec(conditions=Conditions(colonyname="c", executortype="t", gpu=GPU(count=4)))
    process = Process("p", spec)
    assert why_waiting(process, []) == "no approved executor of type 't'"
    plain = executor(Hardware(cpu="4"))
    assert why_waiting(process, [plain]) == (
        "no approved executor of type 't' satisfies its conditions "
        "(1 checked; closest, e: gpu count 4 > 0)"
    )
    gpu = executor(Hardware(gpu=GPU(count=4)))
    assert why_waiting(process, [plain, gpu]).startswith("queued")
