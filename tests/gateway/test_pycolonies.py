"""The published pycolonies client (PyPI) against the HTTP gateway, unchanged."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from pycolonies_like.crypto import generate_private_key, id_of
from server.testing import ThreadedServer
from tests.conftest import unique

pycolonies = pytest.importorskip("pycolonies")
from model import Conditions, FuncSpec, Workflow  # noqa: E402  (pycolonies' models)

Error = pycolonies.ColoniesConnectionError


class Colony:
    def __init__(self, py: Any, server_key: str) -> None:
        self.name = unique("py")
        self.colony_key = generate_private_key()
        self.key = generate_private_key()  # an executor
        self.executor = "exec-" + self.name
        self.user_key = generate_private_key()
        py.add_colony({"colonyid": id_of(self.colony_key), "name": self.name}, server_key)
        py.add_executor(
            {
                "executorid": id_of(self.key),
                "executortype": "py-type",
                "executorname": self.executor,
                "colonyname": self.name,
            },
            self.colony_key,
        )
        py.approve_executor(self.name, self.executor, self.colony_key)
        py.add_user({"colonyname": self.name, "userid": id_of(self.user_key), "name": "user",
                     "email": "u@x", "phone": ""}, self.colony_key)  # fmt: skip

    def spec(self, funcname: str = "work", **kw: Any) -> Any:
        return FuncSpec(funcname=funcname, conditions=Conditions(
            colonyname=self.name, executortype="py-type"), maxexectime=-1, **kw)  # fmt: skip


@pytest.fixture
def c(py: Any, gw: ThreadedServer) -> Colony:
    return Colony(py, gw.server_key)


def test_colonies_executors_users_functions(py: Any, gw: ThreadedServer, c: Colony) -> None:
    assert c.name in [x["name"] for x in py.list_colonies(gw.server_key)]
    assert py.get_colony(c.name, c.key)["colonyid"] == id_of(c.colony_key)
    executors = py.list_executors(c.name, c.key)
    assert [e["executorname"] for e in executors] == [c.executor] and executors[0]["state"] == 1
    assert py.get_executor(c.name, c.executor, c.key)["executortype"] == "py-type"
    function = py.add_function(c.name, c.executor, "work", c.key)
    assert function["funcname"] == "work" and len(function["functionid"]) == 64
    assert [f["funcname"] for f in py.get_functions_by_executor(c.name, c.executor, c.key)] == [
        "work"
    ]
    assert [f["funcname"] for f in py.get_functions_by_colony(c.name, c.key)] == ["work"]
    assert {u["name"] for u in py.get_users(c.name, c.key)} == {"user"}
    other = generate_private_key()
    py.add_executor({"executorid": id_of(other), "executortype": "t", "executorname": "x",
                     "colonyname": c.name}, c.colony_key)  # fmt: skip
    py.reject_executor(c.name, "x", c.colony_key)
    py.remove_executor(c.name, "x", c.colony_key)
    py.remove_user(c.name, "user", c.colony_key)
    assert py.get_users(c.name, c.key) == []
    py.del_colony(c.name, gw.server_key)
    assert c.name not in [x["name"] for x in py.list_colonies(gw.server_key)]


def test_process_lifecycle(py: Any, c: Colony) -> None:
    submitted = py.submit_func_spec(c.spec(args=["a", 1], env={"K": "v"}), c.user_key)
    assert submitted.state == py.WAITING and submitted.initiatorname == "user"
    process = py.assign(c.name, 5, c.key)
    assert process.processid == submitted.processid and process.isassigned
    assert process.spec.args == ["a", 1] and process.spec.env == {"K": "v"}
    assert {a.key: a.value for a in process.attributes if a.attributetype == 3} == {"K": "v"}
    py.add_log(process.processid, "hello from pycolonies", c.key)
    attribute = py.add_attribute(process.processid, "progress", "50", c.key)
    assert py.get_attribute(attribute["attributeid"], c.key)["value"] == "50"
    py.set_output(process.processid, ["partial"], c.key)
    py.close(process.processid, ["done", 2], c.key)
    done = py.get_process(process.processid, c.key)
    assert done.state == py.SUCCESSFUL and done.output == ["done", 2]
    logs = py.get_process_log(c.name, process.processid, 10, -1, c.key)
    assert [e["message"] for e in logs] == ["hello from pycolonies"]
    logs = py.get_executor_log(c.name, c.executor, 10, -1, c.key)
    assert [(e["message"], e["processid"]) for e in logs] == [
        ("hello from pycolonies", process.processid)
    ]
    assert [p["processid"] for p in py.list_processes(c.name, 10, py.SUCCESSFUL, c.key)] == [
        process.processid
    ]
    stats = py.stats(c.name, c.key)
    assert stats["successfulprocesses"] == 1 and stats["executors"] == 1

    py.submit_func_spec(c.spec(), c.user_key)
    failing = py.assign(c.name, 5, c.key)
    py.fail(failing.processid, ["it broke"], c.key)
    assert py.get_process(failing.processid, c.key).errors == ["it broke"]

    waiting = py.submit_func_spec(c.spec(), c.user_key)
    py.remove_process(waiting.processid, c.user_key)
    py.submit_func_spec(c.spec(), c.user_key)
    py.remove_all_processes(c.name, c.colony_key)
    assert py.stats(c.name, c.key)["waitingprocesses"] == 0


def test_wait(py: Any, c: Colony) -> None:
    submitted = py.submit_func_spec(c.spec(), c.user_key)

    def work() -> None:
        time.sleep(0.3)
        p = py.assign(c.name, 5, c.key)
        py.close(p.processid, ["waited"], c.key)

    worker = threading.Thread(target=work)
    worker.start()
    done = py.wait(submitted, 10, c.user_key)
    worker.join()
    assert done.state == py.SUCCESSFUL and done.output == ["waited"]
    assert py.wait(done, 10, c.user_key).output == ["waited"]  # already there: at once


def test_a_failure_ends_wait_instead_of_timing_out(py: Any, c: Colony) -> None:
    submitted = py.submit_func_spec(c.spec(), c.user_key)
    p = py.assign(c.name, 5, c.key)
    py.fail(p.processid, ["no"], c.key)
    started = time.monotonic()
    done = py.wait(submitted, 30, c.user_key)
    assert done.state == py.FAILED and time.monotonic() - started < 5


def test_workflow_with_dependencies(py: Any, c: Colony) -> None:
    def node(name: str, *deps: str) -> Any:
        spec = c.spec(name, nodename=name)
        spec.conditions.dependencies = list(deps)
        return spec

    wf = Workflow(colonyname=c.name)
    wf.functionspecs.extend([node("a"), node("b", "a"), node("c", "a"), node("d", "b", "c")])
    graph = py.submit_workflow(wf, c.user_key)
    assert len(graph.processids) == 4 and len(graph.rootprocessids) == 1
    order = []
    for _ in range(4):
        p = py.assign(c.name, 5, c.key)
        order.append(p.spec.nodename)
        py.close(p.processid, [p.spec.nodename], c.key)
    assert order[0] == "a" and order[3] == "d" and set(order[1:3]) == {"b", "c"}
    final = py.get_processgraph(graph.processgraphid, c.key)
    assert final.state == py.SUCCESSFUL and len(final.nodes) == 4 and len(final.edges) == 4
    assert {n.type for n in final.nodes} == {"input", "", "output"}
    last = py.find_process("d", final.processids, c.key)
    assert last.input == ["b", "c"]
    assert len(py.get_processes_for_workflow(graph.processgraphid, c.name, c.key)) == 4
    assert [g["processgraphid"] for g in py.get_processgraphs(c.name, 10, c.key)] == [
        graph.processgraphid
    ]
    py.remove_processgraph(graph.processgraphid, c.user_key)
    assert py.get_processgraphs(c.name, 10, c.key) == []
    again = py.submit_workflow(wf, c.user_key)
    py.remove_all_processgraphs(c.name, c.colony_key)
    assert py.get_processgraphs(c.name, 10, c.key) == []
    with pytest.raises(Error):
        py.get_processgraph(again.processgraphid, c.key)


def test_add_child(py: Any, c: Colony) -> None:
    wf = Workflow(colonyname=c.name)
    wf.functionspecs.append(c.spec("parent", nodename="parent"))
    graph = py.submit_workflow(wf, c.user_key)
    parent = py.assign(c.name, 5, c.key)
    child = py.add_child(
        graph.processgraphid, parent.processid, "", c.spec("kid"), "kid", False, c.key
    )
    assert child["spec"]["nodename"] == "kid" and child["parents"] == [parent.processid]
    py.close(parent.processid, [], c.key)
    assert py.assign(c.name, 5, c.key).processid == child["processid"]


def test_crons_and_generators(py: Any, c: Colony) -> None:
    wf = Workflow(colonyname=c.name)
    wf.functionspecs.append(c.spec("tick", nodename="tick"))
    cron = py.add_cron("every-second", "0/1 * * * * *", True, wf, c.name, c.user_key)
    assert cron["interval"] == -1 and cron["waitforprevprocessgraph"] is True  # wait is honoured
    assert py.get_cron(cron["cronid"], c.key)["name"] == "every-second"
    assert [x["cronid"] for x in py.get_crons(c.name, 10, c.key)] == [cron["cronid"]]
    ran = py.run_cron(cron["cronid"], c.user_key)
    assert ran["prevprocessgraphid"]
    py.del_cron(cron["cronid"], c.user_key)
    assert py.get_crons(c.name, 10, c.key) == []
    generator = py.add_generator({"name": "gen", "colonyname": c.name, "trigger": 2, "timeout": 0,
                                  "workflowspec": wf.model_dump_json()}, c.user_key)  # fmt: skip
    assert py.get_generator(generator["generatorid"], c.key)["trigger"] == 2
    assert [g["name"] for g in py.get_generators(c.name, c.key)] == ["gen"]
    py.remove_generator(generator["generatorid"], c.user_key)


def test_error_replies(py: Any, gw: ThreadedServer, c: Colony) -> None:
    stranger = generate_private_key()
    with pytest.raises(Error, match="Access denied"):
        py.get_colony(c.name, stranger)
    with pytest.raises(Error, match="Access denied"):
        py.add_colony({"colonyid": id_of(stranger), "name": unique()}, stranger)
    with pytest.raises(Error, match="does not exist"):
        py.get_process("0" * 64, c.key)
    with pytest.raises(Error, match="No process available for assignment"):
        py.assign(c.name, 0.2, c.key)
    with pytest.raises(Error, match="priority must be in"):
        py.submit_func_spec(c.spec(priority=10**6), c.user_key)
    with pytest.raises(Error, match="already exists"):
        py.add_colony({"colonyid": id_of(c.colony_key), "name": c.name}, gw.server_key)
