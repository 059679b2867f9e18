"""The service layer as one object, built by one factory.

Each service receives its collaborators: the store, the access guard (roles),
the event emitter (the hub), the clock, and the services it builds on
(schedules start workflows). Transports depend on `Services` alone: besides
the use cases it answers whether changes are committed (`durable`), whether
the store is reachable (`ping`) and what time it is (`now_ns`), so no
transport touches the store, the hub or the clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pycolonies_like.core.clock import Clock
from pycolonies_like.core.rules import LeasePolicy
from server.counters import ServerCounters
from server.hub import Hub
from server.objects import LocalObjects
from server.service.blueprints import BlueprintService
from server.service.channels import ChannelService
from server.service.colonies import ColonyService
from server.service.emitter import EventEmitter
from server.service.files import FileService
from server.service.guard import AccessGuard
from server.service.locations import LocationService
from server.service.logs import LogService
from server.service.processes import ProcessService
from server.service.ratelimits import RateLimitService
from server.service.retention import RetentionService
from server.service.schedules import ScheduleService
from server.service.sessions import SessionService
from server.service.subscriptions import SubscriptionService
from server.service.workflows import WorkflowService
from server.store.base import Store


class Services:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        emitter: EventEmitter,
        colonies: ColonyService,
        processes: ProcessService,
        logs: LogService,
        workflows: WorkflowService,
        schedules: ScheduleService,
        subscriptions: SubscriptionService,
        channels: ChannelService,
        locations: LocationService,
        ratelimits: RateLimitService,
        blueprints: BlueprintService,
        files: FileService,
        retention: RetentionService,
        sessions: SessionService,
    ) -> None:
        self.colonies = colonies  # colonies, executors, users, functions, statistics
        self.processes = processes  # submit, assign, close, fail, deadlines, reads
        self.logs = logs  # logs and attributes of processes
        self.workflows = workflows  # process graphs and dynamic children
        self.schedules = schedules  # crons and generators
        self.subscriptions = subscriptions  # event streams
        self.sessions = sessions  # dashboard sessions
        self.channels = channels  # live messages between a submitter and its executor
        self.locations = locations  # named places of a colony
        self.ratelimits = ratelimits  # budgets of process starts
        self.blueprints = blueprints  # declarative desired state, and its reconciliation
        self.files = files  # ColonyFS metadata and snapshots
        self.retention = retention  # removing finished work past its colony's period
        self._emitter = emitter
        self.counters: ServerCounters = emitter.counters  # what the request path counted
        # Bound straight to the store and the clock, as they are called on every
        # request. durable(): returns once every change so far is committed
        # (StorageError if it could not be); transports await it before replying.
        # ping(): StorageError when the store cannot be reached. now_ns(): the
        # server's time, Unix nanoseconds.
        self.durable: Callable[[], Awaitable[None]] = store.durable
        self.ping: Callable[[], Awaitable[None]] = store.ping
        self.now_ns: Callable[[], int] = clock.now_ns

    @property
    def closing(self) -> bool:
        """The server is stopping (long polls and streams end)."""
        return self._emitter.closing

    def close(self) -> None:
        """Wakes every parked call and ends every stream: the server is stopping."""
        self._emitter.close()


def build_services(
    store: Store,
    hub: Hub,
    clock: Clock,
    server_id: str,
    counters: ServerCounters | None = None,
    leases: LeasePolicy | None = None,
    objects: LocalObjects | None = None,
) -> Services:
    guard = AccessGuard(store, server_id)
    emitter = EventEmitter(hub, clock, counters)
    workflows = WorkflowService(store, guard, emitter, clock)
    processes = ProcessService(store, guard, emitter, clock, leases)
    schedules = ScheduleService(store, guard, clock, workflows)
    return Services(
        store=store,
        clock=clock,
        emitter=emitter,
        colonies=ColonyService(store, guard, emitter, clock, processes.leases, objects),
        processes=processes,
        logs=LogService(store, guard, emitter, clock),
        workflows=workflows,
        schedules=schedules,
        subscriptions=SubscriptionService(store, guard, emitter, clock),
        channels=ChannelService(store, guard, emitter, clock),
        locations=LocationService(store, guard),
        ratelimits=RateLimitService(store, guard, clock),
        blueprints=BlueprintService(store, guard, clock, processes, schedules),
        files=FileService(store, guard, clock, objects),
        retention=RetentionService(store, clock),
        sessions=SessionService(store, clock),
    )
