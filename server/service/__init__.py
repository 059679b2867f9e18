"""The service layer: every use case, with its authorization checks.

Transports (gRPC, the ColonyOS HTTP gateway) call these methods with the
caller's id, already recovered from the request signature.
"""

from __future__ import annotations

from server.service.colonies import ColonyService
from server.service.schedules import ScheduleService


class ColoniesService(ScheduleService, ColonyService):
    """All use cases of the server."""


__all__ = ["ColoniesService"]
