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
    __slots__ = ("colonyid", "name", "paused", "pausedtypes", "retention")
    COLONYID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    PAUSEDTYPES_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FIELD_NUMBER: _ClassVar[int]
    colonyid: str
    name: str
    paused: bool
    pausedtypes: _containers.RepeatedScalarFieldContainer[str]
    retention: int
    def __init__(self, colonyid: _Optional[str] = ..., name: _Optional[str] = ..., paused: _Optional[bool] = ..., pausedtypes: _Optional[_Iterable[str]] = ..., retention: _Optional[int] = ...) -> None: ...

class GPU(_message.Message):
    __slots__ = ("name", "mem", "count", "nodecount")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MEM_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    NODECOUNT_FIELD_NUMBER: _ClassVar[int]
    name: str
    mem: str
    count: int
    nodecount: int
    def __init__(self, name: _Optional[str] = ..., mem: _Optional[str] = ..., count: _Optional[int] = ..., nodecount: _Optional[int] = ...) -> None: ...

class Hardware(_message.Message):
    __slots__ = ("model", "nodes", "cpu", "cores", "mem", "storage", "gpu", "platform", "architecture", "network")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    CORES_FIELD_NUMBER: _ClassVar[int]
    MEM_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    GPU_FIELD_NUMBER: _ClassVar[int]
    PLATFORM_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    NETWORK_FIELD_NUMBER: _ClassVar[int]
    model: str
    nodes: int
    cpu: str
    cores: int
    mem: str
    storage: str
    gpu: GPU
    platform: str
    architecture: str
    network: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, model: _Optional[str] = ..., nodes: _Optional[int] = ..., cpu: _Optional[str] = ..., cores: _Optional[int] = ..., mem: _Optional[str] = ..., storage: _Optional[str] = ..., gpu: _Optional[_Union[GPU, _Mapping]] = ..., platform: _Optional[str] = ..., architecture: _Optional[str] = ..., network: _Optional[_Iterable[str]] = ...) -> None: ...

class Software(_message.Message):
    __slots__ = ("name", "type", "version")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    name: str
    type: str
    version: str
    def __init__(self, name: _Optional[str] = ..., type: _Optional[str] = ..., version: _Optional[str] = ...) -> None: ...

class Capabilities(_message.Message):
    __slots__ = ("hardware", "software")
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    SOFTWARE_FIELD_NUMBER: _ClassVar[int]
    hardware: _containers.RepeatedCompositeFieldContainer[Hardware]
    software: _containers.RepeatedCompositeFieldContainer[Software]
    def __init__(self, hardware: _Optional[_Iterable[_Union[Hardware, _Mapping]]] = ..., software: _Optional[_Iterable[_Union[Software, _Mapping]]] = ...) -> None: ...

class Executor(_message.Message):
    __slots__ = ("executorid", "executortype", "executorname", "colonyname", "state", "commissiontime", "lastheardfromtime", "locationname", "capabilities", "silent")
    EXECUTORID_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    COMMISSIONTIME_FIELD_NUMBER: _ClassVar[int]
    LASTHEARDFROMTIME_FIELD_NUMBER: _ClassVar[int]
    LOCATIONNAME_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    SILENT_FIELD_NUMBER: _ClassVar[int]
    executorid: str
    executortype: str
    executorname: str
    colonyname: str
    state: ExecutorState
    commissiontime: int
    lastheardfromtime: int
    locationname: str
    capabilities: Capabilities
    silent: bool
    def __init__(self, executorid: _Optional[str] = ..., executortype: _Optional[str] = ..., executorname: _Optional[str] = ..., colonyname: _Optional[str] = ..., state: _Optional[_Union[ExecutorState, str]] = ..., commissiontime: _Optional[int] = ..., lastheardfromtime: _Optional[int] = ..., locationname: _Optional[str] = ..., capabilities: _Optional[_Union[Capabilities, _Mapping]] = ..., silent: _Optional[bool] = ...) -> None: ...

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
    __slots__ = ("colonyname", "executortype", "executornames", "dependencies", "locationname", "nodes", "cpu", "processes", "processespernode", "mem", "storage", "gpu", "walltime")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAMES_FIELD_NUMBER: _ClassVar[int]
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    LOCATIONNAME_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    CPU_FIELD_NUMBER: _ClassVar[int]
    PROCESSES_FIELD_NUMBER: _ClassVar[int]
    PROCESSESPERNODE_FIELD_NUMBER: _ClassVar[int]
    MEM_FIELD_NUMBER: _ClassVar[int]
    STORAGE_FIELD_NUMBER: _ClassVar[int]
    GPU_FIELD_NUMBER: _ClassVar[int]
    WALLTIME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    executortype: str
    executornames: _containers.RepeatedScalarFieldContainer[str]
    dependencies: _containers.RepeatedScalarFieldContainer[str]
    locationname: str
    nodes: int
    cpu: str
    processes: int
    processespernode: int
    mem: str
    storage: str
    gpu: GPU
    walltime: int
    def __init__(self, colonyname: _Optional[str] = ..., executortype: _Optional[str] = ..., executornames: _Optional[_Iterable[str]] = ..., dependencies: _Optional[_Iterable[str]] = ..., locationname: _Optional[str] = ..., nodes: _Optional[int] = ..., cpu: _Optional[str] = ..., processes: _Optional[int] = ..., processespernode: _Optional[int] = ..., mem: _Optional[str] = ..., storage: _Optional[str] = ..., gpu: _Optional[_Union[GPU, _Mapping]] = ..., walltime: _Optional[int] = ...) -> None: ...

