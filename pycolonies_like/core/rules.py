"""Pure rules: validation of names and specs, scheduling arithmetic, transitions.

Every function here is deterministic and free of I/O so that the server and
the tests can rely on exactly the same rules.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any

from pycolonies_like.core.colonyfs import check_filesystem
from pycolonies_like.core.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from pycolonies_like.core.flow import concurrency_key, rate_limit_of
from pycolonies_like.core.models import FuncSpec, LogEntry, ProcessState, RetryPolicy
from pycolonies_like.core.requirements import requirement_of

NS_PER_SECOND = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_SECOND
MIN_PRIORITY = -50_000
MAX_PRIORITY = 50_000
MAX_NAME_LENGTH = 128
MAX_LIST_COUNT = 1_000
MAX_LOG_COUNT = 10_000
MAX_LOG_MESSAGE = 256 * 1024
MAX_ATTRIBUTE_VALUE = 64 * 1024
# Channels (ColonyOS' limits, pkg/constants): per process, per channel, per entry.
MAX_CHANNELS_PER_PROCESS = 100
MAX_CHANNEL_ENTRIES = 10_000
MAX_CHANNEL_PAYLOAD = 1024 * 1024
# Appends to the channels of one process, per second, and the burst allowed.
CHANNEL_RATE = 100.0
CHANNEL_BURST = 500
# How long the entries of a channel stay readable after its process ended.
CHANNEL_RETENTION_S = 60
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
    for what, text in (("conditions.locationname", cond.locationname),
                       ("conditions.gpu.name", cond.gpu.name)):  # fmt: skip
        if len(text) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"{what} is longer than {MAX_NAME_LENGTH} characters")
    requirement_of(cond)  # every quantity and count can be read
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
    if spec.retrypolicy is not None:
        validate_retry_policy(spec.retrypolicy)
    if not isinstance(spec.args, list):
        raise InvalidArgument("args must be a list")
    if not isinstance(spec.kwargs, dict) or not all(isinstance(k, str) for k in spec.kwargs):
        raise InvalidArgument("kwargs must be an object with string keys")
    _check_json_value("args", spec.args)
    _check_json_value("kwargs", spec.kwargs)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in spec.env.items()):
        raise InvalidArgument("env must map strings to strings")
    check_channel_names(spec.channels)
    concurrency_key(spec)
    check_filesystem(spec.fs)
    if rate_limit_of(spec):
        check_name("ratelimit", spec.ratelimit)
    return spec


MAX_RETRY_INTERVAL_S = 7 * 86_400.0
NON_RETRYABLE = "NonRetryable"


def validate_retry_policy(policy: RetryPolicy) -> RetryPolicy:
    p = policy
    if not isinstance(p.maxretries, int) or isinstance(p.maxretries, bool) or p.maxretries < -1:
        raise InvalidArgument(
            f"retrypolicy.maxretries must be -1 (for ever) or more, got {p.maxretries!r}"
        )
    for name, low in (("initialinterval", 0.0), ("backoffcoefficient", 1.0),
                      ("maximuminterval", 0.0), ("jitter", 0.0)):  # fmt: skip
        value = getattr(p, name)
        if (isinstance(value, bool) or not isinstance(value, (int, float))
                or not math.isfinite(value) or value < low):  # fmt: skip
            raise InvalidArgument(f"retrypolicy.{name} must be a number >= {low:g}, got {value!r}")
    if p.jitter > 1:
        raise InvalidArgument(f"retrypolicy.jitter must be at most 1, got {p.jitter!r}")
    if p.initialinterval > MAX_RETRY_INTERVAL_S or p.maximuminterval > MAX_RETRY_INTERVAL_S:
        raise InvalidArgument(
            f"retrypolicy intervals must be at most {MAX_RETRY_INTERVAL_S:g} seconds"
        )
    if not all(isinstance(k, str) and k for k in p.nonretryableerrors):
        raise InvalidArgument("retrypolicy.nonretryableerrors must be non-empty strings")
    return policy


def error_kind(errors: tuple[str, ...] | list[str]) -> str:
    """The kind of a failure: its first error up to the first ':' (e.g.
    "ValueError: bad input" -> "ValueError")."""
    return errors[0].split(":", 1)[0].strip() if errors else ""


def retry_after_failure(
    policy: RetryPolicy | None, retries: int, errors: tuple[str, ...] | list[str]
) -> bool:
    """A failed attempt: retry it (True) or fail the process for good."""
    if policy is None:
        return False
    kind = error_kind(errors)
    if kind == NON_RETRYABLE or kind in policy.nonretryableerrors:
        return False
    return policy.maxretries == -1 or retries < policy.maxretries


def retry_delay_s(policy: RetryPolicy, retry: int, rand: float = 0.0) -> float:
    """Seconds the `retry`-th retry (1, 2, ...) waits. `rand` in [-1, 1] picks
    where in the jitter band it lands."""
    n = max(retry, 1) - 1
    try:
        interval = policy.initialinterval * policy.backoffcoefficient**n
    except OverflowError:
        interval = policy.maximuminterval
    interval = min(interval, policy.maximuminterval)
    return max(0.0, interval * (1 + policy.jitter * max(-1.0, min(1.0, rand))))


def not_before(now_ns: int, delay_s: float) -> int:
    """When a process waiting `delay_s` seconds may run (0: now)."""
    return now_ns + int(delay_s * NS_PER_SECOND) if delay_s > 0 else 0


MAX_DELAY_S = 366 * 86_400.0


def check_not_before(now_ns: int, notbefore_ns: int, delay_s: float) -> int:
    """When a submitted process may first run (0: now), from a time or a delay
    (not both); a time in the past means now."""
    if notbefore_ns and delay_s:
        raise InvalidArgument("give a time to run at or a delay, not both")
    if (
        isinstance(delay_s, bool)
        or not isinstance(delay_s, (int, float))
        or not (math.isfinite(delay_s) and 0 <= delay_s <= MAX_DELAY_S)
    ):
        raise InvalidArgument(f"delay must be 0 to {MAX_DELAY_S:g} seconds, got {delay_s!r}")
    if notbefore_ns < 0 or notbefore_ns > now_ns + int(MAX_DELAY_S * NS_PER_SECOND):
        raise InvalidArgument(
            f"the time to run at must be within {MAX_DELAY_S / 86_400:g} days from now"
        )
    if delay_s:
        return not_before(now_ns, delay_s)
    return notbefore_ns if notbefore_ns > now_ns else 0


def check_channel_names(names: Any) -> None:
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise InvalidArgument("channels must be a list of names")
    if len(names) > MAX_CHANNELS_PER_PROCESS:
        raise InvalidArgument(
            f"a process may have at most {MAX_CHANNELS_PER_PROCESS} channels, got {len(names)}"
        )
    for name in names:
        if not name or len(name) > MAX_NAME_LENGTH:
            raise InvalidArgument(f"a channel name must have 1 to {MAX_NAME_LENGTH} characters")
    if len(set(names)) != len(names):
        raise InvalidArgument("channels must not name a channel twice")


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


class Lease(IntEnum):
    """How an assignment is held (the `lease` column of a running process).

    ASSIGNED: sent, not yet confirmed by the executor; it goes back to the
    queue after the (short) confirmation timeout. KEPT: confirmed, and kept
    alive by the executor's session or heartbeats; it goes back to the queue
    when the executor is silent for the lease timeout. DELIVERED: confirmed by
    a client that sends no heartbeats (the ColonyOS protocol, a unary client
    that never sent one); only maxexectime applies, as in ColonyOS."""

    ASSIGNED = 0
    KEPT = 1
    DELIVERED = 2


MIN_ACK_TIMEOUT_S = 2.0
REMOVE_SILENT_AFTER_S = 600.0


@dataclass(frozen=True)
class LeasePolicy:
    """The server's lease timeouts, in seconds (see `Lease`)."""

    ack_timeout_s: float = 10.0
    lease_timeout_s: float = 30.0
    # An executor silent this long is removed (0: never); ColonyOS' default
    # (COLONIES_STALE_EXECUTOR_DURATION).
    remove_after_s: float = REMOVE_SILENT_AFTER_S

    def __post_init__(self) -> None:
        for name in ("ack_timeout_s", "lease_timeout_s", "remove_after_s"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value):
                raise InvalidArgument(f"{name} must be a number of seconds, got {value!r}")
            if value < MIN_ACK_TIMEOUT_S and name != "remove_after_s":
                raise InvalidArgument(
                    f"{name} must be at least {MIN_ACK_TIMEOUT_S:g} seconds, got {value:g}"
                )
        if self.remove_after_s and self.remove_after_s < 2 * self.lease_timeout_s:
            raise InvalidArgument(
                "remove_after_s must be 0 (never) or at least twice the lease timeout "
                f"({2 * self.lease_timeout_s:g} s: an executor is silent before it is removed), "
                f"got {self.remove_after_s:g}"
            )

    def removable_before(self, now_ns: int) -> int:
        """Executors last heard from before this time are removed (0: none are)."""
        if not self.remove_after_s:
            return 0
        return now_ns - int(self.remove_after_s * NS_PER_SECOND)

    def ack_deadline(self, now_ns: int) -> int:
        """When an unconfirmed assignment goes back to the queue."""
        return now_ns + int(self.ack_timeout_s * NS_PER_SECOND)

    def lease_deadline(self, now_ns: int) -> int:
        """When a kept assignment whose executor stays silent goes back."""
        return now_ns + int(self.lease_timeout_s * NS_PER_SECOND)

    def silent(self, lastheardfromtime: int, now_ns: int) -> bool:
        """An executor heard from once, then not for twice the lease timeout
        (never heard from: not silent, it may not have started yet)."""
        limit = int(2 * self.lease_timeout_s * NS_PER_SECOND)
        return lastheardfromtime > 0 and now_ns - lastheardfromtime > limit

    @property
    def renew_interval_s(self) -> float:
        """How often a live session renews its leases: well within both timeouts."""
        return min(self.ack_timeout_s, self.lease_timeout_s) / 4


