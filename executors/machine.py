"""What the machine an executor runs on has: CPUs, memory, GPUs.

An executor registers these as its capabilities, so that it is given only
processes whose conditions it satisfies. `detect()` reads them from the
machine (GPUs from `nvidia-smi`, when it is installed); `Overrides` are what
the operator says instead (COLONIES_EXECUTOR_* variables or `colonies
executor start` flags), and always win.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pycolonies_like.core.errors import InvalidArgument
from pycolonies_like.core.models import GPU, Capabilities, Hardware
from pycolonies_like.core.requirements import capacities_of

_ARCHITECTURES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}
NVIDIA_SMI_QUERY = ["--query-gpu=name,memory.total", "--format=csv,noheader,nounits"]

Run = Callable[[list[str]], str]


def _run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True, timeout=10, check=True).stdout


def cpu_count() -> int:
    """CPUs this process may use (its affinity, where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 0


def gpus(run: Run = _run) -> GPU:
    """The machine's NVIDIA GPUs (the first one's name, the smallest memory),
    or none when nvidia-smi is missing or fails."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return GPU()
    try:
        out = run([smi, *NVIDIA_SMI_QUERY])
    except (OSError, subprocess.SubprocessError):
        return GPU()
    return parse_nvidia_smi(out)


def parse_nvidia_smi(out: str) -> GPU:
    """`nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`
    lines ("NVIDIA A100-SXM4-40GB, 40960", memory in MiB) -> GPU."""
    found = []
    for line in out.splitlines():
        name, sep, mem = line.rpartition(",")
        if sep and mem.strip().isdigit():
            found.append((name.strip(), int(mem.strip())))
    if not found:
        return GPU()
    return GPU(name=found[0][0], mem=f"{min(m for _, m in found)}Mi", count=len(found))


def detect(run: Run = _run) -> Hardware:
    mem = memory_bytes()
    return Hardware(
        nodes=1,
        cpu=str(cpu_count()),
        cores=os.cpu_count() or 0,
        mem=f"{mem // 2**20}Mi" if mem else "",
        gpu=gpus(run),
        platform=sys.platform,
        architecture=_ARCHITECTURES.get(platform.machine().lower(), platform.machine().lower()),
    )


@dataclass
class Overrides:
    """What the operator says the executor has; None leaves the detected value."""

    capabilities: Capabilities | None = None  # replaces detection altogether
    cpu: str | None = None
    mem: str | None = None
    storage: str | None = None
    gpu_count: int | None = None
    gpu_name: str | None = None
    gpu_mem: str | None = None
    detect: bool = True  # False: report only what is given

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Overrides:
        """COLONIES_EXECUTOR_CAPABILITIES (ColonyOS' capabilities JSON),
        COLONIES_EXECUTOR_{CPU,MEM,STORAGE,GPU_COUNT,GPU_NAME,GPU_MEM}, and
        COLONIES_EXECUTOR_DETECT=false to report nothing not given."""
        env = os.environ if env is None else env
        text = env.get("COLONIES_EXECUTOR_CAPABILITIES", "")
        count = env.get("COLONIES_EXECUTOR_GPU_COUNT")
        if count is not None and not count.strip().isdigit():
            raise InvalidArgument(f"COLONIES_EXECUTOR_GPU_COUNT must be a count, got {count!r}")
        return cls(
            capabilities=parse_capabilities(text, "COLONIES_EXECUTOR_CAPABILITIES")
            if text else None,
            cpu=env.get("COLONIES_EXECUTOR_CPU"),
            mem=env.get("COLONIES_EXECUTOR_MEM"),
            storage=env.get("COLONIES_EXECUTOR_STORAGE"),
            gpu_count=int(count) if count is not None else None,
            gpu_name=env.get("COLONIES_EXECUTOR_GPU_NAME"),
            gpu_mem=env.get("COLONIES_EXECUTOR_GPU_MEM"),
            detect=env.get("COLONIES_EXECUTOR_DETECT", "true").lower() != "false",
        )  # fmt: skip

    def merged(self, other: Overrides) -> Overrides:
        """These overrides, with `other`'s wherever it gives one."""
        given = {f.name: getattr(other, f.name) for f in dataclasses.fields(other)
                 if getattr(other, f.name) is not None and f.name != "detect"}  # fmt: skip
        return dataclasses.replace(self, **given, detect=self.detect and other.detect)


def parse_capabilities(text: str, what: str) -> Capabilities:
    try:
        data = json.loads(text)
    except ValueError as err:
        raise InvalidArgument(f"{what} is not valid JSON: {err}") from None
    if not isinstance(data, dict):
        raise InvalidArgument(f"{what} must be a JSON object with hardware and software lists")
    return Capabilities.from_dict(data, strict=True)


def capabilities(overrides: Overrides | None = None, run: Run = _run) -> Capabilities:
    """The capabilities to register: detected, with the operator's word
    winning; every quantity is checked (InvalidArgument names the bad one)."""
    o = overrides or Overrides()
    if o.capabilities is not None:
        capacities_of(o.capabilities)
        return o.capabilities
    hw = detect(run) if o.detect else Hardware(nodes=1)
    gpu = hw.gpu
    gpu = dataclasses.replace(
        gpu,
        count=o.gpu_count if o.gpu_count is not None else gpu.count,
        name=o.gpu_name if o.gpu_name is not None else gpu.name,
        mem=o.gpu_mem if o.gpu_mem is not None else gpu.mem,
    )
    hw = dataclasses.replace(
        hw,
        cpu=o.cpu if o.cpu is not None else hw.cpu,
        mem=o.mem if o.mem is not None else hw.mem,
        storage=o.storage if o.storage is not None else hw.storage,
        gpu=gpu,
    )
    caps = Capabilities(hardware=(hw,))
    capacities_of(caps)
    return caps
