"""What an executor says it has: detected from the machine, or the operator's word."""

from __future__ import annotations

import asyncio
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from executors import machine
from executors.runtime import ExecutorRuntime
from pycolonies_like import Colonies, ProcessState
from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import GPU, Capabilities, Hardware
from pycolonies_like.core.quantities import parse_quantity
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ColonyKeys, ThreadedServer
from tests.conftest import spec
from tests.executors.test_runtime import TYPE, Running, final, settings

SMI = "NVIDIA A100-SXM4-40GB, 40960\nNVIDIA A100-SXM4-40GB, 40536\n"


def fake_nvidia_smi(folder: Path, output: str, code: int = 0) -> None:
    """A real nvidia-smi stand-in on PATH, printing what a two-GPU machine prints."""
    smi = folder / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\nprintf '%s' '{output}'\nexit {code}\n")  # printf: a builtin
    smi.chmod(smi.stat().st_mode | stat.S_IXUSR)


def test_nvidia_smi_lines_are_read() -> None:
    assert machine.parse_nvidia_smi(SMI) == GPU(name="NVIDIA A100-SXM4-40GB", mem="40536Mi",
                                                count=2)  # fmt: skip
    assert machine.parse_nvidia_smi("") == GPU()
    assert machine.parse_nvidia_smi("No devices were found\n") == GPU()


def test_detected_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no nvidia-smi here
    (hw,) = machine.capabilities().hardware
    assert parse_quantity(hw.cpu, "cpu") == 1000 * machine.cpu_count() > 0
    assert parse_quantity(hw.mem, "bytes") > 2**20
    assert hw.gpu == GPU() and hw.platform == sys.platform
    fake_nvidia_smi(tmp_path, SMI)
    (hw,) = machine.capabilities().hardware
    assert (hw.gpu.count, hw.gpu.name) == (2, "NVIDIA A100-SXM4-40GB")
    fake_nvidia_smi(tmp_path, "", code=9)  # a driver that fails: no GPUs, no crash
    assert machine.capabilities().hardware[0].gpu == GPU()


def test_the_operator_overrides() -> None:
    env = {"COLONIES_EXECUTOR_CPU": "2", "COLONIES_EXECUTOR_MEM": "8Gi",
           "COLONIES_EXECUTOR_GPU_COUNT": "1", "COLONIES_EXECUTOR_GPU_NAME": "t4"}  # fmt: skip
    (hw,) = machine.capabilities(machine.Overrides.from_env(env)).hardware
    assert (hw.cpu, hw.mem, hw.gpu.count, hw.gpu.name) == ("2", "8Gi", 1, "t4")
    flags = machine.Overrides(cpu="500m")
    (hw,) = machine.capabilities(machine.Overrides.from_env(env).merged(flags)).hardware
    assert (hw.cpu, hw.mem) == ("500m", "8Gi")
    given = '{"hardware": [{"cpu": "64", "gpu": {"count": 8}}], "software": []}'
    caps = machine.capabilities(
        machine.Overrides.from_env({"COLONIES_EXECUTOR_CAPABILITIES": given})
    )
    assert caps == Capabilities(hardware=(Hardware(cpu="64", gpu=GPU(count=8)),))
    bare = machine.Overrides.from_env({"COLONIES_EXECUTOR_DETECT": "false"})
    assert machine.capabilities(bare).hardware == (Hardware(nodes=1),)


@pytest.mark.parametrize(
    ("env", "message"),
    [({"COLONIES_EXECUTOR_CPU": "fast"}, r"^capabilities\.hardware\[0\]\.cpu: 'fast'"),
     ({"COLONIES_EXECUTOR_GPU_COUNT": "two"}, r"^COLONIES_EXECUTOR_GPU_COUNT must be a count"),
     ({"COLONIES_EXECUTOR_CAPABILITIES": "{"}, r"^COLONIES_EXECUTOR_CAPABILITIES is not valid"),
     ({"COLONIES_EXECUTOR_CAPABILITIES": "[]"}, r"must be a JSON object"),
     ({"COLONIES_EXECUTOR_CAPABILITIES": '{"hardware": [{"cpus": 4}]}'}, r"cpus")],
)  # fmt: skip
def test_bad_overrides_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        machine.capabilities(machine.Overrides.from_env(env))


async def test_the_runtime_registers_what_it_has_and_gets_work_that_fits(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    s = settings(server.port, colony, locationname="lab",
                 machine=machine.Overrides(cpu="16", mem="64Gi", gpu_count=2, gpu_name="a100"))  # fmt: skip
    runtime = ExecutorRuntime(TYPE, s)

    @runtime.function()
    def train() -> str:
        return "trained"

    def submit(**conditions: Any) -> str:
        wanted = spec(colony.colonyname, "train", executortype=TYPE)
        for key, value in conditions.items():
            setattr(wanted.conditions, key, value)
        return client.submit(wanted, colony.user_key).processid

    async with Running(runtime):
        registered = client.get_executor(colony.colonyname, runtime.name, colony.colony_key)
        assert registered.locationname == "lab"
        (hw,) = registered.capabilities.hardware
        assert (hw.cpu, hw.mem, hw.gpu.count, hw.gpu.name) == ("16", "64Gi", 2, "a100")
        fits = submit(cpu="8", gpu=GPU(name="a100", count=2), locationname="lab")
        done = await asyncio.to_thread(final, client, colony, fits)
        assert done.output == ["trained"]
        too_big = submit(gpu=GPU(count=4))
        await asyncio.sleep(0.5)
        assert client.get_process(too_big, colony.user_key).state == ProcessState.WAITING


async def test_an_executor_started_again_with_its_key_reports_what_it_has_now(
    server: ThreadedServer, client: Colonies, colony: ColonyKeys
) -> None:
    key = generate_private_key()
    client.add_executor({"executorid": id_of(key), "executortype": TYPE, "executorname": "box",
                         "colonyname": colony.colonyname,
                         "capabilities": {"hardware": [{"cpu": "1"}]}},
                        colony.colony_key)  # fmt: skip
    client.approve_executor(colony.colonyname, "box", colony.colony_key)

    def start(cpu: str) -> ExecutorRuntime:
        s = settings(server.port, colony, prvkey=key, machine=machine.Overrides(cpu=cpu))
        s.colony_prvkey = ""  # an executor key alone, as an operator restarts it
        runtime = ExecutorRuntime(TYPE, s)
        runtime.function(name="work")(lambda: "done")
        return runtime

    def cpu_on_record() -> str:
        found = client.get_executor(colony.colonyname, "box", colony.user_key)
        return found.capabilities.hardware[0].cpu

    wanted = spec(colony.colonyname, "work", executortype=TYPE)
    wanted.conditions.cpu = "4"
    async with Running(start("2")) as first:
        assert first.name == "box" and cpu_on_record() == "2"
        pid = client.submit(wanted, colony.user_key).processid
    assert client.get_process(pid, colony.user_key).state == ProcessState.WAITING
    async with Running(start("8")):
        assert cpu_on_record() == "8"
        done = await asyncio.to_thread(final, client, colony, pid)
        assert done.state == ProcessState.SUCCESSFUL and done.output == ["done"]
