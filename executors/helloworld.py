"""The tutorial's executor: `helloworld` returns "helloworld"."""

from __future__ import annotations

from collections.abc import Mapping

from executors.plugins import ExecutorPlugin
from executors.runtime import ExecutorRuntime, ProcessContext


def setup(runtime: ExecutorRuntime, options: Mapping[str, str]) -> None:
    @runtime.function("helloworld")
    def helloworld(ctx: ProcessContext) -> str:
        """Says hello."""
        ctx.log("Hello from executor")
        return "helloworld"


plugin = ExecutorPlugin("helloworld-executor", "the tutorial's helloworld function", setup)