class FuncSpec(_message.Message):
    __slots__ = ("nodename", "funcname", "args_json", "kwargs_json", "priority", "maxwaittime", "maxexectime", "maxretries", "conditions", "label", "env", "retrypolicy", "channels", "concurrency", "fs", "ratelimit", "ratelimitunits")
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
    RETRYPOLICY_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    CONCURRENCY_FIELD_NUMBER: _ClassVar[int]
    FS_FIELD_NUMBER: _ClassVar[int]
    RATELIMIT_FIELD_NUMBER: _ClassVar[int]
    RATELIMITUNITS_FIELD_NUMBER: _ClassVar[int]
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
    retrypolicy: RetryPolicy
    channels: _containers.RepeatedScalarFieldContainer[str]
    concurrency: Concurrency
    fs: Filesystem
    ratelimit: str
    ratelimitunits: int
    def __init__(self, nodename: _Optional[str] = ..., funcname: _Optional[str] = ..., args_json: _Optional[str] = ..., kwargs_json: _Optional[str] = ..., priority: _Optional[int] = ..., maxwaittime: _Optional[int] = ..., maxexectime: _Optional[int] = ..., maxretries: _Optional[int] = ..., conditions: _Optional[_Union[Conditions, _Mapping]] = ..., label: _Optional[str] = ..., env: _Optional[_Mapping[str, str]] = ..., retrypolicy: _Optional[_Union[RetryPolicy, _Mapping]] = ..., channels: _Optional[_Iterable[str]] = ..., concurrency: _Optional[_Union[Concurrency, _Mapping]] = ..., fs: _Optional[_Union[Filesystem, _Mapping]] = ..., ratelimit: _Optional[str] = ..., ratelimitunits: _Optional[int] = ...) -> None: ...

class Filesystem(_message.Message):
    __slots__ = ("mount", "snapshots", "dirs")
    MOUNT_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    DIRS_FIELD_NUMBER: _ClassVar[int]
    mount: str
    snapshots: _containers.RepeatedCompositeFieldContainer[SnapshotMount]
    dirs: _containers.RepeatedCompositeFieldContainer[SyncDirMount]
    def __init__(self, mount: _Optional[str] = ..., snapshots: _Optional[_Iterable[_Union[SnapshotMount, _Mapping]]] = ..., dirs: _Optional[_Iterable[_Union[SyncDirMount, _Mapping]]] = ...) -> None: ...

class SnapshotMount(_message.Message):
    __slots__ = ("snapshotid", "label", "dir", "keepfiles", "keepsnapshot")
    SNAPSHOTID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DIR_FIELD_NUMBER: _ClassVar[int]
    KEEPFILES_FIELD_NUMBER: _ClassVar[int]
    KEEPSNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    snapshotid: str
    label: str
    dir: str
    keepfiles: bool
    keepsnapshot: bool
    def __init__(self, snapshotid: _Optional[str] = ..., label: _Optional[str] = ..., dir: _Optional[str] = ..., keepfiles: _Optional[bool] = ..., keepsnapshot: _Optional[bool] = ...) -> None: ...

class SyncDirMount(_message.Message):
    __slots__ = ("label", "dir", "keepfiles", "onconflicts")
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DIR_FIELD_NUMBER: _ClassVar[int]
    KEEPFILES_FIELD_NUMBER: _ClassVar[int]
    ONCONFLICTS_FIELD_NUMBER: _ClassVar[int]
    label: str
    dir: str
    keepfiles: bool
    onconflicts: ConflictResolution
    def __init__(self, label: _Optional[str] = ..., dir: _Optional[str] = ..., keepfiles: _Optional[bool] = ..., onconflicts: _Optional[_Union[ConflictResolution, _Mapping]] = ...) -> None: ...

class ConflictResolution(_message.Message):
    __slots__ = ("onstart", "onclose")
    ONSTART_FIELD_NUMBER: _ClassVar[int]
    ONCLOSE_FIELD_NUMBER: _ClassVar[int]
    onstart: OnStart
    onclose: OnClose
    def __init__(self, onstart: _Optional[_Union[OnStart, _Mapping]] = ..., onclose: _Optional[_Union[OnClose, _Mapping]] = ...) -> None: ...

