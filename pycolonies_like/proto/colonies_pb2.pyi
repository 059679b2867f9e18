from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ExecutorState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EXECUTOR_PENDING: _ClassVar[ExecutorState]
    EXECUTOR_APPROVED: _ClassVar[ExecutorState]
    EXECUTOR_REJECTED: _ClassVar[ExecutorState]

class ProcessState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROCESS_WAITING: _ClassVar[ProcessState]
    PROCESS_RUNNING: _ClassVar[ProcessState]
    PROCESS_SUCCESSFUL: _ClassVar[ProcessState]
    PROCESS_FAILED: _ClassVar[ProcessState]
    PROCESS_CANCELLED: _ClassVar[ProcessState]

class EventKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVENT_UNSPECIFIED: _ClassVar[EventKind]
    EVENT_SUBMITTED: _ClassVar[EventKind]
    EVENT_ASSIGNED: _ClassVar[EventKind]
    EVENT_SUCCEEDED: _ClassVar[EventKind]
    EVENT_FAILED: _ClassVar[EventKind]
    EVENT_RETRIED: _ClassVar[EventKind]
    EVENT_CANCELLED: _ClassVar[EventKind]
    EVENT_GRAPH_SUBMITTED: _ClassVar[EventKind]
    EVENT_GRAPH_SUCCEEDED: _ClassVar[EventKind]
    EVENT_GRAPH_FAILED: _ClassVar[EventKind]
    EVENT_GRAPH_CANCELLED: _ClassVar[EventKind]
    EVENT_CURRENT: _ClassVar[EventKind]
    EVENT_SUBSCRIBED: _ClassVar[EventKind]
EXECUTOR_PENDING: ExecutorState
EXECUTOR_APPROVED: ExecutorState
EXECUTOR_REJECTED: ExecutorState
PROCESS_WAITING: ProcessState
PROCESS_RUNNING: ProcessState
PROCESS_SUCCESSFUL: ProcessState
PROCESS_FAILED: ProcessState
PROCESS_CANCELLED: ProcessState
EVENT_UNSPECIFIED: EventKind
EVENT_SUBMITTED: EventKind
EVENT_ASSIGNED: EventKind
EVENT_SUCCEEDED: EventKind
EVENT_FAILED: EventKind
EVENT_RETRIED: EventKind
EVENT_CANCELLED: EventKind
EVENT_GRAPH_SUBMITTED: EventKind
EVENT_GRAPH_SUCCEEDED: EventKind
EVENT_GRAPH_FAILED: EventKind
EVENT_GRAPH_CANCELLED: EventKind
EVENT_CURRENT: EventKind
EVENT_SUBSCRIBED: EventKind

class Colony(_message.Message):
    __slots__ = ("colonyid", "name")
    COLONYID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyid: str
    name: str
    def __init__(self, colonyid: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Executor(_message.Message):
    __slots__ = ("executorid", "executortype", "executorname", "colonyname", "state", "commissiontime", "lastheardfromtime")
    EXECUTORID_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COMMISSIONTIME_FIELD_NUMBER: _ClassVar[int]
    LASTHEARDFROMTIME_FIELD_NUMBER: _ClassVar[int]
    executorid: str
    executortype: str
    executorname: str
    colonyname: str
    state: ExecutorState
    commissiontime: int
    lastheardfromtime: int
    def __init__(self, executorid: _Optional[str] = ..., executortype: _Optional[str] = ..., executorname: _Optional[str] = ..., colonyname: _Optional[str] = ..., state: _Optional[_Union[ExecutorState, str]] = ..., commissiontime: _Optional[int] = ..., lastheardfromtime: _Optional[int] = ...) -> None: ...

class Function(_message.Message):
    __slots__ = ("functionid", "executorname", "executortype", "colonyname", "funcname", "description", "counter", "minwaittime", "maxwaittime", "minexectime", "maxexectime", "avgwaittime", "avgexectime")
    FUNCTIONID_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    FUNCNAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    COUNTER_FIELD_NUMBER: _ClassVar[int]
    MINWAITTIME_FIELD_NUMBER: _ClassVar[int]
    MAXWAITTIME_FIELD_NUMBER: _ClassVar[int]
    MINEXECTIME_FIELD_NUMBER: _ClassVar[int]
    MAXEXECTIME_FIELD_NUMBER: _ClassVar[int]
    AVGWAITTIME_FIELD_NUMBER: _ClassVar[int]
    AVGEXECTIME_FIELD_NUMBER: _ClassVar[int]
    functionid: str
    executorname: str
    executortype: str
    colonyname: str
    funcname: str
    description: str
    counter: int
    minwaittime: float
    maxwaittime: float
    minexectime: float
    maxexectime: float
    avgwaittime: float
    avgexectime: float
    def __init__(self, functionid: _Optional[str] = ..., executorname: _Optional[str] = ..., executortype: _Optional[str] = ..., colonyname: _Optional[str] = ..., funcname: _Optional[str] = ..., description: _Optional[str] = ..., counter: _Optional[int] = ..., minwaittime: _Optional[float] = ..., maxwaittime: _Optional[float] = ..., minexectime: _Optional[float] = ..., maxexectime: _Optional[float] = ..., avgwaittime: _Optional[float] = ..., avgexectime: _Optional[float] = ...) -> None: ...

class User(_message.Message):
    __slots__ = ("colonyname", "userid", "name", "email", "phone")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    USERID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    userid: str
    name: str
    email: str
    phone: str
    def __init__(self, colonyname: _Optional[str] = ..., userid: _Optional[str] = ..., name: _Optional[str] = ..., email: _Optional[str] = ..., phone: _Optional[str] = ...) -> None: ...

class Conditions(_message.Message):
    __slots__ = ("colonyname", "executortype", "executornames", "dependencies")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAMES_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    executortype: str
    executornames: _containers.RepeatedScalarFieldContainer[str]
    dependencies: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, colonyname: _Optional[str] = ..., executortype: _Optional[str] = ..., executornames: _Optional[_Iterable[str]] = ..., dependencies: _Optional[_Iterable[str]] = ...) -> None: ...

