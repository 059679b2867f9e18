"""The service layer: every use case, with its authorization checks.

Transports (gRPC, the ColonyOS HTTP gateway) call these services with the
caller's id, already recovered from the request signature. `build_services`
wires them; see services.py.
"""

from __future__ import annotations

from server.service.services import Services, build_services

__all__ = ["Services", "build_services"]
