"""Calling the functions an executor serves: arguments around `ctx`, and
tracebacks that start at the function's own frame."""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from executors.context import ProcessContext


class CallError(Exception):
    """A spec's args and kwargs do not fit the function they name."""


@dataclass
class ServedFunction:
    fn: Callable[..., Any]
    description: str
    is_async: bool
    signature: inspect.Signature | None
    ctx_index: int | None = None  # where `ctx` is among the parameters, if it is one

    @classmethod
    def of(cls, fn: Callable[..., Any], description: str) -> ServedFunction:
        try:
            signature: inspect.Signature | None = inspect.signature(fn)
        except (TypeError, ValueError):  # some builtins have none
            signature = None
        ctx_index = None
        if signature is not None:
            for index, param in enumerate(signature.parameters.values()):
                if param.name == "ctx" and param.kind not in (param.VAR_POSITIONAL,
                                                              param.VAR_KEYWORD):  # fmt: skip
                    ctx_index = index
        return cls(fn, description, inspect.iscoroutinefunction(fn), signature, ctx_index)

    def shown(self, name: str) -> str:
        """The signature a caller sees: without `ctx` and annotations."""
        if self.signature is None:
            return f"{name}(...)"
        params = [p.replace(annotation=p.empty) for p in self.signature.parameters.values()
                  if p.name != "ctx" or self.ctx_index is None]  # fmt: skip
        return f"{name}{inspect.Signature(params)}"

    def arguments(
        self, name: str, args: list[Any], kwargs: dict[str, Any], ctx: ProcessContext
    ) -> tuple[list[Any], dict[str, Any]]:
        """The call's arguments: ctx where the function wants it, the spec's around it."""
        args, kwargs = list(args), dict(kwargs)
        if self.ctx_index is not None:
            if "ctx" in kwargs:
                raise CallError(
                    f"{self.shown(name)} gets its process context as `ctx`: "
                    "the spec's kwargs must not name `ctx`"
                )
            assert self.signature is not None
            param = list(self.signature.parameters.values())[self.ctx_index]
            if param.kind == param.POSITIONAL_ONLY or (
                param.kind == param.POSITIONAL_OR_KEYWORD and len(args) > self.ctx_index
            ):
                args.insert(min(self.ctx_index, len(args)), ctx)
            else:
                kwargs["ctx"] = ctx
        if self.signature is not None:
            try:
                self.signature.bind(*args, **kwargs)
            except TypeError as err:
                given = [a for a in args if a is not ctx]
                kw = {k: v for k, v in kwargs.items() if v is not ctx}
                raise CallError(
                    f"cannot call {self.shown(name)} with args {_short(given)} and kwargs "
                    f"{_short(kw)}: {err}"
                ) from None
        return args, kwargs


def call_args(spec_args: list[Any], process_input: list[Any]) -> list[Any]:
    """The positional arguments of a call: the spec's args, or, when it has
    none, the process' input (a workflow child: its parents' outputs, joined
    in the order of its parents). Spec args win: the input is still in
    `ctx.process.input`."""
    return list(spec_args) if spec_args else list(process_input)


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# The function's own code starts below these frames: tracebacks are cut there.
def call_function(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    return fn(*args, **kwargs)


async def await_function(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
    return await fn(*args, **kwargs)


_ENTRY_CODES = (call_function.__code__, await_function.__code__)


def user_traceback(err: BaseException) -> str:
    """The traceback from the function's frame on, without the runtime's own frames."""
    tb = err.__traceback__
    while tb is not None and tb.tb_frame.f_code not in _ENTRY_CODES:
        tb = tb.tb_next
    tb = tb.tb_next if tb is not None else err.__traceback__
    return "".join(traceback.format_exception(type(err), err, tb))
