"""Keeps private keys out of reach of the work an executor runs.

A command or function run for a colony is written by whoever may submit to
it; it must not be able to read the executor's keys (the colony key, when the
executor registered itself with it, approves executors). What holds:

* Key variables (every name with PRVKEY) are removed from the executor's own
  environment once its settings are read, so nothing it starts inherits them.
* The executor process is made non-dumpable (Linux `prctl(PR_SET_DUMPABLE, 0)`):
  other processes of the same user -- the commands it runs included -- can no
  longer read its /proc/<pid>/environ (which still holds the variables it was
  started with) or /proc/<pid>/mem, nor attach a debugger to it.
* The shell executor can run commands as another user (`--arg run-as=USER`,
  with the executor running as root): they can then read nothing of the
  executor's, nor any key file private to its user.

What does not: a process running as root, or with CAP_SYS_PTRACE, reads any
process' memory -- run commands as an unprivileged user (`run-as`). Key files
stay readable by their owner: keep them out of reach of the user commands run
as. Functions of the python executor run inside the executor process: they
are code its operator chose, not submitted work, and they can read its keys.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
from collections.abc import MutableMapping

log = logging.getLogger(__name__)

_PR_SET_DUMPABLE = 4


def forget_key_variables(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Removes every *PRVKEY* variable; returns their names."""
    environ = os.environ if environ is None else environ
    names = [name for name in environ if "PRVKEY" in name.upper()]
    for name in names:
        del environ[name]
    return names


def make_undumpable() -> bool:
    """Hides this process' environment and memory from other processes of its user."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def confine() -> None:
    """Both of the above, at the start of an executor (after its settings are read)."""
    forget_key_variables()
    if not make_undumpable():
        log.warning(
            "could not make the executor non-dumpable: the commands it runs may read its keys "
            "from /proc (run them as another user with --arg run-as=USER)"
        )