class OnStart(_message.Message):
    __slots__ = ("keeplocal",)
    KEEPLOCAL_FIELD_NUMBER: _ClassVar[int]
    keeplocal: bool
    def __init__(self, keeplocal: _Optional[bool] = ...) -> None: ...

class OnClose(_message.Message):
    __slots__ = ("keeplocal",)
    KEEPLOCAL_FIELD_NUMBER: _ClassVar[int]
    keeplocal: bool
    def __init__(self, keeplocal: _Optional[bool] = ...) -> None: ...

class RetryPolicy(_message.Message):
    __slots__ = ("maxretries", "initialinterval", "backoffcoefficient", "maximuminterval", "jitter", "nonretryableerrors")
    MAXRETRIES_FIELD_NUMBER: _ClassVar[int]
    INITIALINTERVAL_FIELD_NUMBER: _ClassVar[int]
    BACKOFFCOEFFICIENT_FIELD_NUMBER: _ClassVar[int]
    MAXIMUMINTERVAL_FIELD_NUMBER: _ClassVar[int]
    JITTER_FIELD_NUMBER: _ClassVar[int]
    NONRETRYABLEERRORS_FIELD_NUMBER: _ClassVar[int]
    maxretries: int
    initialinterval: float
    backoffcoefficient: float
    maximuminterval: float
    jitter: float
    nonretryableerrors: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, maxretries: _Optional[int] = ..., initialinterval: _Optional[float] = ..., backoffcoefficient: _Optional[float] = ..., maximuminterval: _Optional[float] = ..., jitter: _Optional[float] = ..., nonretryableerrors: _Optional[_Iterable[str]] = ...) -> None: ...

class AttemptRecord(_message.Message):
    __slots__ = ("attempt", "executorname", "starttime", "endtime", "outcome", "errors")
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    STARTTIME_FIELD_NUMBER: _ClassVar[int]
    ENDTIME_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    attempt: int
    executorname: str
    starttime: int
    endtime: int
    outcome: str
    errors: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, attempt: _Optional[int] = ..., executorname: _Optional[str] = ..., starttime: _Optional[int] = ..., endtime: _Optional[int] = ..., outcome: _Optional[str] = ..., errors: _Optional[_Iterable[str]] = ...) -> None: ...

class Concurrency(_message.Message):
    __slots__ = ("key", "kwarg", "limit", "strategy")
    KEY_FIELD_NUMBER: _ClassVar[int]
    KWARG_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    key: str
    kwarg: str
    limit: int
    strategy: str
    def __init__(self, key: _Optional[str] = ..., kwarg: _Optional[str] = ..., limit: _Optional[int] = ..., strategy: _Optional[str] = ...) -> None: ...

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
    __slots__ = ("processid", "initiatorid", "initiatorname", "assignedexecutorid", "isassigned", "state", "prioritytime", "submissiontime", "starttime", "endtime", "waitdeadline", "execdeadline", "retries", "attempt", "attributes", "spec", "waitforparents", "parents", "children", "processgraphid", "in_json", "out_json", "errors", "assignedexecutorname", "history", "notbefore")
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
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    NOTBEFORE_FIELD_NUMBER: _ClassVar[int]
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
    history: _containers.RepeatedCompositeFieldContainer[AttemptRecord]
    notbefore: int
    def __init__(self, processid: _Optional[str] = ..., initiatorid: _Optional[str] = ..., initiatorname: _Optional[str] = ..., assignedexecutorid: _Optional[str] = ..., isassigned: _Optional[bool] = ..., state: _Optional[_Union[ProcessState, str]] = ..., prioritytime: _Optional[int] = ..., submissiontime: _Optional[int] = ..., starttime: _Optional[int] = ..., endtime: _Optional[int] = ..., waitdeadline: _Optional[int] = ..., execdeadline: _Optional[int] = ..., retries: _Optional[int] = ..., attempt: _Optional[int] = ..., attributes: _Optional[_Iterable[_Union[Attribute, _Mapping]]] = ..., spec: _Optional[_Union[FuncSpec, _Mapping]] = ..., waitforparents: _Optional[bool] = ..., parents: _Optional[_Iterable[str]] = ..., children: _Optional[_Iterable[str]] = ..., processgraphid: _Optional[str] = ..., in_json: _Optional[str] = ..., out_json: _Optional[str] = ..., errors: _Optional[_Iterable[str]] = ..., assignedexecutorname: _Optional[str] = ..., history: _Optional[_Iterable[_Union[AttemptRecord, _Mapping]]] = ..., notbefore: _Optional[int] = ...) -> None: ...

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

