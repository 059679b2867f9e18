"""The python executor: serves the public functions of Python modules.

    colonies executor start python --arg module=mypackage.tasks
    colonies executor start python --arg file=./tasks.py

Every function defined in the module (not imported into it, and not starting
with `_`) can be called by name with the spec's args and kwargs.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType

from executors.plugins import ExecutorPlugin
from executors.runtime import ExecutorRuntime


def load(options: Mapping[str, str]) -> list[ModuleType]:
    modules = []
    for name in filter(None, options.get("module", "").split(",")):
        modules.append(importlib.import_module(name.strip()))
    for path in filter(None, options.get("file", "").split(",")):
        file = Path(path.strip()).resolve()
        if not file.is_file():
            raise FileNotFoundError(f"no such Python file: {file}")
        spec = importlib.util.spec_from_file_location(file.stem, file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[file.stem] = module
        spec.loader.exec_module(module)
        modules.append(module)
    if not modules:
        raise ValueError("tell the python executor what to serve: --arg module=NAME or file=PATH")
    return modules


def setup(runtime: ExecutorRuntime, options: Mapping[str, str]) -> None:
    for module in load(options):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("_") and fn.__module__ == module.__name__:
                runtime.function(name)(fn)


plugin = ExecutorPlugin("python", "calls the functions of Python modules by name", setup)
