"""Executor plugins: anything installed under the `pycolonies_like.executors`
entry point group, e.g. in a package's setup.cfg:

    [options.entry_points]
    pycolonies_like.executors =
        resize = mypackage.resize:plugin

where `plugin` is an ExecutorPlugin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points

from executors.runtime import ExecutorRuntime

GROUP = "pycolonies_like.executors"


@dataclass(frozen=True)
class ExecutorPlugin:
    executortype: str
    description: str
    # Registers the plugin's functions; gets the `--arg key=value` options.
    setup: Callable[[ExecutorRuntime, Mapping[str, str]], None]


def discover() -> dict[str, ExecutorPlugin]:
    found = {}
    for entry in entry_points(group=GROUP):
        plugin = entry.load()
        if isinstance(plugin, ExecutorPlugin):
            found[entry.name] = plugin
    return dict(sorted(found.items()))
