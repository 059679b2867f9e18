"""The published pycolonies (PyPI) used as its users and its own suite use it.

As against ColonyOS, a FuncSpec needs no funcname: pycolonies' own tests
submit, assign, close, fail, log, set outputs and attributes, and run
workflows and crons of specs that name none. An executor of ours that serves
functions refuses such a process with a clear failure.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from executors import helloworld
from executors.runtime import ExecutorRuntime, ExecutorSettings
from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ThreadedServer
from tests.conftest import unique

pycolonies = pytest.importorskip("pycolonies")
from model import Conditions, FuncSpec, Workflow  # noqa: E402  (pycolonies' models)

TYPE = "test-executor-type"


class Setup:
    """A colony and an approved executor, made the way pycolonies' suite makes them."""

    def __init__(self, py: Any, server_key: str, executortype: str = TYPE) -> None:
        self.server_key = server_key
        self.colony_key = generate_private_key()
        self.colonyname = unique("python-test-")
        py.add_colony({"colonyid": id_of(self.colony_key), "name": self.colonyname}, server_key)
        self.key = generate_private_key()
        self.executorname = unique("test-executor-")
        py.add_executor({"executorname": self.executorname, "executorid": id_of(self.key),
                         "colonyname": self.colonyname, "executortype": executortype},
                        self.colony_key)  # fmt: skip
        py.approve_executor(self.colonyname, self.executorname, self.colony_key)

    def nameless(self, **kw: Any) -> Any:
        """pycolonies' test spec: no funcname."""
        conditions = Conditions(colonyname=self.colonyname, executortype=TYPE)
        return FuncSpec(conditions=conditions, env={"test_key": "test_value2"},
                        maxexectime=-1, maxretries=3, **kw)  # fmt: skip


@pytest.fixture
def s(py: Any, gw: ThreadedServer) -> Setup:
    return Setup(py, gw.server_key)


def test_a_spec_without_a_funcname_goes_through_every_step(py: Any, s: Setup) -> None:
    submitted = py.submit_func_spec(s.nameless(), s.key)
    assert submitted.state == py.WAITING and submitted.spec.funcname == ""
    assert py.get_process(submitted.processid, s.key).spec.funcname == ""
    waiting = py.list_processes(s.colonyname, 2, py.WAITING, s.key)
    assert [p["processid"] for p in waiting] == [submitted.processid]

    process = py.assign(s.colonyname, 10, s.key)
    assert process.processid == submitted.processid and process.spec.funcname == ""
    attribute = py.add_attribute(process.processid, "py_test_key", "py_test_value", s.key)
    assert py.get_attribute(attribute["attributeid"], s.key)["value"] == "py_test_value"
    assert any(a.key == "py_test_key" for a in py.get_process(process.processid, s.key).attributes)
    py.set_output(process.processid, ["output1", "output2"], s.key)
    assert py.get_process(process.processid, s.key).output == ["output1", "output2"]
    py.add_log(process.processid, "test_log_msg", s.key)
    logs = py.get_process_log(s.colonyname, process.processid, 100, -1, s.key)
    assert [e["message"] for e in logs] == ["test_log_msg"]
    logs = py.get_executor_log(s.colonyname, s.executorname, 100, -1, s.key)
    assert [e["message"] for e in logs] == ["test_log_msg"]
    py.close(process.processid, [], s.key)

    failing = py.submit_func_spec(s.nameless(), s.key)
    py.assign(s.colonyname, 10, s.key)
    py.fail(failing.processid, [], s.key)
    stats = py.stats(s.colonyname, s.key)
    assert (stats["successfulprocesses"], stats["failedprocesses"]) == (1, 1)

    removed = py.submit_func_spec(s.nameless(), s.key)
    py.remove_process(removed.processid, s.key)
    with pytest.raises(pycolonies.ColoniesConnectionError):
        py.get_process(removed.processid, s.key)
    py.del_colony(s.colonyname, s.server_key)