class FuncSpec(_message.Message):
    __slots__ = ("nodename", "funcname", "args_json", "kwargs_json", "priority", "maxwaittime", "maxexectime", "maxretries", "conditions", "label", "env")
    class EnvEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NODENAME_FIELD_NUMBER: _ClassVar[int]
    FUNCNAME_FIELD_NUMBER: _ClassVar[int]
    ARGS_JSON_FIELD_NUMBER: _ClassVar[int]
    KWARGS_JSON_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    MAXWAITTIME_FIELD_NUMBER: _ClassVar[int]
    MAXEXECTIME_FIELD_NUMBER: _ClassVar[int]
    MAXRETRIES_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    nodename: str
    funcname: str
    args_json: str
    kwargs_json: str
    priority: int
    maxwaittime: int
    maxexectime: int
    maxretries: int
    conditions: Conditions
    label: str
    env: _containers.ScalarMap[str, str]
    def __init__(self, nodename: _Optional[str] = ..., funcname: _Optional[str] = ..., args_json: _Optional[str] = ..., kwargs_json: _Optional[str] = ..., priority: _Optional[int] = ..., maxwaittime: _Optional[int] = ..., maxexectime: _Optional[int] = ..., maxretries: _Optional[int] = ..., conditions: _Optional[_Union[Conditions, _Mapping]] = ..., label: _Optional[str] = ..., env: _Optional[_Mapping[str, str]] = ...) -> None: ...