class ChannelEntry(_message.Message):
    __slots__ = ("sequence", "senderid", "payload", "type", "inreplyto", "timestamp", "error", "index")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    SENDERID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INREPLYTO_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    INDEX_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    senderid: str
    payload: bytes
    type: str
    inreplyto: int
    timestamp: int
    error: str
    index: int
    def __init__(self, sequence: _Optional[int] = ..., senderid: _Optional[str] = ..., payload: _Optional[bytes] = ..., type: _Optional[str] = ..., inreplyto: _Optional[int] = ..., timestamp: _Optional[int] = ..., error: _Optional[str] = ..., index: _Optional[int] = ...) -> None: ...

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

class S3Object(_message.Message):
    __slots__ = ("server", "port", "tls", "accesskey", "secretkey", "region", "encryptionkey", "encryptionalg", "object", "bucket")
    SERVER_FIELD_NUMBER: _ClassVar[int]
    PORT_FIELD_NUMBER: _ClassVar[int]
    TLS_FIELD_NUMBER: _ClassVar[int]
    ACCESSKEY_FIELD_NUMBER: _ClassVar[int]
    SECRETKEY_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTIONKEY_FIELD_NUMBER: _ClassVar[int]
    ENCRYPTIONALG_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    BUCKET_FIELD_NUMBER: _ClassVar[int]
    server: str
    port: int
    tls: bool
    accesskey: str
    secretkey: str
    region: str
    encryptionkey: str
    encryptionalg: str
    object: str
    bucket: str
    def __init__(self, server: _Optional[str] = ..., port: _Optional[int] = ..., tls: _Optional[bool] = ..., accesskey: _Optional[str] = ..., secretkey: _Optional[str] = ..., region: _Optional[str] = ..., encryptionkey: _Optional[str] = ..., encryptionalg: _Optional[str] = ..., object: _Optional[str] = ..., bucket: _Optional[str] = ...) -> None: ...

class FileRef(_message.Message):
    __slots__ = ("protocol", "s3object")
    PROTOCOL_FIELD_NUMBER: _ClassVar[int]
    S3OBJECT_FIELD_NUMBER: _ClassVar[int]
    protocol: str
    s3object: S3Object
    def __init__(self, protocol: _Optional[str] = ..., s3object: _Optional[_Union[S3Object, _Mapping]] = ...) -> None: ...

class File(_message.Message):
    __slots__ = ("fileid", "colonyname", "label", "name", "size", "sequencenr", "checksum", "checksumalg", "ref", "added")
    FILEID_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SEQUENCENR_FIELD_NUMBER: _ClassVar[int]
    CHECKSUM_FIELD_NUMBER: _ClassVar[int]
    CHECKSUMALG_FIELD_NUMBER: _ClassVar[int]
    REF_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    fileid: str
    colonyname: str
    label: str
    name: str
    size: int
    sequencenr: int
    checksum: str
    checksumalg: str
    ref: FileRef
    added: int
    def __init__(self, fileid: _Optional[str] = ..., colonyname: _Optional[str] = ..., label: _Optional[str] = ..., name: _Optional[str] = ..., size: _Optional[int] = ..., sequencenr: _Optional[int] = ..., checksum: _Optional[str] = ..., checksumalg: _Optional[str] = ..., ref: _Optional[_Union[FileRef, _Mapping]] = ..., added: _Optional[int] = ...) -> None: ...

class FileData(_message.Message):
    __slots__ = ("name", "checksum", "size", "s3filename")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHECKSUM_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    S3FILENAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    checksum: str
    size: int
    s3filename: str
    def __init__(self, name: _Optional[str] = ..., checksum: _Optional[str] = ..., size: _Optional[int] = ..., s3filename: _Optional[str] = ...) -> None: ...

class FileLabel(_message.Message):
    __slots__ = ("name", "files")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    name: str
    files: int
    def __init__(self, name: _Optional[str] = ..., files: _Optional[int] = ...) -> None: ...

class Snapshot(_message.Message):
    __slots__ = ("snapshotid", "colonyname", "label", "name", "fileids", "added")
    SNAPSHOTID_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FILEIDS_FIELD_NUMBER: _ClassVar[int]
    ADDED_FIELD_NUMBER: _ClassVar[int]
    snapshotid: str
    colonyname: str
    label: str
    name: str
    fileids: _containers.RepeatedScalarFieldContainer[str]
    added: int
    def __init__(self, snapshotid: _Optional[str] = ..., colonyname: _Optional[str] = ..., label: _Optional[str] = ..., name: _Optional[str] = ..., fileids: _Optional[_Iterable[str]] = ..., added: _Optional[int] = ...) -> None: ...

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

class SetRetentionRequest(_message.Message):
    __slots__ = ("colonyname", "retention")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    RETENTION_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    retention: int
    def __init__(self, colonyname: _Optional[str] = ..., retention: _Optional[int] = ...) -> None: ...

