"""Rows keep every field: each model goes to its row values and back unchanged,
and the column lists match what the readers and writers use."""

from __future__ import annotations

import dataclasses
import json

import pytest

from pycolonies_like.core.models import (
    Attribute,
    Colony,
    Concurrency,
    Cron,
    Executor,
    Filesystem,
    FuncSpec,
    Function,
    Generator,
    LogEntry,
    Process,
    ProcessGraph,
    User,
    Workflow,
)
from server.store import rows
from tests.store.fill import defaults_left, filled


def test_a_spec_keeps_every_field_through_its_json() -> None:
    spec = filled(FuncSpec)
    assert defaults_left(spec) == []
    assert rows.spec_from_json(rows.spec_json(spec)) == spec


def test_the_spec_json_is_the_models_own_dict() -> None:
    spec = filled(FuncSpec)
    assert json.loads(rows.spec_json(spec)) == spec.to_dict()
    workflow = filled(Workflow)
    assert json.loads(rows.workflow_json(workflow)) == workflow.to_dict()
    assert rows.workflow_from_json(rows.workflow_json(workflow)) == workflow


def test_specs_stored_before_still_read() -> None:
    # The JSON written by the store's earlier hand-written codec.
    old = (
        '{"nodename":"n","funcname":"f","args":[1],"kwargs":{"k":2},"priority":3,'
        '"maxwaittime":4,"maxexectime":5,"maxretries":6,"conditions":{"colonyname":"c",'
        '"executortype":"t","executornames":["e"],"dependencies":["d"]},"label":"l",'
        '"env":{"A":"B"}}'
    )
    spec = rows.spec_from_json(old)
    assert spec.conditions.executornames == ["e"] and spec.env == {"A": "B"}
    # Written again, it only gains the fields added since (at their defaults).
    assert json.loads(rows.spec_json(spec)) == {**json.loads(old), "channels": [],
                                                "concurrency": Concurrency().to_dict(),
                                                "fs": Filesystem().to_dict(),
                                                "ratelimit": "", "ratelimitunits": 0}  # fmt: skip


def test_a_process_keeps_every_field_through_its_row() -> None:
    process = filled(Process, attributes=(filled(Attribute),))
    assert defaults_left(process) == []
    values = rows.process_values(process)
    assert set(values) == set(rows.PROCESS_INSERT)
    row = {**values, "nattributes": 1}
    assert set(rows.PROCESS) <= set(row)
    assert rows.process_from_row(row, process.attributes) == process


def test_a_process_read_from_its_row_is_what_its_constructor_makes() -> None:
    # Read without the constructor (models.assemble): the same fields, no more.
    process = filled(Process, attributes=(filled(Attribute),))
    row = {**rows.process_values(process), "nattributes": 1}
    read = rows.process_from_row(row, process.attributes)
    made = Process(**{f.name: getattr(read, f.name) for f in dataclasses.fields(Process)})
    assert vars(read) == vars(made)
    assert read.isassigned == made.isassigned
    with pytest.raises(dataclasses.FrozenInstanceError):
        read.attempt = 2  # type: ignore[misc]


def test_a_spec_parsed_once_serves_the_same_text_once() -> None:
    process = filled(Process)
    row = {**rows.process_values(process), "nattributes": 0}
    specs = rows.ParsedSpecs(size=2)
    specs.keep(process, row["spec"])
    assert specs.take(row) is process.spec
    assert specs.take(row) is None  # used once
    specs.keep(process, row["spec"])
    assert specs.take({**row, "spec": rows.spec_json(FuncSpec(funcname="other"))}) is None
    read = rows.process_from_row(row, (), specs.take(row))
    assert read.spec == process.spec and read.spec is not process.spec  # parsed again
    for i in range(3):  # past its size the oldest are dropped
        specs.keep(dataclasses.replace(process, processid=f"p{i}"), row["spec"])
    assert specs.take({**row, "processid": "p0"}) is None
    assert specs.take({**row, "processid": "p2"}) is process.spec


def test_kept_specs_stay_within_their_budget_of_text() -> None:
    process = filled(Process)
    text = rows.process_values(process)["spec"]
    specs = rows.ParsedSpecs(size=100, max_chars=len(text) * 64)
    assert len(text) <= specs.MAX_KEPT
    for i in range(70):  # 64 texts fit
        specs.keep(dataclasses.replace(process, processid=f"p{i}"), text)
    assert len(specs) == 64 and specs._chars == 64 * len(text)
    assert specs.take({"processid": "p5", "spec": text}) is None  # dropped, oldest first
    assert specs.take({"processid": "p6", "spec": text}) is process.spec
    assert specs._chars == 63 * len(text)
    specs.keep(dataclasses.replace(process, processid="p7"), text)  # kept again: not twice
    assert specs._chars == 63 * len(text)
    big = dataclasses.replace(process, processid="big")
    specs.keep(big, text + " " * specs.MAX_KEPT)  # too large to keep
    assert specs.take({"processid": "big", "spec": text + " " * specs.MAX_KEPT}) is None


def test_models_that_mirror_their_table_keep_every_field() -> None:
    for model, columns, read in (
        (User, rows.USER, rows.user_from_row),
        (Function, rows.FUNCTION, rows.function_from_row),
        (Attribute, rows.ATTRIBUTE, rows.attribute_from_row),
        (LogEntry, rows.LOG, rows.log_from_row),
    ):
        obj = filled(model)
        assert defaults_left(obj) == [], model
        assert read(rows.values(obj, columns)) == obj, model
    executor = filled(Executor)  # its capabilities are stored as JSON
    assert defaults_left(executor) == []
    assert set(rows.executor_values(executor)) == set(rows.EXECUTOR)
    stored = dataclasses.replace(executor, silent=False)  # silent: worked out when read
    assert rows.executor_from_row(rows.executor_values(executor)) == stored


def test_a_colony_keeps_every_field_through_its_row_and_pauses() -> None:
    colony = filled(Colony)
    assert defaults_left(colony) == []
    assert set(rows.COLONY) | {"paused", "pausedtypes"} == {
        f.name for f in dataclasses.fields(Colony)
    }
    pauses = ("", *colony.pausedtypes)
    assert rows.colony_from_row(rows.values(colony, rows.COLONY), pauses) == colony


def test_graphs_crons_and_generators_keep_every_field() -> None:
    graph = filled(ProcessGraph)
    values = rows.graph_values(graph, 3)
    assert set(values) == set(rows.GRAPH_INSERT)
    assert rows.graph_from_row(values, graph.processids) == graph
    cron = filled(Cron)
    assert defaults_left(cron) == []
    assert set(rows.cron_values(cron)) == set(rows.CRON)
    assert rows.cron_from_row(rows.cron_values(cron)) == cron
    generator = filled(Generator)
    assert defaults_left(generator) == []
    values = rows.generator_values(generator)
    assert (
        set(values)
        == set(rows.GENERATOR)
        == {f.name for f in dataclasses.fields(Generator)} - {"queuesize"}
    )
    assert rows.generator_from_row(values, generator.queuesize) == generator