def test_workflows_and_crons_of_nameless_functions(py: Any, s: Setup) -> None:
    second = s.nameless(nodename="node2")
    second.conditions.dependencies = ["node1"]
    workflow = Workflow(colonyname=s.colonyname, functionspecs=[s.nameless(nodename="node1"),
                                                                 second])  # fmt: skip
    graph = py.submit_workflow(workflow, s.key)
    assert graph.state == py.WAITING and len(graph.processids) == 2
    first = py.assign(s.colonyname, 10, s.key)
    assert first.spec.nodename == "node1" and first.spec.funcname == ""
    py.close(first.processid, ["one"], s.key)
    then = py.assign(s.colonyname, 10, s.key)
    assert then.spec.nodename == "node2" and then.input == ["one"]
    py.close(then.processid, [], s.key)
    assert py.get_processgraph(graph.processgraphid, s.key).state == py.SUCCESSFUL

    cron = py.add_cron("nameless", "0 0 * * * *", False, workflow, s.colonyname, s.key)
    assert py.get_cron(cron["cronid"], s.key)["name"] == "nameless"
    assert py.run_cron(cron["cronid"], s.key)["prevprocessgraphid"]
    assert py.assign(s.colonyname, 10, s.key).spec.nodename == "node1"
    py.del_cron(cron["cronid"], s.key)
    py.del_colony(s.colonyname, s.server_key)


def test_func_spec_and_wait_as_in_the_examples(py: Any, s: Setup) -> None:
    spec = pycolonies.func_spec(func="helloworld", args=["a", 1], kwargs={"k": "v"},
                                colonyname=s.colonyname, executortype=TYPE, priority=200,
                                maxexectime=10, maxretries=3, maxwaittime=100)  # fmt: skip
    process = py.submit_func_spec(spec, s.key)

    def executor() -> None:  # examples/helloworld_executor.py, one round
        assigned = py.assign(s.colonyname, 10, s.key)
        py.add_log(assigned.processid, "Hello from executor\n", s.key)
        if assigned.spec.funcname == "helloworld":
            py.close(assigned.processid, ["helloworld"], s.key)

    worker = threading.Thread(target=executor)
    worker.start()
    done = py.wait(process, 10, s.key)
    worker.join()
    assert done.output == ["helloworld"] and done.spec.args == ["a", 1]
    assert done.spec.kwargs == {"k": "v"}


async def test_our_executor_refuses_a_nameless_process_clearly(py: Any, gw: ThreadedServer) -> None:
    s = Setup(py, gw.server_key, executortype="helloworld-executor")
    runtime = ExecutorRuntime("helloworld-executor", ExecutorSettings(
        host="127.0.0.1", port=gw.port, colonyname=s.colonyname, colony_prvkey=s.colony_key))  # fmt: skip
    helloworld.setup(runtime, {})
    stop = asyncio.Event()
    serving = asyncio.create_task(runtime.serve(stop))
    try:
        conditions = Conditions(colonyname=s.colonyname, executortype="helloworld-executor")
        nameless = await asyncio.to_thread(
            py.submit_func_spec, FuncSpec(conditions=conditions, maxexectime=-1), s.key
        )
        hello = await asyncio.to_thread(py.submit_func_spec, pycolonies.func_spec(
            "helloworld", ["packed", 1], s.colonyname, "helloworld-executor"), s.key)  # fmt: skip
        done = [await asyncio.to_thread(py.wait, p, 15, s.key) for p in (nameless, hello)]
    finally:
        stop.set()
        await asyncio.wait_for(serving, 30)
    assert done[0].state == py.FAILED
    assert done[0].errors == [
        f"the process names no function (its funcname is empty); executor {runtime.name} "
        "(helloworld-executor) serves: helloworld"
    ]
    assert done[1].state == py.SUCCESSFUL and done[1].output == ["helloworld"]