class Attribute(_message.Message):
    __slots__ = ("attributeid", "targetid", "targetcolonyname", "targetprocessgraphid", "attributetype", "key", "value")
    ATTRIBUTEID_FIELD_NUMBER: _ClassVar[int]
    TARGETID_FIELD_NUMBER: _ClassVar[int]
    TARGETCOLONYNAME_FIELD_NUMBER: _ClassVar[int]
    TARGETPROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTETYPE_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    attributeid: str
    targetid: str
    targetcolonyname: str
    targetprocessgraphid: str
    attributetype: int
    key: str
    value: str
    def __init__(self, attributeid: _Optional[str] = ..., targetid: _Optional[str] = ..., targetcolonyname: _Optional[str] = ..., targetprocessgraphid: _Optional[str] = ..., attributetype: _Optional[int] = ..., key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class Process(_message.Message):
    __slots__ = ("processid", "initiatorid", "initiatorname", "assignedexecutorid", "isassigned", "state", "prioritytime", "submissiontime", "starttime", "endtime", "waitdeadline", "execdeadline", "retries", "attempt", "attributes", "spec", "waitforparents", "parents", "children", "processgraphid", "in_json", "out_json", "errors", "assignedexecutorname")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    INITIATORID_FIELD_NUMBER: _ClassVar[int]
    INITIATORNAME_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEDEXECUTORID_FIELD_NUMBER: _ClassVar[int]
    ISASSIGNED_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PRIORITYTIME_FIELD_NUMBER: _ClassVar[int]
    SUBMISSIONTIME_FIELD_NUMBER: _ClassVar[int]
    STARTTIME_FIELD_NUMBER: _ClassVar[int]
    ENDTIME_FIELD_NUMBER: _ClassVar[int]
    WAITDEADLINE_FIELD_NUMBER: _ClassVar[int]
    EXECDEADLINE_FIELD_NUMBER: _ClassVar[int]
    RETRIES_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ATTRIBUTES_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    WAITFORPARENTS_FIELD_NUMBER: _ClassVar[int]
    PARENTS_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    PROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    IN_JSON_FIELD_NUMBER: _ClassVar[int]
    OUT_JSON_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEDEXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    processid: str
    initiatorid: str
    initiatorname: str
    assignedexecutorid: str
    isassigned: bool
    state: ProcessState
    prioritytime: int
    submissiontime: int
    starttime: int
    endtime: int
    waitdeadline: int
    execdeadline: int
    retries: int
    attempt: int
    attributes: _containers.RepeatedCompositeFieldContainer[Attribute]
    spec: FuncSpec
    waitforparents: bool
    parents: _containers.RepeatedScalarFieldContainer[str]
    children: _containers.RepeatedScalarFieldContainer[str]
    processgraphid: str
    in_json: str
    out_json: str
    errors: _containers.RepeatedScalarFieldContainer[str]
    assignedexecutorname: str
    def __init__(self, processid: _Optional[str] = ..., initiatorid: _Optional[str] = ..., initiatorname: _Optional[str] = ..., assignedexecutorid: _Optional[str] = ..., isassigned: _Optional[bool] = ..., state: _Optional[_Union[ProcessState, str]] = ..., prioritytime: _Optional[int] = ..., submissiontime: _Optional[int] = ..., starttime: _Optional[int] = ..., endtime: _Optional[int] = ..., waitdeadline: _Optional[int] = ..., execdeadline: _Optional[int] = ..., retries: _Optional[int] = ..., attempt: _Optional[int] = ..., attributes: _Optional[_Iterable[_Union[Attribute, _Mapping]]] = ..., spec: _Optional[_Union[FuncSpec, _Mapping]] = ..., waitforparents: _Optional[bool] = ..., parents: _Optional[_Iterable[str]] = ..., children: _Optional[_Iterable[str]] = ..., processgraphid: _Optional[str] = ..., in_json: _Optional[str] = ..., out_json: _Optional[str] = ..., errors: _Optional[_Iterable[str]] = ..., assignedexecutorname: _Optional[str] = ...) -> None: ...

class ProcessGraph(_message.Message):
    __slots__ = ("processgraphid", "initiatorid", "initiatorname", "colonyname", "rootprocessids", "state", "submissiontime", "starttime", "endtime", "processids")
    PROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    INITIATORID_FIELD_NUMBER: _ClassVar[int]
    INITIATORNAME_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    ROOTPROCESSIDS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    SUBMISSIONTIME_FIELD_NUMBER: _ClassVar[int]
    STARTTIME_FIELD_NUMBER: _ClassVar[int]
    ENDTIME_FIELD_NUMBER: _ClassVar[int]
    PROCESSIDS_FIELD_NUMBER: _ClassVar[int]
    processgraphid: str
    initiatorid: str
    initiatorname: str
    colonyname: str
    rootprocessids: _containers.RepeatedScalarFieldContainer[str]
    state: ProcessState
    submissiontime: int
    starttime: int
    endtime: int
    processids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, processgraphid: _Optional[str] = ..., initiatorid: _Optional[str] = ..., initiatorname: _Optional[str] = ..., colonyname: _Optional[str] = ..., rootprocessids: _Optional[_Iterable[str]] = ..., state: _Optional[_Union[ProcessState, str]] = ..., submissiontime: _Optional[int] = ..., starttime: _Optional[int] = ..., endtime: _Optional[int] = ..., processids: _Optional[_Iterable[str]] = ...) -> None: ...

class WorkflowSpec(_message.Message):
    __slots__ = ("colonyname", "functionspecs")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONSPECS_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    functionspecs: _containers.RepeatedCompositeFieldContainer[FuncSpec]
    def __init__(self, colonyname: _Optional[str] = ..., functionspecs: _Optional[_Iterable[_Union[FuncSpec, _Mapping]]] = ...) -> None: ...

class LogEntry(_message.Message):
    __slots__ = ("processid", "colonyname", "executorname", "message", "timestamp", "seq")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    processid: str
    colonyname: str
    executorname: str
    message: str
    timestamp: int
    seq: int
    def __init__(self, processid: _Optional[str] = ..., colonyname: _Optional[str] = ..., executorname: _Optional[str] = ..., message: _Optional[str] = ..., timestamp: _Optional[int] = ..., seq: _Optional[int] = ...) -> None: ...