def check_timeout(value: float, maximum: float) -> float:
    """A long-poll timeout in seconds: a finite number, capped at `maximum`;
    negative means "do not wait"."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InvalidArgument(f"timeout must be a finite number of seconds, got {value!r}")
    if math.isinf(maximum):
        return float(value)
    return min(max(float(value), 0.0), maximum)


def executor_not_approved(executorname: str, colonyname: str) -> PermissionDenied:
    """The refusal given to an executor that is not (or no longer) approved."""
    return PermissionDenied(
        f"Access denied, executor {executorname!r} is not an approved executor of colony "
        f"{colonyname!r}"
    )


def retries_left(retries: int, maxretries: int) -> bool:
    """After an exec timeout: requeue (True) or fail for good (False)."""
    return maxretries == -1 or retries < maxretries


# How many times a process whose spec sets no retries (maxretries 0, no
# policy) goes back to the queue when the executor running it goes silent: a
# crashed machine is not the process' failure, but a process that brings down
# every executor taking it must end.
SILENT_RETRIES = 3


class Timeout(Enum):
    """How an attempt ended without an outcome from its executor."""

    MAXEXECTIME = "maxexectime"  # it ran past the spec's maxexectime
    SILENT = "lease"  # its executor went silent past its lease


def timeout_retries_left(spec: FuncSpec, retries: int, cause: Timeout) -> bool:
    """After an attempt timed out (either way): requeue it (True) or fail the
    process for good. One rule for both causes: the retry policy's
    `maxretries` when the spec has one, else the spec's `maxretries` (-1: for
    ever), as ColonyOS counts exec timeouts; a silent executor, when that is
    0, still gets SILENT_RETRIES (a crashed machine is not the process'
    failure)."""
    policy = spec.retrypolicy
    if policy is not None:
        return retries_left(retries, policy.maxretries)
    if cause == Timeout.SILENT and spec.maxretries == 0:
        return retries_left(retries, SILENT_RETRIES)
    return retries_left(retries, spec.maxretries)


def timeout_retry_delay_s(spec: FuncSpec, retries: int, rand: float = 0.0) -> float:
    """Seconds a timed-out attempt waits before it may run again: the retry
    policy's backoff for the next retry, or none without a policy."""
    if spec.retrypolicy is None:
        return 0.0
    return retry_delay_s(spec.retrypolicy, retries + 1, rand)


