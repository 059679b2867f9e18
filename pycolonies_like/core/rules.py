"""Pure rules: validation of names and specs, scheduling arithmetic, transitions.

Every function here is deterministic and free of I/O so that the server and
the tests can rely on exactly the same rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pycolonies_like.core.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from pycolonies_like.core.models import FuncSpec, LogEntry, ProcessState

NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND
MIN_PRIORITY = -50_000
MAX_PRIORITY = 50_000
MAX_NAME_LENGTH = 128
MAX_LIST_COUNT = 1_000
MAX_LOG_COUNT = 10_000
MAX_LOG_MESSAGE = 256 * 1024
MAX_ATTRIBUTE_VALUE = 64 * 1024
# What one reply to a read carries at most, counted over its variable-size
# fields: a read stops there (saying so) instead of building a reply of any size.
MAX_REPLY_BYTES = 3 * 1024 * 1024

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+=-]*$")
_ID = re.compile(r"^[0-9a-f]{64}$")


def check_name(kind: str, value: str) -> str:
    """Names of colonies, executors, users, functions, crons: no spaces, no ':'."""
    if not value:
        raise InvalidArgument(f"{kind} is required")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidArgument(f"{kind} is longer than {MAX_NAME_LENGTH} characters")
    if not _NAME.match(value):
        raise InvalidArgument(
            f"{kind} {value!r} is invalid: use letters, digits and . _ @ + = - "
            "(starting with a letter or digit)"
        )
    return value


def check_id(kind: str, value: str) -> str:
    """Ids of keys (colony, executor, user): 64 lowercase hex characters."""
    if not _ID.match(value or ""):
        raise InvalidArgument(f"{kind} must be 64 lowercase hex characters, got {value!r}")
    return value


def env_int(
    env: Mapping[str, str], name: str, default: int, minimum: int = 0, maximum: int = 65535
) -> int:
    """A whole number from an environment variable, or a clear error."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = minimum - 1
    if not minimum <= value <= maximum:
        raise InvalidArgument(
            f"{name} must be a whole number from {minimum} to {maximum}, got {text!r}"
        )
    return value


def check_count(count: int, default: int = 100, maximum: int = MAX_LIST_COUNT) -> int:
    if count < 0:
        raise InvalidArgument(f"count must not be negative, got {count}")
    if count == 0:
        return default
    if count > maximum:
        raise InvalidArgument(f"count must be at most {maximum}, got {count}")
    return count


def _check_json_value(what: str, value: Any) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InvalidArgument(f"{what} must be JSON data: {err}") from None


def validate_funcspec(spec: FuncSpec, *, in_workflow: bool = False) -> FuncSpec:
    """Checks a function spec before anything is stored; raises InvalidArgument.

    An empty funcname is valid, as in ColonyOS: the spec names no function and
    whichever executor gets it decides what to do (the executor runtime fails
    such a process, naming the functions it serves)."""
    if not isinstance(spec.funcname, str):
        raise InvalidArgument(f"funcname must be a string, got {spec.funcname!r}")
    if len(spec.funcname) > MAX_NAME_LENGTH:
        raise InvalidArgument(f"funcname is longer than {MAX_NAME_LENGTH} characters")
    cond = spec.conditions
    if not cond.colonyname:
        raise InvalidArgument("conditions.colonyname is required")
    if not cond.executortype:
        raise InvalidArgument("conditions.executortype is required")
    if len(cond.executortype) > MAX_NAME_LENGTH:
        raise InvalidArgument(
            f"conditions.executortype is longer than {MAX_NAME_LENGTH} characters"
        )
    if any(not n for n in cond.executornames):
        raise InvalidArgument("conditions.executornames must not contain empty names")
    if cond.dependencies and not in_workflow:
        raise InvalidArgument(
            "conditions.dependencies is only allowed in a workflow; submit it with submit_workflow"
        )
    if not MIN_PRIORITY <= spec.priority <= MAX_PRIORITY:
        raise InvalidArgument(
            f"priority must be in [{MIN_PRIORITY}, {MAX_PRIORITY}], got {spec.priority}"
        )
    for name in ("maxwaittime", "maxexectime", "maxretries"):
        value = getattr(spec, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidArgument(f"{name} must be an integer, got {value!r}")
        if value < -1:
            raise InvalidArgument(f"{name} must be -1 (no limit) or more, got {value}")
    if not isinstance(spec.args, list):
        raise InvalidArgument("args must be a list")
    if not isinstance(spec.kwargs, dict) or not all(isinstance(k, str) for k in spec.kwargs):
        raise InvalidArgument("kwargs must be an object with string keys")
    _check_json_value("args", spec.args)
    _check_json_value("kwargs", spec.kwargs)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in spec.env.items()):
        raise InvalidArgument("env must map strings to strings")
    return spec


def priority_time(submission_ns: int, priority: int) -> int:
    """Queue order key: lower runs first. Each priority unit is worth a day of
    waiting, as in ColonyOS, so equal priorities are served first-in first-out."""
    return submission_ns - priority * NS_PER_DAY


def wait_deadline(now_ns: int, maxwaittime: int) -> int:
    return now_ns + maxwaittime * NS_PER_SECOND if maxwaittime > 0 else 0


def exec_deadline(now_ns: int, maxexectime: int) -> int:
    # 0 and -1 both mean "no limit". ColonyOS times a standalone process out at
    # once when maxexectime is 0; pycolonies' FuncSpec defaults to 0, so we
    # read it as "unlimited" instead.
    return now_ns + maxexectime * NS_PER_SECOND if maxexectime > 0 else 0


def deadline_sql(now: str, limit_s: str) -> str:
    """wait_deadline / exec_deadline as an SQL expression, for statements that
    set a deadline from a row's own limit column. `now` and `limit_s` are SQL
    (a parameter and a column); tests hold the two forms equal."""
    return f"CASE WHEN {limit_s} > 0 THEN {now} + {limit_s} * {NS_PER_SECOND} ELSE 0 END"


def executor_not_approved(executorname: str, colonyname: str) -> PermissionDenied:
    """The refusal given to an executor that is not (or no longer) approved."""
    return PermissionDenied(
        f"Access denied, executor {executorname!r} is not an approved executor of colony "
        f"{colonyname!r}"
    )


def retries_left(retries: int, maxretries: int) -> bool:
    """After an exec timeout: requeue (True) or fail for good (False)."""
    return maxretries == -1 or retries < maxretries


def check_can_finish(state: ProcessState, action: str) -> None:
    if state == ProcessState.RUNNING:
        return
    if state == ProcessState.WAITING:
        raise FailedPrecondition(f"cannot {action}: the process is waiting, not running")
    raise FailedPrecondition(f"cannot {action}: the process has ended ({state.name.lower()})")


def encode_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def decode_json(what: str, text: str, default: Any, expected: type) -> Any:
    if not text:
        return default
    try:
        value = json.loads(text)
    except ValueError as err:
        raise InvalidArgument(f"{what} is not valid JSON: {err}") from None
    if not isinstance(value, expected):
        raise InvalidArgument(f"{what} must be a JSON {expected.__name__}")
    return value


def text_size(text: str) -> int:
    """Bytes of `text` in UTF-8 (without a copy for ASCII)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def log_size(entry: LogEntry) -> int:
    """What a log entry weighs in a reply, near enough."""
    return (
        text_size(entry.message) + len(entry.processid) + len(entry.colonyname)
        + len(entry.executorname) + 32
    )  # fmt: skip
