"""One structured audit event per request: who, what, on which resource, the decision
and the statement that decided it. Secrets never appear here."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass

logger = logging.getLogger("karashi.audit")


@dataclass
class AuditEvent:
    request_id: str
    service: str
    operation: str = ""
    principal: str = ""
    access_key_id: str = ""
    action: str = ""
    resource: str = ""
    source_ip: str = ""
    decision: str = ""
    reason: str = ""
    status: int = 0
    error: str = ""

    def emit(self) -> None:
        fields = {k: v for k, v in asdict(self).items() if v not in ("", 0)}
        level = logging.WARNING if self.status >= 500 else logging.INFO
        logger.log(level, "%s", json.dumps(fields, sort_keys=True), extra={"audit": fields})