class FairWeightRequest(_message.Message):
    __slots__ = ("colonyname", "name", "weight")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    weight: int
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...

class FairWeight(_message.Message):
    __slots__ = ("name", "kind", "weight")
    NAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    name: str
    kind: str
    weight: int
    def __init__(self, name: _Optional[str] = ..., kind: _Optional[str] = ..., weight: _Optional[int] = ...) -> None: ...

class ListFairWeightsReply(_message.Message):
    __slots__ = ("weights",)
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    weights: _containers.RepeatedCompositeFieldContainer[FairWeight]
    def __init__(self, weights: _Optional[_Iterable[_Union[FairWeight, _Mapping]]] = ...) -> None: ...

class PauseRequest(_message.Message):
    __slots__ = ("colonyname", "executortype")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    executortype: str
    def __init__(self, colonyname: _Optional[str] = ..., executortype: _Optional[str] = ...) -> None: ...

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

class UpdateExecutorRequest(_message.Message):
    __slots__ = ("colonyname", "executorname", "capabilities")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    EXECUTORNAME_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    executorname: str
    capabilities: Capabilities
    def __init__(self, colonyname: _Optional[str] = ..., executorname: _Optional[str] = ..., capabilities: _Optional[_Union[Capabilities, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("spec", "idempotency_key", "notbefore", "delay")
    SPEC_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    NOTBEFORE_FIELD_NUMBER: _ClassVar[int]
    DELAY_FIELD_NUMBER: _ClassVar[int]
    spec: FuncSpec
    idempotency_key: str
    notbefore: int
    delay: float
    def __init__(self, spec: _Optional[_Union[FuncSpec, _Mapping]] = ..., idempotency_key: _Optional[str] = ..., notbefore: _Optional[int] = ..., delay: _Optional[float] = ...) -> None: ...

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

class AcknowledgeRequest(_message.Message):
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

class ChannelAppendRequest(_message.Message):
    __slots__ = ("processid", "name", "sequence", "payload", "type", "inreplyto")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INREPLYTO_FIELD_NUMBER: _ClassVar[int]
    processid: str
    name: str
    sequence: int
    payload: bytes
    type: str
    inreplyto: int
    def __init__(self, processid: _Optional[str] = ..., name: _Optional[str] = ..., sequence: _Optional[int] = ..., payload: _Optional[bytes] = ..., type: _Optional[str] = ..., inreplyto: _Optional[int] = ...) -> None: ...

class ChannelReadRequest(_message.Message):
    __slots__ = ("processid", "name", "after", "limit")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    processid: str
    name: str
    after: int
    limit: int
    def __init__(self, processid: _Optional[str] = ..., name: _Optional[str] = ..., after: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ChannelEntries(_message.Message):
    __slots__ = ("entries",)
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[ChannelEntry]
    def __init__(self, entries: _Optional[_Iterable[_Union[ChannelEntry, _Mapping]]] = ...) -> None: ...

class SubscribeChannelRequest(_message.Message):
    __slots__ = ("processid", "name", "after", "timeout")
    PROCESSID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    processid: str
    name: str
    after: int
    timeout: float
    def __init__(self, processid: _Optional[str] = ..., name: _Optional[str] = ..., after: _Optional[int] = ..., timeout: _Optional[float] = ...) -> None: ...

class Location(_message.Message):
    __slots__ = ("name", "colonyname", "locationid", "description", "long", "lat")
    NAME_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    LOCATIONID_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LONG_FIELD_NUMBER: _ClassVar[int]
    LAT_FIELD_NUMBER: _ClassVar[int]
    name: str
    colonyname: str
    locationid: str
    description: str
    long: float
    lat: float
    def __init__(self, name: _Optional[str] = ..., colonyname: _Optional[str] = ..., locationid: _Optional[str] = ..., description: _Optional[str] = ..., long: _Optional[float] = ..., lat: _Optional[float] = ...) -> None: ...

class BlueprintMetadata(_message.Message):
    __slots__ = ("name", "colonyname", "locationname", "labels", "annotations", "generation", "created", "updated", "lastreconciliationprocess", "lastreconciliationtime")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    LOCATIONNAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    LASTRECONCILIATIONPROCESS_FIELD_NUMBER: _ClassVar[int]
    LASTRECONCILIATIONTIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    colonyname: str
    locationname: str
    labels: _containers.ScalarMap[str, str]
    annotations: _containers.ScalarMap[str, str]
    generation: int
    created: int
    updated: int
    lastreconciliationprocess: str
    lastreconciliationtime: int
    def __init__(self, name: _Optional[str] = ..., colonyname: _Optional[str] = ..., locationname: _Optional[str] = ..., labels: _Optional[_Mapping[str, str]] = ..., annotations: _Optional[_Mapping[str, str]] = ..., generation: _Optional[int] = ..., created: _Optional[int] = ..., updated: _Optional[int] = ..., lastreconciliationprocess: _Optional[str] = ..., lastreconciliationtime: _Optional[int] = ...) -> None: ...

class BlueprintNames(_message.Message):
    __slots__ = ("kind", "listkind", "singular", "plural", "shortnames")
    KIND_FIELD_NUMBER: _ClassVar[int]
    LISTKIND_FIELD_NUMBER: _ClassVar[int]
    SINGULAR_FIELD_NUMBER: _ClassVar[int]
    PLURAL_FIELD_NUMBER: _ClassVar[int]
    SHORTNAMES_FIELD_NUMBER: _ClassVar[int]
    kind: str
    listkind: str
    singular: str
    plural: str
    shortnames: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, kind: _Optional[str] = ..., listkind: _Optional[str] = ..., singular: _Optional[str] = ..., plural: _Optional[str] = ..., shortnames: _Optional[_Iterable[str]] = ...) -> None: ...

class BlueprintHandler(_message.Message):
    __slots__ = ("executortype", "functionname", "reconcileinterval")
    EXECUTORTYPE_FIELD_NUMBER: _ClassVar[int]
    FUNCTIONNAME_FIELD_NUMBER: _ClassVar[int]
    RECONCILEINTERVAL_FIELD_NUMBER: _ClassVar[int]
    executortype: str
    functionname: str
    reconcileinterval: int
    def __init__(self, executortype: _Optional[str] = ..., functionname: _Optional[str] = ..., reconcileinterval: _Optional[int] = ...) -> None: ...

class BlueprintDefinitionSpec(_message.Message):
    __slots__ = ("group", "version", "names", "scope", "schema_json", "handler")
    GROUP_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    NAMES_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    SCHEMA_JSON_FIELD_NUMBER: _ClassVar[int]
    HANDLER_FIELD_NUMBER: _ClassVar[int]
    group: str
    version: str
    names: BlueprintNames
    scope: str
    schema_json: str
    handler: BlueprintHandler
    def __init__(self, group: _Optional[str] = ..., version: _Optional[str] = ..., names: _Optional[_Union[BlueprintNames, _Mapping]] = ..., scope: _Optional[str] = ..., schema_json: _Optional[str] = ..., handler: _Optional[_Union[BlueprintHandler, _Mapping]] = ...) -> None: ...

class BlueprintDefinition(_message.Message):
    __slots__ = ("kind", "metadata", "spec", "blueprintdefinitionid")
    KIND_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    BLUEPRINTDEFINITIONID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    metadata: BlueprintMetadata
    spec: BlueprintDefinitionSpec
    blueprintdefinitionid: str
    def __init__(self, kind: _Optional[str] = ..., metadata: _Optional[_Union[BlueprintMetadata, _Mapping]] = ..., spec: _Optional[_Union[BlueprintDefinitionSpec, _Mapping]] = ..., blueprintdefinitionid: _Optional[str] = ...) -> None: ...

class Blueprint(_message.Message):
    __slots__ = ("kind", "metadata", "spec_json", "status_json", "blueprintid")
    KIND_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    SPEC_JSON_FIELD_NUMBER: _ClassVar[int]
    STATUS_JSON_FIELD_NUMBER: _ClassVar[int]
    BLUEPRINTID_FIELD_NUMBER: _ClassVar[int]
    kind: str
    metadata: BlueprintMetadata
    spec_json: str
    status_json: str
    blueprintid: str
    def __init__(self, kind: _Optional[str] = ..., metadata: _Optional[_Union[BlueprintMetadata, _Mapping]] = ..., spec_json: _Optional[str] = ..., status_json: _Optional[str] = ..., blueprintid: _Optional[str] = ...) -> None: ...

class BlueprintHistory(_message.Message):
    __slots__ = ("historyid", "blueprintid", "kind", "namespace", "name", "generation", "changetype", "changedby", "timestamp", "spec_json", "status_json")
    HISTORYID_FIELD_NUMBER: _ClassVar[int]
    BLUEPRINTID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    CHANGETYPE_FIELD_NUMBER: _ClassVar[int]
    CHANGEDBY_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    SPEC_JSON_FIELD_NUMBER: _ClassVar[int]
    STATUS_JSON_FIELD_NUMBER: _ClassVar[int]
    historyid: str
    blueprintid: str
    kind: str
    namespace: str
    name: str
    generation: int
    changetype: str
    changedby: str
    timestamp: int
    spec_json: str
    status_json: str
    def __init__(self, historyid: _Optional[str] = ..., blueprintid: _Optional[str] = ..., kind: _Optional[str] = ..., namespace: _Optional[str] = ..., name: _Optional[str] = ..., generation: _Optional[int] = ..., changetype: _Optional[str] = ..., changedby: _Optional[str] = ..., timestamp: _Optional[int] = ..., spec_json: _Optional[str] = ..., status_json: _Optional[str] = ...) -> None: ...

class LocationRequest(_message.Message):
    __slots__ = ("colonyname", "name")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListLocationsReply(_message.Message):
    __slots__ = ("locations",)
    LOCATIONS_FIELD_NUMBER: _ClassVar[int]
    locations: _containers.RepeatedCompositeFieldContainer[Location]
    def __init__(self, locations: _Optional[_Iterable[_Union[Location, _Mapping]]] = ...) -> None: ...

class BlueprintNameRequest(_message.Message):
    __slots__ = ("colonyname", "name")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListBlueprintDefinitionsReply(_message.Message):
    __slots__ = ("definitions",)
    DEFINITIONS_FIELD_NUMBER: _ClassVar[int]
    definitions: _containers.RepeatedCompositeFieldContainer[BlueprintDefinition]
    def __init__(self, definitions: _Optional[_Iterable[_Union[BlueprintDefinition, _Mapping]]] = ...) -> None: ...

class ListBlueprintsRequest(_message.Message):
    __slots__ = ("colonyname", "kind", "locationname")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    LOCATIONNAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    kind: str
    locationname: str
    def __init__(self, colonyname: _Optional[str] = ..., kind: _Optional[str] = ..., locationname: _Optional[str] = ...) -> None: ...

class ListBlueprintsReply(_message.Message):
    __slots__ = ("blueprints",)
    BLUEPRINTS_FIELD_NUMBER: _ClassVar[int]
    blueprints: _containers.RepeatedCompositeFieldContainer[Blueprint]
    def __init__(self, blueprints: _Optional[_Iterable[_Union[Blueprint, _Mapping]]] = ...) -> None: ...

class UpdateBlueprintRequest(_message.Message):
    __slots__ = ("blueprint", "force_generation")
    BLUEPRINT_FIELD_NUMBER: _ClassVar[int]
    FORCE_GENERATION_FIELD_NUMBER: _ClassVar[int]
    blueprint: Blueprint
    force_generation: bool
    def __init__(self, blueprint: _Optional[_Union[Blueprint, _Mapping]] = ..., force_generation: _Optional[bool] = ...) -> None: ...

class UpdateBlueprintStatusRequest(_message.Message):
    __slots__ = ("colonyname", "name", "status_json")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    STATUS_JSON_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    status_json: str
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ..., status_json: _Optional[str] = ...) -> None: ...

class ReconcileBlueprintRequest(_message.Message):
    __slots__ = ("colonyname", "name", "force")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    FORCE_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    force: bool
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ..., force: _Optional[bool] = ...) -> None: ...

class BlueprintHistoryRequest(_message.Message):
    __slots__ = ("blueprintid", "limit")
    BLUEPRINTID_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    blueprintid: str
    limit: int
    def __init__(self, blueprintid: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class BlueprintHistoryReply(_message.Message):
    __slots__ = ("history",)
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    history: _containers.RepeatedCompositeFieldContainer[BlueprintHistory]
    def __init__(self, history: _Optional[_Iterable[_Union[BlueprintHistory, _Mapping]]] = ...) -> None: ...

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

class RerunProcessGraphRequest(_message.Message):
    __slots__ = ("processgraphid", "from_failed")
    PROCESSGRAPHID_FIELD_NUMBER: _ClassVar[int]
    FROM_FAILED_FIELD_NUMBER: _ClassVar[int]
    processgraphid: str
    from_failed: bool
    def __init__(self, processgraphid: _Optional[str] = ..., from_failed: _Optional[bool] = ...) -> None: ...

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
    __slots__ = ("request_id", "open", "close", "fail", "log", "set_output", "heartbeat", "release", "confirm", "received")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    CLOSE_FIELD_NUMBER: _ClassVar[int]
    FAIL_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    SET_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    open: SessionOpen
    close: CloseRequest
    fail: FailRequest
    log: AddLogRequest
    set_output: SetOutputRequest
    heartbeat: HeartbeatRequest
    release: ReleaseRequest
    confirm: SessionConfirm
    received: int
    def __init__(self, request_id: _Optional[int] = ..., open: _Optional[_Union[SessionOpen, _Mapping]] = ..., close: _Optional[_Union[CloseRequest, _Mapping]] = ..., fail: _Optional[_Union[FailRequest, _Mapping]] = ..., log: _Optional[_Union[AddLogRequest, _Mapping]] = ..., set_output: _Optional[_Union[SetOutputRequest, _Mapping]] = ..., heartbeat: _Optional[_Union[HeartbeatRequest, _Mapping]] = ..., release: _Optional[_Union[ReleaseRequest, _Mapping]] = ..., confirm: _Optional[_Union[SessionConfirm, _Mapping]] = ..., received: _Optional[int] = ...) -> None: ...

class SessionConfirm(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

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

class AddFileRequest(_message.Message):
    __slots__ = ("file",)
    FILE_FIELD_NUMBER: _ClassVar[int]
    file: File
    def __init__(self, file: _Optional[_Union[File, _Mapping]] = ...) -> None: ...

class GetFileRequest(_message.Message):
    __slots__ = ("colonyname", "fileid", "label", "name", "latest")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    FILEID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LATEST_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    fileid: str
    label: str
    name: str
    latest: bool
    def __init__(self, colonyname: _Optional[str] = ..., fileid: _Optional[str] = ..., label: _Optional[str] = ..., name: _Optional[str] = ..., latest: _Optional[bool] = ...) -> None: ...

class ListFilesReply(_message.Message):
    __slots__ = ("files",)
    FILES_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[File]
    def __init__(self, files: _Optional[_Iterable[_Union[File, _Mapping]]] = ...) -> None: ...

class GetFilesRequest(_message.Message):
    __slots__ = ("colonyname", "label")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    label: str
    def __init__(self, colonyname: _Optional[str] = ..., label: _Optional[str] = ...) -> None: ...

class GetFilesReply(_message.Message):
    __slots__ = ("files",)
    FILES_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[FileData]
    def __init__(self, files: _Optional[_Iterable[_Union[FileData, _Mapping]]] = ...) -> None: ...

class GetFileLabelsRequest(_message.Message):
    __slots__ = ("colonyname", "name", "exact")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    exact: bool
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ..., exact: _Optional[bool] = ...) -> None: ...

class GetFileLabelsReply(_message.Message):
    __slots__ = ("labels",)
    LABELS_FIELD_NUMBER: _ClassVar[int]
    labels: _containers.RepeatedCompositeFieldContainer[FileLabel]
    def __init__(self, labels: _Optional[_Iterable[_Union[FileLabel, _Mapping]]] = ...) -> None: ...

class RemoveFileRequest(_message.Message):
    __slots__ = ("colonyname", "fileid", "label", "name")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    FILEID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    fileid: str
    label: str
    name: str
    def __init__(self, colonyname: _Optional[str] = ..., fileid: _Optional[str] = ..., label: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class CreateSnapshotRequest(_message.Message):
    __slots__ = ("colonyname", "label", "name")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    label: str
    name: str
    def __init__(self, colonyname: _Optional[str] = ..., label: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class SnapshotRequest(_message.Message):
    __slots__ = ("colonyname", "snapshotid", "name")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOTID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    snapshotid: str
    name: str
    def __init__(self, colonyname: _Optional[str] = ..., snapshotid: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListSnapshotsReply(_message.Message):
    __slots__ = ("snapshots",)
    SNAPSHOTS_FIELD_NUMBER: _ClassVar[int]
    snapshots: _containers.RepeatedCompositeFieldContainer[Snapshot]
    def __init__(self, snapshots: _Optional[_Iterable[_Union[Snapshot, _Mapping]]] = ...) -> None: ...

class ObjectChunk(_message.Message):
    __slots__ = ("colonyname", "size", "sha256", "data")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    size: int
    sha256: str
    data: bytes
    def __init__(self, colonyname: _Optional[str] = ..., size: _Optional[int] = ..., sha256: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class ObjectRequest(_message.Message):
    __slots__ = ("colonyname", "sha256")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    sha256: str
    def __init__(self, colonyname: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...

class ObjectInfo(_message.Message):
    __slots__ = ("size", "sha256")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    size: int
    sha256: str
    def __init__(self, size: _Optional[int] = ..., sha256: _Optional[str] = ...) -> None: ...

class RateLimit(_message.Message):
    __slots__ = ("colonyname", "name", "rate", "unit", "burst", "tokens")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    BURST_FIELD_NUMBER: _ClassVar[int]
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    rate: int
    unit: str
    burst: int
    tokens: float
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ..., rate: _Optional[int] = ..., unit: _Optional[str] = ..., burst: _Optional[int] = ..., tokens: _Optional[float] = ...) -> None: ...

class RateLimitRequest(_message.Message):
    __slots__ = ("colonyname", "name")
    COLONYNAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    colonyname: str
    name: str
    def __init__(self, colonyname: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class ListRateLimitsReply(_message.Message):
    __slots__ = ("ratelimits",)
    RATELIMITS_FIELD_NUMBER: _ClassVar[int]
    ratelimits: _containers.RepeatedCompositeFieldContainer[RateLimit]
    def __init__(self, ratelimits: _Optional[_Iterable[_Union[RateLimit, _Mapping]]] = ...) -> None: ...
