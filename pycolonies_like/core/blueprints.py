"""Locations and blueprints (ColonyOS' declarative desired state), as objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pycolonies_like.core.subscriptable import Subscriptable

# ------------------------------------------------------------- locations --


@dataclass(frozen=True)
class Location(Subscriptable):
    """A named place of a colony, where blueprints and executors may be."""

    name: str
    colonyname: str
    locationid: str = ""
    description: str = ""
    long: float = 0.0
    lat: float = 0.0


# ------------------------------------------------------------ blueprints --
# Declarative desired state (ColonyOS' blueprints): a definition names a kind,
# the JSON schema of its specs and the executor type and function that
# reconcile it; a blueprint of that kind holds a desired spec and the status
# its reconciler reports. Keys are ColonyOS' (camelCase where it has them).


@dataclass
class BlueprintMetadata(Subscriptable):
    name: str = ""
    colonyname: str = ""
    locationname: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    generation: int = 0  # bumped by each change of the spec
    created: int = field(default=0, metadata={"key": "createdAt"})
    updated: int = field(default=0, metadata={"key": "updatedAt"})
    lastreconciliationprocess: str = field(
        default="", metadata={"key": "lastReconciliationProcess"}
    )
    lastreconciliationtime: int = field(default=0, metadata={"key": "lastReconciliationTime"})

    def __post_init__(self) -> None:
        if self.labels is None:
            self.labels = {}
        if self.annotations is None:
            self.annotations = {}


@dataclass
class BlueprintNames(Subscriptable):
    kind: str = ""
    listkind: str = field(default="", metadata={"key": "listKind"})
    singular: str = ""
    plural: str = ""
    shortnames: list[str] = field(default_factory=list, metadata={"key": "shortNames"})

    def __post_init__(self) -> None:
        if self.shortnames is None:
            self.shortnames = []


@dataclass
class BlueprintHandler(Subscriptable):
    """Who reconciles blueprints of a kind: processes of `functionname` for
    executors of `executortype`, on each change and every `reconcileinterval`
    seconds (0: the server's default)."""

    executortype: str = field(default="", metadata={"key": "executorType"})
    functionname: str = field(default="", metadata={"key": "functionName"})
    reconcileinterval: int = field(default=0, metadata={"key": "reconcileInterval"})


@dataclass
class BlueprintDefinitionSpec(Subscriptable):
    group: str = ""
    version: str = ""
    names: BlueprintNames = field(default_factory=BlueprintNames)
    scope: str = ""
    schema: Any = None  # a JSON Schema that blueprints' specs must meet; None: any
    handler: BlueprintHandler = field(default_factory=BlueprintHandler)


@dataclass
class BlueprintDefinition(Subscriptable):
    kind: str = ""
    metadata: BlueprintMetadata = field(default_factory=BlueprintMetadata)
    spec: BlueprintDefinitionSpec = field(default_factory=BlueprintDefinitionSpec)
    blueprintdefinitionid: str = ""

    @property
    def defines(self) -> str:
        """The kind of the blueprints it defines."""
        return self.spec.names.kind or self.kind


@dataclass
class Blueprint(Subscriptable):
    kind: str = ""
    metadata: BlueprintMetadata = field(default_factory=BlueprintMetadata)
    spec: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
    blueprintid: str = ""

    def __post_init__(self) -> None:
        if self.spec is None:
            self.spec = {}
        if self.status is None:
            self.status = {}


@dataclass(frozen=True)
class BlueprintHistory(Subscriptable):
    """A blueprint as it was after a change ("create", "update", "delete")."""

    historyid: str
    blueprintid: str
    kind: str
    namespace: str
    name: str
    generation: int
    changetype: str
    changedby: str
    timestamp: int = 0
    spec: dict[str, Any] = field(default_factory=dict)
    status: dict[str, Any] = field(default_factory=dict)
