"""The tutorial's executor: `helloworld` returns "helloworld"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from executors.plugins import ExecutorPlugin
from executors.runtime import ExecutorRuntime, ProcessContext


def setup(runtime: ExecutorRuntime, options: Mapping[str, str]) -> None:
    @runtime.function("helloworld")
    def helloworld(*args: Any, ctx: ProcessContext, **kwargs: Any) -> str:
        """Says hello (whatever args and kwargs it is given, as ColonyOS' does)."""
        ctx.log("Hello from executor")
        return "helloworld"


plugin = ExecutorPlugin("helloworld-executor", "the tutorial's helloworld function", setup)