def went_silent_error(times: int, executorname: str, lease_timeout_s: float) -> str:
    """The error of a process failed because its executors kept going silent."""
    plural = "time" if times == 1 else "times"
    return (
        f"the executor running it went silent {times} {plural} (last: {executorname}; "
        f"no session or heartbeat for the {lease_timeout_s:g} s lease timeout) "
        "and it has no retries left"
    )


def check_can_finish(state: ProcessState, action: str) -> None:
    if state == ProcessState.RUNNING:
        return
    if state == ProcessState.WAITING:
        raise FailedPrecondition(f"cannot {action}: the process is waiting, not running")
    raise FailedPrecondition(f"cannot {action}: the process has ended ({state.name.lower()})")


# Built once: json.dumps builds an encoder on every call given any option.
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def encode_json(value: Any) -> str:
    return _ENCODER.encode(value)


# Deeper than this, JSON from a client is refused before anything walks it.
MAX_JSON_DEPTH = 100
_INT64 = range(-(2**63), 2**63)


def check_json_data(value: Any, where: str = "") -> None:
    """Refuses what no field takes: nesting deeper than MAX_JSON_DEPTH, integers
    beyond 64 bits, NaN or infinite numbers (which JSON does not have) and text
    with lone surrogates (which UTF-8 does not have),
    naming the place (`where`.key.index). Iterative: a deep value cannot
    exhaust the stack. The place is spelled out only for a refusal: each
    container's path is kept as (its parent's path, its key)."""
    stack: list[tuple[Any, Any, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise InvalidArgument(
                    f"{_path(path) or 'the value'} nests deeper than {MAX_JSON_DEPTH} levels"
                )
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, sub in pairs:
                if isinstance(key, str) and not key.isascii():
                    _check_unicode(key, f"{_path(path)} has a key that" if path else "a key")
                kind = type(sub)
                if kind is str:  # the usual leaves, checked here rather than stacked
                    if not sub.isascii():
                        _check_unicode(sub, _path((path, key)))
                elif kind is not bool and kind is not type(None):
                    stack.append((sub, (path, key), depth + 1))
        elif isinstance(item, str):
            if not item.isascii():
                _check_unicode(item, _path(path) or "the value")
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int) and item not in _INT64:
            raise InvalidArgument(f"{_path(path)} is out of range (a 64-bit integer)")
        elif isinstance(item, float) and not math.isfinite(item):
            raise InvalidArgument(f"{_path(path)} must be a finite number, got {item}")


def _path(path: Any) -> str:
    """where.key.index from check_json_data's (parent, key) chain."""
    keys: list[str] = []
    while isinstance(path, tuple):
        path, key = path
        keys.append(str(key))
    if path:
        keys.append(path)
    return ".".join(reversed(keys))


def _check_unicode(text: str, what: str) -> None:
    # JSON's \ud800 escapes decode to lone surrogates, which no UTF-8 store takes.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgument(f"{what} is not valid Unicode (a lone surrogate)") from None


def decode_json(what: str, text: str, default: Any, expected: type) -> Any:
    if not text:
        return default
    try:
        value = json.loads(text)
    except ValueError as err:
        raise InvalidArgument(f"{what} is not valid JSON: {err}") from None
    except RecursionError:
        raise InvalidArgument(f"{what} nests deeper than {MAX_JSON_DEPTH} levels") from None
    check_json_data(value, what)
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