class Statistics(_message.Message):
    __slots__ = ("colonies", "executors", "activeexecutors", "waitingprocesses", "runningprocesses", "successfulprocesses", "failedprocesses", "cancelledprocesses", "waitingworkflows", "runningworkflows", "successfulworkflows", "failedworkflows", "cancelledworkflows")
    COLONIES_FIELD_NUMBER: _ClassVar[int]
    EXECUTORS_FIELD_NUMBER: _ClassVar[int]
    ACTIVEEXECUTORS_FIELD_NUMBER: _ClassVar[int]
    WAITINGPROCESSES_FIELD_NUMBER: _ClassVar[int]
    RUNNINGPROCESSES_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFULPROCESSES_FIELD_NUMBER: _ClassVar[int]
    FAILEDPROCESSES_FIELD_NUMBER: _ClassVar[int]
    CANCELLEDPROCESSES_FIELD_NUMBER: _ClassVar[int]
    WAITINGWORKFLOWS_FIELD_NUMBER: _ClassVar[int]
    RUNNINGWORKFLOWS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFULWORKFLOWS_FIELD_NUMBER: _ClassVar[int]
    FAILEDWORKFLOWS_FIELD_NUMBER: _ClassVar[int]
    CANCELLEDWORKFLOWS_FIELD_NUMBER: _ClassVar[int]
    colonies: int
    executors: int
    activeexecutors: int
    waitingprocesses: int
    runningprocesses: int
    successfulprocesses: int
    failedprocesses: int
    cancelledprocesses: int
    waitingworkflows: int
    runningworkflows: int
    successfulworkflows: int
    failedworkflows: int
    cancelledworkflows: int
    def __init__(self, colonies: _Optional[int] = ..., executors: _Optional[int] = ..., activeexecutors: _Optional[int] = ..., waitingprocesses: _Optional[int] = ..., runningprocesses: _Optional[int] = ..., successfulprocesses: _Optional[int] = ..., failedprocesses: _Optional[int] = ..., cancelledprocesses: _Optional[int] = ..., waitingworkflows: _Optional[int] = ..., runningworkflows: _Optional[int] = ..., successfulworkflows: _Optional[int] = ..., failedworkflows: _Optional[int] = ..., cancelledworkflows: _Optional[int] = ...) -> None: ...

class Cron(_message.Message):
    __slots__ = ("cronid", "colonyname", "name", "cronexpression", "interval", "random", "nextrun", "lastrun", "workflowspec", "prevprocessgraphid", "waitforprevprocessgraph", "initiatorid", "initiatorname")
    CRONID_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CRONEXPRESSION_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_FIELD_NUMBER: _ClassVar[int]
    RANDOM_FIELD_NUMBER: _ClassVar[int]
    NEXTRUN_FIELD_NUMBER: _ClassVar[int]
    LASTRUN_FIELD_NUMBER: _ClassVar[int]
    WORKFLOWSPEC_FIELD_NUMBER: _ClassVar[int]
    PREVPROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    WAITFORPREVPROCESSGRAPH_FIELD_NUMBER: _ClassVar[int]
    INITIATORID_FIELD_NUMBER: _ClassVar[int]
    INITIATORNAME_FIELD_NUMBER: _ClassVar[int]
    cronid: str
    colonyname: str
    name: str
    cronexpression: str
    interval: int
    random: bool
    nextrun: int
    lastrun: int
    workflowspec: WorkflowSpec
    prevprocessgraphid: str
    waitforprevprocessgraph: bool
    initiatorid: str
    initiatorname: str
    def __init__(self, cronid: _Optional[str] = ..., colonyname: _Optional[str] = ..., name: _Optional[str] = ..., cronexpression: _Optional[str] = ..., interval: _Optional[int] = ..., random: _Optional[bool] = ..., nextrun: _Optional[int] = ..., lastrun: _Optional[int] = ..., workflowspec: _Optional[_Union[WorkflowSpec, _Mapping]] = ..., prevprocessgraphid: _Optional[str] = ..., waitforprevprocessgraph: _Optional[bool] = ..., initiatorid: _Optional[str] = ..., initiatorname: _Optional[str] = ...) -> None: ...

class Generator(_message.Message):
    __slots__ = ("generatorid", "colonyname", "name", "workflowspec", "trigger", "timeout", "lastrun", "firstpack", "queuesize", "initiatorid", "initiatorname")
    GENERATORID_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WORKFLOWSPEC_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    LASTRUN_FIELD_NUMBER: _ClassVar[int]
    FIRSTPACK_FIELD_NUMBER: _ClassVar[int]
    QUEUESIZE_FIELD_NUMBER: _ClassVar[int]
    INITIATORID_FIELD_NUMBER: _ClassVar[int]
    INITIATORNAME_FIELD_NUMBER: _ClassVar[int]
    generatorid: str
    colonyname: str
    name: str
    workflowspec: WorkflowSpec
    trigger: int
    timeout: int
    lastrun: int
    firstpack: int
    queuesize: int
    initiatorid: str
    initiatorname: str
    def __init__(self, generatorid: _Optional[str] = ..., colonyname: _Optional[str] = ..., name: _Optional[str] = ..., workflowspec: _Optional[_Union[WorkflowSpec, _Mapping]] = ..., trigger: _Optional[int] = ..., timeout: _Optional[int] = ..., lastrun: _Optional[int] = ..., firstpack: _Optional[int] = ..., queuesize: _Optional[int] = ..., initiatorid: _Optional[str] = ..., initiatorname: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("kind", "colonyname", "processid", "processgraphid", "executortype", "state", "timestamp", "process", "processgraph", "message", "attempt")
    KIND_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    PROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    PROCESS_FIELD_NUMBER: _ClassVar[int]
    PROCESSGRAPH_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    kind: EventKind
    colonyname: str
    processid: str
    processgraphid: str
    executortype: str
    state: ProcessState
    timestamp: int
    process: Process
    processgraph: ProcessGraph
    message: str
    attempt: int
    def __init__(self, kind: _Optional[_Union[EventKind, str]] = ..., colonyname: _Optional[str] = ..., processid: _Optional[str] = ..., processgraphid: _Optional[str] = ..., executortype: _Optional[str] = ..., state: _Optional[_Union[ProcessState, str]] = ..., timestamp: _Optional[int] = ..., process: _Optional[_Union[Process, _Mapping]] = ..., processgraph: _Optional[_Union[ProcessGraph, _Mapping]] = ..., message: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class Empty(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetServerInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ServerInfo(_message.Message):
    __slots__ = ("version", "store", "time", "signature_window_ms")
    VERSION_FIELD_NUMBER: _ClassVar[int]
    STORE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_WINDOW_MS_FIELD_NUMBER: _ClassVar[int]
    version: str
    store: str
    time: int
    signature_window_ms: int
    def __init__(self, version: _Optional[str] = ..., store: _Optional[str] = ..., time: _Optional[int] = ..., signature_window_ms: _Optional[int] = ...) -> None: ...

class GetStatisticsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddColonyRequest(_message.Message):
    __slots__ = ("colony",)
    COLONY_FIELD_NUMBER: _ClassVar[int]
    colony: Colony
    def __init__(self, colony: _Optional[_Union[Colony, _Mapping]] = ...) -> None: ...

class ColonyNameRequest(_message.Message):
    __slots__ = ("colonyname",)
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    def __init__(self, colonyname: _Optional[str] = ...) -> None: ...

class ListColoniesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListColoniesReply(_message.Message):
    __slots__ = ("colonies",)
    COLONIES_FIELD_NUMBER: _ClassVar[int]
    colonies: _containers.RepeatedCompositeFieldContainer[Colony]
    def __init__(self, colonies: _Optional[_Iterable[_Union[Colony, _Mapping]]] = ...) -> None: ...

class AddExecutorRequest(_message.Message):
    __slots__ = ("executor",)
    EXECUTOR_FIELD_NUMBER: _ClassVar[int]
    executor: Executor
    def __init__(self, executor: _Optional[_Union[Executor, _Mapping]] = ...) -> None: ...

class ExecutorNameRequest(_message.Message):
    __slots__ = ("colonyname", "executorname")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    executorname: str
    def __init__(self, colonyname: _Optional[str] = ..., executorname: _Optional[str] = ...) -> None: ...

class ListExecutorsReply(_message.Message):
    __slots__ = ("executors",)
    EXECUTORS_FIELD_NUMBER: _ClassVar[int]
    executors: _containers.RepeatedCompositeFieldContainer[Executor]
    def __init__(self, executors: _Optional[_Iterable[_Union[Executor, _Mapping]]] = ...) -> None: ...

class AddFunctionRequest(_message.Message):
    __slots__ = ("function",)
    FUNCTION_FIELD_NUMBER: _ClassVar[int]
    function: Function
    def __init__(self, function: _Optional[_Union[Function, _Mapping]] = ...) -> None: ...

class ListFunctionsRequest(_message.Message):
    __slots__ = ("colonyname", "executorname")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    executorname: str
    def __init__(self, colonyname: _Optional[str] = ..., executorname: _Optional[str] = ...) -> None: ...

class ListFunctionsReply(_message.Message):
    __slots__ = ("functions",)
    FUNCTIONS_FIELD_NUMBER: _ClassVar[int]
    functions: _containers.RepeatedCompositeFieldContainer[Function]
    def __init__(self, functions: _Optional[_Iterable[_Union[Function, _Mapping]]] = ...) -> None: ...

class RemoveFunctionRequest(_message.Message):
    __slots__ = ("functionid",)
    FUNCTIONID_FIELD_NUMBER: _ClassVar[int]
    functionid: str
    def __init__(self, functionid: _Optional[str] = ...) -> None: ...

class AddUserRequest(_message.Message):
    __slots__ = ("user",)
    USER_FIELD_NUMBER: _ClassVar[int]
    user: User
    def __init__(self, user: _Optional[_Union[User, _Mapping]] = ...) -> None: ...

class UserNameRequest(_message.Message):
    __slots__ = ("colonyname", "name")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListUsersReply(_message.Message):
    __slots__ = ("users",)
    USERS_FIELD_NUMBER: _ClassVar[int]
    users: _containers.RepeatedCompositeFieldContainer[User]
    def __init__(self, users: _Optional[_Iterable[_Union[User, _Mapping]]] = ...) -> None: ...

class SubmitRequest(_message.Message):
    __slots__ = ("spec", "idempotency_key")
    SPEC_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    spec: FuncSpec
    idempotency_key: str
    def __init__(self, spec: _Optional[_Union[FuncSpec, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SubmitBatchRequest(_message.Message):
    __slots__ = ("specs",)
    SPECS_FIELD_NUMBER: _ClassVar[int]
    specs: _containers.RepeatedCompositeFieldContainer[FuncSpec]
    def __init__(self, specs: _Optional[_Iterable[_Union[FuncSpec, _Mapping]]] = ...) -> None: ...

class SubmitBatchReply(_message.Message):
    __slots__ = ("processes",)
    PROCESSES_FIELD_NUMBER: _ClassVar[int]
    processes: _containers.RepeatedCompositeFieldContainer[Process]
    def __init__(self, processes: _Optional[_Iterable[_Union[Process, _Mapping]]] = ...) -> None: ...

class AssignRequest(_message.Message):
    __slots__ = ("colonyname", "timeout")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    timeout: float
    def __init__(self, colonyname: _Optional[str] = ..., timeout: _Optional[float] = ...) -> None: ...

class CloseRequest(_message.Message):
    __slots__ = ("processid", "attempt", "out_json")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    OUT_JSON_FIELD_NUMBER: _ClassVar[int]
    processid: str
    attempt: int
    out_json: str
    def __init__(self, processid: _Optional[str] = ..., attempt: _Optional[int] = ..., out_json: _Optional[str] = ...) -> None: ...

class FailRequest(_message.Message):
    __slots__ = ("processid", "attempt", "errors")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    processid: str
    attempt: int
    errors: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, processid: _Optional[str] = ..., attempt: _Optional[int] = ..., errors: _Optional[_Iterable[str]] = ...) -> None: ...

class SetOutputRequest(_message.Message):
    __slots__ = ("processid", "attempt", "out_json")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    OUT_JSON_FIELD_NUMBER: _ClassVar[int]
    processid: str
    attempt: int
    out_json: str
    def __init__(self, processid: _Optional[str] = ..., attempt: _Optional[int] = ..., out_json: _Optional[str] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("processid", "attempt")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    processid: str
    attempt: int
    def __init__(self, processid: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class HeartbeatRequest(_message.Message):
    __slots__ = ("processid", "attempt")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    processid: str
    attempt: int
    def __init__(self, processid: _Optional[str] = ..., attempt: _Optional[int] = ...) -> None: ...

class HeartbeatReply(_message.Message):
    __slots__ = ("execdeadline", "cancelled")
    EXECDEADLINE_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    execdeadline: int
    cancelled: bool
    def __init__(self, execdeadline: _Optional[int] = ..., cancelled: _Optional[bool] = ...) -> None: ...

class ProcessIdRequest(_message.Message):
    __slots__ = ("processid",)
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    processid: str
    def __init__(self, processid: _Optional[str] = ...) -> None: ...

class ListProcessesRequest(_message.Message):
    __slots__ = ("colonyname", "state", "count", "executortype", "label", "initiator")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    INITIATOR_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    state: ProcessState
    count: int
    executortype: str
    label: str
    initiator: str
    def __init__(self, colonyname: _Optional[str] = ..., state: _Optional[_Union[ProcessState, str]] = ..., count: _Optional[int] = ..., executortype: _Optional[str] = ..., label: _Optional[str] = ..., initiator: _Optional[str] = ...) -> None: ...

class ListProcessesReply(_message.Message):
    __slots__ = ("processes",)
    PROCESSES_FIELD_NUMBER: _ClassVar[int]
    processes: _containers.RepeatedCompositeFieldContainer[Process]
    def __init__(self, processes: _Optional[_Iterable[_Union[Process, _Mapping]]] = ...) -> None: ...

class RemoveAllRequest(_message.Message):
    __slots__ = ("colonyname", "all_states", "state")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    ALL_STATES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    all_states: bool
    state: ProcessState
    def __init__(self, colonyname: _Optional[str] = ..., all_states: _Optional[bool] = ..., state: _Optional[_Union[ProcessState, str]] = ...) -> None: ...

class RemovedReply(_message.Message):
    __slots__ = ("removed",)
    REMOVED_FIELD_NUMBER: _ClassVar[int]
    removed: int
    def __init__(self, removed: _Optional[int] = ...) -> None: ...

class AddAttributeRequest(_message.Message):
    __slots__ = ("processid", "attempt", "key", "value")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    processid: str
    attempt: int
    key: str
    value: str
    def __init__(self, processid: _Optional[str] = ..., attempt: _Optional[int] = ..., key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class GetAttributeRequest(_message.Message):
    __slots__ = ("attributeid",)
    ATTRIBUTEID_FIELD_NUMBER: _ClassVar[int]
    attributeid: str
    def __init__(self, attributeid: _Optional[str] = ...) -> None: ...

class AddLogRequest(_message.Message):
    __slots__ = ("processid", "attempt", "message")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    processid: str
    attempt: int
    message: str
    def __init__(self, processid: _Optional[str] = ..., attempt: _Optional[int] = ..., message: _Optional[str] = ...) -> None: ...

class GetLogsRequest(_message.Message):
    __slots__ = ("processid", "count", "since", "latest", "colonyname", "executorname", "after_seq", "before_seq")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    BEFORE_SEQ_FIELD_NUMBER: _ClassVar[int]
    processid: str
    count: int
    since: int
    latest: bool
    colonyname: str
    executorname: str
    after_seq: int
    before_seq: int
    def __init__(self, processid: _Optional[str] = ..., count: _Optional[int] = ..., since: _Optional[int] = ..., latest: _Optional[bool] = ..., colonyname: _Optional[str] = ..., executorname: _Optional[str] = ..., after_seq: _Optional[int] = ..., before_seq: _Optional[int] = ...) -> None: ...

class GetLogsReply(_message.Message):
    __slots__ = ("logs", "more")
    LOGS_FIELD_NUMBER: _ClassVar[int]
    MORE_FIELD_NUMBER: _ClassVar[int]
    logs: _containers.RepeatedCompositeFieldContainer[LogEntry]
    more: bool
    def __init__(self, logs: _Optional[_Iterable[_Union[LogEntry, _Mapping]]] = ..., more: _Optional[bool] = ...) -> None: ...

class FollowLogsRequest(_message.Message):
    __slots__ = ("processid", "after_seq")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    processid: str
    after_seq: int
    def __init__(self, processid: _Optional[str] = ..., after_seq: _Optional[int] = ...) -> None: ...

class SubmitWorkflowRequest(_message.Message):
    __slots__ = ("spec",)
    SPEC_FIELD_NUMBER: _ClassVar[int]
    spec: WorkflowSpec
    def __init__(self, spec: _Optional[_Union[WorkflowSpec, _Mapping]] = ...) -> None: ...

class ProcessGraphIdRequest(_message.Message):
    __slots__ = ("processgraphid",)
    PROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    processgraphid: str
    def __init__(self, processgraphid: _Optional[str] = ...) -> None: ...

class ListProcessGraphsRequest(_message.Message):
    __slots__ = ("colonyname", "all_states", "state", "count")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    ALL_STATES_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    all_states: bool
    state: ProcessState
    count: int
    def __init__(self, colonyname: _Optional[str] = ..., all_states: _Optional[bool] = ..., state: _Optional[_Union[ProcessState, str]] = ..., count: _Optional[int] = ...) -> None: ...

class ListProcessGraphsReply(_message.Message):
    __slots__ = ("processgraphs",)
    PROCESSGRAPHS_FIELD_NUMBER: _ClassVar[int]
    processgraphs: _containers.RepeatedCompositeFieldContainer[ProcessGraph]
    def __init__(self, processgraphs: _Optional[_Iterable[_Union[ProcessGraph, _Mapping]]] = ...) -> None: ...

class AddChildRequest(_message.Message):
    __slots__ = ("processgraphid", "parentprocessid", "childprocessid", "spec", "insert", "attempt")
    PROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    PARENTPROCESSID_FIELD_NUMBER: _ClassVar[int]
    CHILDPROCESSID_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    INSERT_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    processgraphid: str
    parentprocessid: str
    childprocessid: str
    spec: FuncSpec
    insert: bool
    attempt: int
    def __init__(self, processgraphid: _Optional[str] = ..., parentprocessid: _Optional[str] = ..., childprocessid: _Optional[str] = ..., spec: _Optional[_Union[FuncSpec, _Mapping]] = ..., insert: _Optional[bool] = ..., attempt: _Optional[int] = ...) -> None: ...

class AddCronRequest(_message.Message):
    __slots__ = ("cron",)
    CRON_FIELD_NUMBER: _ClassVar[int]
    cron: Cron
    def __init__(self, cron: _Optional[_Union[Cron, _Mapping]] = ...) -> None: ...

class CronIdRequest(_message.Message):
    __slots__ = ("cronid",)
    CRONID_FIELD_NUMBER: _ClassVar[int]
    cronid: str
    def __init__(self, cronid: _Optional[str] = ...) -> None: ...

class ListCronsRequest(_message.Message):
    __slots__ = ("colonyname", "count")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    count: int
    def __init__(self, colonyname: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class ListCronsReply(_message.Message):
    __slots__ = ("crons",)
    CRONS_FIELD_NUMBER: _ClassVar[int]
    crons: _containers.RepeatedCompositeFieldContainer[Cron]
    def __init__(self, crons: _Optional[_Iterable[_Union[Cron, _Mapping]]] = ...) -> None: ...

class AddGeneratorRequest(_message.Message):
    __slots__ = ("generator",)
    GENERATOR_FIELD_NUMBER: _ClassVar[int]
    generator: Generator
    def __init__(self, generator: _Optional[_Union[Generator, _Mapping]] = ...) -> None: ...

class GeneratorIdRequest(_message.Message):
    __slots__ = ("generatorid",)
    GENERATORID_FIELD_NUMBER: _ClassVar[int]
    generatorid: str
    def __init__(self, generatorid: _Optional[str] = ...) -> None: ...

class ListGeneratorsRequest(_message.Message):
    __slots__ = ("colonyname", "count")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    count: int
    def __init__(self, colonyname: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class ListGeneratorsReply(_message.Message):
    __slots__ = ("generators",)
    GENERATORS_FIELD_NUMBER: _ClassVar[int]
    generators: _containers.RepeatedCompositeFieldContainer[Generator]
    def __init__(self, generators: _Optional[_Iterable[_Union[Generator, _Mapping]]] = ...) -> None: ...

class PackGeneratorRequest(_message.Message):
    __slots__ = ("generatorid", "arg")
    GENERATORID_FIELD_NUMBER: _ClassVar[int]
    ARG_FIELD_NUMBER: _ClassVar[int]
    generatorid: str
    arg: str
    def __init__(self, generatorid: _Optional[str] = ..., arg: _Optional[str] = ...) -> None: ...

class SubscribeEventsRequest(_message.Message):
    __slots__ = ("colonyname", "processid", "processgraphid", "executortype", "states", "include_current", "timeout", "kinds")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    PROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    STATES_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_CURRENT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    processid: str
    processgraphid: str
    executortype: str
    states: _containers.RepeatedScalarFieldContainer[ProcessState]
    include_current: bool
    timeout: float
    kinds: _containers.RepeatedScalarFieldContainer[EventKind]
    def __init__(self, colonyname: _Optional[str] = ..., processid: _Optional[str] = ..., processgraphid: _Optional[str] = ..., executortype: _Optional[str] = ..., states: _Optional[_Iterable[_Union[ProcessState, str]]] = ..., include_current: _Optional[bool] = ..., timeout: _Optional[float] = ..., kinds: _Optional[_Iterable[_Union[EventKind, str]]] = ...) -> None: ...

class SignedMessage(_message.Message):
    __slots__ = ("payload", "timestamp", "nonce", "signature")
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    NONCE_FIELD_NUMBER: _ClassVar[int]
    SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    timestamp: int
    nonce: str
    signature: str
    def __init__(self, payload: _Optional[bytes] = ..., timestamp: _Optional[int] = ..., nonce: _Optional[str] = ..., signature: _Optional[str] = ...) -> None: ...

class SessionOpen(_message.Message):
    __slots__ = ("colonyname", "capacity")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    CAPACITY_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    capacity: int
    def __init__(self, colonyname: _Optional[str] = ..., capacity: _Optional[int] = ...) -> None: ...

class SessionRequest(_message.Message):
    __slots__ = ("request_id", "open", "close", "fail", "log", "set_output", "heartbeat", "release")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    FAIL_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    SET_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    open: SessionOpen
    close: CloseRequest
    fail: FailRequest
    log: AddLogRequest
    set_output: SetOutputRequest
    heartbeat: HeartbeatRequest
    release: ReleaseRequest
    def __init__(self, request_id: _Optional[int] = ..., open: _Optional[_Union[SessionOpen, _Mapping]] = ..., close: _Optional[_Union[CloseRequest, _Mapping]] = ..., fail: _Optional[_Union[FailRequest, _Mapping]] = ..., log: _Optional[_Union[AddLogRequest, _Mapping]] = ..., set_output: _Optional[_Union[SetOutputRequest, _Mapping]] = ..., heartbeat: _Optional[_Union[HeartbeatRequest, _Mapping]] = ..., release: _Optional[_Union[ReleaseRequest, _Mapping]] = ...) -> None: ...

class SessionAck(_message.Message):
    __slots__ = ("request_id", "code", "reason", "message")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    code: int
    reason: str
    message: str
    def __init__(self, request_id: _Optional[int] = ..., code: _Optional[int] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class SessionReply(_message.Message):
    __slots__ = ("acks", "assignments", "revoked_processids")
    ACKS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    REVOKED_PROCESSIDS_FIELD_NUMBER: _ClassVar[int]
    acks: _containers.RepeatedCompositeFieldContainer[SessionAck]
    assignments: _containers.RepeatedCompositeFieldContainer[Process]
    revoked_processids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, acks: _Optional[_Iterable[_Union[SessionAck, _Mapping]]] = ..., assignments: _Optional[_Iterable[_Union[Process, _Mapping]]] = ..., revoked_processids: _Optional[_Iterable[str]] = ...) -> None: ...
